import { describe, expect, it } from 'vitest';
import {
  makePortfolio,
  makePortfolioResponse,
  makePosition,
  makePositionsResponse,
  makeRestingOrder,
  makeRestingOrders,
  makeSnapshot,
  T0,
} from '../../../test/fixtures';
import {
  deriveConnectionDisplay,
  initialPositionsState,
  PNL_HISTORY_LIMIT,
  reducePositions,
  type PositionsState,
} from './positions.store';

const at = 1_000;
const a = makePosition({ ticker: 'A', unrealized_pnl: 1 });
const b = makePosition({ ticker: 'B', unrealized_pnl: -2 });
const orders = makeRestingOrders();

function withSnapshot(): PositionsState {
  return reducePositions(initialPositionsState, {
    type: 'stream',
    at,
    id: '1',
    event: { type: 'snapshot', data: makeSnapshot({ positions: [a, b], orders }) },
  });
}

describe('reducePositions', () => {
  it('a snapshot replaces every position and the portfolio', () => {
    const before = reducePositions(initialPositionsState, {
      type: 'stream',
      at,
      event: { type: 'position_update', data: { data: makePosition({ ticker: 'OLD' }) } },
    });
    const state = reducePositions(before, {
      type: 'stream',
      at,
      id: '7',
      event: {
        type: 'snapshot',
        data: {
          positions: [a, b],
          portfolio: makePortfolio({ position_count: 2 }),
          orders,
          connection: 'live',
          is_stale: false,
          as_of: T0,
        },
      },
    });
    expect(Object.keys(state.positions).sort()).toEqual(['A', 'B']);
    expect(state.portfolio?.position_count).toBe(2);
    expect(state.orders).toEqual(orders);
    expect(state.hasSnapshot).toBe(true);
    expect(state.lastEventId).toBe('7');
    expect(state.upstream).toMatchObject({ status: 'live', isStale: false });
  });

  it('an update merges by ticker and leaves the others untouched', () => {
    const state = withSnapshot();
    const next = reducePositions(state, {
      type: 'stream',
      at: at + 1,
      event: { type: 'position_update', data: { data: { ...a, unrealized_pnl: 1.5 } } },
    });
    expect(next.positions.A?.unrealized_pnl).toBe(1.5);
    expect(next.positions.B).toBe(state.positions.B);
    expect(next.pnlHistory.A?.map((p) => p.pnl)).toEqual([1, 1.5]);
  });

  it('an update for a new ticker adds a position', () => {
    const next = reducePositions(withSnapshot(), {
      type: 'stream',
      at,
      event: { type: 'position_update', data: { data: makePosition({ ticker: 'C' }) } },
    });
    expect(Object.keys(next.positions).sort()).toEqual(['A', 'B', 'C']);
  });

  it('a removal deletes the position and its P&L history', () => {
    const next = reducePositions(withSnapshot(), {
      type: 'stream',
      at,
      event: { type: 'position_removed', data: { ticker: 'A', reason: 'settled' } },
    });
    expect(Object.keys(next.positions)).toEqual(['B']);
    expect(next.pnlHistory.A).toBeUndefined();
  });

  it('a removal of an unknown ticker changes nothing', () => {
    const state = withSnapshot();
    const next = reducePositions(state, {
      type: 'stream',
      at,
      event: { type: 'position_removed', data: { ticker: 'ZZZ' } },
    });
    expect(next.positions).toBe(state.positions);
  });

  it('a snapshot replaces the resting orders, and an empty list means none rest', () => {
    const next = reducePositions(withSnapshot(), {
      type: 'stream',
      at,
      event: { type: 'snapshot', data: makeSnapshot({ positions: [a, b], orders: [] }) },
    });
    expect(next.orders).toEqual([]);
  });

  it('orders_update replaces the whole list of resting orders and leaves positions alone', () => {
    const state = withSnapshot();
    const amended = makeRestingOrder({ order_id: 'ord-3', remaining_count: 2, reserved: 0.8 });
    const next = reducePositions(state, {
      type: 'stream',
      at: at + 5,
      id: '9',
      event: { type: 'orders_update', data: { orders: [amended] } },
    });
    expect(next.orders).toEqual([amended]);
    expect(next.positions).toBe(state.positions);
    expect(next.portfolio).toBe(state.portfolio);
    expect(next.lastReceivedAt).toBe(at + 5);
    expect(next.lastEventId).toBe('9');

    const emptied = reducePositions(next, {
      type: 'stream',
      at: at + 6,
      event: { type: 'orders_update', data: { orders: [] } },
    });
    expect(emptied.orders).toEqual([]);
  });

  it('resting orders are unknown until the first snapshot', () => {
    expect(initialPositionsState.orders).toBeNull();
  });

  it('connection_status and error events are kept as data', () => {
    let state = reducePositions(withSnapshot(), {
      type: 'stream',
      at,
      event: {
        type: 'connection_status',
        data: { status: 'reconnecting', detail: 'upstream dropped', is_stale: true, as_of: T0 },
      },
    });
    expect(state.upstream).toEqual({
      status: 'reconnecting',
      detail: 'upstream dropped',
      isStale: true,
      asOf: T0,
    });
    state = reducePositions(state, {
      type: 'stream',
      at,
      event: { type: 'error', data: { message: 'boom' } },
    });
    expect(state.lastError).toBe('boom');
  });

  it('a polled read replaces positions and splits freshness from the portfolio', () => {
    const state = reducePositions(withSnapshot(), {
      type: 'polled',
      at: 2_000,
      positions: makePositionsResponse([b], { is_stale: true }),
      portfolio: makePortfolioResponse({ position_count: 1 }),
    });
    expect(Object.keys(state.positions)).toEqual(['B']);
    expect(state.portfolio).not.toHaveProperty('connection');
    expect(state.upstream?.isStale).toBe(true);
    expect(state.lastReceivedAt).toBe(2_000);
  });

  it('a polled read leaves the resting orders unknown: REST carries none', () => {
    const polling = reducePositions(withSnapshot(), { type: 'transport', transport: 'polling' });
    const state = reducePositions(polling, {
      type: 'polled',
      at: 2_000,
      positions: makePositionsResponse([a, b]),
      portfolio: makePortfolioResponse({ reserved_for_orders: 6.375 }),
    });
    expect(state.orders).toBeNull();
    expect(state.portfolio?.reserved_for_orders).toBe(6.375);
  });

  it('a poll that lands after the stream reopened keeps the resting orders the stream listed', () => {
    const open = reducePositions(withSnapshot(), { type: 'transport', transport: 'open' });
    const state = reducePositions(open, {
      type: 'polled',
      at: 2_000,
      positions: makePositionsResponse([a, b]),
      portfolio: makePortfolioResponse(),
    });
    expect(state.orders).toEqual(orders);
  });

  it('P&L history is bounded and skips unchanged values', () => {
    let state = withSnapshot();
    for (let i = 0; i < PNL_HISTORY_LIMIT + 20; i += 1) {
      for (const pnl of [i, i]) {
        state = reducePositions(state, {
          type: 'stream',
          at: i,
          event: { type: 'position_update', data: { data: { ...a, unrealized_pnl: pnl } } },
        });
      }
    }
    expect(state.pnlHistory.A).toHaveLength(PNL_HISTORY_LIMIT);
    expect(state.pnlHistory.A?.at(-1)?.pnl).toBe(PNL_HISTORY_LIMIT + 19);
  });

  it('reset empties everything, resting orders included', () => {
    const state = withSnapshot();
    expect(state.orders).toHaveLength(2);
    const reset = reducePositions(state, { type: 'reset' });
    expect(reset).toEqual(initialPositionsState);
    expect(reset.orders).toBeNull();
  });
});

