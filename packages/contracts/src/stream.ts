import { z } from 'zod';
import { portfolioSchema, positionSchema } from './account.js';
import { connectionStateSchema, isoTimeSchema } from './common.js';

/**
 * The positions SSE stream (`GET /api/v1/account/sse/positions`). Each SSE message has
 * `event: <type>`, `id: <n>` and `data: <JSON>`; the JSON of each type is below.
 */
export const snapshotEventSchema = z.object({
  positions: z.array(positionSchema),
  portfolio: portfolioSchema,
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
  connection_status: connectionStatusEventSchema,
  error: errorEventSchema,
} as const;

export type PositionStreamEventType = keyof typeof positionStreamEventSchemas;
export const positionStreamEventTypes = Object.keys(positionStreamEventSchemas) as PositionStreamEventType[];

export type PositionStreamEvent = {
  [K in PositionStreamEventType]: { type: K; data: z.infer<(typeof positionStreamEventSchemas)[K]> };
}[PositionStreamEventType];

/** Parses one SSE message of the positions stream; returns null for an unknown event type. */
export function parsePositionStreamEvent(type: string, json: unknown): PositionStreamEvent | null {
  if (!(type in positionStreamEventSchemas)) return null;
  const key = type as PositionStreamEventType;
  const data: unknown = positionStreamEventSchemas[key].parse(json);
  return { type: key, data } as PositionStreamEvent;
}
