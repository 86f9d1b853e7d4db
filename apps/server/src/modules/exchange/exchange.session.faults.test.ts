/**
 * The account session under exchange faults, on fakes and manual timers (ADR 010): `as_of` is
 * the time the exchange was last heard from, a private-channel stall is caught by the delivery
 * check, a refused key is terminal, other failures back off with jitter, and the buffer kept
 * during a snapshot is bounded. The same faults against the real simulator: exchange.faults.test.ts.
 */
import { KalshiApiError, KalshiNetworkError } from '@kalshi-desk/kalshi';
import type { Fill } from '@kalshi-desk/kalshi/protocol';
import { beforeEach, describe, expect, it } from 'vitest';
import { createTestClock, type TestClock } from '../../shared/clock.js';
import {
  fillMessage,
  kalshiMarket,
  kalshiPosition,
  tickerMessage,
  userOrderMessage,
} from '../positions/testing/kalshi-fixtures.js';
import { InProcessEventBus, type AccountEvent } from '../stream/stream.bus.js';
import { LiveAccounts } from './exchange.live-accounts.js';
import type { EngineLogger } from './exchange.ports.js';
import { AccountSession, type SessionTimings } from './exchange.session.js';
import { FakeFeed, FakeRest, flushPromises, ManualScheduler } from './testing/fake-exchange.js';

const USER = 'u1';

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

let clock: TestClock;
let rest: FakeRest;
let feed: FakeFeed;
let scheduler: ManualScheduler;
let events: AccountEvent[];
let logger: MemoryLogger;
let session: AccountSession;

function newSession(options: { timings?: Partial<SessionTimings>; random?: () => number } = {}) {
  const bus = new InProcessEventBus({ firstId: () => 0 });
  events = [];
  bus.subscribe(USER, (e) => events.push(e.event));
  session = new AccountSession({
    userId: USER,
    rest: rest.asPort(),
    feed,
    bus,
    repository: null,
    clock,
    scheduler,
    logger,
    ...(options.timings ? { timings: options.timings } : {}),
    ...(options.random ? { random: options.random } : {}),
  });
}

beforeEach(() => {
  clock = createTestClock();
  rest = new FakeRest();
  rest.pageSize = 1_000;
  rest.balanceDollars = '100.0000';
  rest.positions = [
    kalshiPosition('KXA-1', '10.00', '5.000000'),
    kalshiPosition('KXB-1', '-4.00', '1.600000'),
  ];
  for (const m of [
    kalshiMarket({ ticker: 'KXA-1', yes_bid_dollars: '0.6000', yes_ask_dollars: '0.6200' }),
    kalshiMarket({ ticker: 'KXB-1', yes_bid_dollars: '0.5500', yes_ask_dollars: '0.5800' }),
  ])
    rest.markets.set(m.ticker, m);
  feed = new FakeFeed();
  scheduler = new ManualScheduler();
  logger = new MemoryLogger();
  newSession();
});

/** Moves the session's clock and its timers together, in steps, letting promises settle. */
async function advance(ms: number, step = 250): Promise<void> {
  for (let done = 0; done < ms; done += step) {
    const by = Math.min(step, ms - done);
    clock.advanceBy(by);
    scheduler.advanceBy(by);
    await flushPromises();
  }
}

async function startLive(): Promise<void> {
  await session.start();
  feed.setState('live', 'subscribed');
  await session.settled();
  events.length = 0;
}

const statuses = () => events.flatMap((e) => (e.type === 'connection_status' ? [e.data.status] : []));
const lastStatus = () => events.findLast((e) => e.type === 'connection_status');
const asOf = () => session.freshness().as_of;
const iso = (ms: number) => new Date(ms).toISOString();
const calls = (name: string) => rest.calls.filter((c) => c === name).length;

function restFill(tradeId: string, tsSeconds: number): Fill {
  return {
    fill_id: `f-${tradeId}`,
    trade_id: tradeId,
    order_id: 'o-1',
    ticker: 'KXA-1',
    outcome_side: 'yes',
    book_side: 'bid',
    count_fp: '7.00',
    yes_price_dollars: '0.5000',
    no_price_dollars: '0.5000',
    is_taker: false,
    fee_cost: '0.0100',
    ts: tsSeconds,
  };
}

const restingOrder = () =>
  userOrderMessage({
    orderId: 'o-1',
    ticker: 'KXA-1',
    bookSide: 'bid',
    yesPrice: '0.5000',
    remaining: '7.00',
  });

