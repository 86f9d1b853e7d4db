import { describe, expect, it } from 'vitest';
import type { Fill, Order, Settlement } from '@kalshi-desk/kalshi/protocol';
import { deriveUserId, normalizePem, toFill, toOrder, toSettlement } from './account.models.js';

// Recorded on Kalshi's demo (docs/kalshi-protocol.md §5.1, REC fills__after_taker / portfolio__orders_list).
const recordedFill: Fill = {
  action: 'buy',
  book_side: 'bid',
  count_fp: '1.00',
  created_time: '2026-06-11T06:29:30.164956Z',
  fee_cost: '0.017500',
  fill_id: 'f4a42159-b500-57c6-efa2-c31d94d916c1',
  is_taker: true,
  market_ticker: 'KXWTACHALLENGERMATCH-26JUN11JIMLEP-LEP',
  no_price_dollars: '0.4800',
  order_id: '97ec18b7-10d3-4557-9de0-8598aad625f0',
  outcome_side: 'yes',
  side: 'yes',
  subaccount_number: 0,
  ticker: 'KXWTACHALLENGERMATCH-26JUN11JIMLEP-LEP',
  trade_id: 'f4a42159-b500-57c6-efa2-c31d94d916c1',
  ts: 1781159370,
  yes_price_dollars: '0.5200',
};

const recordedOrder: Order = {
  action: 'buy',
  book_side: 'bid',
  client_order_id: '2b8394e0-515e-4b89-b624-f34067756855',
  created_time: '2026-06-11T06:29:30.164956Z',
  fill_count_fp: '1.00',
  initial_count_fp: '1.00',
  last_update_time: '2026-06-11T06:29:30.164956Z',
  maker_fees_dollars: '0.000000',
  maker_fill_cost_dollars: '0.000000',
  no_price_dollars: '0.0100',
  order_id: '97ec18b7-10d3-4557-9de0-8598aad625f0',
  outcome_side: 'yes',
  remaining_count_fp: '0.00',
  self_trade_prevention_type: 'taker_at_cross',
  side: 'yes',
  status: 'executed',
  subaccount_number: 0,
  taker_fees_dollars: '0.017500',
  taker_fill_cost_dollars: '0.520000',
  ticker: 'KXWTACHALLENGERMATCH-26JUN11JIMLEP-LEP',
  type: 'limit',
  user_id: 'f50604b8-d25a-4b0c-b3c9-ce5b48ffcad0',
  yes_price_dollars: '0.9900',
};

// The schema-conformant example of docs/kalshi-protocol.md §5.1 (settlements were only recorded empty).
const settlement: Settlement = {
  ticker: 'KXHIGHNY-26NOV24-T60',
  exchange_index: 0,
  event_ticker: 'KXHIGHNY-26NOV24',
  market_result: 'yes',
  yes_count_fp: '10.00',
  yes_total_cost_dollars: '4.200000',
  no_count_fp: '0.00',
  no_total_cost_dollars: '0.000000',
  revenue: 1000,
  settled_time: '2026-11-24T23:05:11.123456Z',
  fee_cost: '0.170000',
  value: 100,
};

describe('history mapping', () => {
  it('maps a recorded fill exactly', () => {
    expect(toFill(recordedFill)).toEqual({
      fill_id: 'f4a42159-b500-57c6-efa2-c31d94d916c1',
      order_id: '97ec18b7-10d3-4557-9de0-8598aad625f0',
      ticker: 'KXWTACHALLENGERMATCH-26JUN11JIMLEP-LEP',
      side: 'YES',
      count: 1,
      price: 52,
      yes_price: 52,
      fee: 0.0175,
      is_taker: true,
      created_time: '2026-06-11T06:29:30.164956Z',
    });
  });

  it('prices a NO fill on the NO side, and falls back to `ts` without created_time', () => {
    const { created_time: _c, ...rest } = recordedFill;
    const fill = toFill({ ...rest, outcome_side: 'no', book_side: 'ask', count_fp: '2.50' });
    expect(fill).toMatchObject({
      side: 'NO',
      price: 48,
      yes_price: 52,
      count: 2.5,
      created_time: '2026-06-11T06:29:30.000Z',
    });
  });

  it('maps a recorded order: limit price in cents, counts, taker + maker fees', () => {
    expect(toOrder(recordedOrder)).toEqual({
      order_id: '97ec18b7-10d3-4557-9de0-8598aad625f0',
      client_order_id: '2b8394e0-515e-4b89-b624-f34067756855',
      ticker: 'KXWTACHALLENGERMATCH-26JUN11JIMLEP-LEP',
      book_side: 'bid',
      status: 'executed',
      yes_price: 99,
      initial_count: 1,
      fill_count: 1,
      remaining_count: 0,
      fees: 0.0175,
      created_time: '2026-06-11T06:29:30.164956Z',
    });
  });

  it('maps a settlement: revenue is integer cents, realized = revenue - cost - fees', () => {
    expect(toSettlement(settlement)).toEqual({
      ticker: 'KXHIGHNY-26NOV24-T60',
      event_ticker: 'KXHIGHNY-26NOV24',
      market_result: 'yes',
      yes_count: 10,
      no_count: 0,
      cost: 4.2,
      revenue: 10,
      fees: 0.17,
      realized_pnl: 5.63,
      settled_time: '2026-11-24T23:05:11.123456Z',
    });
  });
});

describe('deriveUserId', () => {
  it('is a stable UUID v5 of exchange and key id', () => {
    const a = deriveUserId({
      exchangeUrl: 'https://external-api.demo.kalshi.co/trade-api/v2',
      keyId: 'key-1',
    });
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(
      deriveUserId({ exchangeUrl: 'https://external-api.demo.kalshi.co/trade-api/v2/', keyId: 'key-1' }),
    ).toBe(a);
    expect(
      deriveUserId({ exchangeUrl: 'https://external-api.kalshi.com/trade-api/v2', keyId: 'key-1' }),
    ).not.toBe(a);
    expect(
      deriveUserId({ exchangeUrl: 'https://external-api.demo.kalshi.co/trade-api/v2', keyId: 'key-2' }),
    ).not.toBe(a);
  });
});

describe('normalizePem', () => {
  const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADAN\nBgkqhkiG9w0B\n-----END PRIVATE KEY-----\n';
  it('repairs CRLF, indentation, blank space and escaped newlines without touching the key', () => {
    expect(normalizePem(pem)).toBe(pem);
    expect(normalizePem(pem.replaceAll('\n', '\r\n'))).toBe(pem);
    expect(normalizePem(`\n\n   ${pem.replaceAll('\n', '\n   ')}  \n`)).toBe(pem);
    expect(normalizePem(pem.replaceAll('\n', '\\n'))).toBe(pem);
    expect(normalizePem('   ')).toBe('');
  });
});
