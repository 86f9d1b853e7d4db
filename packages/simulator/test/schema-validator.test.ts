/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- recorded wire JSON is edited field by field */
/**
 * The checker behind openapi.test.ts and asyncapi.test.ts. A checker that accepts anything
 * would make those suites pass vacuously, so: every recorded Kalshi body and frame passes
 * untouched, and each kind of damage to one of them is reported, at the right path, for the
 * right reason.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validate, validateAgainst, type Issue, type Schema } from './schema-validator.js';

const REC = new URL('../../../fixtures/kalshi-spec/recorded-demo-2026-06/', import.meta.url);
const recorded = (name: string): any => JSON.parse(readFileSync(new URL(name, REC), 'utf8'));
const recordedFrames = (name: string): any[] =>
  readFileSync(new URL(name, REC), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));

/** `path: problem` lines, sorted, so a test states exactly what must be reported. */
const report = (issues: Issue[]): string[] => issues.map((i) => `${i.path}: ${i.problem}`).sort();

const RECORDED_BODIES: [schema: string, file: string][] = [
  ['GetMarketResponse', 'markets__single.json'],
  ['GetMarketsResponse', 'markets__page1.json'],
  ['GetMarketsResponse', 'markets__status_open.json'],
  ['GetMarketsResponse', 'markets__status_closed.json'],
  ['GetMarketsResponse', 'markets__status_settled.json'],
  ['GetMarketOrderbookResponse', 'orderbook__base.json'],
  ['GetTradesResponse', 'trades__public_recorded.json'],
  ['ExchangeStatus', 'exchange__status.json'],
  ['GetAccountApiLimitsResponse', 'account__limits.json'],
  ['GetSeriesFeeChangesResponse', 'series__fee_changes.json'],
  ['GetBalanceResponse', 'auth__balance_ok.json'],
  ['GetPositionsResponse', 'portfolio__positions.json'],
  ['GetFillsResponse', 'fills__after_taker.json'],
  ['GetOrdersResponse', 'portfolio__orders_list.json'],
  ['GetOrderResponse', 'orders__get_after_create.json'],
  ['GetSettlementsResponse', 'settlements__end_of_session.json'],
  ['CreateOrderV2Response', 'orders__create_v2_maker.json'],
  ['CreateOrderV2Response', 'orders__create_v2_taker_ioc.json'],
  ['CancelOrderV2Response', 'orders__cancel_v2.json'],
];

/** The recordings hold these three frame types (the trade that printed was not captured). */
const FRAME_SCHEMAS: Record<string, string> = {
  subscribed: 'subscribedResponsePayload',
  orderbook_snapshot: 'orderbookSnapshotPayload',
  orderbook_delta: 'orderbookDeltaPayload',
};
const FRAMES = [
  ...recordedFrames('ws__orderbook_trade_noleg.jsonl'),
  ...recordedFrames('ws__orderbook_trade_yes.jsonl'),
];

function frameOf(type: string): any {
  const frame = FRAMES.find((f) => f.type === type);
  if (!frame) throw new Error(`no recorded ${type} frame`);
  return structuredClone(frame);
}

const market = (): any => recorded('markets__single.json').market;
const balance = (): any => recorded('auth__balance_ok.json');

describe('the schema validator accepts what Kalshi sent', () => {
  for (const [schema, file] of RECORDED_BODIES) {
    it(`recorded ${file} is a valid ${schema}`, () => {
      expect(report(validate(schema, recorded(file)))).toEqual([]);
    });
  }

  it('every recorded WebSocket frame is valid against its asyncapi payload', () => {
    expect(new Set(FRAMES.map((f) => f.type))).toEqual(
      new Set(['subscribed', 'orderbook_snapshot', 'orderbook_delta']),
    );
    for (const frame of FRAMES) {
      const schema = FRAME_SCHEMAS[frame.type as string] ?? 'missing';
      expect(report(validate(schema, frame, 'asyncapi.yaml')), JSON.stringify(frame)).toEqual([]);
    }
  });

  it('a nullable field may be null, and an optional one may be absent', () => {
    const m = market();
    m.occurrence_datetime = null;
    delete m.settlement_ts;
    expect(report(validate('Market', m))).toEqual([]);
  });
});

