/**
 * What the live engine persists for an account: the write-through position cache (so a
 * restarted server shows the last known state at once), the fills audit trail, and the
 * equity snapshots behind today's P&L and the equity curve. Integers in, integers out.
 */
import { centis, micros, type MicroDollars } from '@kalshi-desk/kalshi/protocol';
import { and, asc, desc, eq, gte, lte, sql } from 'drizzle-orm';
import type { Db } from '../../shared/db/database.js';
import { fills, portfolioSnapshots, positionCache } from './positions.tables.js';
import type { MarketInfo, TrackedFill, TrackedPosition } from './positions.tracker.js';

/** The cached position plus what is needed to show it again without the exchange. */
export interface CachedPosition {
  position: TrackedPosition;
  market: MarketInfo | null;
  /** When the exchange last confirmed it (ms). */
  updatedAt: number;
}

interface CachedData {
  entryTime?: number;
  lastUpdated?: number;
  market?: MarketInfo | null;
  cashMicros?: MicroDollars;
}

/** The cash balance is cached in a row of its own, under a ticker no market can have. */
const CASH_ROW = '$cash';

export interface EquitySnapshot {
  at: number;
  cash: MicroDollars;
  positionsValue: MicroDollars;
  total: MicroDollars;
}

export class PositionsRepository {
  constructor(private readonly db: Db) {}

  async savePositions(args: {
    userId: string;
    positions: readonly { position: TrackedPosition; market: MarketInfo | null }[];
    now: number;
  }): Promise<void> {
    if (args.positions.length === 0) return;
    const updatedAt = new Date(args.now);
    const rows = args.positions.map(({ position, market }) => ({
      userId: args.userId,
      ticker: position.ticker,
      positionCenti: position.amounts.position,
      marketExposureMicros: position.amounts.exposure,
      realizedPnlMicros: position.amounts.realizedPnl,
      feesPaidMicros: position.amounts.feesPaid,
      totalTradedMicros: micros(0),
      data: { entryTime: position.entryTime, lastUpdated: position.lastUpdated, market } satisfies CachedData,
      updatedAt,
    }));
    await this.db
      .insert(positionCache)
      .values(rows)
      .onConflictDoUpdate({
        target: [positionCache.userId, positionCache.ticker],
        set: {
          positionCenti: sqlExcluded('position_centi'),
          marketExposureMicros: sqlExcluded('market_exposure_micros'),
          realizedPnlMicros: sqlExcluded('realized_pnl_micros'),
          feesPaidMicros: sqlExcluded('fees_paid_micros'),
          data: sqlExcluded('data'),
          updatedAt: sqlExcluded('updated_at'),
        },
      });
  }

  async deletePositions(userId: string, tickers: readonly string[]): Promise<void> {
    for (const ticker of tickers) {
      await this.db
        .delete(positionCache)
        .where(and(eq(positionCache.userId, userId), eq(positionCache.ticker, ticker)));
    }
  }

  /** Replaces the whole cache for the user (after a full REST snapshot). */
  async replacePositions(args: {
    userId: string;
    positions: readonly { position: TrackedPosition; market: MarketInfo | null }[];
    cash: MicroDollars;
    now: number;
  }): Promise<void> {
    await this.db.transaction(async (tx) => {
      const repo = new PositionsRepository(tx);
      await tx.delete(positionCache).where(eq(positionCache.userId, args.userId));
      await repo.savePositions(args);
      await repo.saveCash({ userId: args.userId, cash: args.cash, now: args.now });
    });
  }

  async saveCash(args: { userId: string; cash: MicroDollars; now: number }): Promise<void> {
    await this.db
      .insert(positionCache)
      .values({
        userId: args.userId,
        ticker: CASH_ROW,
        positionCenti: centis(0),
        marketExposureMicros: micros(0),
        realizedPnlMicros: micros(0),
        feesPaidMicros: micros(0),
        totalTradedMicros: micros(0),
        data: { cashMicros: args.cash } satisfies CachedData,
        updatedAt: new Date(args.now),
      })
      .onConflictDoUpdate({
        target: [positionCache.userId, positionCache.ticker],
        set: { data: sqlExcluded('data'), updatedAt: sqlExcluded('updated_at') },
      });
  }

