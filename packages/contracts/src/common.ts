import { z } from 'zod';

/**
 * Money on our API is a JSON number of dollars and prices are JSON numbers of cents, as in
 * the seed. The server computes in integer micro-dollars and converts at the edge, so every
 * value is an exact decimal with at most 6 places (see docs/decisions/003-exact-money.md).
 */
export const dollarsSchema = z.number().finite();
export const centsSchema = z.number().finite();
export const contractsSchema = z.number().finite();
export const isoTimeSchema = z.string().datetime({ offset: true });

export const errorBodySchema = z.object({
  error: z.string(),
  message: z.string(),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

/** Stable error codes the server answers with. */
export const errorCodes = [
  'bad_request',
  'invalid_private_key',
  'invalid_credentials',
  'not_authenticated',
  'session_expired',
  'not_found',
  'rate_limited',
  'forbidden_origin',
  'exchange_unreachable',
  'exchange_error',
  'database_unavailable',
  'not_available',
  'internal_error',
] as const;
export type ErrorCode = (typeof errorCodes)[number];

export const markSchema = z.enum(['bid', 'mid', 'last']);
export type Mark = z.infer<typeof markSchema>;

export const sideSchema = z.enum(['YES', 'NO']);
export type Side = z.infer<typeof sideSchema>;

/**
 * State of the server's upstream exchange session, as data. `live`: WS connected and in sync.
 * `connecting`/`resyncing`/`reconnecting`: not yet (or no longer) in sync; positions are served
 * from the last known state and flagged stale. `closed`: no session (logged out).
 * `credentials_rejected`: terminal — the exchange refused the stored API key (revoked or
 * replaced); nothing is retried, the last known state is served stale until the trader
 * connects a key again.
 */
export const connectionStateSchema = z.enum([
  'connecting',
  'live',
  'resyncing',
  'reconnecting',
  'stale',
  'closed',
  'credentials_rejected',
]);
export type ConnectionState = z.infer<typeof connectionStateSchema>;
