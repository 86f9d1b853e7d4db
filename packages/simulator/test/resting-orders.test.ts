/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-call -- wire JSON is probed field by field */
/**
 * Every change of a resting order reaches the owner as a `user_order` message (create, partial
 * fill, full fill, cancel, expiry, cancel at reactivation and at close), GET /portfolio/orders
 * ?status=resting lists exactly the resting orders, and the control API's getAccount shows
 * the account's exact numbers.
 */
import { parseDollars } from '@kalshi-desk/kalshi/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Market } from '../src/engine/types.js';
import { caller, startTestSimulator, TestSocket } from './helpers.js';

let sim: Awaited<ReturnType<typeof startTestSimulator>>;
let market: Market;
let deci: Market;
let counterparty: string;
const sockets: TestSocket[] = [];

/** Take the house maker's quotes off a market, so only this file's orders trade there. */
function clearBook(ticker: string): void {
  const book = sim.engine.getBook(ticker);
  if (!book) throw new Error('no book');
  for (const side of ['bid', 'ask'] as const)
    for (const level of [...book.half(side).bestFirst()])
      for (const o of [...level.orders]) sim.engine.cancelOrder(o.userId, o.orderId);
}

beforeAll(async () => {
  sim = await startTestSimulator();
  const active = sim.engine.listMarkets().filter((m) => m.status === 'active');
  const linear = active.find(
    (m) => m.priceLevelStructure === 'linear_cent' && m.seriesTicker.startsWith('KXHIGH'),
  );
  const sub = active.find((m) => m.priceLevelStructure === 'deci_cent');
  if (!linear || !sub) throw new Error('no markets');
  market = linear;
  deci = sub;
  clearBook(market.ticker);
  clearBook(deci.ticker);
  counterparty = sim.control.createAccount({ balance: '1000.00' }).userId;
});
afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
});
afterAll(async () => {
  await sim.close();
});

async function place(body: Record<string, unknown>): Promise<string> {
  const res = await caller(sim).post('/portfolio/events/orders', {
    time_in_force: 'good_till_canceled',
    self_trade_prevention_type: 'taker_at_cross',
    ...body,
  });
  expect(res.status, res.text).toBe(201);
  return res.json.order_id;
}

async function restingIds(): Promise<string[]> {
  const res = await caller(sim).get('/portfolio/orders?status=resting&limit=1000');
  expect(res.status).toBe(200);
  for (const o of res.json.orders) expect(o.status).toBe('resting');
  return res.json.orders.map((o: any) => o.order_id).sort();
}

/** Orders of the demo account that rest in the engine's books, from the books themselves. */
function restingInBooks(): string[] {
  const ids: string[] = [];
  for (const m of sim.engine.listMarkets()) {
    const book = sim.engine.getBook(m.ticker);
    for (const side of ['bid', 'ask'] as const)
      for (const level of book?.half(side).bestFirst() ?? [])
        for (const o of level.orders) if (o.userId === sim.demoAccount.userId) ids.push(o.orderId);
  }
  return ids.sort();
}

