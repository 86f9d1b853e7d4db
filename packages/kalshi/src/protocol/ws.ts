/**
 * WebSocket v2 frames (docs/kalshi-protocol.md §7): commands {id, cmd, params}, replies echoing the
 * command id, and data messages {type, sid, seq?, msg}.
 */
import { z } from 'zod';
import {
  bookSideSchema,
  countStringSchema,
  dollarStringSchema,
  outcomeSideSchema,
  priceLevelSchema,
} from './primitives.js';
import { orderStatusSchema } from './portfolio.js';
import { priceRangeSchema } from './markets.js';

/** Channels we know. Commands carry plain strings so an exchange can answer error 8 for unknown ones. */
export const wsChannelSchema = z.enum([
  'orderbook_delta',
  'ticker',
  'trade',
  'fill',
  'market_positions',
  'user_orders',
  'market_lifecycle_v2',
  'multivariate_market_lifecycle',
  'order_group_updates',
  'communications',
]);
export type WsChannel = z.infer<typeof wsChannelSchema>;

const commandId = z.number().int().min(0);

export const wsSubscribeCommandSchema = z.object({
  id: commandId,
  cmd: z.literal('subscribe'),
  params: z.object({
    channels: z.array(z.string()).min(1),
    market_ticker: z.string().optional(),
    market_tickers: z.array(z.string()).optional(),
    market_id: z.string().optional(),
    market_ids: z.array(z.string()).optional(),
    send_initial_snapshot: z.boolean().optional(),
    skip_ticker_ack: z.boolean().optional(),
    use_yes_price: z.boolean().optional(),
  }),
});
export type WsSubscribeCommand = z.infer<typeof wsSubscribeCommandSchema>;

export const wsUnsubscribeCommandSchema = z.object({
  id: commandId,
  cmd: z.literal('unsubscribe'),
  params: z.object({ sids: z.array(z.number().int()).min(1) }),
});
export type WsUnsubscribeCommand = z.infer<typeof wsUnsubscribeCommandSchema>;

export const wsUpdateActionSchema = z.enum(['add_markets', 'delete_markets', 'get_snapshot']);
export type WsUpdateAction = z.infer<typeof wsUpdateActionSchema>;

export const wsUpdateSubscriptionCommandSchema = z.object({
  id: commandId,
  cmd: z.literal('update_subscription'),
  params: z.object({
    /** Exactly one sid, via `sid` or `sids: [x]`. */
    sid: z.number().int().optional(),
    sids: z.array(z.number().int()).optional(),
    market_ticker: z.string().optional(),
    market_tickers: z.array(z.string()).optional(),
    action: wsUpdateActionSchema,
  }),
});
export type WsUpdateSubscriptionCommand = z.infer<typeof wsUpdateSubscriptionCommandSchema>;

export const wsListSubscriptionsCommandSchema = z.object({
  id: commandId,
  cmd: z.literal('list_subscriptions'),
  params: z.object({}).optional(),
});
export type WsListSubscriptionsCommand = z.infer<typeof wsListSubscriptionsCommandSchema>;

export const wsCommandSchema = z.discriminatedUnion('cmd', [
  wsSubscribeCommandSchema,
  wsUnsubscribeCommandSchema,
  wsUpdateSubscriptionCommandSchema,
  wsListSubscriptionsCommandSchema,
]);
export type WsCommand = z.infer<typeof wsCommandSchema>;

// ---- replies -------------------------------------------------------------------------

export const wsSubscribedReplySchema = z.object({
  type: z.literal('subscribed'),
  id: z.number().int(),
  msg: z.object({ channel: z.string(), sid: z.number().int() }),
});
export type WsSubscribedReply = z.infer<typeof wsSubscribedReplySchema>;

export const wsSubscriptionInfoSchema = z.object({ channel: z.string(), sid: z.number().int() });
export type WsSubscriptionInfo = z.infer<typeof wsSubscriptionInfoSchema>;

