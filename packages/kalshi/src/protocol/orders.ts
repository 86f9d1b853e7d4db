/** V2 order entry: POST / DELETE /portfolio/events/orders (docs/kalshi-protocol.md §5.1). */
import { z } from 'zod';
import { selfTradePreventionTypeSchema } from './portfolio.js';
import {
  countStringSchema,
  dollarStringSchema,
  requestCountSchema,
  requestPriceSchema,
} from './primitives.js';

export const timeInForceSchema = z.enum(['fill_or_kill', 'good_till_canceled', 'immediate_or_cancel']);
export type TimeInForce = z.infer<typeof timeInForceSchema>;

export const createOrderV2RequestSchema = z.object({
  ticker: z.string().min(1),
  /** YES leg only: bid = buy YES, ask = sell YES (buy NO at 1 - price). */
  side: z.enum(['bid', 'ask']),
  count: requestCountSchema,
  /** YES price limit. */
  price: requestPriceSchema,
  time_in_force: timeInForceSchema,
  self_trade_prevention_type: selfTradePreventionTypeSchema,
  client_order_id: z.string().min(1).optional(),
  /** Unix seconds; only with good_till_canceled. */
  expiration_time: z.number().int().optional(),
  post_only: z.boolean().optional(),
  reduce_only: z.boolean().optional(),
  cancel_order_on_pause: z.boolean().optional(),
  subaccount: z.number().int().min(0).optional(),
  order_group_id: z.string().optional(),
  exchange_index: z.number().int().optional(),
});
export type CreateOrderV2Request = z.infer<typeof createOrderV2RequestSchema>;

export const createOrderV2ResponseSchema = z.object({
  order_id: z.string(),
  client_order_id: z.string().optional(),
  fill_count: countStringSchema,
  remaining_count: countStringSchema,
  /** Only when fill_count > 0. */
  average_fill_price: dollarStringSchema.optional(),
  average_fee_paid: dollarStringSchema.optional(),
  /** Unix milliseconds. */
  ts_ms: z.number().int(),
});
export type CreateOrderV2Response = z.infer<typeof createOrderV2ResponseSchema>;

export const cancelOrderV2ResponseSchema = z.object({
  order_id: z.string(),
  client_order_id: z.string().optional(),
  reduced_by: countStringSchema,
  ts_ms: z.number().int(),
});
export type CancelOrderV2Response = z.infer<typeof cancelOrderV2ResponseSchema>;
