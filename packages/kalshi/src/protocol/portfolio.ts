/** Portfolio payloads: balance, positions, fills, orders, settlements (docs/kalshi-protocol.md §5.1). */
import { z } from 'zod';
import {
  bookSideSchema,
  countStringSchema,
  cursorSchema,
  dollarStringSchema,
  outcomeSideSchema,
  unixTimeSchema,
} from './primitives.js';

export const balanceResponseSchema = z.object({
  /** Available cash in integer cents, truncated; prefer balance_dollars. */
  balance: z.number().int(),
  balance_dollars: dollarStringSchema,
  /** Value of open positions in integer cents. */
  portfolio_value: z.number().int(),
  /** Unix seconds. */
  updated_ts: unixTimeSchema,
  balance_breakdown: z
    .array(z.object({ exchange_index: z.number().int(), balance: dollarStringSchema }))
    .nullish(),
});
export type GetBalanceResponse = z.infer<typeof balanceResponseSchema>;

export const marketPositionSchema = z.object({
  ticker: z.string(),
  /** Signed: positive = YES contracts, negative = NO contracts. */
  position_fp: countStringSchema,
  market_exposure_dollars: dollarStringSchema,
  total_traded_dollars: dollarStringSchema,
  realized_pnl_dollars: dollarStringSchema,
  fees_paid_dollars: dollarStringSchema,
  /** RFC3339 despite the name. */
  last_updated_ts: z.string().optional(),
  exchange_index: z.number().int().optional(),
  /** Removed from the schema Jul 9 2026; still on the wire in June 2026. */
  resting_orders_count: z.number().int().optional(),
});
export type MarketPosition = z.infer<typeof marketPositionSchema>;

export const eventPositionSchema = z.object({
  event_ticker: z.string(),
  total_cost_dollars: dollarStringSchema,
  total_cost_shares_fp: countStringSchema,
  event_exposure_dollars: dollarStringSchema,
  realized_pnl_dollars: dollarStringSchema,
  fees_paid_dollars: dollarStringSchema,
});
export type EventPosition = z.infer<typeof eventPositionSchema>;

export const positionsResponseSchema = z.object({
  cursor: cursorSchema,
  market_positions: z.array(marketPositionSchema),
  event_positions: z.array(eventPositionSchema),
});
export type PositionsResponse = z.infer<typeof positionsResponseSchema>;

export const fillSchema = z.object({
  fill_id: z.string(),
  trade_id: z.string(),
  order_id: z.string(),
  ticker: z.string(),
  market_ticker: z.string().optional(),
  outcome_side: outcomeSideSchema,
  book_side: bookSideSchema,
  count_fp: countStringSchema,
  yes_price_dollars: dollarStringSchema,
  no_price_dollars: dollarStringSchema,
  is_taker: z.boolean(),
  fee_cost: dollarStringSchema,
  created_time: z.string().optional(),
  /** Unix seconds. */
  ts: unixTimeSchema.optional(),
  subaccount_number: z.number().int().nullish(),
  exchange_index: z.number().int().optional(),
  /** Deprecated direction fields, still emitted in 2026. */
  side: outcomeSideSchema.optional(),
  action: z.enum(['buy', 'sell']).optional(),
});
export type Fill = z.infer<typeof fillSchema>;

export const fillsResponseSchema = z.object({
  cursor: cursorSchema,
  fills: z.array(fillSchema),
});
export type FillsResponse = z.infer<typeof fillsResponseSchema>;

export const orderStatusSchema = z.enum(['resting', 'canceled', 'executed']);
export type OrderStatus = z.infer<typeof orderStatusSchema>;

export const selfTradePreventionTypeSchema = z.enum(['taker_at_cross', 'maker']);
export type SelfTradePreventionType = z.infer<typeof selfTradePreventionTypeSchema>;

export const orderSchema = z.object({
  order_id: z.string(),
  user_id: z.string(),
  client_order_id: z.string(),
  ticker: z.string(),
  outcome_side: outcomeSideSchema,
  book_side: bookSideSchema,
  type: z.enum(['limit', 'market']),
  status: orderStatusSchema,
  yes_price_dollars: dollarStringSchema,
  no_price_dollars: dollarStringSchema,
  fill_count_fp: countStringSchema,
  remaining_count_fp: countStringSchema,
  initial_count_fp: countStringSchema,
  taker_fill_cost_dollars: dollarStringSchema,
  maker_fill_cost_dollars: dollarStringSchema,
  taker_fees_dollars: dollarStringSchema,
  maker_fees_dollars: dollarStringSchema,
  expiration_time: z.string().nullish(),
  created_time: z.string().nullish(),
  last_update_time: z.string().nullish(),
  self_trade_prevention_type: selfTradePreventionTypeSchema.nullish(),
  order_group_id: z.string().nullish(),
  cancel_order_on_pause: z.boolean().optional(),
  subaccount_number: z.number().int().nullish(),
  exchange_index: z.number().int().optional(),
  side: outcomeSideSchema.optional(),
  action: z.enum(['buy', 'sell']).optional(),
});
export type Order = z.infer<typeof orderSchema>;

export const ordersResponseSchema = z.object({
  cursor: cursorSchema,
  orders: z.array(orderSchema),
});
export type OrdersResponse = z.infer<typeof ordersResponseSchema>;

export const orderResponseSchema = z.object({ order: orderSchema });
export type OrderResponse = z.infer<typeof orderResponseSchema>;

export const settlementSchema = z.object({
  ticker: z.string(),
  event_ticker: z.string(),
  market_result: z.enum(['yes', 'no', 'scalar', 'void']),
  yes_count_fp: countStringSchema,
  yes_total_cost_dollars: dollarStringSchema,
  no_count_fp: countStringSchema,
  no_total_cost_dollars: dollarStringSchema,
  /** Integer cents credited ($1 = 100 per winning contract). */
  revenue: z.number().int(),
  settled_time: z.string(),
  fee_cost: dollarStringSchema,
  /** Integer cents: payout of one YES contract. */
  value: z.number().int().nullish(),
  exchange_index: z.number().int().optional(),
});
export type Settlement = z.infer<typeof settlementSchema>;

export const settlementsResponseSchema = z.object({
  cursor: cursorSchema,
  settlements: z.array(settlementSchema),
});
export type SettlementsResponse = z.infer<typeof settlementsResponseSchema>;
