/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- wire JSON is probed field by field */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caller, startTestSimulator, TestSocket } from './helpers.js';
import { populate } from './populate.js';

/**
 * For every endpoint and WS message with a recording in fixtures/kalshi-spec/recorded-demo-2026-06,
 * the simulator's answer has the same fields (recursively) with the same JSON types and string
 * formats. Deliberate differences, each a documented later change (docs/kalshi-protocol.md §4.1, §8):
 */
export const SHAPE_EXCEPTIONS = {
  /** Recorded in June 2026, since removed by Kalshi, so not emitted. */
  removed: new Set([
    'market.response_price_units', // removed Jul 9 2026
    'market.fractional_trading_enabled', // removed Jul 9 2026
    'market_position.resting_orders_count', // removed Jul 9 2026
    'error.service', // removed from error bodies Aug 6 2026
  ]),
  /** Emitted by the simulator, newer than the recordings. */
  added: new Set([
    'market.exchange_index', // sharding fields, added Aug 20 2026
    'market_position.exchange_index',
    'fill.exchange_index',
    'order.exchange_index',
    'market.cap_strike', // optional strike fields of threshold markets (documented)
    'market.settlement_value_dollars', // present once a market is determined (documented)
    'market.settlement_ts',
  ]),
};

const REC = new URL('../../../fixtures/kalshi-spec/recorded-demo-2026-06/', import.meta.url);
const recorded = (name: string): any => JSON.parse(readFileSync(new URL(name, REC), 'utf8'));
const recordedFrames = (name: string): any[] =>
  readFileSync(new URL(name, REC), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));

/** The JSON type, and for strings the format that matters on Kalshi's wire. */
function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value !== 'string') return typeof value;
  if (/^-?\d+\.\d{6}$/.test(value)) return 'decimal6';
  if (/^-?\d+\.\d{4}$/.test(value)) return 'decimal4';
  if (/^-?\d+\.\d{2}$/.test(value)) return 'decimal2';
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/.test(value)) return 'rfc3339';
  return 'string';
}

/**
 * Differences between recorded samples (all of the same object kind) and ours: fields present in
 * every recorded sample must be in ours, ours must appear in at least one sample, and shared
 * fields must have the same kind. `label` names the object kind for the exception list.
 */
function diff(samples: any[], ours: any, label: string, path = label): string[] {
  const problems: string[] = [];
  const first = samples[0];
  // A float field may carry an integral value (floor_strike 44 vs 3.5); an integer field never a fraction.
  const isIntegralFloat = kind(first) === 'number' && kind(ours) === 'integer';
  if (kind(first) !== kind(ours) && !isIntegralFloat) {
    const lenient =
      typeof first === 'string' &&
      typeof ours === 'string' &&
      (kind(first) === 'string' || kind(ours) === 'string') &&
      path.endsWith('.cursor');
    if (!lenient)
      problems.push(
        `${path}: recorded ${kind(first)} ${JSON.stringify(first)}, simulator ${kind(ours)} ${JSON.stringify(ours)}`,
      );
    return problems;
  }
  if (Array.isArray(first)) {
    const recordedItems = samples.flatMap((s: any[]) => s);
    if (recordedItems.length === 0 || ours.length === 0) return problems;
    if (Array.isArray(recordedItems[0])) {
      // Tuples such as price levels ["0.4700", "3.00"]: compare position by position.
      for (const tuple of ours as unknown[][]) {
        if (!Array.isArray(tuple) || tuple.length !== recordedItems[0].length) {
          problems.push(
            `${path}[]: tuple ${JSON.stringify(tuple)} has another length than ${JSON.stringify(recordedItems[0])}`,
          );
          continue;
        }
        tuple.forEach((v, i) =>
          problems.push(
            ...diff(
              recordedItems.map((r: unknown[]) => r[i]),
              v,
              label,
              `${path}[][${i}]`,
            ),
          ),
        );
      }
      return problems;
    }
    for (const item of ours as unknown[]) problems.push(...diff(recordedItems, item, label, `${path}[]`));
    return problems;
  }
  if (typeof first === 'object' && first !== null) {
    const objects = samples as Record<string, unknown>[];
    const union = new Set(objects.flatMap((o) => Object.keys(o)));
    const everywhere = [...union].filter((k) => objects.every((o) => k in o));
    for (const key of everywhere)
      if (!(key in ours) && !SHAPE_EXCEPTIONS.removed.has(`${label}.${key}`))
        problems.push(`${path}.${key}: missing`);
    for (const key of Object.keys(ours)) {
      if (!union.has(key)) {
        if (!SHAPE_EXCEPTIONS.added.has(`${label}.${key}`))
          problems.push(`${path}.${key}: not in the recording`);
        continue;
      }
      const childLabel = CHILD_LABELS[`${label}.${key}`] ?? label;
      const pool = POOLS[childLabel];
      const withKey =
        pool && childLabel !== label
          ? Array.isArray(ours[key])
            ? [pool]
            : pool
          : objects.filter((o) => key in o).map((o) => o[key]);
      problems.push(...diff(withKey, ours[key], childLabel, `${path}.${key}`));
    }
  }
  return problems;
}