  async loadPositions(
    userId: string,
  ): Promise<{ positions: CachedPosition[]; cash: MicroDollars | null; asOf: number | null }> {
    const rows = await this.db.select().from(positionCache).where(eq(positionCache.userId, userId));
    const positions: CachedPosition[] = [];
    let cash: MicroDollars | null = null;
    let asOf: number | null = null;
    for (const row of rows) {
      const data = row.data as CachedData;
      const updatedAt = row.updatedAt.getTime();
      asOf = asOf === null ? updatedAt : Math.min(asOf, updatedAt);
      if (row.ticker === CASH_ROW) {
        cash = data.cashMicros ?? null;
        continue;
      }
      positions.push({
        position: {
          ticker: row.ticker,
          amounts: {
            position: row.positionCenti,
            exposure: row.marketExposureMicros,
            realizedPnl: row.realizedPnlMicros,
            feesPaid: row.feesPaidMicros,
          },
          entryTime: data.entryTime ?? updatedAt,
          lastUpdated: data.lastUpdated ?? updatedAt,
        },
        market: data.market ?? null,
        updatedAt,
      });
    }
    return { positions, cash, asOf };
  }

  async clear(userId: string): Promise<void> {
    await this.db.delete(positionCache).where(eq(positionCache.userId, userId));
  }

  /** Stores fills once each (the exchange may resend one after a reconnect). */
  async saveFills(userId: string, list: readonly TrackedFill[]): Promise<void> {
    if (list.length === 0) return;
    await this.db
      .insert(fills)
      .values(
        list.map((f) => ({
          userId,
          fillId: f.tradeId,
          orderId: f.orderId,
          ticker: f.ticker,
          side: f.outcomeSide,
          bookSide: f.bookSide,
          countCenti: f.count,
          yesPriceMicros: f.yesPrice,
          feeMicros: f.fee,
          isTaker: f.isTaker,
          createdTime: new Date(f.ts),
          raw: f,
        })),
      )
      .onConflictDoNothing();
  }

  /** Stored fills, oldest first: all of them, or only the newest `limit`. */
  async listFills(userId: string, options: { ticker?: string; limit?: number } = {}): Promise<TrackedFill[]> {
    const where =
      options.ticker === undefined
        ? eq(fills.userId, userId)
        : and(eq(fills.userId, userId), eq(fills.ticker, options.ticker));
    const query = this.db.select().from(fills).where(where);
    const rows =
      options.limit === undefined
        ? await query.orderBy(asc(fills.createdTime))
        : (await query.orderBy(desc(fills.createdTime)).limit(options.limit)).reverse();
    return rows.map((row) => ({
      tradeId: row.fillId,
      orderId: row.orderId,
      ticker: row.ticker,
      outcomeSide: row.side === 'no' ? 'no' : 'yes',
      bookSide: row.bookSide === 'ask' ? 'ask' : 'bid',
      count: row.countCenti,
      yesPrice: row.yesPriceMicros,
      fee: row.feeMicros,
      isTaker: row.isTaker,
      postPosition: null,
      ts: row.createdTime.getTime(),
    }));
  }

  async saveSnapshot(userId: string, snapshot: EquitySnapshot): Promise<void> {
    await this.db
      .insert(portfolioSnapshots)
      .values({
        userId,
        at: new Date(snapshot.at),
        cashMicros: snapshot.cash,
        positionsValueMicros: snapshot.positionsValue,
        totalMicros: snapshot.total,
      })
      .onConflictDoNothing();
  }

  /** The first snapshot at or after `since` (today's P&L baseline). */
  async firstSnapshotSince(userId: string, since: number): Promise<EquitySnapshot | null> {
    const rows = await this.db
      .select()
      .from(portfolioSnapshots)
      .where(and(eq(portfolioSnapshots.userId, userId), gte(portfolioSnapshots.at, new Date(since))))
      .orderBy(asc(portfolioSnapshots.at))
      .limit(1);
    const row = rows[0];
    return row ? toSnapshot(row) : null;
  }

  async equityCurve(args: { userId: string; from: number; to: number }): Promise<EquitySnapshot[]> {
    const rows = await this.db
      .select()
      .from(portfolioSnapshots)
      .where(
        and(
          eq(portfolioSnapshots.userId, args.userId),
          gte(portfolioSnapshots.at, new Date(args.from)),
          lte(portfolioSnapshots.at, new Date(args.to)),
        ),
      )
      .orderBy(asc(portfolioSnapshots.at));
    return rows.map(toSnapshot);
  }
}

/** `excluded.<column>`: the value an upsert tried to insert. */
function sqlExcluded(column: string) {
  return sql.raw(`excluded."${column}"`);
}

function toSnapshot(row: typeof portfolioSnapshots.$inferSelect): EquitySnapshot {
  return {
    at: row.at.getTime(),
    cash: row.cashMicros,
    positionsValue: row.positionsValueMicros,
    total: row.totalMicros,
  };
}
