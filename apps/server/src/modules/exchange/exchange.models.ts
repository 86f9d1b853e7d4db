/**
 * Pure exchange-side logic shared by both upstream connections of a user (the account feed,
 * exchange.feed.ts, and the market relay, markets/markets.stream.ts; ADR 009), and the
 * classification of the exchange's failures (ADR 010).
 */
import type { ConnectionState } from '@kalshi-desk/contracts';
import {
  authRefusalOf,
  KalshiApiError,
  KalshiNetworkError,
  KalshiWsUpgradeError,
  type WsState,
} from '@kalshi-desk/kalshi';
import type { FeedRefusal } from './exchange.ports.js';

/**
 * The one mapping from a Kalshi WebSocket's state to our API's `ConnectionState`:
 * - `connecting` is `connecting` the first time, `reconnecting` once the connection has been
 *   live (the data shown is from before the drop);
 * - `backoff` (waiting to retry after a drop or a refusal) is `reconnecting`;
 * - `resyncing` and `live` keep their names;
 * - `closed` is `stale`: nothing more arrives and what was received last is all there is.
 * A consumer with work of its own before it is in sync (the account session's REST snapshot
 * after every `live`) reports `resyncing` until that work is done. `credentials_rejected` is
 * never a socket state: the account session enters it when the exchange refuses the key.
 */
export function connectionStateOf(state: WsState, context: { hasBeenLive: boolean }): ConnectionState {
  switch (state) {
    case 'connecting':
      return context.hasBeenLive ? 'reconnecting' : 'connecting';
    case 'backoff':
      return 'reconnecting';
    case 'resyncing':
    case 'live':
      return state;
    case 'closed':
      return 'stale';
  }
}

/**
 * Why a call to the exchange failed, as far as the session's next step goes:
 * - `credentials`: the key is refused (revoked, unknown, wrong signature). Terminal: retrying
 *   with the same key only repeats failing signed requests.
 * - `clock`: the exchange refused our signature's timestamp (this server's clock is off). The
 *   key may be fine, and a clock can be corrected: retried with backoff.
 * - `rate_limited`, `exchange_error` (5xx), `unreachable` (network, timeout), `failed`
 *   (anything else: an answer we could not use): transient, retried with backoff.
 */
export type ExchangeFailureKind =
  'credentials' | 'clock' | 'rate_limited' | 'exchange_error' | 'unreachable' | 'failed';

export interface ExchangeFailure {
  kind: ExchangeFailureKind;
  /** For the trader's status line. */
  detail: string;
}

const CREDENTIALS_DETAIL = 'Kalshi rejected the API key (revoked or replaced); reconnect your key';
const CLOCK_DETAIL = "Kalshi rejected the request time (this server's clock is off); retrying";

function refusalFailure(refusal: { status: number; code: string | undefined }): ExchangeFailure | null {
  switch (authRefusalOf(refusal)) {
    case 'credentials':
      return { kind: 'credentials', detail: CREDENTIALS_DETAIL };
    case 'clock':
      return { kind: 'clock', detail: CLOCK_DETAIL };
    case null:
      break;
  }
  if (refusal.status === 429) {
    return { kind: 'rate_limited', detail: 'Kalshi is limiting our request rate; retrying' };
  }
  if (refusal.status >= 500) {
    return {
      kind: 'exchange_error',
      detail: `Kalshi answered with an error (HTTP ${refusal.status}); retrying`,
    };
  }
  return null;
}

/** Classifies a failed REST call (or a refused WebSocket upgrade). */
export function exchangeFailureOf(error: unknown): ExchangeFailure {
  if (error instanceof KalshiApiError || error instanceof KalshiWsUpgradeError) {
    const failure = refusalFailure({ status: error.status, code: error.code });
    if (failure) return failure;
    return { kind: 'failed', detail: `Kalshi refused the request (HTTP ${error.status}); retrying` };
  }
  if (error instanceof KalshiNetworkError) {
    return { kind: 'unreachable', detail: 'exchange unreachable; showing last known positions' };
  }
  return { kind: 'failed', detail: 'exchange snapshot failed; showing last known positions' };
}

/**
 * Classifies a refused feed connection. Null for a refusal that is neither about the key nor
 * the exchange's health (the feed's own backoff handles it and its reason says what happened).
 */
export function feedRefusalFailure(refusal: FeedRefusal): ExchangeFailure | null {
  return refusalFailure(refusal);
}