/** `ok` answers update_subscription (msg = ticker list) and list_subscriptions (msg = array). */
export const wsOkReplySchema = z.object({
  type: z.literal('ok'),
  id: z.number().int(),
  sid: z.number().int().optional(),
  seq: z.number().int().optional(),
  msg: z
    .union([z.array(wsSubscriptionInfoSchema), z.object({ market_tickers: z.array(z.string()).optional() })])
    .optional(),
});
export type WsOkReply = z.infer<typeof wsOkReplySchema>;

export const wsUnsubscribedReplySchema = z.object({
  type: z.literal('unsubscribed'),
  id: z.number().int(),
  sid: z.number().int(),
  seq: z.number().int().optional(),
});
export type WsUnsubscribedReply = z.infer<typeof wsUnsubscribedReplySchema>;

/** Error codes 1-28 (docs/kalshi-protocol.md §7.3), e.g. 8 unknown channel, 16 market not found. */
export const wsErrorReplySchema = z.object({
  type: z.literal('error'),
  id: z.number().int().optional(),
  msg: z.object({
    code: z.number().int(),
    msg: z.string(),
    market_ticker: z.string().optional(),
  }),
});
export type WsErrorReply = z.infer<typeof wsErrorReplySchema>;

export const wsReplySchema = z.discriminatedUnion('type', [
  wsSubscribedReplySchema,
  wsOkReplySchema,
  wsUnsubscribedReplySchema,
  wsErrorReplySchema,
]);
export type WsReply = z.infer<typeof wsReplySchema>;

// ---- data messages -------------------------------------------------------------------

export const orderbookSnapshotMessageSchema = z.object({
  type: z.literal('orderbook_snapshot'),
  sid: z.number().int(),
  seq: z.number().int(),
  msg: z.object({
    market_ticker: z.string(),
    market_id: z.string().optional(),
    /** Absent when that side is empty. Note the names differ from REST. */
    yes_dollars_fp: z.array(priceLevelSchema).nullish(),
    no_dollars_fp: z.array(priceLevelSchema).nullish(),
  }),
});
export type OrderbookSnapshotMessage = z.infer<typeof orderbookSnapshotMessageSchema>;

export const orderbookDeltaMessageSchema = z.object({
  type: z.literal('orderbook_delta'),
  sid: z.number().int(),
  seq: z.number().int(),
  msg: z.object({
    market_ticker: z.string(),
    market_id: z.string().optional(),
    price_dollars: dollarStringSchema,
    /** Signed change at that level; the level goes away at 0. */
    delta_fp: countStringSchema,
    side: outcomeSideSchema,
    client_order_id: z.string().optional(),
    subaccount: z.number().int().optional(),
    /** RFC3339, deprecated. */
    ts: z.string().optional(),
    ts_ms: z.number().int().optional(),
  }),
});
export type OrderbookDeltaMessage = z.infer<typeof orderbookDeltaMessageSchema>;

export const tickerMessageSchema = z.object({
  type: z.literal('ticker'),
  sid: z.number().int(),
  seq: z.number().int().optional(),
  msg: z.object({
    market_ticker: z.string(),
    market_id: z.string().optional(),
    /** Last trade price. */
    price_dollars: dollarStringSchema,
    yes_bid_dollars: dollarStringSchema,
    yes_ask_dollars: dollarStringSchema,
    volume_fp: countStringSchema,
    open_interest_fp: countStringSchema,
    /** Whole dollars (integers). */
    dollar_volume: z.number().optional(),
    dollar_open_interest: z.number().optional(),
    yes_bid_size_fp: countStringSchema.optional(),
    yes_ask_size_fp: countStringSchema.optional(),
    last_trade_size_fp: countStringSchema.optional(),
    ts: z.number().int().optional(),
    ts_ms: z.number().int().optional(),
    time: z.string().optional(),
  }),
});
export type TickerMessage = z.infer<typeof tickerMessageSchema>;

