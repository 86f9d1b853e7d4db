/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-call -- wire JSON is probed field by field */
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Market } from '../src/engine/types.js';
import { caller, signedHeaders, startTestSimulator, TestSocket } from './helpers.js';

let sim: Awaited<ReturnType<typeof startTestSimulator>>;
let market: Market;
let other: Market;
const sockets: TestSocket[] = [];

async function open(): Promise<TestSocket> {
  const s = await TestSocket.open(sim);
  sockets.push(s);
  return s;
}

beforeAll(async () => {
  sim = await startTestSimulator({ heartbeatMs: 100 });
  const linear = sim.engine
    .listMarkets()
    .filter(
      (m) =>
        m.status === 'active' &&
        m.priceLevelStructure === 'linear_cent' &&
        m.seriesTicker.startsWith('KXHIGH'),
    );
  if (!linear[0] || !linear[1]) throw new Error('no markets');
  market = linear[0];
  other = linear[1];
});
afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
});
afterAll(async () => {
  await sim.close();
});

const price = (micros: number): string => (micros / 1_000_000).toFixed(4);

describe('connection', () => {
  it('refuses an unsigned upgrade with 401 and the REST auth body', async () => {
    const ws = new WebSocket(sim.wsUrl);
    const status = await new Promise<number>((resolve) =>
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)),
    );
    expect(status).toBe(401);
  });

  it('refuses an upgrade signed over the wrong path', async () => {
    const ws = new WebSocket(sim.wsUrl, {
      headers: signedHeaders({ ...sim.demoAccount, method: 'GET', path: '/trade-api/v2/portfolio/balance' }),
    });
    const status = await new Promise<number>((resolve) =>
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)),
    );
    expect(status).toBe(401);
  });

  it('pings with a heartbeat payload and stops while the connection is stalled', async () => {
    const s = await open();
    await new Promise((r) => setTimeout(r, 250));
    expect(s.pings).toBeGreaterThan(0);
    sim.control.stallChannel({ userId: sim.demoAccount.userId });
    await s.settle(); // a ping already on the wire lands before we count
    const before = s.pings;
    await new Promise((r) => setTimeout(r, 250));
    expect(s.pings).toBe(before);
    sim.control.resumeChannel({ userId: sim.demoAccount.userId });
  });
});

describe('stalling one channel', () => {
  it('keeps the heartbeat pings going, so only that channel goes quiet', async () => {
    const s = await open();
    sim.control.stallChannel({ userId: sim.demoAccount.userId, channel: 'trade' });
    await s.settle();
    const before = s.pings;
    await new Promise((r) => setTimeout(r, 250));
    expect(s.pings).toBeGreaterThan(before);
    sim.control.resumeChannel({ userId: sim.demoAccount.userId });
  });
});