describe('deriveConnectionDisplay', () => {
  const now = new Date(T0).getTime() + 5_000;

  it('is live when the stream is open and the exchange session is live', () => {
    const state = reducePositions(withSnapshot(), { type: 'transport', transport: 'open' });
    expect(deriveConnectionDisplay({ ...state, lastReceivedAt: now - 2_000 }, now)).toMatchObject({
      kind: 'live',
      ageMs: 2_000,
    });
  });

  it('says reconnecting when the exchange session dropped, with the age of the data', () => {
    let state = reducePositions(withSnapshot(), { type: 'transport', transport: 'open' });
    state = reducePositions(state, {
      type: 'stream',
      at: now,
      event: {
        type: 'connection_status',
        data: { status: 'reconnecting', detail: 'upstream dropped', is_stale: true, as_of: T0 },
      },
    });
    expect(deriveConnectionDisplay(state, now)).toMatchObject({ kind: 'reconnecting', ageMs: 5_000 });
  });

  it('says stale when the server flags its data stale', () => {
    let state = reducePositions(withSnapshot(), { type: 'transport', transport: 'open' });
    state = reducePositions(state, {
      type: 'stream',
      at: now,
      event: {
        type: 'connection_status',
        data: { status: 'stale', detail: 'no data for 60 s', is_stale: true, as_of: T0 },
      },
    });
    expect(deriveConnectionDisplay(state, now).kind).toBe('stale');
  });

  it('says polling on the REST fallback and reconnecting while the browser retries', () => {
    const polling = reducePositions(withSnapshot(), { type: 'transport', transport: 'polling' });
    expect(deriveConnectionDisplay(polling, now).kind).toBe('polling');
    const failing = reducePositions(polling, {
      type: 'transport',
      transport: 'polling',
      error: 'Could not reach the Kalshi Desk server.',
    });
    expect(deriveConnectionDisplay(failing, now)).toMatchObject({
      kind: 'stale',
      detail: 'cannot reach the server: Could not reach the Kalshi Desk server.',
    });
    const retrying = reducePositions(withSnapshot(), { type: 'transport', transport: 'reconnecting' });
    expect(deriveConnectionDisplay(retrying, now).kind).toBe('reconnecting');
  });
});