/** Nested objects get their own label so exceptions can name them. */
const CHILD_LABELS: Record<string, string> = {
  'response.market': 'market',
  'response.markets': 'market',
  'response.market_positions': 'market_position',
  'response.event_positions': 'event_position',
  'response.fills': 'fill',
  'response.orders': 'order',
  'response.order': 'order',
  'response.trades': 'trade',
  'response.error': 'error',
};

const MARKET_FILES = [
  'markets__page1.json',
  'markets__page2.json',
  'markets__page3.json',
  'markets__status_open.json',
  'markets__status_closed.json',
  'markets__status_settled.json',
  'markets__high_temp.json',
  'markets__unauth_list.json',
  'markets__single_filter_lastpage.json',
];
/**
 * Every recorded market, so optional fields (custom_strike, occurrence_datetime, ...) are judged
 * against all 600+ recorded markets rather than the one that happened to be in a file.
 */
const POOLS: Record<string, unknown[]> = {
  market: [
    ...MARKET_FILES.flatMap((f) => recorded(f).markets as unknown[]),
    recorded('markets__single.json').market,
  ],
};

let sim: Awaited<ReturnType<typeof startTestSimulator>>;
let tickers: { market: string; event: string; series: string };
let restingOrderId: string;

beforeAll(async () => {
  sim = await startTestSimulator();
  const populated = await populate(sim);
  tickers = populated.tickers;
  restingOrderId = populated.restingOrderId;
});
afterAll(async () => {
  await sim.close();
});