describe('orderbook_delta and trade', () => {
  it('answers one subscribed per channel with the same id, then a snapshot at seq 1 and gap-free deltas', async () => {
    const s = await open();
    s.send({
      id: 1,
      cmd: 'subscribe',
      params: { channels: ['orderbook_delta', 'trade'], market_tickers: [market.ticker] },
    });
    const snapshot = await s.next((f) => f.type === 'orderbook_snapshot');
    expect(s.frames.slice(0, 2)).toEqual([
      { type: 'subscribed', id: 1, msg: { channel: 'orderbook_delta', sid: 1 } },
      { type: 'subscribed', id: 1, msg: { channel: 'trade', sid: 2 } },
    ]);
    expect(snapshot).toMatchObject({
      sid: 1,
      seq: 1,
      msg: { market_ticker: market.ticker, market_id: market.marketId },
    });
    const top = sim.engine.topOfBook(market.ticker);
    expect(snapshot.msg.no_dollars_fp.at(-1)).toEqual([
      price(1_000_000 - top.ask),
      (top.askSize / 100).toFixed(2),
    ]);

    sim.control.trade({ ticker: market.ticker, side: 'bid', count: '1.00' });
    const trade = await s.next((f) => f.type === 'trade');
    expect(trade).toMatchObject({
      sid: 2,
      msg: {
        market_ticker: market.ticker,
        yes_price_dollars: price(top.ask),
        count_fp: '1.00',
        taker_outcome_side: 'yes',
        taker_book_side: 'bid',
      },
    });
    expect(trade.seq).toBeUndefined();
    const delta = await s.next((f) => f.type === 'orderbook_delta');
    expect(delta).toMatchObject({
      sid: 1,
      seq: 2,
      msg: { side: 'no', delta_fp: '-1.00', price_dollars: price(1_000_000 - top.ask) },
    });
    expect(typeof delta.msg.ts).toBe('string');
    expect(typeof delta.msg.ts_ms).toBe('number');
  });

  it('expresses NO levels on the YES scale with use_yes_price', async () => {
    const s = await open();
    s.send({
      id: 4,
      cmd: 'subscribe',
      params: { channels: ['orderbook_delta'], market_ticker: market.ticker, use_yes_price: true },
    });
    const snapshot = await s.next((f) => f.type === 'orderbook_snapshot');
    const top = sim.engine.topOfBook(market.ticker);
    expect(snapshot.msg.no_dollars_fp[0]).toEqual([price(top.ask), (top.askSize / 100).toFixed(2)]);
  });

  it('adds and deletes markets, serves get_snapshot, lists and unsubscribes', async () => {
    const s = await open();
    s.send({
      id: 1,
      cmd: 'subscribe',
      params: { channels: ['orderbook_delta'], market_tickers: [market.ticker] },
    });
    await s.next((f) => f.type === 'orderbook_snapshot');
    s.send({
      id: 2,
      cmd: 'update_subscription',
      params: { sids: [1], market_tickers: [other.ticker], action: 'add_markets' },
    });
    const ok = await s.next((f) => f.id === 2);
    expect(ok).toEqual({
      id: 2,
      sid: 1,
      seq: 2,
      type: 'ok',
      msg: { market_tickers: [market.ticker, other.ticker] },
    });
    expect(s.ofType('orderbook_snapshot').map((f) => [f.msg.market_ticker, f.seq])).toEqual([
      [market.ticker, 1],
      [other.ticker, 2],
    ]);
    s.send({
      id: 3,
      cmd: 'update_subscription',
      params: { sid: 1, market_tickers: [market.ticker], action: 'get_snapshot' },
    });
    await s.next((f) => f.id === 3);
    expect(s.ofType('orderbook_snapshot').at(-1)).toMatchObject({
      seq: 3,
      msg: { market_ticker: market.ticker },
    });
    s.send({
      id: 4,
      cmd: 'update_subscription',
      params: { sids: [1], market_tickers: [market.ticker], action: 'delete_markets' },
    });
    expect((await s.next((f) => f.id === 4)).msg).toEqual({ market_tickers: [other.ticker] });
    s.send({ id: 5, cmd: 'list_subscriptions' });
    expect(await s.next((f) => f.id === 5)).toEqual({
      id: 5,
      type: 'ok',
      msg: [{ channel: 'orderbook_delta', sid: 1 }],
    });
    s.send({ id: 6, cmd: 'unsubscribe', params: { sids: [1] } });
    expect(await s.next((f) => f.id === 6)).toEqual({ id: 6, sid: 1, seq: 3, type: 'unsubscribed' });
    s.send({
      id: 7,
      cmd: 'subscribe',
      params: { channels: ['orderbook_delta'], market_tickers: [market.ticker] },
    });
    expect((await s.next((f) => f.id === 7)).msg).toEqual({ channel: 'orderbook_delta', sid: 2 });
    expect(await s.next((f) => f.type === 'orderbook_snapshot' && f.sid === 2)).toMatchObject({ seq: 1 });
  });

  it('adding markets to an all-markets subscription keeps it on every market', async () => {
    const s = await open();
    s.send({ id: 1, cmd: 'subscribe', params: { channels: ['trade'] } });
    await s.next((f) => f.id === 1);
    s.send({
      id: 2,
      cmd: 'update_subscription',
      params: { sids: [1], market_tickers: [market.ticker], action: 'add_markets' },
    });
    expect(await s.next((f) => f.id === 2)).toMatchObject({ type: 'ok' });
    sim.control.trade({ ticker: other.ticker, side: 'bid', count: '1.00' });
    expect((await s.next((f) => f.type === 'trade')).msg.market_ticker).toBe(other.ticker);
  });

  it('answers Kalshi error codes for bad commands', async () => {
    const s = await open();
    const errors: [unknown, unknown][] = [
      [
        { id: 1, cmd: 'subscribe', params: { channels: ['portfolio'] } },
        { code: 8, msg: 'Unknown channel name' },
      ],
      [
        { id: 2, cmd: 'subscribe', params: { channels: ['orderbook_delta'] } },
        { code: 14, msg: 'Market Ticker required' },
      ],
      [
        { id: 3, cmd: 'subscribe', params: { channels: ['ticker'], market_tickers: ['NOPE-1'] } },
        { code: 16, msg: 'Market not found', market_ticker: 'NOPE-1' },
      ],
      [
        { id: 4, cmd: 'dance' },
        { code: 5, msg: 'Unknown command' },
      ],
      [
        { id: 5, cmd: 'unsubscribe', params: { sids: [99] } },
        { code: 7, msg: 'Unknown subscription ID' },
      ],
      [
        { id: 6, cmd: 'update_subscription', params: { sids: [1, 2], action: 'add_markets' } },
        { code: 12, msg: 'Exactly one subscription ID is required' },
      ],
      [
        { id: 7, cmd: 'subscribe', params: { channels: [] } },
        { code: 3, msg: 'Channels required' },
      ],
    ];
    for (const [command, msg] of errors) {
      s.send(command);
      const reply = await s.next((f) => f.id === (command as { id: number }).id);
      expect(reply).toEqual({ id: (command as { id: number }).id, type: 'error', msg });
    }
  });

  it('skips one seq number on request (a gap the client must detect)', async () => {
    const s = await open();
    s.send({
      id: 1,
      cmd: 'subscribe',
      params: { channels: ['orderbook_delta'], market_tickers: [market.ticker] },
    });
    await s.next((f) => f.type === 'orderbook_snapshot');
    sim.control.skipSeq({ userId: sim.demoAccount.userId });
    sim.control.trade({ ticker: market.ticker, side: 'ask', count: '1.00' });
    const delta = await s.next((f) => f.type === 'orderbook_delta');
    expect(delta.seq).toBe(3);
  });
});

