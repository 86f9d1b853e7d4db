import type { ErrorDescription } from '../protocol/errors.js';

/** Base class of every error this client throws. */
export class KalshiError extends Error {
  override readonly name: string = 'KalshiError';
}

/** Kalshi answered with an error status; `code` is Kalshi's stable code (e.g. `not_found`). */
export class KalshiApiError extends KalshiError {
  override readonly name: string = 'KalshiApiError';
  readonly status: number;
  readonly code: string;
  readonly details: string | undefined;
  readonly method: string;
  readonly path: string;

  constructor(init: { status: number; method: string; path: string } & ErrorDescription) {
    super(`Kalshi ${init.method} ${init.path} failed with ${init.status} ${init.code}: ${init.message}`);
    this.status = init.status;
    this.code = init.code;
    this.details = init.details;
    this.method = init.method;
    this.path = init.path;
  }
}

/** 429 after every retry was used. */
export class KalshiRateLimitError extends KalshiApiError {
  override readonly name: string = 'KalshiRateLimitError';
}

/** The request never got an HTTP answer (DNS, refused, reset). */
export class KalshiNetworkError extends KalshiError {
  override readonly name: string = 'KalshiNetworkError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** No answer within timeoutMs. */
export class KalshiTimeoutError extends KalshiNetworkError {
  override readonly name: string = 'KalshiTimeoutError';
}

/** A 2xx body did not match the protocol schema (Kalshi changed a field we rely on). */
export class KalshiResponseValidationError extends KalshiError {
  override readonly name: string = 'KalshiResponseValidationError';
  readonly issues: readonly { path: PropertyKey[]; message: string }[];
  constructor(message: string, issues: readonly { path: PropertyKey[]; message: string }[]) {
    super(message);
    this.issues = issues;
  }
}

/** Pagination would loop (the server returned a cursor it had already returned). */
export class KalshiPaginationError extends KalshiError {
  override readonly name: string = 'KalshiPaginationError';
}

/** The caller's request was rejected locally before anything was sent. */
export class KalshiInvalidRequestError extends KalshiError {
  override readonly name: string = 'KalshiInvalidRequestError';
}

/**
 * What an authentication refusal says (docs/kalshi-protocol.md §2.4): `clock` when Kalshi
 * rejected the request's timestamp (`header_timestamp_expired`: the signer's clock is off, the
 * key may be fine), `credentials` for any other 401/403 (unknown or revoked key, wrong
 * signature, missing headers), null when the status is not an authentication refusal. Used for
 * REST answers (KalshiApiError) and refused WebSocket upgrades alike.
 */
export type AuthRefusal = 'credentials' | 'clock';

export function authRefusalOf(refusal: { status: number; code: string | undefined }): AuthRefusal | null {
  if (refusal.status !== 401 && refusal.status !== 403) return null;
  return refusal.code === 'header_timestamp_expired' ? 'clock' : 'credentials';
}
