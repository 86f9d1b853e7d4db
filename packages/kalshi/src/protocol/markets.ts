/** Markets, order book, trades, events, series, exchange status (docs/kalshi-protocol.md §5.2). */
import { z } from 'zod';
import {
  bookSideSchema,
  countStringSchema,
  cursorSchema,
  dollarStringSchema,
  outcomeSideSchema,
  priceLevelSchema,
} from './primitives.js';

/** Object statuses; the `status` query filter uses a different vocabulary (open, settled, ...). */
export const marketStatusSchema = z.enum([
  'initialized',
  'active',
  'inactive',
  'closed',
  'determined',
  'disputed',
  'amended',
  'finalized',
]);
export type MarketStatus = z.infer<typeof marketStatusSchema>;

export const priceRangeSchema = z.object({
  start: dollarStringSchema,
  end: dollarStringSchema,
  step: dollarStringSchema,
});
export type PriceRange = z.infer<typeof priceRangeSchema>;

export const marketSchema = z.object({
  ticker: z.string(),
  event_ticker: z.string(),
  market_type: z.enum(['binary', 'scalar']),
  yes_sub_title: z.string(),
  no_sub_title: z.string(),
  created_time: z.string(),
  updated_time: z.string(),
  open_time: z.string(),
  close_time: z.string(),
  latest_expiration_time: z.string(),
  settlement_timer_seconds: z.number().int(),
  status: marketStatusSchema,
  yes_bid_dollars: dollarStringSchema,
  yes_bid_size_fp: countStringSchema,
  yes_ask_dollars: dollarStringSchema,
  yes_ask_size_fp: countStringSchema,
  no_bid_dollars: dollarStringSchema,
  no_ask_dollars: dollarStringSchema,
  last_price_dollars: dollarStringSchema,
  volume_fp: countStringSchema,
  volume_24h_fp: countStringSchema,
  result: z.enum(['yes', 'no', 'scalar', '']),
  can_close_early: z.boolean(),
  open_interest_fp: countStringSchema,
  notional_value_dollars: dollarStringSchema,
  previous_yes_bid_dollars: dollarStringSchema,
  previous_yes_ask_dollars: dollarStringSchema,
  previous_price_dollars: dollarStringSchema,
  expiration_value: z.string(),
  rules_primary: z.string(),
  rules_secondary: z.string(),
  price_level_structure: z.string(),
  price_ranges: z.array(priceRangeSchema),
  /** Deprecated but still the best human label. */
  title: z.string().optional(),
  subtitle: z.string().optional(),
  expected_expiration_time: z.string().nullish(),
  expiration_time: z.string().optional(),
  liquidity_dollars: dollarStringSchema.optional(),
  settlement_value_dollars: dollarStringSchema.nullish(),
  settlement_ts: z.string().nullish(),
  occurrence_datetime: z.string().nullish(),
  fee_waiver_expiration_time: z.string().nullish(),
  early_close_condition: z.string().nullish(),
  strike_type: z.string().nullish(),
  floor_strike: z.number().nullish(),
  cap_strike: z.number().nullish(),
  functional_strike: z.string().nullish(),
  custom_strike: z.record(z.string(), z.unknown()).nullish(),
  mve_collection_ticker: z.string().nullish(),
  mve_selected_legs: z
    .array(z.object({ event_ticker: z.string(), market_ticker: z.string(), side: z.string().optional() }))
    .nullish(),
  primary_participant_key: z.string().nullish(),
  is_provisional: z.boolean().optional(),
  exchange_index: z.number().int().optional(),
  /** Removed Jul 9 2026; on the wire in June 2026. */
  response_price_units: z.string().optional(),
  fractional_trading_enabled: z.boolean().optional(),
});
export type Market = z.infer<typeof marketSchema>;

export const marketsResponseSchema = z.object({
  cursor: cursorSchema,
  markets: z.array(marketSchema),
});
export type MarketsResponse = z.infer<typeof marketsResponseSchema>;

export const marketResponseSchema = z.object({ market: marketSchema });
export type MarketResponse = z.infer<typeof marketResponseSchema>;

/**
 * GET /markets/{ticker}/orderbook. Bids only, levels sorted ascending (best last):
 * `yes_dollars` = YES bids, `no_dollars` = NO bids on the NO price scale.
 * A side without levels may be absent or null.
 */