const rejectedKey = () =>
  new KalshiApiError({
    status: 401,
    method: 'GET',
    path: '/trade-api/v2/portfolio/balance',
    code: 'authentication_error',
    message: 'authentication_error',
    details: 'NOT_FOUND',
  });

describe('as_of: the time the exchange was last heard from', () => {
  it('pings advance it while live; a silent connection freezes it, and the drop keeps it', async () => {
    const start = clock.now();
    await startLive();
    expect(asOf()).toBe(iso(start));
    await advance(3_000);
    feed.ping();
    expect(session.freshness()).toEqual({ connection: 'live', is_stale: false, as_of: iso(start + 3_000) });
    // Nothing more: the WS client's liveness notices after two heartbeats and drops the socket.
    await advance(22_000);
    expect(asOf()).toBe(iso(start + 3_000));
    feed.setState('backoff', 'liveness: no data or ping for 22000 ms; reconnecting');
    expect(session.freshness()).toEqual({
      connection: 'reconnecting',
      is_stale: true,
      as_of: iso(start + 3_000),
    });
    const status = lastStatus();
    expect(status?.type === 'connection_status' && status.data).toMatchObject({
      status: 'reconnecting',
      is_stale: true,
      as_of: iso(start + 3_000),
    });
  });

  it('what arrives while not in sync does not advance it; the snapshot that brings the state back does', async () => {
    const start = clock.now();
    await startLive();
    feed.setState('backoff', 'connection lost');
    const release = rest.hold();
    feed.setState('live', 'resubscribed');
    await advance(2_000);
    feed.ping();
    feed.emit(tickerMessage('KXA-1', '0.7000', '0.7200'));
    expect(session.freshness()).toMatchObject({ connection: 'resyncing', is_stale: true, as_of: iso(start) });
    release();
    await session.settled();
    expect(session.freshness()).toEqual({ connection: 'live', is_stale: false, as_of: iso(start + 2_000) });
  });

  it('a periodic reconciliation does not move it while its snapshot is in flight', async () => {
    await startLive();
    await advance(59_000);
    feed.ping();
    const heard = clock.now();
    const release = rest.hold();
    await advance(1_000);
    feed.ping();
    expect(asOf()).toBe(iso(heard));
    release();
    await session.settled();
    expect(asOf()).toBe(iso(clock.now()));
  });
});

describe('the delivery check of the private channels', () => {
  it('a fill the exchange lists but the feed never delivered turns the state to resyncing and reconnects the feed', async () => {
    await startLive();
    feed.emit(restingOrder());
    // The order fills at the exchange; fill, market_positions and user_orders stay silent.
    const filledAt = clock.now();
    rest.fills = [restFill('t-missed', Math.floor(filledAt / 1000))];
    rest.positions = [
      kalshiPosition('KXA-1', '17.00', '8.500000'),
      kalshiPosition('KXB-1', '-4.00', '1.600000'),
    ];
    rest.orders = [];
    await advance(10_000);
    expect(calls('fills')).toBeGreaterThanOrEqual(1);
    expect(session.connection).toBe('live');
    await advance(3_000);
    expect(feed.reconnects).toEqual(['fills listed by the exchange did not arrive']);
    expect(statuses().slice(0, 2)).toEqual(['resyncing', 'reconnecting']);
    const resyncing = events.find((e) => e.type === 'connection_status' && e.data.status === 'resyncing');
    expect(resyncing?.type === 'connection_status' && resyncing.data).toMatchObject({
      is_stale: true,
      detail: 'fills did not arrive on the live feed; checking with the exchange',
    });
    expect(clock.now() - filledAt).toBeLessThanOrEqual(13_000);
    // The new connection's snapshot brings the missed fill and the position.
    feed.setState('live', 'resubscribed');
    await session.settled();
    expect(session.connection).toBe('live');
    expect(session.positions('bid').find((p) => p.ticker === 'KXA-1')?.quantity).toBe(17);
    expect(session.snapshot().orders).toEqual([]);
  });

  it('a fill the feed delivers within the grace period is not counted as missed', async () => {
    await startLive();
    feed.emit(restingOrder());
    rest.fills = [restFill('t-late', Math.floor(clock.now() / 1000))];
    await advance(10_000);
    expect(calls('fills')).toBeGreaterThanOrEqual(1);
    feed.emit(
      fillMessage({
        ticker: 'KXA-1',
        bookSide: 'bid',
        count: '7.00',
        yesPrice: '0.5000',
        post: '17.00',
        tsMs: clock.now(),
        tradeId: 't-late',
      }),
    );
    await advance(3_000);
    expect(feed.reconnects).toEqual([]);
    expect(session.connection).toBe('live');
  });

  it('an idle account costs no request; a held market that moves makes the next check run', async () => {
    await startLive();
    const before = calls('fills');
    await advance(50_000, 1_000);
    expect(calls('fills')).toBe(before);
    feed.emit(tickerMessage('KXA-1', '0.7000', '0.7200'));
    await advance(10_000, 1_000);
    expect(calls('fills')).toBe(before + 1);
    // One check per activity, not one per tick.
    await advance(9_000, 1_000);
    expect(calls('fills')).toBe(before + 1);
  });
});

