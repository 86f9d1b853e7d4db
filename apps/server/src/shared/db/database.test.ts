/**
 * The database's timeouts and probe. PostgreSQL is reached through a proxy the test can
 * blackhole (connections accepted, nothing answered) or refuse, since the real server cannot
 * be stopped from a test; every wait must end within its timeout, never hang.
 */
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from './database-errors.js';
import { openPostgres, type Database } from './database.js';
import {
  createPostgresTestDatabase,
  createTestDatabase,
  postgresSkipReason,
  type PostgresTestDatabase,
} from './testing.js';
import { DatabaseProxy } from './testing-proxy.js';

const skipReason = postgresSkipReason();
const TIMEOUTS = { connectMs: 500, statementMs: 800, queryMs: 1_200 };
/** Slack for a shared 2-core machine: a timeout firing late, never one not firing. */
const SLACK_MS = 1_000;

/** The rejection of `run`, with how long it took. */
async function failureOf(run: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const startedAt = performance.now();
  try {
    await run();
  } catch (error) {
    return { error, ms: performance.now() - startedAt };
  }
  throw new Error('expected the query to fail');
}

describe.skipIf(skipReason !== null)('PostgreSQL through a proxy that fails on demand', () => {
  let target: PostgresTestDatabase;
  let proxy: DatabaseProxy;
  let database: Database;

  beforeAll(async () => {
    target = await createPostgresTestDatabase();
    const url = new URL(target.url);
    proxy = await DatabaseProxy.start({ host: url.hostname, port: Number(url.port || 5432) });
  });
  afterAll(async () => {
    await proxy.close();
    await target.close();
  });
  beforeEach(() => {
    database = openPostgres(proxy.urlFor(target.url), { timeouts: TIMEOUTS });
  });
  afterEach(async () => {
    await proxy.restore();
    await database.close();
  });

  const select1 = () => database.db.execute(sql`select 1`);
  const setting = async (name: string) => {
    const result = (await database.db.execute(sql.raw(`show ${name}`))) as { rows: Record<string, string>[] };
    return result.rows[0]?.[name];
  };

  it('sets statement and idle-in-transaction timeouts on every connection', async () => {
    expect(await setting('statement_timeout')).toBe('800ms');
    expect(await setting('idle_in_transaction_session_timeout')).toBe('10s');
  });

  it('a statement running past statement_timeout is cancelled, as a transient failure', async () => {
    const { error, ms } = await failureOf(() => database.db.execute(sql`select pg_sleep(5)`));
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect(ms).toBeLessThan(TIMEOUTS.statementMs + SLACK_MS);
  });

  it('a database that accepts connections and never answers fails within the connect timeout', async () => {
    proxy.blackhole();
    const { error, ms } = await failureOf(select1);
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect(ms).toBeLessThan(TIMEOUTS.connectMs + SLACK_MS);
  });

  it('an open connection that stops answering fails at the client-side query timeout', async () => {
    await select1();
    proxy.blackhole();
    const { error, ms } = await failureOf(select1);
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect(ms).toBeLessThan(TIMEOUTS.queryMs + SLACK_MS);
  });

  it('a refused connection fails at once', async () => {
    await proxy.refuse();
    const { error, ms } = await failureOf(select1);
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect(ms).toBeLessThan(SLACK_MS);
  });

  it('the probe says down within its own deadline, and ok again once the database is back', async () => {
    expect(await database.probe()).toMatchObject({ isUp: true });
    proxy.blackhole();
    const startedAt = performance.now();
    const down = await database.probe({ timeoutMs: 300 });
    expect(down.isUp).toBe(false);
    expect(down.latencyMs).toBeGreaterThanOrEqual(299);
    expect(performance.now() - startedAt).toBeLessThan(300 + SLACK_MS);

    await proxy.restore();
    await expect.poll(async () => (await database.probe()).isUp, { timeout: 5_000 }).toBe(true);
  });

  it('concurrent probes of a hanging database share one query', async () => {
    proxy.blackhole();
    const probes = await Promise.all([1, 2, 3, 4, 5].map(() => database.probe({ timeoutMs: 200 })));
    expect(probes.every((p) => !p.isUp)).toBe(true);
    // The pool is free for requests: one connection attempt was made for the five probes.
    const pool = (database.db as unknown as { $client: { totalCount: number } }).$client;
    expect(pool.totalCount).toBeLessThanOrEqual(1);
  });

  it('close does not wait for a database that never answers', async () => {
    proxy.blackhole();
    const pending = select1().catch(() => undefined);
    const startedAt = performance.now();
    await database.close();
    expect(performance.now() - startedAt).toBeLessThan(TIMEOUTS.connectMs + SLACK_MS);
    await pending;
    // close() twice (shutdown paths may both try) is harmless.
    await database.close();
  });
});

describe('PGlite', () => {
  it('answers the probe, and a closed one is reported down at once', async () => {
    const database = await createTestDatabase();
    const up = await database.probe();
    expect(up.isUp).toBe(true);
    expect(up.latencyMs).toBeGreaterThanOrEqual(0);
    await database.close();
    expect((await database.probe()).isUp).toBe(false);
    const { error } = await failureOf(() => database.db.execute(sql`select 1`));
    expect(isDatabaseUnavailable(error)).toBe(true);
  });
});
