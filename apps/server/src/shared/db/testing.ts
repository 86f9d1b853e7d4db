/**
 * Test databases: real PostgreSQL semantics through the real migrations, never a mock.
 *
 * - `createTestDatabase()`: an in-memory PGlite loaded from a migrated template. The template
 *   is built once per test run by `test/global-setup.ts` (a fresh PGlite takes ~3 s; loading
 *   the dumped template ~0.5 s), so every test file gets its own private copy.
 * - `createPostgresTestDatabase()`: a throw-away database on the server at TEST_DATABASE_URL
 *   (the root test runner sets it when 127.0.0.1:5432 answers). A database per test file
 *   rather than a schema: drizzle-kit writes foreign keys as "public"."users", which would
 *   escape a per-file schema.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { inject } from 'vitest';
import { migrate, openPostgres, wrapPglite, type Database } from './database.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
  }
}

export async function createTestDatabase(): Promise<Database> {
  const templatePath = inject('pgliteTemplate') as string | undefined;
  if (templatePath !== undefined) {
    const bytes = await readFile(templatePath);
    const client = await PGlite.create({ loadDataDir: new Blob([bytes]) });
    return wrapPglite(client);
  }
  const database = wrapPglite(await PGlite.create());
  await migrate(database);
  return database;
}

/** Why the PostgreSQL variant of a suite is skipped, or null when it can run. */
export function postgresSkipReason(): string | null {
  return process.env.TEST_DATABASE_URL
    ? null
    : 'TEST_DATABASE_URL is not set (the root `npm test` sets it when PostgreSQL answers on 127.0.0.1:5432)';
}

/** A throw-away PostgreSQL database; `url` reaches it (to open more connections to it). */
export interface PostgresTestDatabase extends Database {
  url: string;
}

export async function createPostgresTestDatabase(): Promise<PostgresTestDatabase> {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error(postgresSkipReason() ?? 'TEST_DATABASE_URL is not set');
  const name = `kd_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const target = new URL(url);
  target.pathname = `/${name}`;
  const database = openPostgres(target.toString());
  await migrate(database);
  return {
    ...database,
    url: target.toString(),
    close: async () => {
      await database.close();
      const dropper = new pg.Client({ connectionString: url });
      await dropper.connect();
      try {
        await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

export interface TestDatabaseKind {
  name: 'pglite' | 'postgres';
  /** Non-null: the suite is skipped, and this says why. */
  skipReason: string | null;
  create: () => Promise<Database>;
}

/** Both databases, for suites that must pass on each: `describe.each(testDatabaseKinds())`. */
export function testDatabaseKinds(): TestDatabaseKind[] {
  const reason = postgresSkipReason();
  if (reason !== null) console.warn(`[server tests] PostgreSQL suites skipped: ${reason}`);
  return [
    { name: 'pglite', skipReason: null, create: createTestDatabase },
    { name: 'postgres', skipReason: reason, create: createPostgresTestDatabase },
  ];
}
