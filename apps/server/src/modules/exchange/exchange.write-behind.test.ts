import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestClock, type TestClock } from '../../shared/clock.js';
import type { Database } from '../../shared/db/database.js';
import { createTestDatabase } from '../../shared/db/testing.js';
import { users } from '../users/users.tables.js';
import { PositionsRepository } from '../positions/positions.repository.js';
import { PositionTracker, type TrackedFill } from '../positions/positions.tracker.js';
import {
  kalshiBalance,
  kalshiMarket,
  kalshiPosition,
  marketPositionMessage,
  tickerMessage,
  userOrderMessage,
} from '../positions/testing/kalshi-fixtures.js';
import type { EngineLogger } from './exchange.ports.js';
import { WriteBehind } from './exchange.write-behind.js';
import { flushPromises, ManualScheduler } from './testing/fake-exchange.js';

const FLUSH_MS = 1_000;
/** No row of `users` has this id: the database refuses anything stored under it. */
const UNKNOWN_USER = '00000000-0000-4000-8000-0000000000ff';

class MemoryLogger implements EngineLogger {
  lines: { level: string; object: Record<string, unknown>; message: string }[] = [];
  info(object: Record<string, unknown>, message: string) {
    this.lines.push({ level: 'info', object, message });
  }
  warn(object: Record<string, unknown>, message: string) {
    this.lines.push({ level: 'warn', object, message });
  }
  error(object: Record<string, unknown>, message: string) {
    this.lines.push({ level: 'error', object, message });
  }
}

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
let scheduler: ManualScheduler;
let logger: MemoryLogger;
let tracker: PositionTracker;
let userId: string;

/** Each test writes as a user of its own. */
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
  clock = createTestClock();
  scheduler = new ManualScheduler();
  logger = new MemoryLogger();
  tracker = new PositionTracker(() => clock.now());
  tracker.loadSnapshot({
    positions: [kalshiPosition('KXA-1', '10.00', '5.000000'), kalshiPosition('KXB-1', '-4.00', '1.600000')],
    markets: [kalshiMarket({ ticker: 'KXA-1' }), kalshiMarket({ ticker: 'KXB-1' })],
    orders: [],
    balance: kalshiBalance('100.0000'),
  });
});

function writeBehind(
  overrides: { userId?: string; repository?: PositionsRepository | null } = {},
): WriteBehind {
  return new WriteBehind({
    userId: overrides.userId ?? userId,
    repository: overrides.repository === undefined ? repository : overrides.repository,
    state: tracker,
    clock,
    scheduler,
    logger,
    flushMs: FLUSH_MS,
  });
}

async function cached() {
  const loaded = await repository.loadPositions(userId);
  return {
    positions: loaded.positions
      .map((p) => [p.position.ticker, p.position.amounts.position])
      .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    cash: loaded.cash,
  };
}

function fill(tradeId: string): TrackedFill {
  return {
    tradeId,
    orderId: 'o-1',
    ticker: 'KXA-1',
    outcomeSide: 'yes',
    bookSide: 'bid',
    count: 100,
    yesPrice: 500_000,
    fee: 10_000,
    isTaker: true,
    postPosition: null,
    ts: clock.now(),
  };
}

