import { z } from 'zod';
import { centsSchema, connectionStateSchema, contractsSchema, isoTimeSchema } from './common.js';
import { parseStreamEvent } from './stream.js';

/** Market statuses as Kalshi's objects carry them. */
export const marketStatusSchema = z.string();

export const marketSummarySchema = z.object({
  ticker: z.string(),
  event_ticker: z.string(),
  series_ticker: z.string().nullable(),
  title: z.string(),
  /** What YES means for this market (Kalshi's `yes_sub_title`). */
  yes_sub_title: z.string(),
  category: z.string().nullable(),
  status: marketStatusSchema,
  /** Cents, YES scale; null when that side of the book is empty. */
  yes_bid: centsSchema.nullable(),
  yes_ask: centsSchema.nullable(),
  last_price: centsSchema.nullable(),
  volume: contractsSchema,
  volume_24h: contractsSchema,
  open_interest: contractsSchema,
  close_time: isoTimeSchema,
  expiration_time: isoTimeSchema.nullable(),
});
export type MarketSummary = z.infer<typeof marketSummarySchema>;

export const priceRangeSchema = z.object({ start: centsSchema, end: centsSchema, step: centsSchema });

export const marketDetailSchema = marketSummarySchema.extend({
  no_sub_title: z.string(),
  rules_primary: z.string(),
  rules_secondary: z.string(),
  result: z.string(),
  price_level_structure: z.string(),
  price_ranges: z.array(priceRangeSchema),
  open_time: isoTimeSchema,
});
export type MarketDetail = z.infer<typeof marketDetailSchema>;

export const marketSortSchema = z.enum(['volume', 'close_time']);
export const marketListQuerySchema = z.object({
  status: z.enum(['open', 'closed', 'settled', 'unopened', 'paused']).optional(),
  category: z.string().optional(),
  search: z.string().trim().max(200).optional(),
  sort: marketSortSchema.default('volume'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type MarketListQuery = z.infer<typeof marketListQuerySchema>;

export const marketListResponseSchema = z.object({
  markets: z.array(marketSummarySchema),
  categories: z.array(z.string()),
});
export const marketDetailResponseSchema = z.object({ market: marketDetailSchema });

/** One price level: [price in cents, contracts]. */
export const bookLevelSchema = z.tuple([centsSchema, contractsSchema]);
export type BookLevel = z.infer<typeof bookLevelSchema>;

/**
 * An order book in Kalshi's form: bids on YES and bids on NO (a NO bid at p is a YES ask at
 * 100 - p). Levels sorted best first.
 */
export const orderBookSchema = z.object({
  ticker: z.string(),
  yes: z.array(bookLevelSchema),
  no: z.array(bookLevelSchema),
  as_of: isoTimeSchema,
});
export type OrderBook = z.infer<typeof orderBookSchema>;

export const eventDetailSchema = z.object({
  event_ticker: z.string(),
  series_ticker: z.string(),
  title: z.string(),
  sub_title: z.string(),
  category: z.string().nullable(),
  mutually_exclusive: z.boolean(),
  markets: z.array(marketSummarySchema),
});
export type EventDetail = z.infer<typeof eventDetailSchema>;
export const eventDetailResponseSchema = z.object({ event: eventDetailSchema });

/**
 * Market stream (`GET /api/v1/markets/:ticker/sse`). Same wire format as the positions stream
 * (see stream.ts): default SSE messages (no `event:` line), each with an `id:` and one `data:`
 * line of JSON `{type, ...payload}`, e.g.
 * `{"type":"orderbook","ticker":"KX-1","yes":[[45,100]],"no":[[53,80]],"as_of":"..."}` or
 * `{"type":"connection_status","status":"live","detail":"watching KX-1"}`. Below: the payloads.
 */
export const marketTickerEventSchema = z.object({
  ticker: z.string(),
  yes_bid: centsSchema.nullable(),
  yes_ask: centsSchema.nullable(),
  last_price: centsSchema.nullable(),
  volume: contractsSchema,
  open_interest: contractsSchema,
  at: isoTimeSchema,
});
export type MarketTickerEvent = z.infer<typeof marketTickerEventSchema>;
export const marketConnectionStatusEventSchema = z.object({
  status: connectionStateSchema,
  detail: z.string(),
});
export const marketErrorEventSchema = z.object({ message: z.string() });
export const marketStreamEventSchemas = {
  orderbook: orderBookSchema,
  ticker: marketTickerEventSchema,
  connection_status: marketConnectionStatusEventSchema,
  error: marketErrorEventSchema,
} as const;
export type MarketStreamEventType = keyof typeof marketStreamEventSchemas;

/** One market stream event as our code handles it: its type and its payload. */
export type MarketStreamEvent = {
  [K in MarketStreamEventType]: { type: K; data: z.infer<(typeof marketStreamEventSchemas)[K]> };
}[MarketStreamEventType];

/** The JSON of one market stream message on the wire: `type` beside the payload's fields. */
export const marketStreamMessageSchema = z.discriminatedUnion('type', [
  orderBookSchema.extend({ type: z.literal('orderbook') }),
  marketTickerEventSchema.extend({ type: z.literal('ticker') }),
  marketConnectionStatusEventSchema.extend({ type: z.literal('connection_status') }),
  marketErrorEventSchema.extend({ type: z.literal('error') }),
]);
export type MarketStreamMessage = z.infer<typeof marketStreamMessageSchema>;

/**
 * Parses one market stream message (the JSON of its `data:` line) into `{type, data}`; null
 * for an unknown type, a ZodError when the JSON breaks the contract.
 */
export function parseMarketStreamEvent(json: unknown): MarketStreamEvent | null {
  return parseStreamEvent(marketStreamEventSchemas, json);
}
