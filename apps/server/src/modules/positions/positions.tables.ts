/**
 * What the server keeps about an account's positions: the write-through position cache, the
 * fills audit trail and the equity snapshots (positions.repository.ts reads and writes them).
 * Money columns are integer micro-dollars, counts integer centi-contracts (bigint, read as
 * JS numbers: every value fits 2^53, see packages/kalshi/src/protocol/fixed-point.ts).
 */
import {
  bigint,
  boolean,
  index,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import type { CentiContracts, MicroDollars } from '@kalshi-desk/kalshi/protocol';
import { users } from '../users/users.tables.js';

/** Last known state of each open position, so a restarted server shows it at once. */
export const positionCache = pgTable(
  'position_cache',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    ticker: text('ticker').notNull(),
    /** Signed net position in centi-contracts: > 0 YES, < 0 NO. */
    positionCenti: bigint('position_centi', { mode: 'number' }).$type<CentiContracts>().notNull(),
    marketExposureMicros: bigint('market_exposure_micros', { mode: 'number' })
      .$type<MicroDollars>()
      .notNull(),
    realizedPnlMicros: bigint('realized_pnl_micros', { mode: 'number' }).$type<MicroDollars>().notNull(),
    feesPaidMicros: bigint('fees_paid_micros', { mode: 'number' }).$type<MicroDollars>().notNull(),
    totalTradedMicros: bigint('total_traded_micros', { mode: 'number' }).$type<MicroDollars>().notNull(),
    /** Whatever else the live engine wants back after a restart (market title, marks...). */
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.ticker] })],
);

/** Every fill seen for the account: the audit trail and the source of entry times. */
export const fills = pgTable(
  'fills',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    fillId: text('fill_id').notNull(),
    orderId: text('order_id').notNull(),
    ticker: text('ticker').notNull(),
    /** Kalshi's outcome side of the fill: 'yes' | 'no'. */
    side: text('side').notNull(),
    /** 'bid' | 'ask' (Kalshi's book_side). */
    bookSide: text('book_side').notNull(),
    countCenti: bigint('count_centi', { mode: 'number' }).$type<CentiContracts>().notNull(),
    yesPriceMicros: bigint('yes_price_micros', { mode: 'number' }).$type<MicroDollars>().notNull(),
    feeMicros: bigint('fee_micros', { mode: 'number' }).$type<MicroDollars>().notNull(),
    isTaker: boolean('is_taker').notNull(),
    createdTime: timestamp('created_time', { withTimezone: true, mode: 'date' }).notNull(),
    /** The fill exactly as the exchange sent it. */
    raw: jsonb('raw').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.fillId] }),
    index('fills_user_ticker_time').on(t.userId, t.ticker, t.createdTime),
  ],
);

/** Equity curve: one row per user per snapshot (every minute while live). */
export const portfolioSnapshots = pgTable(
  'portfolio_snapshots',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
    cashMicros: bigint('cash_micros', { mode: 'number' }).$type<MicroDollars>().notNull(),
    positionsValueMicros: bigint('positions_value_micros', { mode: 'number' })
      .$type<MicroDollars>()
      .notNull(),
    totalMicros: bigint('total_micros', { mode: 'number' }).$type<MicroDollars>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.at] })],
);
