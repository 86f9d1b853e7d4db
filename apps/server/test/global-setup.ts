/**
 * Builds the migrated PGlite template once per test run and caches it in the OS temp folder,
 * keyed by a hash of the migrations, so later runs skip PGlite's ~3 s initdb entirely.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { TestProject } from 'vitest/node';
import { MIGRATIONS_FOLDER, migrate, wrapPglite } from '../src/shared/db/database.js';
import { dropOrphanedPostgresDatabases } from './testing/postgres-orphans.js';

function migrationsHash(): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else hash.update(entry.name).update(readFileSync(full));
    }
  };
  walk(MIGRATIONS_FOLDER);
  return hash.digest('hex').slice(0, 16);
}

export default async function setup(project: TestProject): Promise<void> {
  await dropOrphanedPostgresDatabases();
  const file = path.join(os.tmpdir(), `kalshi-desk-pglite-template-${migrationsHash()}.tar`);
  if (!existsSync(file)) {
    const client = await PGlite.create();
    await migrate(wrapPglite(client));
    const dump = await client.dumpDataDir('none');
    await client.close();
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
    renameSync(tmp, file);
  }
  project.provide('pgliteTemplate', file);
}