describe('user_orders', () => {
  it('sends a user_order for every change of a resting order, and status=resting lists exactly the resting ones', async () => {
    const s = await TestSocket.open(sim);
    sockets.push(s);
    s.send({ id: 1, cmd: 'subscribe', params: { channels: ['user_orders'] } });
    await s.next((f) => f.type === 'subscribed');
    const update = (orderId: string, status: string, remaining: string): Promise<any> =>
      s.next(
        (f) =>
          f.type === 'user_order' &&
          f.msg.order_id === orderId &&
          f.msg.status === status &&
          f.msg.remaining_count_fp === remaining,
      );
    const created = sim.clock.now();

    // 1. Rest a bid of 3 at 0.40.
    const a = await place({
      ticker: market.ticker,
      side: 'bid',
      count: '3.00',
      price: '0.4000',
      client_order_id: 'ro-a',
    });
    const rested = await update(a, 'resting', '3.00');
    expect(rested.msg).toMatchObject({
      ticker: market.ticker,
      book_side: 'bid',
      outcome_side: 'yes',
      yes_price_dollars: '0.4000',
      fill_count_fp: '0.00',
      initial_count_fp: '3.00',
      client_order_id: 'ro-a',
      created_ts_ms: created,
      last_updated_ts_ms: created,
    });
    expect(await restingIds()).toEqual([a]);

    // 2. Partial fill: another participant sells 1.25 into it.
    sim.control.advanceClock({ ms: 1_000 });
    sim.control.placeOrder({
      userId: counterparty,
      ticker: market.ticker,
      side: 'ask',
      price: '0.4000',
      count: '1.25',
      timeInForce: 'immediate_or_cancel',
    });
    const partial = await update(a, 'resting', '1.75');
    expect(partial.msg).toMatchObject({
      fill_count_fp: '1.25',
      yes_price_dollars: '0.4000',
      book_side: 'bid',
      maker_fill_cost_dollars: '0.5000',
      created_ts_ms: created,
      last_updated_ts_ms: created + 1_000,
    });
    expect(await restingIds()).toEqual([a]);

    // 3. Full fill.
    sim.control.advanceClock({ ms: 1_000 });
    sim.control.placeOrder({
      userId: counterparty,
      ticker: market.ticker,
      side: 'ask',
      price: '0.3900',
      count: '5.00',
      timeInForce: 'immediate_or_cancel',
    });
    const executed = await update(a, 'executed', '0.00');
    expect(executed.msg).toMatchObject({
      fill_count_fp: '3.00',
      created_ts_ms: created,
      last_updated_ts_ms: created + 2_000,
    });
    expect(await restingIds()).toEqual([]);

    // 4. Rest an ask (it closes the 3 YES now held), then cancel it.
    const b = await place({ ticker: market.ticker, side: 'ask', count: '2.00', price: '0.7000' });
    expect((await update(b, 'resting', '2.00')).msg).toMatchObject({
      book_side: 'ask',
      outcome_side: 'no',
      yes_price_dollars: '0.7000',
    });
    expect(await restingIds()).toEqual([b]);
    sim.control.advanceClock({ ms: 1_000 });
    expect((await caller(sim).del(`/portfolio/events/orders/${b}`)).status).toBe(200);
    expect((await update(b, 'canceled', '0.00')).msg.last_updated_ts_ms).toBe(created + 3_000);
    expect(await restingIds()).toEqual([]);

    // 5. Expiry.
    const expiresMs = sim.clock.now() + 60_000;
    const c = await place({
      ticker: market.ticker,
      side: 'bid',
      count: '1.00',
      price: '0.1000',
      expiration_time: Math.floor(expiresMs / 1000),
    });
    expect((await update(c, 'resting', '1.00')).msg.expiration_ts_ms).toBe(
      Math.floor(expiresMs / 1000) * 1000,
    );
    sim.control.advanceClock({ ms: 61_000 });
    const expired = await update(c, 'canceled', '0.00');
    expect(expired.msg.last_updated_ts_ms).toBe(sim.clock.now());
    expect(await restingIds()).toEqual([]);

    // 6. Pause keeps it resting; reactivation cancels it.
    const d = await place({ ticker: market.ticker, side: 'bid', count: '1.00', price: '0.2000' });
    await update(d, 'resting', '1.00');
    sim.control.pauseMarket({ ticker: market.ticker, paused: true });
    expect(await restingIds()).toEqual([d]);
    sim.control.pauseMarket({ ticker: market.ticker, paused: false });
    await update(d, 'canceled', '0.00');
    expect(await restingIds()).toEqual([]);
    clearBook(market.ticker); // the house re-quoted on reactivation

    // 7. Close cancels what rests; a resting order elsewhere is untouched.
    const e = await place({ ticker: market.ticker, side: 'bid', count: '1.00', price: '0.2000' });
    const f = await place({ ticker: deci.ticker, side: 'bid', count: '0.01', price: '0.0230' });
    await update(e, 'resting', '1.00');
    await update(f, 'resting', '0.01');
    expect(await restingIds()).toEqual([e, f].sort());
    sim.control.closeMarket({ ticker: market.ticker });
    await update(e, 'canceled', '0.00');
    expect(await restingIds()).toEqual([f]);
    expect(restingInBooks()).toEqual([f]);

    // Exactly one message per change, no more.
    await s.settle();
    const counts = new Map<string, string[]>();
    for (const frame of s.ofType('user_order'))
      counts.set(frame.msg.order_id, [
        ...(counts.get(frame.msg.order_id) ?? []),
        `${frame.msg.status}:${frame.msg.remaining_count_fp}`,
      ]);
    expect(Object.fromEntries(counts)).toEqual({
      [a]: ['resting:3.00', 'resting:1.75', 'executed:0.00'],
      [b]: ['resting:2.00', 'canceled:0.00'],
      [c]: ['resting:1.00', 'canceled:0.00'],
      [d]: ['resting:1.00', 'canceled:0.00'],
      [e]: ['resting:1.00', 'canceled:0.00'],
      [f]: ['resting:0.01'],
    });
  });
});