describe('a refused key is terminal', () => {
  it('a 401 from REST ends the session: credentials_rejected, stale with the last as_of, feed closed, no timer and no request left', async () => {
    const start = clock.now();
    await startLive();
    await advance(2_000);
    feed.ping();
    rest.failure = rejectedKey();
    // The next REST call is the 30-second balance refresh.
    await advance(30_000, 1_000);
    expect(session.freshness()).toEqual({
      connection: 'credentials_rejected',
      is_stale: true,
      as_of: iso(start + 2_000),
    });
    expect(session.isCredentialsRejected).toBe(true);
    expect(lastStatus()).toMatchObject({
      data: {
        status: 'credentials_rejected',
        detail: expect.stringContaining('reconnect your key') as unknown,
      },
    });
    expect(feed.state).toBe('closed');
    expect(feed.listenerCount).toBe(0);
    expect(scheduler.pending).toBe(0);
    expect(session.positions('bid').map((p) => p.ticker)).toEqual(['KXA-1', 'KXB-1']);
    const requests = rest.calls.length;
    await advance(600_000, 10_000);
    expect(rest.calls.length).toBe(requests);
    // A ping or a message still in flight changes nothing.
    feed.ping();
    expect(session.connection).toBe('credentials_rejected');
    await session.stop();
    expect(session.connection).toBe('closed');
  });

  it('a 401 on the first snapshot is terminal at once', async () => {
    rest.failure = rejectedKey();
    await session.start();
    expect(session.connection).toBe('credentials_rejected');
    expect(calls('positions')).toBe(1);
    await advance(300_000, 5_000);
    expect(calls('positions')).toBe(1);
    expect(scheduler.pending).toBe(0);
  });

  it('a WebSocket upgrade refused with 401 is terminal as well', async () => {
    await startLive();
    feed.refuse({ status: 401, code: 'authentication_error' });
    expect(session.connection).toBe('credentials_rejected');
    expect(feed.state).toBe('closed');
    expect(scheduler.pending).toBe(0);
  });

  it('an expired request timestamp (clock skew) is not: it is reported and retried', async () => {
    await startLive();
    feed.refuse({ status: 401, code: 'header_timestamp_expired' });
    expect(session.connection).toBe('reconnecting');
    rest.failure = new KalshiApiError({
      status: 401,
      method: 'GET',
      path: '/trade-api/v2/portfolio/positions',
      code: 'header_timestamp_expired',
      message: 'header timestamp expired',
    });
    feed.setState('live', 'resubscribed');
    await session.settled();
    expect(session.connection).toBe('resyncing');
    expect(lastStatus()).toMatchObject({ data: { detail: expect.stringContaining('clock') as unknown } });
    rest.failure = null;
    await advance(5_000);
    await session.settled();
    expect(session.connection).toBe('live');
  });
});

