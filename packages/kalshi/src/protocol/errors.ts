/**
 * Kalshi's error bodies. The wire uses four shapes (docs/kalshi-protocol.md §3.1): nested
 * {"error":{code,message,details?}}, flat {code,message,details}, bare {"msg"} for query
 * validation, and {"error":"too many requests"} for 429.
 */
import { z } from 'zod';

export const nestedErrorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string().optional(),
    details: z.string().optional(),
    /** Removed Aug 6 2026; still present in the June 2026 recordings. */
    service: z.string().optional(),
  }),
});
export type NestedErrorBody = z.infer<typeof nestedErrorBodySchema>;

export const flatErrorBodySchema = z.object({
  code: z.string(),
  message: z.string().optional(),
  details: z.string().optional(),
});
export type FlatErrorBody = z.infer<typeof flatErrorBodySchema>;

export const bareMsgErrorBodySchema = z.object({ msg: z.string() });
export type BareMsgErrorBody = z.infer<typeof bareMsgErrorBodySchema>;

export const tooManyRequestsBodySchema = z.object({ error: z.string() });
export type TooManyRequestsBody = z.infer<typeof tooManyRequestsBodySchema>;

export const errorBodySchema = z.union([
  nestedErrorBodySchema,
  flatErrorBodySchema,
  bareMsgErrorBodySchema,
  tooManyRequestsBodySchema,
]);
export type ErrorBody = z.infer<typeof errorBodySchema>;

/** What a caller branches on, whatever shape the body had. */
export interface ErrorDescription {
  code: string;
  message: string;
  details?: string;
}

/**
 * Normalises any of the four error shapes. Bodies that match none get a code derived from
 * the status (`http_<status>`), so a caller can always key on `code`.
 */
export function describeErrorBody(status: number, body: unknown): ErrorDescription {
  const nested = nestedErrorBodySchema.safeParse(body);
  if (nested.success) {
    const { code, message, details } = nested.data.error;
    return withDetails({ code, message: message ?? code }, details);
  }
  const flat = flatErrorBodySchema.safeParse(body);
  if (flat.success) {
    const { code, message, details } = flat.data;
    return withDetails({ code, message: message ?? code }, details);
  }
  const bare = bareMsgErrorBodySchema.safeParse(body);
  if (bare.success) {
    return { code: status === 400 ? 'bad_request' : `http_${status}`, message: bare.data.msg };
  }
  const tooMany = tooManyRequestsBodySchema.safeParse(body);
  if (tooMany.success) {
    return { code: status === 429 ? 'too_many_requests' : `http_${status}`, message: tooMany.data.error };
  }
  return { code: status === 429 ? 'too_many_requests' : `http_${status}`, message: `HTTP ${status}` };
}

function withDetails(base: ErrorDescription, details: string | undefined): ErrorDescription {
  return details === undefined ? base : { ...base, details };
}
