import { centis, micros, parseDollars } from '@kalshi-desk/kalshi/protocol';
import { describe, expect, it } from 'vitest';
import { entryTimesFromFills, PositionTracker, type TrackedFill } from './positions.tracker.js';
import {
  fillMessage,
  kalshiBalance,
  kalshiMarket,
  kalshiOrder,
  kalshiPosition,
  lifecycleMessage,
  marketPositionMessage,
  tickerMessage,
  userOrderMessage,
} from './testing/kalshi-fixtures.js';

const T0 = Date.parse('2026-11-24T12:00:00Z');

function setup() {
  let now = T0;
  const tracker = new PositionTracker(() => now);
  const loaded = tracker.loadSnapshot({
    positions: [
      kalshiPosition('KXA-1', '10.00', '5.000000'),
      kalshiPosition('KXB-1', '-4.00', '1.600000', { fees_paid_dollars: '0.020000' }),
      kalshiPosition('KXC-1', '0.00', '0.000000', { realized_pnl_dollars: '1.000000' }),
    ],
    markets: [
      kalshiMarket({ ticker: 'KXA-1', yes_bid_dollars: '0.6000', yes_ask_dollars: '0.6200' }),
      kalshiMarket({ ticker: 'KXB-1', yes_bid_dollars: '0.5500', yes_ask_dollars: '0.5800' }),
    ],
    orders: [],
    balance: kalshiBalance('100.0000'),
  });
  return { tracker, loaded, advance: (ms: number) => (now += ms) };
}