describe('transient failures back off', () => {
  /** Seconds between the snapshot attempts, measured to the quarter second. */
  async function retryDelays(count: number): Promise<number[]> {
    const delays: number[] = [];
    for (let i = 0; i < count; i++) {
      const before = calls('positions');
      let waited = 0;
      while (calls('positions') === before && waited < 400_000) {
        await advance(250);
        waited += 250;
      }
      delays.push(waited / 1000);
    }
    return delays;
  }

  it('5xx answers are retried with exponential backoff and jitter, capped, and a success resets it', async () => {
    newSession({ random: () => 0.5, timings: { snapshotRetryMs: 4_000, snapshotRetryMaxMs: 60_000 } });
    await startLive();
    rest.failure = new KalshiApiError({
      status: 503,
      method: 'GET',
      path: '/trade-api/v2/portfolio/positions',
      code: 'http_503',
      message: 'service unavailable',
    });
    feed.setState('backoff', 'connection lost');
    feed.setState('live', 'resubscribed');
    await session.settled();
    expect(session.connection).toBe('resyncing');
    expect(lastStatus()).toMatchObject({
      data: { detail: 'Kalshi answered with an error (HTTP 503); retrying' },
    });
    // x0.75 jitter: 4, 8, 16, 32, 64 -> capped at 60.
    expect(await retryDelays(6)).toEqual([3, 6, 12, 24, 45, 45]);
    rest.failure = null;
    await retryDelays(1);
    await session.settled();
    expect(session.connection).toBe('live');
    rest.failure = new KalshiNetworkError('socket hang up');
    feed.setState('backoff', 'connection lost');
    feed.setState('live', 'resubscribed');
    await session.settled();
    expect(lastStatus()).toMatchObject({
      data: { detail: 'exchange unreachable; showing last known positions' },
    });
    expect(await retryDelays(2)).toEqual([3, 6]);
  });

  it('jitter spreads the retries of accounts that failed together', async () => {
    const first: number[] = [];
    for (const value of [0, 0.99]) {
      newSession({ random: () => value, timings: { snapshotRetryMs: 4_000 } });
      rest.isDown = true;
      rest.calls = [];
      await session.start();
      first.push((await retryDelays(1))[0] ?? 0);
      await session.stop();
    }
    expect(first[0]).toBe(2);
    expect(first[1]).toBeGreaterThan(3.5);
  });
});

describe('the buffer kept during a snapshot', () => {
  it('past its cap the buffered messages are dropped, the state is not live, and another snapshot follows at once', async () => {
    newSession({ timings: { maxBufferedMessages: 5 } });
    await startLive();
    const snapshots = calls('positions');
    const release = rest.hold();
    await advance(60_000, 1_000);
    for (let i = 0; i < 8; i++) feed.emit(tickerMessage('KXA-1', `0.${70 + i}00`, `0.${72 + i}00`));
    expect(session.connection).toBe('resyncing');
    expect(logger.lines.map((l) => l.message)).toContain(
      'too many exchange messages during a snapshot; dropped them and taking another snapshot',
    );
    release();
    await session.settled();
    await flushPromises();
    await session.settled();
    expect(calls('positions')).toBe(snapshots + 2);
    expect(session.connection).toBe('live');
    // The exchange's own quote (REST), not a half-applied stream of ticks.
    expect(session.positions('bid').find((p) => p.ticker === 'KXA-1')?.current_price).toBe(60);
  });

  it('within its cap every buffered message is applied after the snapshot', async () => {
    newSession({ timings: { maxBufferedMessages: 5 } });
    await startLive();
    const release = rest.hold();
    await advance(60_000, 1_000);
    for (let i = 0; i < 5; i++) feed.emit(tickerMessage('KXA-1', `0.${70 + i}00`, `0.${72 + i}00`));
    release();
    await session.settled();
    expect(session.connection).toBe('live');
    expect(session.positions('bid').find((p) => p.ticker === 'KXA-1')?.current_price).toBe(74);
  });
});

describe('LiveAccounts and a refused key', () => {
  it('a rejected session is not restarted by reads, but a new authentication replaces it', async () => {
    let connections = 0;
    const feeds: FakeFeed[] = [];
    const live = new LiveAccounts({
      connect: () => {
        connections += 1;
        const created = new FakeFeed();
        feeds.push(created);
        return { rest: rest.asPort(), feed: created };
      },
      bus: new InProcessEventBus(),
      repository: null,
      clock,
      scheduler,
      logger,
      loadCredentials: () => Promise.resolve({ keyId: 'k', privateKeyPem: 'unused' }),
    });
    rest.failure = rejectedKey();
    await live.ensureSession(USER, { keyId: 'k', privateKeyPem: 'unused' });
    expect((await live.positions(USER, 'bid')).connection).toBe('credentials_rejected');
    await live.portfolio(USER);
    expect(connections).toBe(1);
    rest.failure = null;
    await live.ensureSession(USER, { keyId: 'k', privateKeyPem: 'unused' });
    expect(connections).toBe(2);
    feeds.at(-1)?.setState('live', 'subscribed');
    await (await live.session(USER)).settled();
    expect((await live.positions(USER, 'bid')).connection).toBe('live');
    await live.stopAll();
  });
});
