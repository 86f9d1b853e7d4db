/**
 * The user: one row per (exchange, Kalshi key id), the row every account table hangs off
 * (credentials, sessions, positions, backtests). Its id is derived in account.models.ts.
 */
import { pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const users = pgTable('users', {
  /** Stable id derived from (exchange base URL, Kalshi key id); see account.models.ts. */
  id: uuid('id').primaryKey(),
  /** Which exchange the account lives on (its REST base URL). */
  exchangeUrl: text('exchange_url').notNull(),
  keyId: text('key_id').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  lastLoginAt: timestamp('last_login_at', { withTimezone: true, mode: 'date' }).notNull(),
});
