/** Account-level endpoints used to size the client-side rate limiter (docs/kalshi-protocol.md §3.2). */
import { z } from 'zod';

const bucketSchema = z.object({ refill_rate: z.number(), bucket_capacity: z.number() });

export const accountLimitsResponseSchema = z.object({
  usage_tier: z.string(),
  read: bucketSchema,
  write: bucketSchema,
  grants: z.array(z.record(z.string(), z.unknown())).nullish(),
});
export type AccountLimitsResponse = z.infer<typeof accountLimitsResponseSchema>;

export const endpointCostsResponseSchema = z.object({
  default_cost: z.number().int(),
  endpoint_costs: z.array(z.object({ method: z.string(), path: z.string(), cost: z.number().int() })),
});
export type EndpointCostsResponse = z.infer<typeof endpointCostsResponseSchema>;

export const seriesFeeChangesResponseSchema = z.object({
  series_fee_change_arr: z.array(z.record(z.string(), z.unknown())).nullish(),
});
export type SeriesFeeChangesResponse = z.infer<typeof seriesFeeChangesResponseSchema>;
