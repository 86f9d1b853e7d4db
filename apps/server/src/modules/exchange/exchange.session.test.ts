import type { Fill } from '@kalshi-desk/kalshi/protocol';
import { beforeEach, describe, expect, it } from 'vitest';
import { createTestClock, type TestClock } from '../../shared/clock.js';
import {
  fillMessage,
  kalshiMarket,
  kalshiOrder,
  kalshiPosition,
  lifecycleMessage,
  marketPositionMessage,
  tickerMessage,
  userOrderMessage,
} from '../positions/testing/kalshi-fixtures.js';
import { InProcessEventBus, type AccountEvent } from '../stream/stream.bus.js';
import type { EngineLogger } from './exchange.ports.js';
import { AccountSession } from './exchange.session.js';
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
let bus: InProcessEventBus;
let events: AccountEvent[];
let logger: MemoryLogger;
let session: AccountSession;

beforeEach(() => {
  clock = createTestClock();
  rest = new FakeRest();
  rest.balanceDollars = '100.0000';
  rest.positions = [
    kalshiPosition('KXA-1', '10.00', '5.000000'),
    kalshiPosition('KXB-1', '-4.00', '1.600000'),
    kalshiPosition('KXC-1', '2.50', '1.250000'),
  ];
  for (const m of [
    kalshiMarket({ ticker: 'KXA-1', yes_bid_dollars: '0.6000', yes_ask_dollars: '0.6200' }),
    kalshiMarket({ ticker: 'KXB-1', yes_bid_dollars: '0.5500', yes_ask_dollars: '0.5800' }),
    kalshiMarket({ ticker: 'KXC-1', yes_bid_dollars: '0.4000', yes_ask_dollars: '0.4400' }),
  ])
    rest.markets.set(m.ticker, m);
  feed = new FakeFeed();
  scheduler = new ManualScheduler();
  bus = new InProcessEventBus({ firstId: () => 0 });
  events = [];
  bus.subscribe(USER, (e) => events.push(e.event));
  logger = new MemoryLogger();
  session = new AccountSession({
    userId: USER,
    rest: rest.asPort(),
    feed,
    bus,
    repository: null,
    clock,
    scheduler,
    logger,
  });
});

async function startLive(): Promise<void> {
  await session.start();
  feed.setState('live', 'subscribed');
  await session.settled();
  events.length = 0;
}

const statuses = () => events.flatMap((e) => (e.type === 'connection_status' ? [e.data.status] : []));

/** A fill of ours as `GET /portfolio/fills` lists it, `ts` in whole seconds. */
function restFill(tradeId: string, tsSeconds: number): Fill {
  return {
    fill_id: `f-${tradeId}`,
    trade_id: tradeId,
    order_id: 'o-1',
    ticker: 'KXA-1',
    outcome_side: 'yes',
    book_side: 'bid',
    count_fp: '1.00',
    yes_price_dollars: '0.5000',
    no_price_dollars: '0.5000',
    is_taker: true,
    fee_cost: '0.0100',
    ts: tsSeconds,
  };
}

const nowSeconds = () => Math.floor(clock.now() / 1000);
const logged = (message: string) => logger.lines.filter((l) => l.message === message);