describe('WriteBehind', () => {
  it('coalesces a burst of changes into one write, after the window, of the values current then', async () => {
    const writes = writeBehind();
    writes.positionChanged('KXA-1');
    tracker.apply(marketPositionMessage('KXA-1', '11.00', '5.5000'));
    writes.positionChanged('KXA-1');
    tracker.apply(marketPositionMessage('KXA-1', '12.00', '6.0000'));
    writes.positionChanged('KXA-1');
    expect(scheduler.pending).toBe(1);

    scheduler.advanceBy(FLUSH_MS - 1);
    await flushPromises();
    expect((await cached()).positions).toEqual([]);

    scheduler.advanceBy(1);
    await writes.drain();
    expect((await cached()).positions).toEqual([['KXA-1', 1_200]]);
    expect(scheduler.pending).toBe(0);
  });

  it('the row written is the position as it was at the flush, though the tracker updates it in place', async () => {
    const writes = writeBehind();
    const flushedAt = clock.now();
    writes.positionChanged('KXA-1');
    writes.flush();
    // A price tick stamps the tracked position in place while the write still waits its turn.
    clock.advanceBy(5_000);
    tracker.apply(tickerMessage('KXA-1', '0.7000', '0.7200'));
    expect(tracker.position('KXA-1')?.lastUpdated).toBe(flushedAt + 5_000);
    await writes.drain();
    const [row] = (await repository.loadPositions(userId)).positions;
    expect(row?.position.lastUpdated).toBe(flushedAt);
  });

  it('a removed position loses its row, and the last mark of a ticker wins', async () => {
    const writes = writeBehind();
    writes.positionChanged('KXA-1');
    writes.positionChanged('KXB-1');
    await writes.drain();
    expect((await cached()).positions).toEqual([
      ['KXA-1', 1_000],
      ['KXB-1', -400],
    ]);

    writes.positionRemoved('KXA-1');
    writes.positionChanged('KXB-1');
    writes.positionRemoved('KXB-1');
    await writes.drain();
    expect((await cached()).positions).toEqual([]);

    writes.positionRemoved('KXA-1');
    writes.positionChanged('KXA-1');
    await writes.drain();
    expect((await cached()).positions).toEqual([['KXA-1', 1_000]]);
  });

  it('the cash row keeps the cash including what resting orders hold back', async () => {
    const writes = writeBehind();
    tracker.apply(
      userOrderMessage({
        orderId: 'o1',
        ticker: 'KXA-1',
        bookSide: 'bid',
        yesPrice: '0.0500',
        remaining: '100.00',
      }),
    );
    tracker.setBalance(95_000_000);
    writes.cashChanged();
    scheduler.advanceBy(FLUSH_MS);
    await writes.drain();
    expect(tracker.cash).toBe(95_000_000);
    expect((await cached()).cash).toBe(100_000_000);
  });

  it('fills are queued at once, and a fill stored twice is kept once', async () => {
    const writes = writeBehind();
    writes.saveFills([fill('t1')]);
    writes.saveFills([fill('t1'), fill('t2')]);
    expect(scheduler.pending).toBe(0);
    await writes.drain();
    expect((await repository.listFills(userId)).map((f) => f.tradeId)).toEqual(['t1', 't2']);
  });

  it('writes run in the order they were asked for', async () => {
    const writes = writeBehind();
    const order: string[] = [];
    const slow = writes.enqueue(async () => {
      await flushPromises(3);
      order.push('first');
    });
    const fast = writes.enqueue(() => {
      order.push('second');
      return Promise.resolve();
    });
    await Promise.all([slow, fast]);
    expect(order).toEqual(['first', 'second']);
  });

  it('a write the database refuses is logged, and the writes after it still land', async () => {
    const refused = writeBehind({ userId: UNKNOWN_USER });
    refused.saveFills([fill('t1')]);
    await refused.drain();
    expect(logger.lines).toEqual([
      expect.objectContaining({
        level: 'error',
        message: 'could not persist account state',
        object: expect.objectContaining({ userId: UNKNOWN_USER }) as unknown,
      }),
    ]);

    const writes = writeBehind();
    const failed = writes.enqueue(() => Promise.reject(new Error('disk full')));
    writes.saveFills([fill('t2')]);
    await expect(failed).resolves.toBeUndefined();
    await writes.drain();
    expect(logger.lines.at(-1)?.object).toMatchObject({ userId, err: 'Error: disk full' });
    expect((await repository.listFills(userId)).map((f) => f.tradeId)).toEqual(['t2']);
  });

  it('stop writes what is dirty at once, cancels the timer and schedules no other', async () => {
    const writes = writeBehind();
    writes.positionChanged('KXA-1');
    writes.cashChanged();
    expect(scheduler.pending).toBe(1);
    await writes.stop();
    expect(scheduler.pending).toBe(0);
    expect(await cached()).toEqual({ positions: [['KXA-1', 1_000]], cash: 100_000_000 });

    writes.positionChanged('KXB-1');
    expect(scheduler.pending).toBe(0);
  });

  it('without a database nothing is scheduled and every wait resolves', async () => {
    const writes = writeBehind({ repository: null });
    let isCalled = false;
    writes.positionChanged('KXA-1');
    writes.cashChanged();
    writes.saveFills([fill('t1')]);
    await writes.enqueue(() => {
      isCalled = true;
      return Promise.resolve();
    });
    expect(scheduler.pending).toBe(0);
    expect(isCalled).toBe(false);
    await writes.drain();
    await writes.stop();
  });
});