export const tradeMessageSchema = z.object({
  type: z.literal('trade'),
  sid: z.number().int(),
  /** Not in the current schema, but seen in Feb 2026 captures. */
  seq: z.number().int().optional(),
  msg: z.object({
    trade_id: z.string(),
    market_ticker: z.string(),
    yes_price_dollars: dollarStringSchema,
    no_price_dollars: dollarStringSchema,
    count_fp: countStringSchema,
    taker_outcome_side: outcomeSideSchema,
    taker_book_side: bookSideSchema,
    is_block_trade: z.boolean().optional(),
    taker_side: outcomeSideSchema.optional(),
    ts: z.number().int().optional(),
    ts_ms: z.number().int().optional(),
  }),
});
export type TradeMessage = z.infer<typeof tradeMessageSchema>;

export const fillMessageSchema = z.object({
  type: z.literal('fill'),
  sid: z.number().int(),
  seq: z.number().int().optional(),
  msg: z.object({
    trade_id: z.string(),
    order_id: z.string(),
    market_ticker: z.string(),
    is_taker: z.boolean(),
    yes_price_dollars: dollarStringSchema,
    count_fp: countStringSchema,
    fee_cost: dollarStringSchema,
    outcome_side: outcomeSideSchema,
    book_side: bookSideSchema,
    /** Signed position after the fill. */
    post_position_fp: countStringSchema,
    ts_ms: z.number().int(),
    no_price_dollars: dollarStringSchema.optional(),
    client_order_id: z.string().optional(),
    subaccount: z.number().int().optional(),
    exchange_index: z.number().int().optional(),
    ts: z.number().int().optional(),
    side: outcomeSideSchema.optional(),
    action: z.enum(['buy', 'sell']).optional(),
    purchased_side: outcomeSideSchema.optional(),
  }),
});
export type FillMessage = z.infer<typeof fillMessageSchema>;

export const marketPositionMessageSchema = z.object({
  type: z.literal('market_position'),
  sid: z.number().int(),
  seq: z.number().int().optional(),
  msg: z.object({
    market_ticker: z.string(),
    position_fp: countStringSchema,
    position_cost_dollars: dollarStringSchema,
    realized_pnl_dollars: dollarStringSchema,
    fees_paid_dollars: dollarStringSchema,
    position_fee_cost_dollars: dollarStringSchema.optional(),
    volume_fp: countStringSchema.optional(),
    user_id: z.string().optional(),
    subaccount: z.number().int().optional(),
    exchange_index: z.number().int().optional(),
  }),
});
export type MarketPositionMessage = z.infer<typeof marketPositionMessageSchema>;

export const userOrderMessageSchema = z.object({
  type: z.literal('user_order'),
  sid: z.number().int(),
  seq: z.number().int().optional(),
  msg: z.object({
    order_id: z.string(),
    ticker: z.string(),
    status: orderStatusSchema,
    outcome_side: outcomeSideSchema,
    book_side: bookSideSchema,
    yes_price_dollars: dollarStringSchema,
    fill_count_fp: countStringSchema,
    remaining_count_fp: countStringSchema,
    initial_count_fp: countStringSchema,
    taker_fill_cost_dollars: dollarStringSchema,
    maker_fill_cost_dollars: dollarStringSchema,
    taker_fees_dollars: dollarStringSchema,
    maker_fees_dollars: dollarStringSchema,
    client_order_id: z.string(),
    user_id: z.string().optional(),
    order_group_id: z.string().nullish(),
    self_trade_prevention_type: z.string().nullish(),
    created_ts_ms: z.number().int().optional(),
    last_updated_ts_ms: z.number().int().optional(),
    expiration_ts_ms: z.number().int().nullish(),
    subaccount_number: z.number().int().nullish(),
    side: outcomeSideSchema.optional(),
    is_yes: z.boolean().optional(),
    created_time: z.string().optional(),
    last_update_time: z.string().optional(),
    expiration_time: z.string().nullish(),
  }),
});
export type UserOrderMessage = z.infer<typeof userOrderMessageSchema>;