describe('AccountSession', () => {
  it('takes a paginated REST snapshot, then goes live when the feed is live, subscribing ticker for held markets', async () => {
    await session.start();
    expect(session.positions('bid').map((p) => p.ticker)).toEqual(['KXA-1', 'KXB-1', 'KXC-1']);
    expect(rest.calls.filter((c) => c === 'positions')).toHaveLength(2);
    expect(session.connection).toBe('connecting');
    expect(session.freshness().is_stale).toBe(true);
    feed.setState('live', 'subscribed');
    await session.settled();
    expect(session.connection).toBe('live');
    expect(session.freshness()).toMatchObject({ connection: 'live', is_stale: false });
    expect(feed.tickerMarkets).toEqual(['KXA-1', 'KXB-1', 'KXC-1']);
    expect(statuses()).toEqual(['connecting', 'resyncing', 'live']);
    expect(session.portfolio()).toMatchObject({ cash_balance: 100, position_count: 3 });
  });

  it('a ticker update publishes the position with its new P&L and the portfolio', async () => {
    await startLive();
    feed.emit(tickerMessage('KXA-1', '0.7000', '0.7200'));
    const update = events.find((e) => e.type === 'position_update');
    expect(events.some((e) => e.type === 'portfolio_update')).toBe(false);
    // The portfolio follows within its throttle interval.
    scheduler.advanceBy(250);
    expect(update?.type === 'position_update' && update.data.data).toMatchObject({
      ticker: 'KXA-1',
      current_price: 70,
      unrealized_pnl: 2,
    });
    expect(events.some((e) => e.type === 'portfolio_update')).toBe(true);
  });

  it('a fill triggers one debounced balance refresh and a new market joins the ticker subscription', async () => {
    await startLive();
    rest.markets.set('KXN-1', kalshiMarket({ ticker: 'KXN-1', yes_bid_dollars: '0.3000' }));
    rest.balanceDollars = '98.5000';
    const before = rest.calls.length;
    feed.emit(
      fillMessage({
        ticker: 'KXN-1',
        bookSide: 'bid',
        count: '3.00',
        yesPrice: '0.5000',
        post: '3.00',
        tsMs: clock.now(),
      }),
    );
    feed.emit(marketPositionMessage('KXN-1', '3.00', '1.5000'));
    feed.emit(
      fillMessage({
        ticker: 'KXN-1',
        bookSide: 'bid',
        count: '1.00',
        yesPrice: '0.5000',
        post: '4.00',
        tsMs: clock.now(),
        tradeId: 't2',
      }),
    );
    expect(feed.tickerMarkets).toContain('KXN-1');
    scheduler.advanceBy(250);
    await flushPromises();
    expect(rest.calls.slice(before).filter((c) => c === 'balance')).toHaveLength(1);
    expect(session.portfolio().cash_balance).toBe(98.5);
    expect(session.positions('bid').find((p) => p.ticker === 'KXN-1')).toMatchObject({
      market_title: 'Will KXN-1 happen?',
      current_price: 30,
    });
  });

  it('a resting order is listed, its money counted as "in orders", and the balance re-read within a second', async () => {
    await startLive();
    const valueBefore = session.portfolio().total_value;
    const before = rest.calls.length;
    rest.balanceDollars = '95.0000';
    feed.emit(
      userOrderMessage({
        orderId: 'o1',
        ticker: 'KXA-1',
        bookSide: 'bid',
        yesPrice: '0.0500',
        remaining: '100.00',
      }),
    );
    const update = events.find((e) => e.type === 'orders_update');
    expect(update?.type === 'orders_update' && update.data.orders.map((o) => o.order_id)).toEqual(['o1']);
    scheduler.advanceBy(1_000);
    await flushPromises();
    expect(rest.calls.slice(before).filter((c) => c === 'balance')).toHaveLength(1);
    expect(session.portfolio()).toMatchObject({
      cash_balance: 95,
      reserved_for_orders: 5,
      total_value: valueBefore,
    });
    expect(session.snapshot().orders).toHaveLength(1);
  });

  it('a balance read that an order event raced is discarded and read again', async () => {
    await startLive();
    const valueBefore = session.portfolio().total_value;
    feed.emit(
      userOrderMessage({
        orderId: 'o1',
        ticker: 'KXA-1',
        bookSide: 'bid',
        yesPrice: '0.0500',
        remaining: '100.00',
      }),
    );
    // The read sees the first order's hold, but a second order arrives while it is in flight.
    rest.balanceDollars = '95.0000';
    rest.duringBalance = () => {
      rest.balanceDollars = '94.0000';
      feed.emit(
        userOrderMessage({
          orderId: 'o2',
          ticker: 'KXA-1',
          bookSide: 'bid',
          yesPrice: '0.1000',
          remaining: '10.00',
        }),
      );
    };
    scheduler.advanceBy(250);
    await flushPromises();
    // Taking $95 with both orders known would have read as a $1 gain.
    expect(session.portfolio().total_value).toBe(valueBefore);
    scheduler.advanceBy(250);
    await flushPromises();
    expect(session.portfolio()).toMatchObject({
      cash_balance: 94,
      reserved_for_orders: 6,
      total_value: valueBefore,
    });
  });

  it('settlement removes the position, drops its ticker subscription and keeps the result in total P&L', async () => {
    await startLive();
    feed.emit(lifecycleMessage('KXA-1', 'determined', 'yes'));
    feed.emit(lifecycleMessage('KXA-1', 'settled'));
    expect(events.filter((e) => e.type === 'position_removed').map((e) => e.data)).toEqual([
      { ticker: 'KXA-1', reason: 'settled' },
    ]);
    expect(feed.tickerMarkets).toEqual(['KXB-1', 'KXC-1']);
    expect(session.portfolio().total_pnl).toBeCloseTo(5 + 0.08 - 0.25 + 0, 10);
  });

  it('a dropped feed reports reconnecting, buffers during the resync and catches up on what it missed', async () => {
    await startLive();
    feed.setState('backoff', 'connection lost');
    expect(session.connection).toBe('reconnecting');
    expect(session.freshness().is_stale).toBe(true);
    // While disconnected the account traded: KXC-1 closed and KXB-1 grew.
    rest.positions = [
      kalshiPosition('KXA-1', '10.00', '5.000000'),
      kalshiPosition('KXB-1', '-6.00', '2.400000'),
    ];
    feed.setState('live', 'resubscribed');
    // A message that arrives during the REST snapshot is newer than it and must win.
    feed.emit(marketPositionMessage('KXA-1', '11.00', '5.6000'));
    await session.settled();
    expect(statuses()).toEqual(['reconnecting', 'resyncing', 'live']);
    expect(session.positions('bid').map((p) => [p.ticker, p.quantity])).toEqual([
      ['KXA-1', 11],
      ['KXB-1', 6],
    ]);
    expect(events.filter((e) => e.type === 'position_removed').map((e) => e.data)).toEqual([
      { ticker: 'KXC-1', reason: 'closed' },
    ]);
    expect(logger.lines.some((l) => l.message === 'resync after reconnect caught up')).toBe(true);
  });

  it('periodic reconciliation corrects drift and logs it', async () => {
    await startLive();
    rest.positions[0] = kalshiPosition('KXA-1', '12.00', '6.000000');
    scheduler.advanceBy(60_000);
    await session.settled();
    expect(session.positions('bid')[0]?.quantity).toBe(12);
    const line = logger.lines.find((l) => l.message === 'reconciliation corrected drift from the exchange');
    expect(line?.level).toBe('warn');
    expect(line?.object.drift).toContainEqual({
      ticker: 'KXA-1',
      field: 'position',
      tracked: 1000,
      exchange: 1200,
    });
  });

  it('an unreachable exchange leaves the last state served as stale and retries', async () => {
    await startLive();
    rest.isDown = true;
    feed.setState('backoff', 'connection lost');
    feed.setState('live', 'resubscribed');
    await session.settled();
    expect(session.connection).not.toBe('live');
    expect(session.freshness().is_stale).toBe(true);
    expect(session.positions('bid')).toHaveLength(3);
    rest.isDown = false;
    scheduler.advanceBy(5_000);
    await flushPromises();
    await session.settled();
    expect(session.connection).toBe('live');
  });

  it('stop closes the feed, clears every timer and reports closed', async () => {
    await startLive();
    await session.stop();
    expect(feed.state).toBe('closed');
    expect(scheduler.pending).toBe(0);
    expect(statuses()).toEqual(['closed']);
    feed.emit(tickerMessage('KXA-1', '0.9000', '0.9200'));
    expect(events.filter((e) => e.type === 'position_update')).toHaveLength(0);
  });

  it('reads the resting orders page by page', async () => {
    rest.orders = [
      kalshiOrder({ order_id: 'o1', ticker: 'KXA-1', yes_price_dollars: '0.0500' }),
      kalshiOrder({ order_id: 'o2', ticker: 'KXA-1', yes_price_dollars: '0.0600', status: 'canceled' }),
      kalshiOrder({ order_id: 'o3', ticker: 'KXB-1', yes_price_dollars: '0.0700' }),
      kalshiOrder({ order_id: 'o4', ticker: 'KXC-1', yes_price_dollars: '0.0800' }),
    ];
    await session.start();
    expect(rest.calls.filter((c) => c === 'orders')).toHaveLength(2);
    expect(session.snapshot().orders.map((o) => o.order_id)).toEqual(['o1', 'o3', 'o4']);
  });

  it('knowing no fill, it reads the latest page of fills; then only those since the newest known, every page', async () => {
    rest.pageSize = 1_000;
    // Newest first, as the exchange lists them.
    rest.fills = Array.from({ length: 250 }, (_, i) => restFill(`old-${i}`, nowSeconds() - 60 - i));
    await startLive();
    // The first snapshot (feed connecting), then the one once the feed is live.
    expect(rest.fillRequests).toEqual([
      { limit: 200, cursor: undefined },
      { limit: 1000, min_ts: nowSeconds() - 60 - 1, cursor: undefined },
    ]);

    // While the feed was down: a fill in the same second as the newest known, and two after it.
    // The listing from one second earlier holds five fills (two known): three pages of two.
    rest.pageSize = 2;
    rest.fillRequests = [];
    rest.fills = [
      restFill('new-3', nowSeconds() + 30),
      restFill('new-2', nowSeconds() + 20),
      restFill('new-1', nowSeconds() - 60),
      ...rest.fills,
    ];
    feed.setState('backoff', 'connection lost');
    feed.setState('live', 'resubscribed');
    await session.settled();
    const minTs = nowSeconds() - 60 - 1;
    expect(rest.fillRequests).toEqual([
      { limit: 1000, min_ts: minTs, cursor: undefined },
      { limit: 1000, min_ts: minTs, cursor: '2' },
      { limit: 1000, min_ts: minTs, cursor: '4' },
    ]);
    expect(logged('recovered fills the feed did not deliver').map((l) => l.object.fills)).toEqual([3]);
  });

  it('fill recovery stops at its limit and logs it instead of stopping silently', async () => {
    rest.fills = [restFill('known', nowSeconds())];
    await startLive();
    rest.calls = [];
    rest.pageSize = 1_000;
    rest.fills = Array.from({ length: 20_001 }, (_, i) => restFill(`missed-${i}`, nowSeconds() + 20_001 - i));
    scheduler.advanceBy(60_000);
    await session.settled();
    expect(rest.calls.filter((c) => c === 'fills')).toHaveLength(21);
    expect(logged('fill recovery hit its limit; the remaining fills are not recovered')).toEqual([
      expect.objectContaining({
        level: 'warn',
        object: expect.objectContaining({ recovered: 20_000 }) as unknown,
      }),
    ]);
    expect(logged('recovered fills the feed did not deliver').map((l) => l.object.fills)).toEqual([20_000]);
    expect(session.connection).toBe('live');
  });

  it('a server that repeats a cursor fails the snapshot instead of looping; the retry recovers', async () => {
    rest.pageSize = 1;
    rest.isCursorStuck = true;
    await session.start();
    // The second page hands back the first page's cursor: no third request.
    expect(rest.calls.filter((c) => c === 'positions')).toHaveLength(2);
    expect(logged('exchange snapshot failed').at(-1)?.object.err).toMatch(/^KalshiPaginationError: /);
    feed.setState('live', 'subscribed');
    await session.settled();
    expect(session.connection).not.toBe('live');
    expect(session.positions('bid')).toEqual([]);

    rest.isCursorStuck = false;
    scheduler.advanceBy(5_000);
    await flushPromises();
    await session.settled();
    expect(session.connection).toBe('live');
    expect(session.positions('bid').map((p) => p.ticker)).toEqual(['KXA-1', 'KXB-1', 'KXC-1']);
  });

  it('a listing of more open positions than the cap is refused and logged, and the last state kept', async () => {
    await startLive();
    rest.pageSize = 1_000;
    rest.positions = Array.from({ length: 100_001 }, (_, i) =>
      kalshiPosition(`KXZ-${i}`, '1.00', '0.500000'),
    );
    scheduler.advanceBy(60_000);
    await session.settled();
    expect(logged('exchange snapshot failed').at(-1)?.object.err).toBe(
      'Error: the exchange listed more than 100000 open positions; snapshot refused',
    );
    expect(session.connection).toBe('stale');
    expect(session.positions('bid').map((p) => p.ticker)).toEqual(['KXA-1', 'KXB-1', 'KXC-1']);
    expect(events.some((e) => e.type === 'position_removed')).toBe(false);
  });
});