describe('PositionTracker', () => {
  it('a REST snapshot yields the held positions (flat rows skipped) with P&L at the bid mark', () => {
    const { tracker, loaded } = setup();
    expect(tracker.heldTickers()).toEqual(['KXA-1', 'KXB-1']);
    expect(loaded.changes.opened.sort()).toEqual(['KXA-1', 'KXB-1']);
    const [a, b] = tracker.positionsView('bid');
    expect(a).toMatchObject({
      ticker: 'KXA-1',
      side: 'YES',
      quantity: 10,
      avg_entry_price: 50,
      current_price: 60,
      unrealized_pnl: 1,
    });
    expect(b).toMatchObject({
      ticker: 'KXB-1',
      side: 'NO',
      quantity: 4,
      avg_entry_price: 40,
      current_price: 42,
      unrealized_pnl: 0.08,
    });
    expect(a?.entry_time).toBe('2026-11-24T10:00:00.000Z');
    expect(tracker.portfolioView(null)).toMatchObject({
      cash_balance: 100,
      positions_value: 7.68,
      total_value: 107.68,
      position_count: 2,
    });
  });

  it('a ticker message moves the price of a held market and reports a position and portfolio change', () => {
    const { tracker } = setup();
    const changes = tracker.apply(tickerMessage('KXA-1', '0.7000', '0.7200'));
    expect(changes.updated).toEqual(['KXA-1']);
    expect(changes.portfolioChanged).toBe(true);
    expect(tracker.positionView('KXA-1', 'bid')?.unrealized_pnl).toBe(2);
  });

  it('an unchanged or unrelated ticker message changes nothing', () => {
    const { tracker } = setup();
    expect(tracker.apply(tickerMessage('KXA-1', '0.6000', '0.6200', '0.5100')).updated).toEqual([]);
    expect(tracker.apply(tickerMessage('KXZ-9', '0.1000', '0.2000')).updated).toEqual([]);
  });

  it('a market_position message replaces quantity, exposure, realized P&L and fees', () => {
    const { tracker } = setup();
    const changes = tracker.apply(marketPositionMessage('KXA-1', '6.00', '3.0000', '0.4000', '0.0300'));
    expect(changes.updated).toEqual(['KXA-1']);
    expect(tracker.positionView('KXA-1', 'bid')).toMatchObject({
      quantity: 6,
      market_exposure: 3,
      realized_pnl: 0.4,
      fees_paid: 0.03,
    });
  });

  it('a market_position for a new market opens a position and asks for its metadata', () => {
    const { tracker, advance } = setup();
    advance(5_000);
    const changes = tracker.apply(marketPositionMessage('KXN-1', '2.00', '0.8000'));
    expect(changes.opened).toEqual(['KXN-1']);
    expect(changes.missingMarkets).toEqual(['KXN-1']);
    expect(tracker.positionView('KXN-1', 'bid')).toMatchObject({
      side: 'YES',
      current_price: null,
      market_title: 'KXN-1',
    });
    const filled = tracker.setMarket(kalshiMarket({ ticker: 'KXN-1', yes_bid_dollars: '0.4500' }));
    expect(filled.updated).toEqual(['KXN-1']);
    expect(tracker.positionView('KXN-1', 'bid')?.current_price).toBe(45);
  });

  it('a position going flat is removed as closed and its result counts in total P&L', () => {
    const { tracker } = setup();
    const changes = tracker.apply(marketPositionMessage('KXA-1', '0.00', '0.0000', '1.5000', '0.0500'));
    expect(changes.removed).toEqual([{ ticker: 'KXA-1', reason: 'closed' }]);
    expect(changes.closed).toEqual(['KXA-1']);
    expect(tracker.closedPnl()).toBe(parseDollars('1.45'));
    // Reopening the market: Kalshi's cumulative fields include the earlier result again.
    tracker.apply(marketPositionMessage('KXA-1', '1.00', '0.5000', '1.5000', '0.0600'));
    expect(tracker.closedPnl()).toBe(0);
  });

  it('a fill is recorded, marks the entry time of a new position and signals a cash change', () => {
    const { tracker } = setup();
    tracker.apply(marketPositionMessage('KXN-1', '3.00', '1.5000'));
    const changes = tracker.apply(
      fillMessage({
        ticker: 'KXN-1',
        bookSide: 'bid',
        count: '3.00',
        yesPrice: '0.5000',
        post: '3.00',
        tsMs: T0 - 1000,
      }),
    );
    expect(changes.fills).toHaveLength(1);
    expect(changes.fills[0]).toMatchObject({
      ticker: 'KXN-1',
      count: 300,
      yesPrice: 500_000,
      fee: 10_000,
      postPosition: 300,
    });
    expect(changes.portfolioChanged).toBe(true);
    expect(tracker.positionView('KXN-1', 'bid')?.entry_time).toBe(new Date(T0 - 1000).toISOString());
  });

  it('a fill that flips YES to NO resets the entry time', () => {
    const { tracker } = setup();
    tracker.apply(
      fillMessage({
        ticker: 'KXA-1',
        bookSide: 'ask',
        count: '12.00',
        yesPrice: '0.6000',
        post: '-2.00',
        tsMs: T0 + 7,
      }),
    );
    tracker.apply(marketPositionMessage('KXA-1', '-2.00', '0.8000', '1.0000'));
    expect(tracker.positionView('KXA-1', 'bid')).toMatchObject({
      side: 'NO',
      entry_time: new Date(T0 + 7).toISOString(),
    });
  });

  it('determined then settled removes the position as settled with its payout in total P&L', () => {
    const { tracker } = setup();
    const determined = tracker.apply(lifecycleMessage('KXA-1', 'determined', 'yes'));
    expect(determined.updated).toEqual(['KXA-1']);
    expect(tracker.positionView('KXA-1', 'bid')?.market_status).toBe('determined');
    const settled = tracker.apply(lifecycleMessage('KXA-1', 'settled'));
    expect(settled.removed).toEqual([{ ticker: 'KXA-1', reason: 'settled' }]);
    // 10 YES at $0.50 settle at $1: +$5.00.
    expect(tracker.closedPnl()).toBe(parseDollars('5'));
    // The market_position that follows settlement must not count twice.
    tracker.apply(marketPositionMessage('KXA-1', '0.00', '0.0000', '5.0000'));
    expect(tracker.closedPnl()).toBe(parseDollars('5'));
  });

  it('a NO position on a market that resolves YES loses its cost', () => {
    const { tracker } = setup();
    tracker.apply(lifecycleMessage('KXB-1', 'determined', 'yes'));
    tracker.apply(lifecycleMessage('KXB-1', 'settled'));
    expect(tracker.closedPnl()).toBe(parseDollars('-1.62'));
  });

  it('a scalar market settles at the settlement value its determination carries', () => {
    const { tracker } = setup();
    tracker.apply({
      type: 'market_lifecycle_v2',
      sid: 4,
      msg: { market_ticker: 'KXA-1', event_type: 'determined', result: 'scalar', settlement_value: '0.3700' },
    });
    expect(tracker.market('KXA-1')).toMatchObject({
      result: 'scalar',
      settlementValue: parseDollars('0.37'),
    });
    tracker.apply(lifecycleMessage('KXA-1', 'settled'));
    // 10 YES bought for $5.00 pay $0.37 each: -$1.30.
    expect(tracker.closedPnl()).toBe(parseDollars('-1.3'));
    expect(tracker.portfolioView(null).cash_balance).toBe(103.7);
  });

  it('a new close date moves the market close time, in ms', () => {
    const { tracker } = setup();
    const closeTs = Date.parse('2026-12-15T00:00:00Z') / 1000;
    const changes = tracker.apply({
      type: 'market_lifecycle_v2',
      sid: 4,
      msg: { market_ticker: 'KXA-1', event_type: 'close_date_updated', close_ts: closeTs },
    });
    expect(tracker.market('KXA-1')?.closeTime).toBe(closeTs * 1000);
    expect(changes.updated).toEqual(['KXA-1']);
  });

  it('a flat market_position after determination is a settlement', () => {
    const { tracker } = setup();
    tracker.apply(lifecycleMessage('KXB-1', 'determined', 'no'));
    const changes = tracker.apply(marketPositionMessage('KXB-1', '0.00', '0.0000', '2.4000', '0.0200'));
    expect(changes.removed).toEqual([{ ticker: 'KXB-1', reason: 'settled' }]);
  });

  it('reconciliation corrects drift and reports it field by field', () => {
    const { tracker } = setup();
    tracker.apply(marketPositionMessage('KXA-1', '9.00', '4.5000'));
    const { changes, drift } = tracker.loadSnapshot({
      positions: [
        kalshiPosition('KXA-1', '10.00', '5.000000'),
        kalshiPosition('KXB-1', '-4.00', '1.600000', { fees_paid_dollars: '0.020000' }),
      ],
      markets: [],
      orders: [],
      balance: kalshiBalance('99.5000'),
    });
    expect(drift).toEqual([
      { ticker: 'KXA-1', field: 'position', tracked: 900, exchange: 1000 },
      { ticker: 'KXA-1', field: 'exposure', tracked: 4_500_000, exchange: 5_000_000 },
      { ticker: null, field: 'cash', tracked: 100_000_000, exchange: 99_500_000 },
    ]);
    expect(changes.updated).toEqual(['KXA-1']);
    expect(tracker.positionView('KXA-1', 'bid')?.quantity).toBe(10);
  });

  it('a reconciliation without a held position removes it', () => {
    const { tracker } = setup();
    const { changes, drift } = tracker.loadSnapshot({
      positions: [kalshiPosition('KXA-1', '10.00', '5.000000')],
      markets: [],
      orders: [],
      balance: kalshiBalance('100.0000'),
    });
    expect(changes.removed).toEqual([{ ticker: 'KXB-1', reason: 'closed' }]);
    expect(drift).toEqual([{ ticker: 'KXB-1', field: 'position', tracked: -400, exchange: null }]);
  });

  it('mark mid and last are selectable per view', () => {
    const { tracker } = setup();
    tracker.apply(tickerMessage('KXA-1', '0.6000', '0.6400', '0.6300'));
    expect(tracker.positionView('KXA-1', 'mid')).toMatchObject({ mark: 'mid', current_price: 62 });
    expect(tracker.positionView('KXA-1', 'last')).toMatchObject({ mark: 'last', current_price: 63 });
  });
});

