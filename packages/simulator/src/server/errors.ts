/**
 * Kalshi's error bodies, in the four shapes seen on the wire (docs/kalshi-protocol.md §3.1):
 * nested {"error":{code,message,details?}}, flat JSON-decode errors, bare {"msg"} for query
 * validation, and {"error": "too many requests"} for 429. The `service` field was removed
 * from error bodies on Aug 6 2026, so it is not emitted.
 */
import type { EngineError } from '../engine/types.js';

export interface HttpError {
  status: number;
  body: string;
}

export function nested(status: number, code: string, message: string, details?: string): HttpError {
  const error: Record<string, string> = { code, message };
  if (details !== undefined) error.details = details;
  return { status, body: JSON.stringify({ error }) };
}

export function flatBadRequest(details: string): HttpError {
  return { status: 400, body: JSON.stringify({ code: 'bad_request', message: 'bad request', details }) };
}

export function bareValidation(msg: string): HttpError {
  return { status: 400, body: JSON.stringify({ msg }) };
}

export const TOO_MANY_REQUESTS: HttpError = { status: 429, body: '{"error": "too many requests"}' };
export const NOT_FOUND: HttpError = nested(404, 'not_found', 'not found');

export function fromEngineError(error: EngineError): HttpError {
  switch (error.code) {
    case 'not_found':
      return NOT_FOUND;
    case 'market_not_found':
      return nested(404, 'market_not_found', 'market not found');
    case 'market_inactive':
      return nested(400, 'market_inactive', 'market inactive', 'MARKET_INACTIVE');
    case 'invalid_price':
      return nested(400, 'invalid_price', 'invalid price');
    case 'invalid_order':
      return nested(400, 'invalid_order', 'invalid order', error.details);
    case 'invalid_order_size':
      return nested(400, 'invalid_order_size', 'invalid order size');
    case 'insufficient_balance':
      return nested(400, 'insufficient_balance', 'insufficient balance');
    case 'order_already_exists':
      return nested(409, 'order_already_exists', 'order already exists');
    default:
      return nested(500, 'internal_server_error', 'internal server error');
  }
}

/** What failNext answers for 500 / 503 (429 uses TOO_MANY_REQUESTS). */
export function injectedFailure(status: number): HttpError {
  if (status === 429) return TOO_MANY_REQUESTS;
  if (status === 503) return nested(503, 'service_unavailable', 'service unavailable');
  return nested(status, 'internal_server_error', 'internal server error');
}
