/**
 * One Database type over two drivers: embedded PGlite (the default, data in DATA_DIR) and
 * node-postgres (DATABASE_URL). Both run the same checked-in migrations from apps/server/drizzle.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import * as schema from './schema.js';

export { schema };
export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  /**
   * Runs a trivial query and says whether it answered within `timeoutMs` (default
   * PROBE_TIMEOUT_MS) and how long it took. Never rejects, never waits past the timeout.
   */
  probe(options?: { timeoutMs?: number }): Promise<DatabaseProbe>;
  close(): Promise<void>;
}

export interface DatabaseProbe {
  isUp: boolean;
  /** How long the probe took: the query's round trip, or the time until it failed or gave up. */
  latencyMs: number;
}

/** The health check's own deadline: short, so /health answers while the database hangs. */
export const PROBE_TIMEOUT_MS = 1_000;

/**
 * node-postgres has no timeout at all by default: one unreachable database would hang every
 * request, /health, logout and shutdown. Every wait is bounded instead.
 */
export interface PostgresTimeouts {
  /** Opening a connection, waiting for a free one in the pool included. */
  connectMs: number;
  /** Server side (`statement_timeout`): a statement running longer is cancelled. */
  statementMs: number;
  /**
   * Client side (`query_timeout`): no answer at all, e.g. the network dropped packets the
   * server never saw. A little longer than statementMs so a slow query fails cleanly first.
   */
  queryMs: number;
  /** Server side (`idle_in_transaction_session_timeout`): a transaction left open is ended. */
  idleInTransactionMs: number;
  /** An unused pooled connection is closed after this. */
  idleMs: number;
}

export const DEFAULT_POSTGRES_TIMEOUTS: PostgresTimeouts = {
  connectMs: 3_000,
  statementMs: 4_000,
  queryMs: 5_000,
  idleInTransactionMs: 10_000,
  idleMs: 30_000,
};

export const MIGRATIONS_FOLDER = path.resolve(import.meta.dirname, '../../../drizzle');

export interface DatabaseTarget {
  databaseUrl: string | null;
  dataDir: string;
}

/** PGlite in `<dataDir>/pglite` unless a PostgreSQL URL is configured. */
export async function openDatabase(config: DatabaseTarget): Promise<Database> {
  if (config.databaseUrl !== null) return openPostgres(config.databaseUrl);
  const dataDir = path.join(config.dataDir, 'pglite');
  mkdirSync(dataDir, { recursive: true });
  const client = await PGlite.create({ dataDir });
  return wrapPglite(client);
}

/**
 * PGlite runs in this process, so it cannot hang on a network; it gets the same probe (with
 * its deadline) so /health behaves alike on both.
 */
export function wrapPglite(client: PGlite): Database {
  const db: Db = drizzlePglite({ client, schema });
  return {
    db,
    kind: 'pglite',
    probe: probeOf(db),
    close: () => client.close(),
  };
}

/** Migrations run on a connection of their own without statement_timeout (see migrate()). */
const migrationTargets = new WeakMap<Db, { connectionString: string; connectMs: number }>();

export function openPostgres(
  connectionString: string,
  options: { timeouts?: Partial<PostgresTimeouts> } = {},
): Database {
  const timeouts = { ...DEFAULT_POSTGRES_TIMEOUTS, ...options.timeouts };
  const pool = new pg.Pool({
    connectionString,
    max: 10,
    application_name: 'kalshi-desk',
    connectionTimeoutMillis: timeouts.connectMs,
    statement_timeout: timeouts.statementMs,
    query_timeout: timeouts.queryMs,
    idle_in_transaction_session_timeout: timeouts.idleInTransactionMs,
    idleTimeoutMillis: timeouts.idleMs,
    // A half-open connection (the database host vanished) is noticed by TCP, not only by the
    // next query's timeout.
    keepAlive: true,
  });
  // An idle client losing its connection must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  const db: Db = drizzlePg({ client: pool, schema });
  migrationTargets.set(db, { connectionString, connectMs: timeouts.connectMs });
  let closing: Promise<void> | null = null;
  return {
    db,
    kind: 'postgres',
    probe: probeOf(db),
    // pg-pool throws when end() is called twice; shutdown paths may both try.
    close: () => (closing ??= pool.end()),
  };
}

/**
 * The probe behind /health. Concurrent probes share one query, so a burst of health checks
 * against a hanging database holds one pool connection attempt, not one each.
 */
function probeOf(db: Db): Database['probe'] {
  let inFlight: Promise<unknown> | null = null;
  return async (options = {}) => {
    const timeoutMs = options.timeoutMs ?? PROBE_TIMEOUT_MS;
    const startedAt = performance.now();
    const query = (inFlight ??= db.execute(sql`select 1`).finally(() => {
      inFlight = null;
    }));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      const isUp = await Promise.race([
        query.then(
          () => true,
          () => false,
        ),
        deadline,
      ]);
      return { isUp, latencyMs: Math.round(performance.now() - startedAt) };
    } finally {
      clearTimeout(timer);
    }
  };
}

/**
 * Applies every migration in apps/server/drizzle not yet applied (idempotent). On PostgreSQL
 * it uses a connection of its own without the pool's statement_timeout: a migration that
 * rebuilds an index on a large table may rightly take longer than any request should.
 */
export async function migrate(database: Database): Promise<void> {
  const config = { migrationsFolder: MIGRATIONS_FOLDER };
  if (database.kind === 'pglite') {
    await migratePglite(database.db as unknown as Parameters<typeof migratePglite>[0], config);
    return;
  }
  const target = migrationTargets.get(database.db);
  if (target === undefined) {
    await migratePg(database.db as unknown as Parameters<typeof migratePg>[0], config);
    return;
  }
  const pool = new pg.Pool({
    connectionString: target.connectionString,
    max: 1,
    application_name: 'kalshi-desk-migrate',
    connectionTimeoutMillis: target.connectMs,
  });
  pool.on('error', () => undefined);
  try {
    await migratePg(drizzlePg({ client: pool }), config);
  } finally {
    await pool.end();
  }
}