describe('REST answers have the recorded fields, types and formats', () => {
  const cases: [string, string[], () => string][] = [
    [
      'GET /portfolio/balance',
      ['auth__balance_ok.json', 'auth__balance_alt_host.json'],
      () => '/portfolio/balance',
    ],
    ['GET /portfolio/positions', ['portfolio__positions.json'], () => '/portfolio/positions'],
    ['GET /portfolio/fills', ['fills__after_taker.json'], () => '/portfolio/fills?limit=10'],
    ['GET /portfolio/orders', ['portfolio__orders_list.json'], () => '/portfolio/orders?limit=10'],
    [
      'GET /portfolio/orders/{id}',
      ['orders__get_after_create.json', 'orders__stp_resting_after.json'],
      () => `/portfolio/orders/${restingOrderId}`,
    ],
    ['GET /portfolio/settlements', ['settlements__page.json'], () => '/portfolio/settlements?limit=10'],
    [
      'GET /markets',
      ['markets__page1.json', 'markets__page2.json', 'markets__status_open.json'],
      () => '/markets?limit=100',
    ],
    [
      'GET /markets (last page)',
      ['markets__single_filter_lastpage.json'],
      () => `/markets?tickers=${tickers.market}`,
    ],
    [
      'GET /markets/{ticker}',
      ['markets__single.json', 'markets__unauth_single.json'],
      () => `/markets/${tickers.market}`,
    ],
    ['GET /markets?status=settled', ['markets__status_settled.json'], () => '/markets?status=settled'],
    [
      'GET /markets/{ticker}/orderbook',
      ['orderbook__base.json'],
      () => `/markets/${tickers.market}/orderbook`,
    ],
    ['GET /markets/trades', ['trades__public_recorded.json'], () => '/markets/trades?limit=12'],
    ['GET /exchange/status', ['exchange__status.json'], () => '/exchange/status'],
    ['GET /account/limits', ['account__limits.json'], () => '/account/limits'],
    ['GET /account/endpoint_costs', ['account__endpoint_costs.json'], () => '/account/endpoint_costs'],
    ['GET /series/fee_changes', ['series__fee_changes.json'], () => '/series/fee_changes'],
    [
      'DELETE unknown order (404)',
      ['orders__cancel_unknown_id.json'],
      () => '/portfolio/events/orders/00000000-0000-0000-0000-000000000000',
    ],
  ];
  for (const [name, files, path] of cases) {
    it(`${name} matches ${files.join(', ')}`, async () => {
      const api = caller(sim);
      const res = name.startsWith('DELETE') ? await api.del(path()) : await api.get(path());
      expect(diff(files.map(recorded), res.json, 'response')).toEqual([]);
    });
  }

  it('POST /portfolio/events/orders (maker and taker) and DELETE match the recorded V2 answers', async () => {
    const api = caller(sim);
    const maker = await api.post('/portfolio/events/orders', {
      ticker: tickers.market,
      side: 'bid',
      count: '1.00',
      price: '0.0100',
      time_in_force: 'good_till_canceled',
      self_trade_prevention_type: 'taker_at_cross',
      client_order_id: 'shape-maker',
    });
    expect(diff([recorded('orders__create_v2_maker.json')], maker.json, 'response')).toEqual([]);
    const ask = (sim.engine.topOfBook(tickers.market).ask / 1_000_000).toFixed(4);
    const taker = await api.post('/portfolio/events/orders', {
      ticker: tickers.market,
      side: 'bid',
      count: '1.00',
      price: ask,
      time_in_force: 'immediate_or_cancel',
      self_trade_prevention_type: 'taker_at_cross',
      client_order_id: 'shape-taker',
    });
    expect(
      diff(
        [recorded('orders__create_v2_taker_ioc.json'), recorded('orders__settlement_seed.json')],
        taker.json,
        'response',
      ),
    ).toEqual([]);
    const cancel = await api.del(`/portfolio/events/orders/${maker.json.order_id as string}`);
    expect(
      diff(
        [recorded('orders__cancel_v2.json'), recorded('cleanup__stp_resting.json')],
        cancel.json,
        'response',
      ),
    ).toEqual([]);
  });

  it('the settlement page (recorded empty) now has rows shaped like the documented Settlement', async () => {
    const res = await caller(sim).get('/portfolio/settlements');
    expect(res.json.settlements.length).toBeGreaterThan(0);
    for (const s of res.json.settlements) {
      expect(kind(s.revenue)).toBe('integer');
      expect(kind(s.value)).toBe('integer');
      expect(kind(s.fee_cost)).toBe('decimal6');
      expect(kind(s.yes_count_fp)).toBe('decimal2');
      expect(kind(s.settled_time)).toBe('rfc3339');
    }
  });

  it('describes an ask order with the recorded direction fields (action sell, side yes, outcome no)', async () => {
    const recordedAsk = (recorded('portfolio__orders_list.json').orders as any[]).find(
      (o) => o.book_side === 'ask',
    );
    const pick = (o: any) => ({
      action: o.action,
      side: o.side,
      outcome_side: o.outcome_side,
      book_side: o.book_side,
    });
    const api = caller(sim);
    const created = await api.post('/portfolio/events/orders', {
      ticker: tickers.market,
      side: 'ask',
      count: '1.00',
      price: '0.9800',
      time_in_force: 'good_till_canceled',
      self_trade_prevention_type: 'taker_at_cross',
    });
    const order = await api.get(`/portfolio/orders/${created.json.order_id as string}`);
    expect(pick(order.json.order)).toEqual(pick(recordedAsk));
    await api.del(`/portfolio/events/orders/${created.json.order_id as string}`);
  });

  it('lists object keys alphabetically at every level, as every recorded success body does', async () => {
    const keyOrderProblems = (value: unknown, path: string): string[] => {
      if (Array.isArray(value)) return value.flatMap((v, i) => keyOrderProblems(v, `${path}[${i}]`));
      if (value === null || typeof value !== 'object') return [];
      const keys = Object.keys(value);
      const own = keys.join(',') === [...keys].sort().join(',') ? [] : [`${path}: ${keys.join(',')}`];
      return [
        ...own,
        ...keys.flatMap((k) => keyOrderProblems((value as Record<string, unknown>)[k], `${path}.${k}`)),
      ];
    };
    for (const path of [
      '/markets?limit=20',
      `/markets/${tickers.market}`,
      '/portfolio/positions',
      '/portfolio/fills',
      '/portfolio/orders',
      '/portfolio/settlements',
      '/portfolio/balance',
      `/events/${tickers.event}?with_nested_markets=true`,
    ]) {
      const res = await caller(sim).get(path);
      expect(keyOrderProblems(JSON.parse(res.text), path)).toEqual([]);
    }
  });

  it('the comparison itself reports missing fields, extra fields and format changes', () => {
    const problems = diff([{ a: '0.5000', b: 1 }], { a: '0.500000', c: true }, 'x');
    expect(problems).toEqual([
      'x.b: missing',
      'x.a: recorded decimal4 "0.5000", simulator decimal6 "0.500000"',
      'x.c: not in the recording',
    ]);
  });
});

describe('WebSocket frames have the recorded fields, types and formats', () => {
  it('subscribed, orderbook_snapshot and orderbook_delta match ws__orderbook_trade_yes / _noleg', async () => {
    const frames = [
      ...recordedFrames('ws__orderbook_trade_yes.jsonl'),
      ...recordedFrames('ws__orderbook_trade_noleg.jsonl'),
    ];
    const byType = (type: string) => frames.filter((f) => f.type === type);
    for (const useYesPrice of [true, false]) {
      const s = await TestSocket.open(sim);
      try {
        s.send({
          id: 1,
          cmd: 'subscribe',
          params: {
            channels: ['orderbook_delta', 'trade'],
            market_tickers: [tickers.market],
            use_yes_price: useYesPrice,
          },
        });
        await s.next((f) => f.type === 'orderbook_snapshot');
        sim.control.trade({ ticker: tickers.market, side: 'bid', count: '1.00' });
        await s.next((f) => f.type === 'orderbook_delta');
        for (const type of ['subscribed', 'orderbook_snapshot', 'orderbook_delta']) {
          for (const ours of s.ofType(type)) expect(diff(byType(type), ours, type), type).toEqual([]);
        }
      } finally {
        s.close();
      }
    }
  });
});