describe('entryTimesFromFills', () => {
  const fill = (ticker: string, bookSide: 'bid' | 'ask', count: number, ts: number): TrackedFill => ({
    tradeId: `${ts}`,
    orderId: 'o',
    ticker,
    outcomeSide: bookSide === 'bid' ? 'yes' : 'no',
    bookSide,
    count: centis(count),
    yesPrice: micros(500_000),
    fee: micros(0),
    isTaker: true,
    postPosition: null,
    ts,
  });

  it('finds the fill that opened the current position, walking back from the latest', () => {
    const times = entryTimesFromFills({
      positions: new Map([
        ['A', centis(500)],
        ['B', centis(-200)],
      ]),
      fills: [
        fill('A', 'bid', 300, 10),
        fill('A', 'ask', 300, 20),
        fill('A', 'bid', 200, 30),
        fill('A', 'bid', 300, 40),
        fill('B', 'ask', 200, 5),
      ],
    });
    // A: +3 (10), -3 (20) flat, +2 (30) opens, +3 (40) -> entry 30.
    expect(times.get('A')).toBe(30);
    expect(times.get('B')).toBe(5);
  });

  it('uses the oldest fill seen when the window does not reach the opening fill', () => {
    const times = entryTimesFromFills({
      positions: new Map([['A', centis(1000)]]),
      fills: [fill('A', 'bid', 100, 50), fill('A', 'bid', 100, 60)],
    });
    expect(times.get('A')).toBe(50);
  });
});

