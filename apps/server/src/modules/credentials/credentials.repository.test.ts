import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseVaultKey, type KeyRing } from '../../app/config.js';
import { createTestClock } from '../../shared/clock.js';
import type { Database } from '../../shared/db/database.js';
import { createTestDatabase, testDatabaseKinds } from '../../shared/db/testing.js';
import { isAppError } from '../../shared/errors.js';
import { UsersRepository } from '../users/users.repository.js';
import { CredentialsRepository } from './credentials.repository.js';
import { userCredentials } from './credentials.tables.js';
import { CredentialVault } from './credentials.vault.js';

const keyA = parseVaultKey(`a:${Buffer.alloc(32, 1).toString('base64')}`, 'A');
const keyB = parseVaultKey(`b:${Buffer.alloc(32, 2).toString('base64')}`, 'B');
const ring = (current: typeof keyA, ...old: (typeof keyA)[]): KeyRing => ({
  current,
  keys: new Map([current, ...old].map((k) => [k.id, k.key])),
});
const PEM_1 = '-----BEGIN PRIVATE KEY-----\nONE\n-----END PRIVATE KEY-----\n';
const PEM_2 = '-----BEGIN PRIVATE KEY-----\nTWO\n-----END PRIVATE KEY-----\n';
const U1 = '11111111-1111-5111-8111-111111111111';
const U2 = '22222222-2222-5222-8222-222222222222';

describe.each(testDatabaseKinds())('CredentialsRepository on $name', ({ skipReason, create }) => {
  let database: Database;
  const clock = createTestClock();

  beforeAll(async () => {
    if (skipReason !== null) return;
    database = await create();
    const users = new UsersRepository(database.db);
    for (const id of [U1, U2])
      await users.upsert({
        id,
        exchangeUrl: 'http://x/trade-api/v2',
        keyId: `key-${id}`,
        at: new Date(clock.now()),
      });
  });
  afterAll(async () => {
    if (skipReason === null) await database.close();
  });

  it.skipIf(skipReason !== null)('stores encrypted, reads back decrypted, replaces and deletes', async () => {
    const repo = new CredentialsRepository(database.db, new CredentialVault(ring(keyA)), clock);
    await repo.store(U1, { keyId: 'k1', privateKeyPem: PEM_1 });
    await repo.store(U2, { keyId: 'k2', privateKeyPem: PEM_2 });
    const [row] = await database.db.select().from(userCredentials).where(eq(userCredentials.userId, U1));
    expect(row?.ciphertext.toString('utf8')).not.toContain('ONE');
    expect(row?.keyVersion).toBe('a');
    expect(await repo.get(U1)).toEqual({ keyId: 'k1', privateKeyPem: PEM_1 });
    expect(await repo.get(U2)).toEqual({ keyId: 'k2', privateKeyPem: PEM_2 });

    await repo.store(U1, { keyId: 'k1b', privateKeyPem: PEM_2 });
    expect(await repo.get(U1)).toEqual({ keyId: 'k1b', privateKeyPem: PEM_2 });
    await repo.delete(U1);
    expect(await repo.get(U1)).toBeNull();
    expect(await repo.has(U2)).toBe(true);
  });

  it.skipIf(skipReason !== null)('rotation re-encrypts every row under the newest key', async () => {
    const before = new CredentialsRepository(database.db, new CredentialVault(ring(keyA)), clock);
    await before.store(U1, { keyId: 'k1', privateKeyPem: PEM_1 });
    await before.store(U2, { keyId: 'k2', privateKeyPem: PEM_2 });

    const rotating = new CredentialsRepository(database.db, new CredentialVault(ring(keyB, keyA)), clock);
    expect(await rotating.rotateAll()).toEqual({ rotated: 2, alreadyCurrent: 0 });
    expect(await rotating.rotateAll()).toEqual({ rotated: 0, alreadyCurrent: 2 });

    const rows = await database.db.select({ v: userCredentials.keyVersion }).from(userCredentials);
    expect(rows.map((r) => r.v)).toEqual(['b', 'b']);
    const onlyB = new CredentialsRepository(database.db, new CredentialVault(ring(keyB)), clock);
    expect(await onlyB.get(U1)).toEqual({ keyId: 'k1', privateKeyPem: PEM_1 });
    expect(await onlyB.get(U2)).toEqual({ keyId: 'k2', privateKeyPem: PEM_2 });
  });

  it.skipIf(skipReason !== null)("a row copied onto another user's id does not decrypt", async () => {
    const repo = new CredentialsRepository(database.db, new CredentialVault(ring(keyA)), clock);
    await repo.store(U1, { keyId: 'k1', privateKeyPem: PEM_1 });
    const [row] = await database.db.select().from(userCredentials).where(eq(userCredentials.userId, U1));
    if (row === undefined) throw new Error('row missing');
    await database.db
      .update(userCredentials)
      .set({ iv: row.iv, tag: row.tag, ciphertext: row.ciphertext, keyVersion: row.keyVersion })
      .where(eq(userCredentials.userId, U2));
    await expect(repo.get(U2)).rejects.toThrow(/failed authentication/);
  });
});

describe('CredentialsRepository when the database fails', () => {
  it('a read that fails is the 503 database_unavailable: never "no key stored", never a vault error', async () => {
    const database = await createTestDatabase();
    const repo = new CredentialsRepository(database.db, new CredentialVault(ring(keyA)), createTestClock());
    await database.close();
    const failure = await repo.get(U1).then(
      () => null,
      (error: unknown) => error,
    );
    expect(isAppError(failure)).toBe(true);
    expect(failure).toMatchObject({ code: 'database_unavailable', statusCode: 503 });
  });
});
