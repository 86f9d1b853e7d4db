import { marketListQuerySchema } from '@kalshi-desk/contracts';
import { LocalOrderBook } from '@kalshi-desk/kalshi';
import type { Market } from '@kalshi-desk/kalshi/protocol';
import { describe, expect, it } from 'vitest';
import {
  catalogEntry,
  quoteCents,
  selectMarkets,
  toMarketDetail,
  toMarketSummary,
  toOrderBook,
} from './markets.models.js';

// Shaped after the recorded market (docs/kalshi-protocol.md §5.2, REC markets__single).
const market: Market = {
  ticker: 'KXWTA-26JUN11-LEP',
  event_ticker: 'KXWTA-26JUN11',
  market_type: 'binary',
  title: 'Will Lepchenko win?',
  yes_sub_title: 'Varvara Lepchenko',
  no_sub_title: 'Varvara Lepchenko',
  created_time: '2026-06-11T05:12:22.338653Z',
  updated_time: '2026-06-11T05:39:31.28563Z',
  open_time: '2026-06-11T05:39:29Z',
  close_time: '2026-06-25T16:00:00Z',
  latest_expiration_time: '2026-06-25T16:00:00Z',
  settlement_timer_seconds: 60,
  status: 'active',
  yes_bid_dollars: '0.4700',
  yes_bid_size_fp: '3.00',
  yes_ask_dollars: '0.5250',
  yes_ask_size_fp: '3.00',
  no_bid_dollars: '0.4750',
  no_ask_dollars: '0.5300',
  last_price_dollars: '0.9900',
  volume_fp: '2.50',
  volume_24h_fp: '1.00',
  result: '',
  can_close_early: true,
  open_interest_fp: '2.00',
  notional_value_dollars: '1.0000',
  previous_yes_bid_dollars: '0.0000',
  previous_yes_ask_dollars: '0.0000',
  previous_price_dollars: '0.0000',
  expiration_value: '',
  rules_primary: 'If Lepchenko wins…',
  rules_secondary: '',
  price_level_structure: 'linear_cent',
  price_ranges: [{ start: '0.0000', end: '1.0000', step: '0.0100' }],
};

describe('market mapping', () => {
  it('converts fixed-point strings exactly: cents on the YES scale, contracts', () => {
    const summary = toMarketSummary(market, { seriesTicker: 'KXWTA', category: 'Sports' });
    expect(summary).toMatchObject({
      yes_bid: 47,
      yes_ask: 52.5,
      last_price: 99,
      volume: 2.5,
      open_interest: 2,
      category: 'Sports',
      series_ticker: 'KXWTA',
      close_time: '2026-06-25T16:00:00Z',
    });
    const detail = toMarketDetail(market, { seriesTicker: 'KXWTA', category: 'Sports' });
    expect(detail.price_ranges).toEqual([{ start: 0, end: 100, step: 1 }]);
  });

  it("reads Kalshi's empty-book conventions as null", () => {
    expect(
      quoteCents({ yes_bid_dollars: '0.0000', yes_ask_dollars: '1.0000', last_price_dollars: '0.0000' }),
    ).toEqual({
      yes_bid: null,
      yes_ask: null,
      last_price: null,
    });
  });

  it('uses the event title when the market has no (deprecated) title', () => {
    const { title: _t, ...untitled } = market;
    expect(toMarketSummary(untitled, { seriesTicker: null, category: null, eventTitle: 'Event' }).title).toBe(
      'Event',
    );
  });

  it('maps a REST order book to best-first levels in cents and contracts', () => {
    const book = LocalOrderBook.fromRest('T', {
      orderbook_fp: {
        yes_dollars: [
          ['0.4500', '1.00'],
          ['0.4700', '3.50'],
        ],
        no_dollars: [['0.5150', '2.00']],
      },
    });
    expect(toOrderBook(book, Date.UTC(2026, 0, 1))).toEqual({
      ticker: 'T',
      yes: [
        [47, 3.5],
        [45, 1],
      ],
      no: [[51.5, 2]],
      as_of: '2026-01-01T00:00:00.000Z',
    });
  });
});

describe('selectMarkets', () => {
  const mk = (ticker: string, over: Partial<Market>, category: string) =>
    catalogEntry(
      toMarketSummary({ ...market, ticker, ...over }, { seriesTicker: null, category }),
      `Event of ${ticker}`,
    );
  const entries = [
    mk(
      'A-RAIN',
      { volume_fp: '10.00', close_time: '2026-07-01T00:00:00Z', title: 'Rain in NYC?' },
      'Climate and Weather',
    ),
    mk(
      'B-CPI',
      { volume_fp: '99.00', close_time: '2026-06-01T00:00:00Z', title: 'CPI above 3%?' },
      'Economics',
    ),
    mk('C-OLD', { volume_fp: '50.00', status: 'finalized', title: 'Old CPI market' }, 'Economics'),
  ];
  const q = (input: Record<string, unknown>) => marketListQuerySchema.parse(input);

  it('sorts by volume (default) or by close time', () => {
    expect(selectMarkets(entries, q({})).map((m) => m.ticker)).toEqual(['B-CPI', 'C-OLD', 'A-RAIN']);
    expect(selectMarkets(entries, q({ sort: 'close_time', status: 'open' })).map((m) => m.ticker)).toEqual([
      'B-CPI',
      'A-RAIN',
    ]);
  });

  it("filters by status in Kalshi's filter vocabulary, by category and by search words", () => {
    expect(selectMarkets(entries, q({ status: 'settled' })).map((m) => m.ticker)).toEqual(['C-OLD']);
    expect(selectMarkets(entries, q({ category: 'economics' })).map((m) => m.ticker)).toEqual([
      'B-CPI',
      'C-OLD',
    ]);
    expect(selectMarkets(entries, q({ search: 'cpi old' })).map((m) => m.ticker)).toEqual(['C-OLD']);
    expect(selectMarkets(entries, q({ search: 'nyc' })).map((m) => m.ticker)).toEqual(['A-RAIN']);
    expect(selectMarkets(entries, q({ limit: 1 }))).toHaveLength(1);
  });
});
