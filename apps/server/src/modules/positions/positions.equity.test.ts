import { micros } from '@kalshi-desk/kalshi/protocol';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestClock, type TestClock } from '../../shared/clock.js';
import type { Database } from '../../shared/db/database.js';
import { createTestDatabase } from '../../shared/db/testing.js';
import { users } from '../users/users.tables.js';
import { EquityRecorder } from './positions.equity.js';
import { PositionsRepository, type EquitySnapshot } from './positions.repository.js';
import { PositionTracker } from './positions.tracker.js';
import {
  kalshiBalance,
  kalshiMarket,
  kalshiOrder,
  kalshiPosition,
  tickerMessage,
} from './testing/kalshi-fixtures.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** 2026-11-24T12:00:00Z, the test clock's start. */
const NOON = Date.UTC(2026, 10, 24, 12);
const MIDNIGHT = Date.UTC(2026, 10, 24);

let database: Database;
let repository: PositionsRepository;
let userCount = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  repository = new PositionsRepository(database.db);
});
afterAll(async () => {
  await database.close();
});

let clock: TestClock;
let tracker: PositionTracker;
let userId: string;

/** Each test records for a user of its own; the account holds $100 and 10 YES of KXA-1 bid at 60¢. */
beforeEach(async () => {
  userCount += 1;
  userId = `00000000-0000-4000-8000-${String(userCount).padStart(12, '0')}`;
  await database.db.insert(users).values({
    id: userId,
    exchangeUrl: 'sim',
    keyId: userId,
    createdAt: new Date(),
    lastLoginAt: new Date(),
  });
  clock = createTestClock(NOON);
  tracker = new PositionTracker(() => clock.now());
  tracker.loadSnapshot({
    positions: [kalshiPosition('KXA-1', '10.00', '5.000000')],
    markets: [kalshiMarket({ ticker: 'KXA-1', yes_bid_dollars: '0.6000', yes_ask_dollars: '0.6200' })],
    orders: [],
    balance: kalshiBalance('100.0000'),
  });
});

function recorder(overrides: { dayOffsetMinutes?: number; repository?: PositionsRepository | null } = {}) {
  const store = overrides.repository === undefined ? repository : overrides.repository;
  return new EquityRecorder({
    userId,
    repository: store,
    clock,
    dayOffsetMinutes: overrides.dayOffsetMinutes ?? 0,
    totals: (dayBaseline) => tracker.totals(dayBaseline),
    save: async (point) => {
      await store?.saveSnapshot(userId, point);
    },
  });
}

const curve = () => repository.equityCurve({ userId, from: 0, to: NOON + 7 * 24 * HOUR });

describe('EquityRecorder', () => {
  it("the day's first point becomes its baseline; later points are stored but do not move it", async () => {
    const equity = recorder();
    expect(equity.hasBaseline).toBe(false);
    expect(equity.baselineFor(clock.now())).toBeNull();

    const first = equity.record();
    expect(first.isNewBaseline).toBe(true);
    await first.saved;
    expect(equity.baselineFor(clock.now())).toBe(106_000_000);

    tracker.apply(tickerMessage('KXA-1', '0.7000', '0.7200'));
    clock.advanceBy(MINUTE);
    const second = equity.record();
    expect(second.isNewBaseline).toBe(false);
    await second.saved;
    expect(equity.baselineFor(clock.now())).toBe(106_000_000);
    expect(tracker.totals(equity.baselineFor(clock.now())).todayPnl).toBe(1_000_000);

    expect(await curve()).toEqual([
      { at: NOON, cash: 100_000_000, positionsValue: 6_000_000, total: 106_000_000 },
      { at: NOON + MINUTE, cash: 100_000_000, positionsValue: 7_000_000, total: 107_000_000 },
    ]);
  });

  it('a point counts the cash resting orders hold back, so that cash + positions = total', async () => {
    tracker.loadSnapshot({
      positions: [kalshiPosition('KXA-1', '10.00', '5.000000')],
      markets: [kalshiMarket({ ticker: 'KXA-1', yes_bid_dollars: '0.6000', yes_ask_dollars: '0.6200' })],
      orders: [
        kalshiOrder({
          order_id: 'o1',
          ticker: 'KXA-1',
          yes_price_dollars: '0.0500',
          remaining_count_fp: '100.00',
        }),
      ],
      balance: kalshiBalance('95.0000'),
    });
    await recorder().record().saved;
    const [point] = await curve();
    expect(point).toEqual({ at: NOON, cash: 100_000_000, positionsValue: 6_000_000, total: 106_000_000 });
  });

  it('the first point after midnight starts a new day with its own baseline', async () => {
    const equity = recorder();
    await equity.record().saved;
    tracker.apply(tickerMessage('KXA-1', '0.7000', '0.7200'));
    clock.set(MIDNIGHT + 24 * HOUR + MINUTE);
    expect(equity.hasBaseline).toBe(true);
    expect(equity.baselineFor(clock.now())).toBeNull();
    const next = equity.record();
    expect(next.isNewBaseline).toBe(true);
    await next.saved;
    expect(equity.baselineFor(clock.now())).toBe(107_000_000);
    // Yesterday's baseline is gone, not kept alongside.
    expect(equity.baselineFor(NOON)).toBeNull();
  });

  it("a recorder started later reads today's baseline back from the stored points, never yesterday's", async () => {
    const stored = (at: number, total: number): EquitySnapshot => ({
      at,
      cash: micros(total),
      positionsValue: micros(0),
      total: micros(total),
    });
    await repository.saveSnapshot(userId, stored(MIDNIGHT - HOUR, 90_000_000));
    const yesterdayOnly = recorder();
    await yesterdayOnly.loadBaseline();
    expect(yesterdayOnly.hasBaseline).toBe(false);

    await repository.saveSnapshot(userId, stored(MIDNIGHT + HOUR, 101_000_000));
    await repository.saveSnapshot(userId, stored(MIDNIGHT + 2 * HOUR, 104_000_000));
    const restarted = recorder();
    await restarted.loadBaseline();
    expect(restarted.hasBaseline).toBe(true);
    expect(restarted.baselineFor(clock.now())).toBe(101_000_000);
    const point = restarted.record();
    expect(point.isNewBaseline).toBe(false);
    await point.saved;
    expect(tracker.totals(restarted.baselineFor(clock.now())).todayPnl).toBe(5_000_000);
  });

  it('the day starts at the configured local midnight', async () => {
    // UTC-5: the local day of 2026-11-24 runs from 05:00Z to 05:00Z the next day.
    clock.set(MIDNIGHT + 4 * HOUR);
    const equity = recorder({ dayOffsetMinutes: -300 });
    await equity.record().saved;
    clock.set(MIDNIGHT + 5 * HOUR - 1);
    expect(equity.baselineFor(clock.now())).toBe(106_000_000);
    clock.set(MIDNIGHT + 5 * HOUR);
    expect(equity.baselineFor(clock.now())).toBeNull();
    expect(equity.record().isNewBaseline).toBe(true);
  });

  it('without a database the baseline lives in memory from the first point', async () => {
    const equity = recorder({ repository: null });
    await equity.loadBaseline();
    expect(equity.hasBaseline).toBe(false);
    await equity.record().saved;
    expect(equity.baselineFor(clock.now())).toBe(106_000_000);
  });
});