export const marketLifecycleEventTypeSchema = z.enum([
  'created',
  'activated',
  'deactivated',
  'close_date_updated',
  'determined',
  'settled',
  'price_level_structure_updated',
  'metadata_updated',
]);
export type MarketLifecycleEventType = z.infer<typeof marketLifecycleEventTypeSchema>;

export const marketLifecycleV2MessageSchema = z.object({
  type: z.literal('market_lifecycle_v2'),
  sid: z.number().int(),
  seq: z.number().int().optional(),
  msg: z.object({
    market_ticker: z.string(),
    event_type: marketLifecycleEventTypeSchema,
    exchange_index: z.number().int().optional(),
    /** Unix seconds. */
    open_ts: z.number().int().optional(),
    close_ts: z.number().int().optional(),
    result: z.string().optional(),
    determination_ts: z.number().int().optional(),
    settlement_value: dollarStringSchema.optional(),
    settled_ts: z.number().int().optional(),
    is_deactivated: z.boolean().optional(),
    price_level_structure: z.string().optional(),
    price_ranges: z.array(priceRangeSchema).optional(),
    strike_type: z.string().optional(),
    floor_strike: z.number().optional(),
    cap_strike: z.number().optional(),
    custom_strike: z.record(z.string(), z.unknown()).optional(),
    yes_sub_title: z.string().optional(),
    additional_metadata: z.record(z.string(), z.unknown()).optional(),
  }),
});
export type MarketLifecycleV2Message = z.infer<typeof marketLifecycleV2MessageSchema>;

export const eventLifecycleMessageSchema = z.object({
  type: z.literal('event_lifecycle'),
  sid: z.number().int(),
  seq: z.number().int().optional(),
  msg: z.object({
    event_ticker: z.string(),
    title: z.string().optional(),
    subtitle: z.string().optional(),
    collateral_return_type: z.string().optional(),
    series_ticker: z.string().optional(),
    strike_date: z.union([z.number(), z.string()]).optional(),
    strike_period: z.string().optional(),
    exchange_index: z.number().int().optional(),
  }),
});
export type EventLifecycleMessage = z.infer<typeof eventLifecycleMessageSchema>;

export const wsDataMessageSchema = z.discriminatedUnion('type', [
  orderbookSnapshotMessageSchema,
  orderbookDeltaMessageSchema,
  tickerMessageSchema,
  tradeMessageSchema,
  fillMessageSchema,
  marketPositionMessageSchema,
  userOrderMessageSchema,
  marketLifecycleV2MessageSchema,
  eventLifecycleMessageSchema,
]);
export type WsDataMessage = z.infer<typeof wsDataMessageSchema>;
export type WsDataMessageType = WsDataMessage['type'];

export const wsInboundMessageSchema = z.discriminatedUnion('type', [
  wsSubscribedReplySchema,
  wsOkReplySchema,
  wsUnsubscribedReplySchema,
  wsErrorReplySchema,
  orderbookSnapshotMessageSchema,
  orderbookDeltaMessageSchema,
  tickerMessageSchema,
  tradeMessageSchema,
  fillMessageSchema,
  marketPositionMessageSchema,
  userOrderMessageSchema,
  marketLifecycleV2MessageSchema,
  eventLifecycleMessageSchema,
]);
export type WsInboundMessage = z.infer<typeof wsInboundMessageSchema>;

const knownInboundTypes: ReadonlySet<string> = new Set([
  'subscribed',
  'ok',
  'unsubscribed',
  'error',
  'orderbook_snapshot',
  'orderbook_delta',
  'ticker',
  'trade',
  'fill',
  'market_position',
  'user_order',
  'market_lifecycle_v2',
  'event_lifecycle',
]);

/** True for message types this package models; others (event_fee_update, ...) can be skipped. */
export function isKnownInboundType(type: unknown): boolean {
  return typeof type === 'string' && knownInboundTypes.has(type);
}
