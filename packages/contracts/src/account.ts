import { z } from 'zod';
import {
  centsSchema,
  connectionStateSchema,
  contractsSchema,
  dollarsSchema,
  isoTimeSchema,
  markSchema,
  sideSchema,
} from './common.js';

/**
 * A PEM of the largest key accepted (RSA 4096, about 3,300 characters) with room for the
 * whitespace, CRLFs and escaped newlines pasting adds; anything longer cannot be a usable key.
 */
export const MAX_PRIVATE_KEY_PEM_LENGTH = 8_192;

export const authenticateRequestSchema = z.object({
  // Kalshi key ids are UUIDs; the id is sent in an HTTP header, so only visible ASCII fits.
  key_id: z
    .string()
    .trim()
    .min(1, 'key_id is required')
    .max(128, 'key_id is at most 128 characters')
    .regex(/^[\x21-\x7E]+$/, 'key_id must be visible ASCII characters (no spaces or control characters)'),
  private_key: z
    .string()
    .min(1, 'private_key is required')
    .max(MAX_PRIVATE_KEY_PEM_LENGTH, 'private_key is too long for an RSA key of at most 4096 bits'),
});
export type AuthenticateRequest = z.infer<typeof authenticateRequestSchema>;

export const authenticateResponseSchema = z.object({
  status: z.literal('authenticated'),
  user_id: z.string(),
  session_expires_at: isoTimeSchema,
});
export type AuthenticateResponse = z.infer<typeof authenticateResponseSchema>;

/**
 * GET /account/session: the signed-in state as data, always 200. Being signed out is an
 * answer, not a failure: a probe from the connect screen must not log a failed request.
 * The signed-out branch carries nothing else, so it says nothing about whether an expired
 * or forged cookie ever named a real user.
 */
export const signedInSessionSchema = z.object({
  authenticated: z.literal(true),
  user_id: z.string(),
  key_id: z.string(),
  session_expires_at: isoTimeSchema,
});
export type SignedInSession = z.infer<typeof signedInSessionSchema>;
export const sessionInfoSchema = z.discriminatedUnion('authenticated', [
  signedInSessionSchema,
  z.object({ authenticated: z.literal(false) }),
]);
export type SessionInfo = z.infer<typeof sessionInfoSchema>;

export const positionSchema = z.object({
  id: z.string(),
  ticker: z.string(),
  event_ticker: z.string(),
  market_title: z.string(),
  side: sideSchema,
  /** Contracts held (may be fractional, steps of 0.01). */
  quantity: contractsSchema,
  /** Cents per contract of the held side (may be fractional on sub-cent grids). */
  avg_entry_price: centsSchema,
  /** Cents: the held side's mark, per `mark`. Null when the market has no price for that mark. */
  current_price: centsSchema.nullable(),
  mark: markSchema,
  unrealized_pnl: dollarsSchema.nullable(),
  unrealized_pnl_percent: z.number().finite().nullable(),
  realized_pnl: dollarsSchema,
  fees_paid: dollarsSchema,
  market_exposure: dollarsSchema,
  max_payout: dollarsSchema,
  max_loss: dollarsSchema,
  /** Cents, YES scale. Null when that side of the book is empty. */
  yes_bid: centsSchema.nullable(),
  yes_ask: centsSchema.nullable(),
  last_price: centsSchema.nullable(),
  market_status: z.string(),
  /** Seconds since entry_time. */
  duration_held: z.number().int().nonnegative(),
  entry_time: isoTimeSchema,
  expiration_date: isoTimeSchema.nullable(),
  last_updated: isoTimeSchema,
});
export type Position = z.infer<typeof positionSchema>;

/**
 * Account value: `total_value = cash_balance + reserved_for_orders + positions_value`, i.e. what
 * the account would hold if every resting order were cancelled. Placing, amending or cancelling
 * an order without a fill moves money between `cash_balance` and `reserved_for_orders` only.
 */
export const portfolioSchema = z.object({
  total_value: dollarsSchema,
  /** Available cash (Kalshi's balance): what new orders can use. */
  cash_balance: dollarsSchema,
  /** Cash the exchange holds back for resting orders (still the trader's money). */
  reserved_for_orders: dollarsSchema,
  positions_value: dollarsSchema,
  today_pnl: dollarsSchema,
  today_pnl_percent: z.number().finite(),
  total_pnl: dollarsSchema,
  position_count: z.number().int().nonnegative(),
  last_updated: isoTimeSchema,
});
export type Portfolio = z.infer<typeof portfolioSchema>;

/** Freshness of what the server serves: stale while the upstream session is not live. */
export const freshnessSchema = z.object({
  connection: connectionStateSchema,
  is_stale: z.boolean(),
  /** When the served state was last confirmed by the exchange. */
  as_of: isoTimeSchema.nullable(),
});
export type Freshness = z.infer<typeof freshnessSchema>;

export const portfolioResponseSchema = portfolioSchema.extend(freshnessSchema.shape);
export type PortfolioResponse = z.infer<typeof portfolioResponseSchema>;

export const positionsResponseSchema = z
  .object({ positions: z.array(positionSchema) })
  .extend(freshnessSchema.shape);
export type PositionsResponse = z.infer<typeof positionsResponseSchema>;

