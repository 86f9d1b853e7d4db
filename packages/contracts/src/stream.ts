import { z } from 'zod';
import { portfolioSchema, positionSchema, restingOrderSchema } from './account.js';
import { connectionStateSchema, isoTimeSchema } from './common.js';

/**
 * The positions SSE stream (`GET /api/v1/account/sse/positions`).
 *
 * Wire format. Every event is a default SSE message, with no `event:` line, so that a plain
 * `eventSource.onmessage = (e) => handle(JSON.parse(e.data))` receives all of them (a named
 * event reaches only listeners registered for its name, never `onmessage`):
 *
 *     id: 1764000000000042
 *     data: {"type":"position_removed","ticker":"KXCPI-26DEC-T3.1","reason":"settled"}
 *
 * `data:` is one line of JSON: `type` names the event and the fields of that type's payload
 * (the schemas below) sit flat beside it, `{type, ...payload}`. So a `position_update` is
 * `{"type":"position_update","data":{...Position}}` and a `snapshot` is
 * `{"type":"snapshot","positions":[...],"portfolio":{...},"orders":[...],...}`.
 * Every message has an `id:`, increasing per account; a reconnect that sends Last-Event-ID
 * gets the messages it missed, or a fresh `snapshot` when they are no longer kept.
 * Heartbeats are SSE comments (`: heartbeat`), which EventSource ignores.
 *
 * Inside our code (the server's event bus, the web store) an event is `{type, data: payload}`:
 * `toStreamMessage` turns one into its wire JSON and `parsePositionStreamEvent` reads it back.
 */
export const snapshotEventSchema = z.object({
  positions: z.array(positionSchema),
  portfolio: portfolioSchema,
  /** The account's resting orders (the money they hold is `portfolio.reserved_for_orders`). */
  orders: z.array(restingOrderSchema),
  connection: connectionStateSchema,
  is_stale: z.boolean(),
  as_of: isoTimeSchema.nullable(),
});
export const positionUpdateEventSchema = z.object({ data: positionSchema });
export const positionRemovedEventSchema = z.object({
  ticker: z.string(),
  reason: z.enum(['closed', 'settled']).optional(),
});
export const portfolioUpdateEventSchema = z.object({ data: portfolioSchema });
/** The whole list of resting orders, sent whenever it changes. */
export const ordersUpdateEventSchema = z.object({ orders: z.array(restingOrderSchema) });
export const connectionStatusEventSchema = z.object({
  status: connectionStateSchema,
  detail: z.string(),
  is_stale: z.boolean(),
  as_of: isoTimeSchema.nullable(),
});
export const errorEventSchema = z.object({ message: z.string() });

export const positionStreamEventSchemas = {
  snapshot: snapshotEventSchema,
  position_update: positionUpdateEventSchema,
  position_removed: positionRemovedEventSchema,
  portfolio_update: portfolioUpdateEventSchema,
  orders_update: ordersUpdateEventSchema,
  connection_status: connectionStatusEventSchema,
  error: errorEventSchema,
} as const;

export type PositionStreamEventType = keyof typeof positionStreamEventSchemas;
export const positionStreamEventTypes = Object.keys(positionStreamEventSchemas) as PositionStreamEventType[];

/** One event as our code handles it: its type and its payload. */
export type PositionStreamEvent = {
  [K in PositionStreamEventType]: { type: K; data: z.infer<(typeof positionStreamEventSchemas)[K]> };
}[PositionStreamEventType];

/** The JSON of one message on the wire (the `data:` line): `type` beside the payload's fields. */
export const positionStreamMessageSchema = z.discriminatedUnion('type', [
  snapshotEventSchema.extend({ type: z.literal('snapshot') }),
  positionUpdateEventSchema.extend({ type: z.literal('position_update') }),
  positionRemovedEventSchema.extend({ type: z.literal('position_removed') }),
  portfolioUpdateEventSchema.extend({ type: z.literal('portfolio_update') }),
  ordersUpdateEventSchema.extend({ type: z.literal('orders_update') }),
  connectionStatusEventSchema.extend({ type: z.literal('connection_status') }),
  errorEventSchema.extend({ type: z.literal('error') }),
]);
export type PositionStreamMessage = z.infer<typeof positionStreamMessageSchema>;

/**
 * The payload of a stream event: an object without a `type` field of its own (the compiler
 * refuses one), since it would collide with the message's `type`.
 */
export type StreamPayload = { readonly [field: string]: unknown; type?: never };

/** The wire JSON of an event: `{type, ...data}`. */
export function toStreamMessage(event: { type: string; data: StreamPayload }): {
  readonly type: string;
  readonly [field: string]: unknown;
} {
  return { type: event.type, ...event.data };
}

const messageTypeSchema = z.object({ type: z.string() });

/**
 * Reads the JSON of one stream message into `{type, data}`, `data` being the payload without
 * `type`. Returns null when `schemas` has no such type (a newer server may add types); throws
 * a ZodError when the JSON carries no string `type` or its payload breaks the contract.
 */
export function parseStreamEvent<S extends Record<string, z.ZodType>>(
  schemas: S,
  json: unknown,
): { [K in keyof S & string]: { type: K; data: z.infer<S[K]> } }[keyof S & string] | null {
  const { type } = messageTypeSchema.parse(json);
  const schema = Object.hasOwn(schemas, type) ? schemas[type] : undefined;
  if (schema === undefined) return null;
  // The payload schemas are plain objects, which drop unknown keys: `type` does not reach `data`.
  const data: unknown = schema.parse(json);
  return { type, data } as { [K in keyof S & string]: { type: K; data: z.infer<S[K]> } }[keyof S & string];
}

/** Parses one message of the positions stream (the JSON of its `data:` line); see above. */
export function parsePositionStreamEvent(json: unknown): PositionStreamEvent | null {
  return parseStreamEvent(positionStreamEventSchemas, json);
}