describe('PositionTracker: money held by resting orders', () => {
  function fresh() {
    let now = T0;
    const tracker = new PositionTracker(() => now);
    tracker.loadSnapshot({ positions: [], markets: [], orders: [], balance: kalshiBalance('1000.0000') });
    return { tracker, advance: (ms: number) => (now += ms) };
  }

  it('a resting buy moves cash to "in orders" and leaves the account value alone', () => {
    const { tracker } = fresh();
    const before = tracker.totals(parseDollars('1000'));
    const changes = tracker.apply(
      userOrderMessage({
        orderId: 'o1',
        ticker: 'KXA-1',
        bookSide: 'bid',
        yesPrice: '0.0500',
        remaining: '100.00',
      }),
    );
    expect(changes.ordersChanged).toBe(true);
    expect(changes.isBalanceAffected).toBe(true);
    // The exchange's balance read after the order says $995 available.
    tracker.setBalance(parseDollars('995.0000'));
    const after = tracker.totals(parseDollars('1000'));
    expect(after.cash).toBe(parseDollars('995'));
    expect(after.reserved).toBe(parseDollars('5'));
    expect(after.totalValue).toBe(before.totalValue);
    expect(after.todayPnl).toBe(0);
    expect(tracker.ordersView()).toEqual([
      expect.objectContaining({ order_id: 'o1', side: 'YES', price: 5, remaining_count: 100, reserved: 5 }),
    ]);
    // Cancelled: the money comes back to available, the value still does not move.
    tracker.apply(
      userOrderMessage({
        orderId: 'o1',
        ticker: 'KXA-1',
        bookSide: 'bid',
        yesPrice: '0.0500',
        remaining: '0.00',
        status: 'canceled',
        updatedMs: 2,
      }),
    );
    expect(tracker.totals(parseDollars('1000'))).toMatchObject({ cash: parseDollars('1000'), reserved: 0 });
    expect(tracker.ordersView()).toEqual([]);
  });

  it('a late "resting" message of an order that already ended does not bring it back', () => {
    const { tracker } = fresh();
    const base = { orderId: 'o2', ticker: 'KXA-1', bookSide: 'ask' as const, yesPrice: '0.6000' };
    tracker.apply(userOrderMessage({ ...base, remaining: '0.00', status: 'canceled', updatedMs: 5 }));
    tracker.apply(userOrderMessage({ ...base, remaining: '3.00', updatedMs: 4 }));
    expect(tracker.ordersView()).toEqual([]);
    expect(tracker.reserved()).toBe(0);
  });

  it('a fill moves the predicted cash by its own cash flow before the balance is re-read', () => {
    const { tracker } = fresh();
    tracker.apply(
      fillMessage({
        ticker: 'KXA-1',
        bookSide: 'bid',
        count: '10.00',
        yesPrice: '0.4000',
        post: '10.00',
        tsMs: T0,
      }),
    );
    tracker.apply(marketPositionMessage('KXA-1', '10.00', '4.0000', '0.0000', '0.0100'));
    // 10 x $0.40 + the $0.01 fee of the fixture
    expect(tracker.cash).toBe(parseDollars('995.99'));
    // A fill the balance already counted (recovered over REST) is not counted twice.
    tracker.apply(
      fillMessage({
        ticker: 'KXA-1',
        bookSide: 'bid',
        count: '1.00',
        yesPrice: '0.4000',
        post: '11.00',
        tsMs: T0 + 1,
      }),
      { isKnownFill: true },
    );
    expect(tracker.cash).toBe(parseDollars('995.99'));
  });

  it("an order that would close the held position holds nothing, and a fill that empties it re-prices the order's hold", () => {
    const { tracker } = fresh();
    tracker.apply(marketPositionMessage('KXA-1', '10.00', '4.0000'));
    tracker.apply(
      userOrderMessage({
        orderId: 'o3',
        ticker: 'KXA-1',
        bookSide: 'ask',
        yesPrice: '0.7000',
        remaining: '10.00',
      }),
    );
    expect(tracker.reserved()).toBe(0);
    const changes = tracker.apply(marketPositionMessage('KXA-1', '4.00', '1.6000', '1.8000'));
    expect(changes.ordersChanged).toBe(true);
    // 6 of the 10 now open NO at $0.30.
    expect(tracker.reserved()).toBe(parseDollars('1.80'));
  });

  it('a REST snapshot adds the reservations of the listed resting orders back to the balance', () => {
    let now = T0;
    const tracker = new PositionTracker(() => now);
    now += 1;
    tracker.loadSnapshot({
      positions: [],
      markets: [],
      orders: [
        kalshiOrder({
          order_id: 'r1',
          ticker: 'KXA-1',
          book_side: 'bid',
          yes_price_dollars: '0.2500',
          remaining_count_fp: '4.00',
        }),
        kalshiOrder({ order_id: 'gone', ticker: 'KXA-1', status: 'canceled', remaining_count_fp: '0.00' }),
      ],
      balance: kalshiBalance('99.0000'),
    });
    expect(tracker.totals(null)).toMatchObject({
      cash: parseDollars('99'),
      reserved: parseDollars('1'),
      totalValue: parseDollars('100'),
    });
  });

  it('settlement credits the payout of the held side', () => {
    const { tracker } = fresh();
    tracker.loadSnapshot({
      positions: [kalshiPosition('KXA-1', '-3.00', '1.200000')],
      markets: [kalshiMarket({ ticker: 'KXA-1', yes_bid_dollars: '0.1000', yes_ask_dollars: '0.1200' })],
      orders: [],
      balance: kalshiBalance('998.8000'),
    });
    tracker.apply(lifecycleMessage('KXA-1', 'determined', 'no'));
    const changes = tracker.apply(lifecycleMessage('KXA-1', 'settled'));
    expect(changes.removed).toEqual([{ ticker: 'KXA-1', reason: 'settled' }]);
    expect(tracker.cash).toBe(parseDollars('1001.8'));
  });
});
