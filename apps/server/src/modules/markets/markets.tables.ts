import { bigint, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/** Recorded market prices (the backtests' input). Prices in micro-dollars, volume centi-contracts. */
export const marketSnapshots = pgTable(
  'market_snapshots',
  {
    ticker: text('ticker').notNull(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
    /** Null when that side of the book was empty. */
    yesBidMicros: bigint('yes_bid_micros', { mode: 'number' }),
    yesAskMicros: bigint('yes_ask_micros', { mode: 'number' }),
    lastPriceMicros: bigint('last_price_micros', { mode: 'number' }),
    volumeCenti: bigint('volume_centi', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.ticker, t.at] })],
);
