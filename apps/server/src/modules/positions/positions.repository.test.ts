import { centis, micros } from '@kalshi-desk/kalshi/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../shared/db/database.js';
import { testDatabaseKinds } from '../../shared/db/testing.js';
import { users } from '../users/users.tables.js';
import { PositionsRepository } from './positions.repository.js';
import type { MarketInfo, TrackedFill, TrackedPosition } from './positions.tracker.js';

const U1 = '00000000-0000-4000-8000-000000000001';
const U2 = '00000000-0000-4000-8000-000000000002';
const T0 = Date.parse('2026-11-24T12:00:00Z');

describe.each(testDatabaseKinds())('on $name', (kind) => {
  if (kind.skipReason !== null) {
    // Only the PostgreSQL kind is ever skipped: no server answers at TEST_DATABASE_URL (npm test
    // says so at the start). The skipped test's title carries that reason into the report.
    it.skip(`skipped: ${kind.skipReason}`, () => undefined);
    return;
  }
  let database: Database;
  let repo: PositionsRepository;

  beforeAll(async () => {
    database = await kind.create();
    for (const id of [U1, U2]) {
      await database.db.insert(users).values({
        id,
        exchangeUrl: 'http://x',
        keyId: id,
        createdAt: new Date(T0),
        lastLoginAt: new Date(T0),
      });
    }
    repo = new PositionsRepository(database.db);
  });
  afterAll(async () => {
    await database.close();
  });

  const position = (ticker: string, qty: number): TrackedPosition => ({
    ticker,
    amounts: {
      position: centis(qty),
      exposure: micros(123_456),
      realizedPnl: micros(-7),
      feesPaid: micros(18_900),
    },
    entryTime: T0 - 60_000,
    lastUpdated: T0,
  });
  const market: MarketInfo = {
    ticker: 'KXA-1',
    eventTicker: 'KXA',
    title: 'A?',
    status: 'active',
    quote: { yesBid: micros(500_000), yesAsk: null, last: micros(510_000) },
    closeTime: null,
    expirationTime: T0 + 86_400_000,
    result: null,
    settlementValue: null,
  };

  describe('PositionsRepository', () => {
    it('write-through positions and cash come back exactly, per user', async () => {
      await repo.replacePositions({
        userId: U1,
        positions: [{ position: position('KXA-1', -250), market }],
        cash: micros(99_000_001),
        now: T0,
      });
      await repo.savePositions({
        userId: U2,
        positions: [{ position: position('KXB-1', 100), market: null }],
        now: T0,
      });
      const loaded = await repo.loadPositions(U1);
      expect(loaded.cash).toBe(99_000_001);
      expect(loaded.positions).toEqual([{ position: position('KXA-1', -250), market, updatedAt: T0 }]);
      expect((await repo.loadPositions(U2)).positions.map((p) => p.position.ticker)).toEqual(['KXB-1']);
    });

    it('an upsert replaces the cached amounts and a delete removes the row', async () => {
      await repo.savePositions({
        userId: U1,
        positions: [{ position: position('KXA-1', 300), market }],
        now: T0 + 1000,
      });
      expect((await repo.loadPositions(U1)).positions[0]?.position.amounts.position).toBe(300);
      await repo.deletePositions(U1, ['KXA-1']);
      expect((await repo.loadPositions(U1)).positions).toEqual([]);
    });

    it('a fill is stored once even when the exchange sends it again', async () => {
      const fill: TrackedFill = {
        tradeId: 't1',
        orderId: 'o1',
        ticker: 'KXA-1',
        outcomeSide: 'yes',
        bookSide: 'bid',
        count: centis(150),
        yesPrice: micros(520_000),
        fee: micros(17_500),
        isTaker: true,
        postPosition: centis(150),
        ts: T0,
      };
      await repo.saveFills(U1, [fill]);
      await repo.saveFills(U1, [fill]);
      const stored = await repo.listFills(U1);
      expect(stored).toEqual([{ ...fill, postPosition: null }]);
      expect(await repo.listFills(U2)).toEqual([]);
    });

    it("the day's first equity snapshot is the baseline and the curve is ordered", async () => {
      for (const [offset, total] of [
        [-3_600_000, 10],
        [60_000, 20],
        [120_000, 30],
      ] as const) {
        const value = micros(total);
        await repo.saveSnapshot(U1, {
          at: T0 + offset,
          cash: value,
          positionsValue: micros(0),
          total: value,
        });
      }
      expect((await repo.firstSnapshotSince(U1, T0))?.total).toBe(20);
      expect(
        (await repo.equityCurve({ userId: U1, from: T0 - 7_200_000, to: T0 + 60_000 })).map((s) => s.total),
      ).toEqual([10, 20]);
      expect(await repo.firstSnapshotSince(U2, T0)).toBeNull();
    });
  });
});