export const logoutResponseSchema = z.object({ status: z.literal('logged_out') });

/** DELETE /account/sessions ("log out everywhere"): how many sessions of the user it ended. */
export const logoutEverywhereResponseSchema = z.object({
  status: z.literal('logged_out'),
  sessions_ended: z.number().int().nonnegative(),
});
export type LogoutEverywhereResponse = z.infer<typeof logoutEverywhereResponseSchema>;

export const fillSchema = z.object({
  fill_id: z.string(),
  order_id: z.string(),
  ticker: z.string(),
  /** Side acquired: YES for a bid, NO for an ask. */
  side: sideSchema,
  count: contractsSchema,
  /** Cents paid per contract on the acquired side. */
  price: centsSchema,
  yes_price: centsSchema,
  fee: dollarsSchema,
  is_taker: z.boolean(),
  created_time: isoTimeSchema,
});
export type Fill = z.infer<typeof fillSchema>;

export const orderSchema = z.object({
  order_id: z.string(),
  client_order_id: z.string(),
  ticker: z.string(),
  book_side: z.enum(['bid', 'ask']),
  status: z.enum(['resting', 'canceled', 'executed']),
  yes_price: centsSchema,
  initial_count: contractsSchema,
  fill_count: contractsSchema,
  remaining_count: contractsSchema,
  fees: dollarsSchema,
  created_time: isoTimeSchema.nullable(),
});
export type Order = z.infer<typeof orderSchema>;

/** A resting order of the account, as the live stream shows it. */
export const restingOrderSchema = z.object({
  order_id: z.string(),
  ticker: z.string(),
  /** Side the order buys: YES for a bid, NO for an ask (V2 orders are on the YES book). */
  side: sideSchema,
  book_side: z.enum(['bid', 'ask']),
  /** Cents per contract on the order's own side (YES price for YES, NO price for NO). */
  price: centsSchema,
  yes_price: centsSchema,
  remaining_count: contractsSchema,
  /** Dollars this order holds back (0 for the part that closes a held position). */
  reserved: dollarsSchema,
  created_time: isoTimeSchema.nullable(),
});
export type RestingOrder = z.infer<typeof restingOrderSchema>;

export const settlementSchema = z.object({
  ticker: z.string(),
  event_ticker: z.string(),
  market_result: z.string(),
  yes_count: contractsSchema,
  no_count: contractsSchema,
  cost: dollarsSchema,
  revenue: dollarsSchema,
  fees: dollarsSchema,
  /** revenue - cost - fees */
  realized_pnl: dollarsSchema,
  settled_time: isoTimeSchema,
});
export type Settlement = z.infer<typeof settlementSchema>;

/**
 * History paging. `cursor` is the opaque token the previous page returned and `ticker` a market
 * ticker; both are passed on to the exchange, so they are bounded here (an unbounded one made
 * the exchange refuse the request line, which surfaced as a 502).
 */
export const pageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z
    .string()
    .max(1000, 'cursor is at most 1000 characters')
    .regex(/^[\x21-\x7E]*$/, 'cursor must be visible ASCII characters')
    .optional(),
  ticker: z
    .string()
    .regex(/^[A-Za-z0-9._-]{0,100}$/, 'not a market ticker')
    .optional(),
});
export const fillsResponseSchema = z.object({ fills: z.array(fillSchema), cursor: z.string().nullable() });
export const ordersResponseSchema = z.object({ orders: z.array(orderSchema), cursor: z.string().nullable() });
export const settlementsResponseSchema = z.object({
  settlements: z.array(settlementSchema),
  cursor: z.string().nullable(),
});

export const equityPointSchema = z.object({
  at: isoTimeSchema,
  total_value: dollarsSchema,
  /** Cash including what resting orders hold back (total_value = cash_balance + positions_value). */
  cash_balance: dollarsSchema,
  positions_value: dollarsSchema,
});
export type EquityPoint = z.infer<typeof equityPointSchema>;
export const equityCurveResponseSchema = z.object({ points: z.array(equityPointSchema) });

/** The equity curve accepts instants from 2000 up to (not including) 2100. */
export const EQUITY_EARLIEST = '2000-01-01T00:00:00Z';
export const EQUITY_LATEST = '2100-01-01T00:00:00Z';
/** At most this long a window per request (a year, leap day included). */
export const EQUITY_MAX_RANGE_DAYS = 366;

const equityInstantSchema = isoTimeSchema.refine(
  (text) => {
    const at = Date.parse(text);
    return at >= Date.parse(EQUITY_EARLIEST) && at < Date.parse(EQUITY_LATEST);
  },
  { message: `must be a time from ${EQUITY_EARLIEST} up to ${EQUITY_LATEST}` },
);

/**
 * GET /account/equity. Each bound is an RFC 3339 time with an offset; `from` defaults to a day
 * before `to`, `to` to now. The server also refuses `from` after `to` and a window longer than
 * EQUITY_MAX_RANGE_DAYS (checked once both bounds are known).
 */
export const equityQuerySchema = z.object({
  from: equityInstantSchema.optional(),
  to: equityInstantSchema.optional(),
});
export type EquityQuery = z.infer<typeof equityQuerySchema>;