describe('private channels', () => {
  it('streams user_order, fill, market_position and ticker when the account trades', async () => {
    const s = await open();
    s.send({
      id: 1,
      cmd: 'subscribe',
      params: { channels: ['fill', 'market_positions', 'user_orders', 'ticker'] },
    });
    await s.next((f) => f.type === 'subscribed' && f.msg.channel === 'ticker');
    const top = sim.engine.topOfBook(other.ticker);
    const res = await caller(sim).post('/portfolio/events/orders', {
      ticker: other.ticker,
      side: 'bid',
      count: '2.50',
      price: price(top.ask),
      time_in_force: 'immediate_or_cancel',
      self_trade_prevention_type: 'taker_at_cross',
      client_order_id: 'ws-1',
    });
    expect(res.status).toBe(201);
    const fill = await s.next((f) => f.type === 'fill');
    expect(fill.msg).toMatchObject({
      order_id: res.json.order_id,
      market_ticker: other.ticker,
      is_taker: true,
      count_fp: '2.50',
      post_position_fp: '2.50',
      client_order_id: 'ws-1',
      outcome_side: 'yes',
      book_side: 'bid',
    });
    const position = await s.next((f) => f.type === 'market_position');
    expect(position.msg).toMatchObject({
      market_ticker: other.ticker,
      position_fp: '2.50',
      user_id: sim.demoAccount.userId,
    });
    const order = await s.next((f) => f.type === 'user_order');
    expect(order.msg).toMatchObject({
      order_id: res.json.order_id,
      status: 'executed',
      client_order_id: 'ws-1',
      fill_count_fp: '2.50',
    });
    const ticker = await s.next((f) => f.type === 'ticker' && f.msg.market_ticker === other.ticker);
    expect(ticker.msg).toMatchObject({
      price_dollars: price(top.ask),
      volume_fp: expect.stringMatching(/^\d+\.\d{2}$/),
    });
  });

  it('subscribes the ticker channel by market id and sends an initial snapshot when asked', async () => {
    const s = await open();
    s.send({
      id: 1,
      cmd: 'subscribe',
      params: { channels: ['ticker'], market_ids: [market.marketId], send_initial_snapshot: true },
    });
    const ticker = await s.next((f) => f.type === 'ticker');
    expect(ticker.msg.market_ticker).toBe(market.ticker);
    expect(ticker.msg.market_id).toBe(market.marketId);
  });

  it('stalls one channel without closing, then drops the connection', async () => {
    const s = await open();
    s.send({ id: 1, cmd: 'subscribe', params: { channels: ['trade'] } });
    await s.next((f) => f.type === 'subscribed');
    sim.control.stallChannel({ userId: sim.demoAccount.userId, channel: 'trade' });
    sim.control.trade({ ticker: market.ticker, side: 'bid', count: '1.00' });
    await s.settle();
    expect(s.ofType('trade')).toHaveLength(0);
    sim.control.resumeChannel({ userId: sim.demoAccount.userId });
    const closed = new Promise<void>((resolve) => s.ws.once('close', () => resolve()));
    expect(sim.control.dropConnections({ userId: sim.demoAccount.userId }).connections).toBeGreaterThan(0);
    await closed;
  });

  it('announces determination and settlement on market_lifecycle_v2 and zeroes the position', async () => {
    const s = await open();
    s.send({ id: 1, cmd: 'subscribe', params: { channels: ['market_lifecycle_v2', 'market_positions'] } });
    await s.next((f) => f.type === 'subscribed' && f.msg.channel === 'market_positions');
    expect(sim.engine.getAccount(sim.demoAccount.userId)?.positions.get(other.ticker)?.position).toBe(250);
    sim.control.determineMarket({ ticker: other.ticker, result: 'yes' });
    const determined = await s.next(
      (f) => f.type === 'market_lifecycle_v2' && f.msg.event_type === 'determined',
    );
    expect(determined.msg).toMatchObject({
      market_ticker: other.ticker,
      result: 'yes',
      settlement_value: '1.0000',
    });
    sim.control.advanceClock({ ms: 61_000 });
    const settled = await s.next((f) => f.type === 'market_lifecycle_v2' && f.msg.event_type === 'settled');
    expect(settled.msg.market_ticker).toBe(other.ticker);
    const flat = await s.next((f) => f.type === 'market_position' && f.msg.market_ticker === other.ticker);
    expect(flat.msg.position_fp).toBe('0.00');
    const settlements = await caller(sim).get('/portfolio/settlements');
    expect(settlements.json.settlements[0]).toMatchObject({
      ticker: other.ticker,
      market_result: 'yes',
      yes_count_fp: '2.50',
      revenue: 250,
      value: 100,
    });
    const positions = await caller(sim).get('/portfolio/positions');
    expect(positions.json.market_positions.map((p: any) => p.ticker)).not.toContain(other.ticker);
  });
});

describe('fan-out health', () => {
  it('turned every engine event of this file into messages without a single failure', () => {
    expect(sim.hub.lastFanOutError).toBeNull();
    expect(sim.hub.fanOutErrors).toBe(0);
  });
});