export const orderbookResponseSchema = z.object({
  orderbook_fp: z.object({
    yes_dollars: z.array(priceLevelSchema).nullish(),
    no_dollars: z.array(priceLevelSchema).nullish(),
  }),
});
export type OrderbookResponse = z.infer<typeof orderbookResponseSchema>;

export const tradeSchema = z.object({
  trade_id: z.string(),
  ticker: z.string(),
  count_fp: countStringSchema,
  yes_price_dollars: dollarStringSchema,
  no_price_dollars: dollarStringSchema,
  taker_outcome_side: outcomeSideSchema,
  taker_book_side: bookSideSchema,
  created_time: z.string(),
  is_block_trade: z.boolean().optional(),
  /** Deprecated. */
  taker_side: outcomeSideSchema.optional(),
});
export type Trade = z.infer<typeof tradeSchema>;

export const tradesResponseSchema = z.object({
  cursor: cursorSchema,
  trades: z.array(tradeSchema),
});
export type TradesResponse = z.infer<typeof tradesResponseSchema>;

export const settlementSourceSchema = z.object({
  name: z.string().optional(),
  url: z.string().optional(),
});
export type SettlementSource = z.infer<typeof settlementSourceSchema>;

export const eventSchema = z.object({
  event_ticker: z.string(),
  series_ticker: z.string(),
  title: z.string(),
  sub_title: z.string(),
  collateral_return_type: z.string(),
  mutually_exclusive: z.boolean(),
  settlement_sources: z.array(settlementSourceSchema).nullish(),
  strike_date: z.string().nullish(),
  strike_period: z.string().nullish(),
  /** Only with with_nested_markets=true. */
  markets: z.array(marketSchema).nullish(),
  product_metadata: z.record(z.string(), z.unknown()).nullish(),
  last_updated_ts: z.string().nullish(),
  fee_type_override: z.string().nullish(),
  fee_multiplier_override: z.number().nullish(),
  exchange_index: z.number().int().optional(),
  /** Deprecated. */
  category: z.string().optional(),
  available_on_brokers: z.boolean().optional(),
});
export type Event = z.infer<typeof eventSchema>;
/** Alias that does not shadow the DOM/Node global `Event`. */
export type KalshiEvent = Event;

export const eventsResponseSchema = z.object({
  cursor: cursorSchema,
  events: z.array(eventSchema),
  milestones: z.array(z.record(z.string(), z.unknown())).nullish(),
});
export type EventsResponse = z.infer<typeof eventsResponseSchema>;

export const eventResponseSchema = z.object({
  event: eventSchema,
  /** Deprecated in favour of event.markets. */
  markets: z.array(marketSchema).nullish(),
});
export type EventResponse = z.infer<typeof eventResponseSchema>;

export const seriesSchema = z.object({
  ticker: z.string(),
  frequency: z.string(),
  title: z.string(),
  category: z.string(),
  tags: z.array(z.string()).nullish(),
  categories: z.array(z.string()).nullish(),
  settlement_sources: z.array(settlementSourceSchema).nullish(),
  contract_url: z.string().optional(),
  contract_terms_url: z.string().optional(),
  /** quadratic | quadratic_with_maker_fees | flat | ... */
  fee_type: z.string(),
  /** A plain JSON number multiplier (e.g. 1). */
  fee_multiplier: z.number(),
  additional_prohibitions: z.array(z.string()).nullish(),
  product_metadata: z.record(z.string(), z.unknown()).nullish(),
  volume_fp: countStringSchema.optional(),
  last_updated_ts: z.string().nullish(),
  exchange_index: z.number().int().optional(),
});
export type Series = z.infer<typeof seriesSchema>;

export const seriesResponseSchema = z.object({ series: seriesSchema });
export type SeriesResponse = z.infer<typeof seriesResponseSchema>;

export const seriesListResponseSchema = z.object({ series: z.array(seriesSchema) });
export type SeriesListResponse = z.infer<typeof seriesListResponseSchema>;

export const exchangeStatusSchema = z.object({
  exchange_active: z.boolean(),
  trading_active: z.boolean(),
  exchange_estimated_resume_time: z.string().nullish(),
  intra_exchange_transfers_active: z.boolean().optional(),
  exchange_index_statuses: z
    .array(
      z.object({
        exchange_index: z.number().int(),
        description: z.string().optional(),
        exchange_active: z.boolean(),
        trading_active: z.boolean(),
        intra_exchange_transfers_active: z.boolean().optional(),
      }),
    )
    .nullish(),
});
export type ExchangeStatus = z.infer<typeof exchangeStatusSchema>;