describe('the schema validator rejects bad shapes', () => {
  it('a missing required field', () => {
    const m = market();
    delete m.ticker;
    expect(report(validate('Market', m))).toEqual(['Market.ticker: required but missing']);
  });

  it('a missing required field deep inside a list', () => {
    const body = recorded('markets__page1.json');
    delete body.markets[2].event_ticker;
    expect(report(validate('GetMarketsResponse', body))).toEqual([
      'GetMarketsResponse.markets[2].event_ticker: required but missing',
    ]);
  });

  it('a wrong type: string for integer, number for string, fraction for integer, boolean for string', () => {
    expect(report(validate('GetBalanceResponse', { ...balance(), balance: '98' }))).toEqual([
      'GetBalanceResponse.balance: expected integer, got string',
    ]);
    expect(report(validate('GetBalanceResponse', { ...balance(), balance_dollars: 98.01 }))).toEqual([
      'GetBalanceResponse.balance_dollars: expected string, got number',
    ]);
    expect(report(validate('GetBalanceResponse', { ...balance(), portfolio_value: 1.5 }))).toEqual([
      'GetBalanceResponse.portfolio_value: expected integer, got number',
    ]);
    expect(report(validate('Market', { ...market(), ticker: true }))).toEqual([
      'Market.ticker: expected string, got boolean',
    ]);
  });

  it('a value outside the enum, or a const that differs', () => {
    expect(report(validate('Market', { ...market(), status: 'open' }))).toEqual([
      'Market.status: "open" not in enum',
    ]);
    const frame = frameOf('subscribed');
    frame.type = 'subscribe';
    expect(report(validate('subscribedResponsePayload', frame, 'asyncapi.yaml'))).toEqual([
      'subscribedResponsePayload.type: "subscribe" is not "subscribed"',
    ]);
  });

  it('the wrong nesting: a market where the envelope should be, or wrapped twice', () => {
    const flat = report(validate('GetMarketResponse', market()));
    expect(flat).toContain('GetMarketResponse.market: required but missing');
    expect(flat).toContain('GetMarketResponse.ticker: not in schema');
    expect(report(validate('GetMarketResponse', { market: { market: market() } }))).toContain(
      'GetMarketResponse.market.market: not in schema',
    );
    expect(report(validate('GetMarketResponse', { market: { market: market() } }))).toContain(
      'GetMarketResponse.market.ticker: required but missing',
    );
  });

  it('null where the field is not nullable', () => {
    expect(report(validate('Market', { ...market(), ticker: null }))).toEqual([
      'Market.ticker: null but not nullable',
    ]);
    expect(report(validate('GetMarketResponse', { market: null }))).toEqual([
      'GetMarketResponse.market: null but not nullable',
    ]);
  });

  it('an array where an object belongs, and an object where an array belongs', () => {
    expect(report(validate('GetMarketResponse', { market: [market()] }))).toEqual([
      'GetMarketResponse.market: expected object, got array',
    ]);
    expect(report(validate('GetMarketsResponse', { cursor: '', markets: market() }))).toEqual([
      'GetMarketsResponse.markets: expected array, got object',
    ]);
  });

  it('a field the schema does not know', () => {
    expect(report(validate('GetBalanceResponse', { ...balance(), balance_cents: 1 }))).toEqual([
      'GetBalanceResponse.balance_cents: not in schema',
    ]);
  });

  it('a price level that is not a [price, count] pair', () => {
    const body = recorded('orderbook__base.json');
    const [level] = body.orderbook_fp.yes_dollars as string[][];
    if (!level) throw new Error('the recorded book has no YES level');
    body.orderbook_fp.yes_dollars = [[...level, '1.00'], level.slice(0, 1), [level[0], 5]];
    expect(report(validate('GetMarketOrderbookResponse', body))).toEqual([
      'GetMarketOrderbookResponse.orderbook_fp.yes_dollars[0]: 3 items, more than maxItems 2',
      'GetMarketOrderbookResponse.orderbook_fp.yes_dollars[1]: 1 items, fewer than minItems 2',
      'GetMarketOrderbookResponse.orderbook_fp.yes_dollars[2][1]: expected string, got integer',
    ]);
  });

  it('a number below a minimum or above a maximum', () => {
    const delta = frameOf('orderbook_delta');
    delta.sid = 0;
    delta.seq = -1;
    expect(report(validate('orderbookDeltaPayload', delta, 'asyncapi.yaml'))).toEqual([
      'orderbookDeltaPayload.seq: -1 is below minimum 1',
      'orderbookDeltaPayload.sid: 0 is below minimum 1',
    ]);
    const error = { id: 1, type: 'error', msg: { code: 26, msg: 'no such code' } };
    expect(report(validate('errorResponsePayload', error, 'asyncapi.yaml'))).toEqual([
      'errorResponsePayload.msg.code: 26 is above maximum 25',
    ]);
  });

  it('a string that breaks its pattern or format (ticker, uuid, date-time)', () => {
    const delta = frameOf('orderbook_delta');
    delta.msg.market_ticker = 'kxhighny-26jun13';
    delta.msg.market_id = 'not-a-uuid';
    expect(report(validate('orderbookDeltaPayload', delta, 'asyncapi.yaml'))).toEqual([
      'orderbookDeltaPayload.msg.market_id: not a uuid: not-a-uuid',
      'orderbookDeltaPayload.msg.market_ticker: "kxhighny-26jun13" does not match pattern ^[A-Z0-9-]+$',
    ]);
    for (const bad of [
      '2026-06-11 06:29:20Z',
      '2026-06-11T06:29:20',
      '2026-02-30T00:00:00Z',
      '2026-06-11T24:00:00Z',
    ])
      expect(report(validate('Market', { ...market(), close_time: bad }))).toEqual([
        `Market.close_time: not RFC 3339: ${bad}`,
      ]);
    expect(report(validate('Market', { ...market(), close_time: '2026-06-11T06:29:20.866+02:00' }))).toEqual(
      [],
    );
  });

  it('an unknown schema name is an error, not an empty report', () => {
    expect(() => validate('NoSuchResponse', {})).toThrow('unknown schema NoSuchResponse');
  });
});

