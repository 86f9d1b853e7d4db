/** Stored Kalshi credentials: encrypted at rest, decrypted only on the way to the exchange. */
import { eq, ne } from 'drizzle-orm';
import type { Clock } from '../../shared/clock.js';
import { rootDatabaseError } from '../../shared/db/database-errors.js';
import type { Db } from '../../shared/db/database.js';
import { databaseUnavailable } from '../../shared/errors.js';
import { userCredentials } from './credentials.tables.js';
import type { CredentialVault } from './credentials.vault.js';

export interface StoredCredentials {
  keyId: string;
  privateKeyPem: string;
}

export class CredentialsRepository {
  constructor(
    private readonly db: Db,
    private readonly vault: CredentialVault,
    private readonly clock: Clock,
  ) {}

  async store(userId: string, credentials: StoredCredentials): Promise<void> {
    const sealed = this.vault.seal(credentials.privateKeyPem, userId);
    const now = new Date(this.clock.now());
    const row = {
      kalshiKeyId: credentials.keyId,
      keyVersion: sealed.keyVersion,
      formatVersion: 1,
      iv: sealed.iv,
      tag: sealed.tag,
      ciphertext: sealed.ciphertext,
      updatedAt: now,
    };
    await this.db
      .insert(userCredentials)
      .values({ userId, createdAt: now, ...row })
      .onConflictDoUpdate({ target: userCredentials.userId, set: row });
  }

  /**
   * The decrypted credentials, or null when none are stored. Throws VaultError when the stored
   * key cannot be decrypted, and the 503 `database_unavailable` AppError when the read itself
   * fails (the database down, too slow, or worse): a key that could not be read is not a
   * missing key, and must never log the user out.
   */
  async get(userId: string): Promise<StoredCredentials | null> {
    let row;
    try {
      [row] = await this.db.select().from(userCredentials).where(eq(userCredentials.userId, userId));
    } catch (error) {
      throw databaseUnavailable(rootDatabaseError(error));
    }
    if (row === undefined) return null;
    const privateKeyPem = this.vault.open(row, userId);
    return { keyId: row.kalshiKeyId, privateKeyPem };
  }

  async has(userId: string): Promise<boolean> {
    const rows = await this.db
      .select({ userId: userCredentials.userId })
      .from(userCredentials)
      .where(eq(userCredentials.userId, userId));
    return rows.length > 0;
  }

  async delete(userId: string): Promise<void> {
    await this.db.delete(userCredentials).where(eq(userCredentials.userId, userId));
  }

  /**
   * Re-encrypts every row not under the vault's current key. One row per transaction, so an
   * interrupted rotation leaves every row readable and can simply be run again.
   */
  async rotateAll(): Promise<{ rotated: number; alreadyCurrent: number }> {
    const stale = await this.db
      .select()
      .from(userCredentials)
      .where(ne(userCredentials.keyVersion, this.vault.currentKeyVersion));
    for (const row of stale) {
      const resealed = this.vault.reseal(row, row.userId);
      if (resealed === null) continue;
      await this.db
        .update(userCredentials)
        .set({ ...resealed, updatedAt: new Date(this.clock.now()) })
        .where(eq(userCredentials.userId, row.userId));
    }
    const all = await this.db.select({ userId: userCredentials.userId }).from(userCredentials);
    return { rotated: stale.length, alreadyCurrent: all.length - stale.length };
  }
}
