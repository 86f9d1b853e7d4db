import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caller, startTestSimulator } from './helpers.js';
import { validate, type Issue } from './schema-validator.js';
import { populate } from './populate.js';

/**
 * Deliberate differences from openapi.yaml 3.21.0 (June 2026), each a later change Kalshi made
 * (docs/kalshi-protocol.md §4.1, §8) or a field the newer spec documents:
 */
export const OPENAPI_EXCEPTIONS: { path: RegExp; problem: RegExp; why: string }[] = [
  {
    path: /\.fractional_trading_enabled$/,
    problem: /required but missing/,
    why: 'removed from Market on Jul 9 2026',
  },
  {
    path: /\.resting_orders_count$/,
    problem: /required but missing/,
    why: 'removed from MarketPosition on Jul 9 2026',
  },
  {
    path: /\.exchange_index$/,
    problem: /not in schema/,
    why: 'added to Market/Series/Event/Fill/Order/Settlement/MarketPosition on Aug 20 2026 (sharding)',
  },
];

function unexpected(issues: Issue[]): Issue[] {
  return issues.filter(
    (i) => !OPENAPI_EXCEPTIONS.some((e) => e.path.test(i.path) && e.problem.test(i.problem)),
  );
}

let sim: Awaited<ReturnType<typeof startTestSimulator>>;
let tickers: { market: string; event: string; series: string };
let orderId: string;

beforeAll(async () => {
  sim = await startTestSimulator();
  const populated = await populate(sim);
  tickers = populated.tickers;
  orderId = populated.restingOrderId;
});
afterAll(async () => {
  await sim.close();
});

describe('responses validate against the openapi.yaml component schemas', () => {
  const cases: [string, string, () => string][] = [
    ['GET /markets', 'GetMarketsResponse', () => '/markets?limit=50'],
    ['GET /markets/{ticker}', 'GetMarketResponse', () => `/markets/${tickers.market}`],
    [
      'GET /markets/{ticker}/orderbook',
      'GetMarketOrderbookResponse',
      () => `/markets/${tickers.market}/orderbook`,
    ],
    ['GET /markets/trades', 'GetTradesResponse', () => '/markets/trades'],
    ['GET /events', 'GetEventsResponse', () => '/events?with_nested_markets=true'],
    [
      'GET /events/{event_ticker}',
      'GetEventResponse',
      () => `/events/${tickers.event}?with_nested_markets=true`,
    ],
    ['GET /series', 'GetSeriesListResponse', () => '/series'],
    [
      'GET /series/{series_ticker}',
      'GetSeriesResponse',
      () => `/series/${tickers.series}?include_volume=true`,
    ],
    ['GET /exchange/status', 'ExchangeStatus', () => '/exchange/status'],
    ['GET /portfolio/balance', 'GetBalanceResponse', () => '/portfolio/balance'],
    ['GET /portfolio/positions', 'GetPositionsResponse', () => '/portfolio/positions'],
    ['GET /portfolio/fills', 'GetFillsResponse', () => '/portfolio/fills'],
    ['GET /portfolio/orders', 'GetOrdersResponse', () => '/portfolio/orders'],
    ['GET /portfolio/orders/{id}', 'GetOrderResponse', () => `/portfolio/orders/${orderId}`],
    ['GET /portfolio/settlements', 'GetSettlementsResponse', () => '/portfolio/settlements'],
  ];
  for (const [name, schema, path] of cases) {
    it(`${name} is a valid ${schema}`, async () => {
      const res = await caller(sim).get(path());
      expect(res.status).toBe(200);
      expect(unexpected(validate(schema, res.json))).toEqual([]);
    });
  }

  it('POST /portfolio/events/orders and DELETE answer CreateOrderV2Response / CancelOrderV2Response', async () => {
    const api = caller(sim);
    const created = await api.post('/portfolio/events/orders', {
      ticker: tickers.market,
      side: 'bid',
      count: '1.00',
      price: '0.0100',
      time_in_force: 'good_till_canceled',
      self_trade_prevention_type: 'taker_at_cross',
    });
    expect(unexpected(validate('CreateOrderV2Response', created.json))).toEqual([]);
    const canceled = await api.del(`/portfolio/events/orders/${created.json.order_id as string}`);
    expect(unexpected(validate('CancelOrderV2Response', canceled.json))).toEqual([]);
  });

  it('the checker itself catches wrong types, missing required fields and unknown fields', () => {
    const issues = validate('GetBalanceResponse', {
      balance: '98.01',
      balance_dollars: '98.0100',
      updated_ts: 1,
      bogus: true,
    });
    expect(issues.map((i) => i.problem).sort()).toEqual([
      'expected integer, got string',
      'not in schema',
      'required but missing',
    ]);
  });

  it('the exception list is still needed (each exception fires at least once)', async () => {
    const all = [
      ...validate('GetMarketsResponse', (await caller(sim).get('/markets?limit=5')).json),
      ...validate('GetPositionsResponse', (await caller(sim).get('/portfolio/positions')).json),
    ];
    for (const e of OPENAPI_EXCEPTIONS)
      expect(
        all.some((i) => e.path.test(i.path) && e.problem.test(i.problem)),
        e.why,
      ).toBe(true);
  });
});