describe('the keywords the recorded shapes do not exercise', () => {
  const components: Record<string, Schema> = {
    Price: { type: 'string', pattern: '^\\d\\.\\d{4}$' },
    Named: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
  };
  const check = (schema: Schema, value: unknown): string[] =>
    report(validateAgainst(schema, value, components));

  it('oneOf takes exactly one match; anyOf at least one', () => {
    const oneOf = { oneOf: [{ type: 'integer' }, { type: 'number', maximum: 10 }] };
    expect(check(oneOf, 50)).toEqual([]);
    expect(check(oneOf, 2.5)).toEqual([]);
    expect(check(oneOf, 5)).toEqual(['$: matches 2 of oneOf (exactly one allowed)']);
    expect(check(oneOf, 'x')).toEqual(['$: matches none of oneOf']);
    const anyOf = { anyOf: [{ type: 'integer' }, { type: 'number', maximum: 10 }] };
    expect(check(anyOf, 5)).toEqual([]);
    expect(check(anyOf, 'x')).toEqual(['$: matches none of anyOf']);
  });

  it('allOf merges its members: each checks its own fields, and only a field none declares is unknown', () => {
    const schema = {
      allOf: [
        { $ref: '#/components/schemas/Named' },
        { type: 'object', properties: { price: { $ref: '#/components/schemas/Price' } } },
      ],
    };
    expect(check(schema, { name: 'a', price: '0.5000' })).toEqual([]);
    expect(check(schema, { price: '0.5' })).toEqual([
      '$.name: required but missing',
      '$.price: "0.5" does not match pattern ^\\d\\.\\d{4}$',
    ]);
    expect(check(schema, { name: 'a', size: 1 })).toEqual(['$.size: not in schema']);
  });

  it('a nullable $ref or allOf wrapper admits null; the plain reference does not', () => {
    expect(check({ $ref: '#/components/schemas/Price', nullable: true }, null)).toEqual([]);
    expect(check({ allOf: [{ $ref: '#/components/schemas/Price' }], nullable: true }, null)).toEqual([]);
    expect(check({ $ref: '#/components/schemas/Price' }, null)).toEqual(['$: null but not nullable']);
  });

  it('additionalProperties: a schema checks the extra values, false forbids them, true allows them', () => {
    expect(check({ type: 'object', additionalProperties: { type: 'integer' } }, { a: 1, b: 'x' })).toEqual([
      '$.b: expected integer, got string',
    ]);
    expect(check({ type: 'object', properties: {}, additionalProperties: false }, { a: 1 })).toEqual([
      '$.a: not in schema',
    ]);
    expect(
      check({ type: 'object', properties: { a: {} }, additionalProperties: true }, { a: 1, b: 2 }),
    ).toEqual([]);
  });

  it('exclusive bounds, string lengths and int32', () => {
    expect(check({ type: 'number', minimum: 0, exclusiveMinimum: true }, 0)).toEqual([
      '$: 0 is below minimum 0',
    ]);
    expect(check({ type: 'number', exclusiveMaximum: 1 }, 1)).toEqual([
      '$: 1 is not below exclusiveMaximum 1',
    ]);
    expect(check({ type: 'string', minLength: 2, maxLength: 3 }, 'a')).toEqual([
      '$: shorter than minLength 2',
    ]);
    expect(check({ type: 'string', minLength: 2, maxLength: 3 }, 'abcd')).toEqual([
      '$: longer than maxLength 3',
    ]);
    expect(check({ type: 'integer', format: 'int32' }, 2 ** 31)).toEqual([
      '$: 2147483648 is out of int32 range',
    ]);
  });
});