describe('control getAccount', () => {
  it('shows cash, the reservation exact and on the grid, available, per-market numbers and the resting orders', async () => {
    const state = sim.control.getAccount({ userId: sim.demoAccount.userId });
    // The 0.01 bid at 0.023 on the deci-cent market holds back $0.00023 exactly, $0.0003 on the grid.
    expect(state.resting.map((r) => r.orderId)).toEqual(await restingIds());
    expect(state.restingOrders).toBe(1);
    expect(state.resting[0]).toMatchObject({
      ticker: deci.ticker,
      side: 'bid',
      price: '0.0230',
      remaining: '0.01',
      reserved: '0.000230',
    });
    expect(state.resting[0]?.order).toMatchObject({ status: 'resting', remaining_count_fp: '0.01' });
    expect(state.reservedExact).toBe('0.000230');
    expect(state.reserved).toBe('0.000300');
    expect(parseDollars(state.cash)).toBe(parseDollars(state.available) + parseDollars(state.reserved));
    expect(state.available).toBe(`${String(state.balance.balance_dollars)}00`);
    expect(parseDollars(state.cash) % 100).toBe(0);
    // The market traded above: 3 YES bought at 0.40 (1.25 + 1.75), maker, no fees on this series.
    const traded = state.markets.find((m) => m.ticker === market.ticker);
    expect(traded).toMatchObject({
      position: '3.00',
      exposure: '1.200000',
      realizedPnl: '0.000000',
      feesPaid: '0.000000',
      reserved: '0.000000',
    });
    expect(state.markets.find((m) => m.ticker === deci.ticker)).toMatchObject({
      position: '0.00',
      reserved: '0.000230',
    });
    expect(state.positions.length).toBeGreaterThan(0);
    expect(state.balance).toHaveProperty('balance_dollars');
  });

  it('answers the same over HTTP, and refuses a deposit off the $0.0001 grid', async () => {
    const post = async (op: string, body: unknown) => {
      const res = await fetch(`${sim.controlUrl}/${op}`, { method: 'POST', body: JSON.stringify(body) });
      return { status: res.status, json: (await res.json()) as any };
    };
    const res = await post('getAccount', { userId: sim.demoAccount.userId });
    expect(res.status).toBe(200);
    expect(res.json).toEqual(
      JSON.parse(JSON.stringify(sim.control.getAccount({ userId: sim.demoAccount.userId }))),
    );
    expect((await post('fund', { userId: counterparty, amount: '0.00005' })).status).toBe(400);
    expect((await post('createAccount', { balance: '1.00001' })).status).toBe(400);
  });

  it('settles a scalar result through control, crediting the payout floored to $0.0001', async () => {
    // Counterparty sells 0.01 at 0.023 into the demo bid: the demo account holds 0.01 YES.
    sim.control.placeOrder({
      userId: counterparty,
      ticker: deci.ticker,
      side: 'ask',
      price: '0.0230',
      count: '0.01',
      timeInForce: 'immediate_or_cancel',
    });
    const before = sim.control.getAccount({ userId: sim.demoAccount.userId });
    expect(before.markets.find((m) => m.ticker === deci.ticker)).toMatchObject({
      position: '0.01',
      exposure: '0.000230',
    });
    const settled = sim.control.settleMarket({
      ticker: deci.ticker,
      result: 'scalar',
      settlementValue: '0.4537',
    });
    expect(settled).toMatchObject({
      result: 'scalar',
      status: 'finalized',
      settlement_value_dollars: '0.4537',
    });
    const after = sim.control.getAccount({ userId: sim.demoAccount.userId });
    expect(parseDollars(after.cash) - parseDollars(before.cash)).toBe(4_500); // $0.004537 -> $0.0045
    expect(parseDollars(after.realizedPnl) - parseDollars(before.realizedPnl)).toBe(4_500 - 230);
    const settlements = await caller(sim).get(`/portfolio/settlements?ticker=${deci.ticker}`);
    expect(settlements.json.settlements[0]).toMatchObject({
      market_result: 'scalar',
      yes_count_fp: '0.01',
      revenue: 0,
      value: 45,
    });
  });
});
