import { centis, micros } from '@kalshi-desk/kalshi/protocol';
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
import { WriteBehind, type RetryPolicy, type WriteBehindStore } from './exchange.write-behind.js';
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
  overrides: { userId?: string; repository?: WriteBehindStore | null; retry?: Partial<RetryPolicy> } = {},
): WriteBehind {
  return new WriteBehind({
    userId: overrides.userId ?? userId,
    repository: overrides.repository === undefined ? repository : overrides.repository,
    state: tracker,
    clock,
    scheduler,
    logger,
    flushMs: FLUSH_MS,
    ...(overrides.retry ? { retry: overrides.retry } : {}),
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
    count: centis(100),
    yesPrice: micros(500_000),
    fee: micros(10_000),
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
    tracker.setBalance(micros(95_000_000));
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

/**
 * The real repository behind a switch. While `isDown` every write fails the way drizzle
 * reports a database that refuses connections; a poisoned fill fails the way a constraint
 * does (for good). Counts every write it is asked for.
 */
class FlakyStore implements WriteBehindStore {
  isDown = false;
  attempts = 0;
  calls: string[] = [];
  readonly poisoned = new Set<string>();

  constructor(private readonly inner: PositionsRepository) {}

  savePositions(...args: Parameters<WriteBehindStore['savePositions']>): Promise<void> {
    return this.run('savePositions', () => this.inner.savePositions(...args));
  }
  deletePositions(...args: Parameters<WriteBehindStore['deletePositions']>): Promise<void> {
    return this.run('deletePositions', () => this.inner.deletePositions(...args));
  }
  saveCash(...args: Parameters<WriteBehindStore['saveCash']>): Promise<void> {
    return this.run('saveCash', () => this.inner.saveCash(...args));
  }
  saveSnapshot(...args: Parameters<WriteBehindStore['saveSnapshot']>): Promise<void> {
    return this.run('saveSnapshot', () => this.inner.saveSnapshot(...args));
  }
  saveFills(...args: Parameters<WriteBehindStore['saveFills']>): Promise<void> {
    return this.run('saveFills', () => {
      if (args[1].some((f) => this.poisoned.has(f.tradeId))) {
        const violation = Object.assign(new Error('new row for relation "fills" violates check constraint'), {
          code: '23514',
        });
        throw new Error('Failed query: insert into "fills" ...', { cause: violation });
      }
      return this.inner.saveFills(...args);
    });
  }

  private async run(name: string, write: () => Promise<void>): Promise<void> {
    this.attempts += 1;
    this.calls.push(name);
    if (this.isDown) {
      const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
        code: 'ECONNREFUSED',
      });
      throw new Error('Failed query: select 1', { cause: refused });
    }
    await write();
  }
}

const RETRY = { firstDelayMs: 100, maxDelayMs: 400 };

async function storedFillIds(): Promise<string[]> {
  return (await repository.listFills(userId)).map((f) => f.tradeId).sort();
}

describe('WriteBehind while the database is unavailable', () => {
  let store: FlakyStore;
  beforeEach(() => {
    store = new FlakyStore(repository);
  });

  it('keeps fills, retries with doubling backoff up to its cap, logs the outage once, and stores each fill once when the database is back', async () => {
    store.isDown = true;
    const writes = writeBehind({ repository: store, retry: RETRY });
    writes.saveFills([fill('t1')]);
    await writes.drain();
    expect(store.attempts).toBe(1);
    expect(logger.lines).toEqual([
      expect.objectContaining({
        level: 'warn',
        message: 'database unavailable: account writes are kept and retried',
        object: expect.objectContaining({ userId, fills: 1 }) as unknown,
      }),
    ]);

    // While parked, new and resent fills wait for the retry instead of hammering the database.
    writes.saveFills([fill('t1'), fill('t2')]);
    await writes.drain();
    expect(store.attempts).toBe(1);

    const attemptsAfter = async (ms: number) => {
      scheduler.advanceBy(ms);
      await writes.drain();
      return store.attempts;
    };
    expect(await attemptsAfter(99)).toBe(1);
    expect(await attemptsAfter(1)).toBe(2);
    expect(await attemptsAfter(199)).toBe(2);
    expect(await attemptsAfter(1)).toBe(3);
    expect(await attemptsAfter(399)).toBe(3);
    expect(await attemptsAfter(1)).toBe(4);
    expect(await attemptsAfter(400)).toBe(5);
    expect(logger.lines).toHaveLength(1);
    expect(await storedFillIds()).toEqual([]);

    store.isDown = false;
    clock.advanceBy(1_500);
    expect(await attemptsAfter(400)).toBe(6);
    expect(await storedFillIds()).toEqual(['t1', 't2']);
    expect(logger.lines.at(-1)).toMatchObject({
      level: 'info',
      message: 'database available again: kept account writes stored',
      object: { userId, retries: 4, outageMs: 1_500 },
    });
    expect(logger.lines).toHaveLength(2);
    expect(scheduler.pending).toBe(0);

    // Back to normal: a fill is written at once, and one resent is still stored once.
    writes.saveFills([fill('t2'), fill('t3')]);
    await writes.drain();
    expect(await storedFillIds()).toEqual(['t1', 't2', 't3']);
  });

  it('positions and cash captured during an outage are coalesced: each row is written once, with its latest value', async () => {
    store.isDown = true;
    const writes = writeBehind({ repository: store, retry: RETRY });
    writes.positionChanged('KXA-1');
    writes.positionChanged('KXB-1');
    writes.cashChanged();
    await writes.drain();
    expect(store.attempts).toBe(1);

    for (const [position, exposure] of [
      ['11.00', '5.5000'],
      ['12.00', '6.0000'],
    ] as const) {
      tracker.apply(marketPositionMessage('KXA-1', position, exposure));
      writes.positionChanged('KXA-1');
      writes.positionRemoved('KXB-1');
      writes.flush();
    }
    expect(store.attempts).toBe(1);

    store.isDown = false;
    store.calls = [];
    scheduler.advanceBy(RETRY.firstDelayMs);
    await writes.drain();
    expect(store.calls).toEqual(['savePositions', 'deletePositions', 'saveCash']);
    expect(await cached()).toEqual({ positions: [['KXA-1', 1_200]], cash: 100_000_000 });
  });

  it('an equity point asked for during an outage does not wait for the database, and is stored once it is back', async () => {
    store.isDown = true;
    const writes = writeBehind({ repository: store, retry: RETRY });
    const at = clock.now();
    const point = { at, cash: micros(1_000_000), positionsValue: micros(0), total: micros(1_000_000) };
    await expect(writes.enqueue((s) => s.saveSnapshot(userId, point))).resolves.toBeUndefined();
    expect(store.attempts).toBe(1);
    // Parked: a second write is kept at once, without an attempt of its own.
    const later = { ...point, at: at + 60_000 };
    await expect(writes.enqueue((s) => s.saveSnapshot(userId, later))).resolves.toBeUndefined();
    expect(store.attempts).toBe(1);

    store.isDown = false;
    scheduler.advanceBy(RETRY.firstDelayMs);
    await writes.drain();
    const curve = await repository.equityCurve({ userId, from: at, to: at + 60_000 });
    expect(curve.map((p) => p.at)).toEqual([at, at + 60_000]);
  });

  it('a fill the database refuses for good costs only itself and is not retried', async () => {
    store.poisoned.add('bad');
    const writes = writeBehind({ repository: store, retry: RETRY });
    writes.saveFills([fill('t1'), fill('bad'), fill('t2')]);
    await writes.drain();
    expect(await storedFillIds()).toEqual(['t1', 't2']);
    expect(logger.lines).toEqual([
      expect.objectContaining({
        level: 'error',
        message: 'could not persist account state',
        object: expect.objectContaining({ userId }) as unknown,
      }),
    ]);
    expect(scheduler.pending).toBe(0);
  });

  it('stop during an outage makes one last attempt, then logs what could not be stored', async () => {
    store.isDown = true;
    const writes = writeBehind({ repository: store, retry: RETRY });
    writes.saveFills([fill('t1')]);
    await writes.drain();
    writes.positionChanged('KXA-1');
    await writes.stop();
    expect(store.attempts).toBe(2);
    expect(scheduler.pending).toBe(0);
    expect(logger.lines.at(-1)).toMatchObject({
      level: 'error',
      message: 'account writes lost: the database was unavailable when the session stopped',
      object: { userId, fills: 1, rows: 1, writes: 0 },
    });
  });

  it('stop as the database goes away tries once, not twice, and schedules no retry', async () => {
    store.isDown = true;
    const writes = writeBehind({ repository: store, retry: RETRY });
    writes.positionChanged('KXA-1');
    await writes.stop();
    expect(store.attempts).toBe(1);
    expect(scheduler.pending).toBe(0);
    expect(logger.lines.map((l) => l.message)).toEqual([
      'database unavailable: account writes are kept and retried',
      'account writes lost: the database was unavailable when the session stopped',
    ]);
  });

  it('keeps at most maxKeptFills unwritten fills: the oldest go first, logged once', async () => {
    store.isDown = true;
    const writes = writeBehind({ repository: store, retry: { ...RETRY, maxKeptFills: 2 } });
    for (const id of ['a', 'b', 'c', 'd']) writes.saveFills([fill(id)]);
    await writes.drain();
    const messages = logger.lines.map((l) => l.message);
    expect(messages.filter((m) => m.startsWith('unwritten fills over the limit'))).toHaveLength(1);

    store.isDown = false;
    scheduler.advanceBy(RETRY.firstDelayMs);
    await writes.drain();
    expect(await storedFillIds()).toEqual(['c', 'd']);
    expect(logger.lines.at(-1)).toMatchObject({
      message: 'database available again: kept account writes stored',
      object: { droppedFills: 2 },
    });
  });
});
