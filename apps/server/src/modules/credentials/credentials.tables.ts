import { integer, pgTable, text, timestamp, uuid, customType } from 'drizzle-orm/pg-core';
import { users } from '../users/users.tables.js';

const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value)),
});

/**
 * A user's Kalshi API key, encrypted with AES-256-GCM (credentials.vault.ts). The key id of
 * the vault key is stored with each row so old rows stay readable during a rotation; the
 * user id is the associated data, so a row copied to another user fails to decrypt.
 */
export const userCredentials = pgTable('user_credentials', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  /** Kalshi's API key id (not secret: it is sent in every request header). */
  kalshiKeyId: text('kalshi_key_id').notNull(),
  /** Vault key that encrypted this row (ENCRYPTION_SECRET_KEY fingerprint or explicit id). */
  keyVersion: text('key_version').notNull(),
  /** Ciphertext format version, so the envelope can change later. */
  formatVersion: integer('format_version').notNull().default(1),
  iv: bytea('iv').notNull(),
  tag: bytea('tag').notNull(),
  ciphertext: bytea('ciphertext').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
});
