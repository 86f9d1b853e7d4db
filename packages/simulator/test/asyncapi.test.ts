/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- wire JSON is probed field by field */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caller, startTestSimulator, TestSocket } from './helpers.js';
import { validate, type Issue } from './schema-validator.js';

/**
 * Every WebSocket message type the simulator sends validates against the payload schemas of
 * asyncapi.yaml (June 2026) — including the private channels, which have no recording.
 * Deliberate differences, each a later documented change (docs/kalshi-protocol.md §7):
 */
export const ASYNCAPI_EXCEPTIONS: { path: RegExp; problem: RegExp; why: string }[] = [
  {
    path: /\.msg\.(outcome_side|book_side)$/,
    problem: /not in schema/,
    why: 'direction vocabulary added May 2026 (fill, user_order)',
  },
  {
    path: /\.msg\.(taker_outcome_side|taker_book_side|is_block_trade)$/,
    problem: /not in schema/,
    why: 'trade fields added May / Aug 13 2026',
  },
  { path: /\.msg\.(exchange_index)$/, problem: /not in schema/, why: 'sharding, Aug 20 2026' },
  // Not later changes: the two places where the June asyncapi.yaml itself cannot be met.
  {
    path: /^unsubscribedResponsePayload\.seq$/,
    problem: /^0 is below minimum 1$/,
    why: 'seq is required on unsubscribed, but an unsequenced channel has none: 0 (ADR 005)',
  },
  {
    path: /\.msg\.market_ticker$/,
    problem: /^"[A-Z0-9.-]+" does not match pattern \^\[A-Z0-9-\]\+\$$/,
    why: "marketTicker's pattern forbids the '.' real tickers carry (recorded KXHIGHNY-26JUN13-B87.5; the spec's own example FED-23DEC-T3.00)",
  },
];

const PAYLOADS: Record<string, (frame: any) => string> = {
  subscribed: () => 'subscribedResponsePayload',
  unsubscribed: () => 'unsubscribedResponsePayload',
  ok: (f) => (Array.isArray(f.msg) ? 'listSubscriptionsResponsePayload' : 'okResponsePayload'),
  error: () => 'errorResponsePayload',
  orderbook_snapshot: () => 'orderbookSnapshotPayload',
  orderbook_delta: () => 'orderbookDeltaPayload',
  ticker: () => 'tickerPayload',
  trade: () => 'tradePayload',
  fill: () => 'fillPayload',
  market_position: () => 'marketPositionPayload',
  user_order: () => 'userOrderPayload',
  market_lifecycle_v2: () => 'marketLifecycleV2Payload',
};

function unexpected(issues: Issue[]): Issue[] {
  return issues.filter(
    (i) => !ASYNCAPI_EXCEPTIONS.some((e) => e.path.test(i.path) && e.problem.test(i.problem)),
  );
}

let sim: Awaited<ReturnType<typeof startTestSimulator>>;
let frames: any[] = [];

beforeAll(async () => {
  sim = await startTestSimulator();
  const [a, b] = sim.engine
    .listMarkets()
    .filter((m) => m.status === 'active' && m.priceLevelStructure === 'linear_cent');
  if (!a || !b) throw new Error('no markets');
  const s = await TestSocket.open(sim);
  s.send({
    id: 1,
    cmd: 'subscribe',
    params: {
      channels: [
        'orderbook_delta',
        'ticker',
        'trade',
        'fill',
        'market_positions',
        'user_orders',
        'market_lifecycle_v2',
      ],
      market_tickers: [a.ticker, b.ticker],
    },
  });
  await s.next((f) => f.type === 'orderbook_snapshot');
  s.send({
    id: 2,
    cmd: 'update_subscription',
    params: { sid: 1, market_tickers: [b.ticker], action: 'delete_markets' },
  });
  s.send({ id: 3, cmd: 'list_subscriptions' });
  s.send({ id: 4, cmd: 'subscribe', params: { channels: ['nope'] } });
  const ask = (sim.engine.topOfBook(a.ticker).ask / 1_000_000).toFixed(4);
  await caller(sim).post('/portfolio/events/orders', {
    ticker: a.ticker,
    side: 'bid',
    count: '2.00',
    price: ask,
    time_in_force: 'immediate_or_cancel',
    self_trade_prevention_type: 'taker_at_cross',
    client_order_id: 'async-1',
  });
  await caller(sim).post('/portfolio/events/orders', {
    ticker: a.ticker,
    side: 'bid',
    count: '1.00',
    price: '0.0100',
    time_in_force: 'good_till_canceled',
    self_trade_prevention_type: 'taker_at_cross',
  });
  sim.control.setCloseTime({ ticker: b.ticker, closeTime: sim.clock.now() + 60_000 });
  sim.control.settleMarket({ ticker: a.ticker, result: 'no' });
  await s.next((f) => f.type === 'market_lifecycle_v2' && f.msg.event_type === 'settled');
  s.send({ id: 5, cmd: 'unsubscribe', params: { sids: [1, 2] } });
  await s.next((f) => f.type === 'unsubscribed' && f.sid === 2);
  frames = [...s.frames];
  s.close();
});
afterAll(async () => {
  await sim.close();
});

describe('WebSocket messages validate against asyncapi.yaml', () => {
  it('covers every message type the simulator sends', () => {
    expect(new Set(frames.map((f) => f.type))).toEqual(new Set(Object.keys(PAYLOADS)));
  });

  for (const type of Object.keys(PAYLOADS)) {
    it(`${type} frames are valid`, () => {
      const ofType = frames.filter((f) => f.type === type);
      expect(ofType.length).toBeGreaterThan(0);
      for (const frame of ofType) {
        const schema = PAYLOADS[type]?.(frame) ?? '';
        expect(unexpected(validate(schema, frame, 'asyncapi.yaml')), JSON.stringify(frame)).toEqual([]);
      }
    });
  }
});
