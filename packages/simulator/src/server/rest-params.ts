/**
 * Reading a REST request the way Kalshi's Go server does: query parameters (limit, seconds,
 * status filters), opaque cursors and paging, and the create-order body, with Kalshi's exact
 * validation messages. A bad parameter throws a RequestError carrying the answer to send.
 */
import { FixedPointError, parseCount, parseDollars } from '@kalshi-desk/kalshi/protocol';
import type { Centis, CreateOrderInput, Market, Micros, TimeInForce } from '../engine/types.js';
import { bareValidation, flatBadRequest, nested, type HttpError } from './errors.js';

/** A request that cannot be served; `reply` is the error answer (the router sends it). */
export class RequestError extends Error {
  constructor(readonly reply: HttpError) {
    super('request validation failed');
  }
}

// ---------------------------------------------------------------- query parameters

/** limit: integer within [1, max]; out of range is a hard 400 with a bare {"msg"} body (no clamping). */
export function parseLimit(query: URLSearchParams, operation: string, max: number, fallback: number): number {
  const raw = query.get('limit');
  if (raw === null || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw)) {
    throw new RequestError(
      bareValidation(
        `Invalid format for parameter limit: error binding string parameter: strconv.ParseInt: parsing "${raw}": invalid syntax`,
      ),
    );
  }
  const limit = Number(raw);
  if (limit < 1 || limit > max) {
    const tag = limit < 1 ? 'gte' : 'lte';
    throw new RequestError(
      bareValidation(
        `Parameter validation failed for ${operation}: Key: '${operation}Params.Limit' Error:Field validation for 'Limit' failed on the '${tag}' tag`,
      ),
    );
  }
  return limit;
}

/** A Unix-seconds parameter as epoch milliseconds, or null when absent. */
export function parseSecondsParam(query: URLSearchParams, name: string): number | null {
  const raw = query.get(name);
  if (raw === null || raw === '') return null;
  if (!/^\d+$/.test(raw))
    throw new RequestError(
      bareValidation(
        `Invalid format for parameter ${name}: error binding string parameter: strconv.ParseInt: parsing "${raw}": invalid syntax`,
      ),
    );
  return Number(raw) * 1000;
}

const STATUS_FILTER: Record<string, Market['status'][]> = {
  unopened: ['initialized'],
  open: ['active'],
  paused: ['inactive'],
  closed: ['closed', 'determined'],
  settled: ['finalized'],
};

/** The market statuses a `status` query parameter selects, or null for all. */
export function statusFilter(query: URLSearchParams, operation: string): Market['status'][] | null {
  const raw = query.get('status');
  if (raw === null || raw === '') return null;
  const statuses = STATUS_FILTER[raw];
  if (!statuses)
    throw new RequestError(
      bareValidation(
        `Parameter validation failed for ${operation}: Key: '${operation}Params.Status' Error:Field validation for 'Status' failed on the 'oneof' tag`,
      ),
    );
  return statuses;
}

// ---------------------------------------------------------------- paging

// Cursors are opaque to clients. An unreadable cursor starts from the beginning, as Kalshi
// silently accepts a garbage cursor (recorded markets__garbage_cursor).
function encodeCursor(value: number): string {
  return Buffer.from(`c:${value}`).toString('base64url');
}
function decodeCursor(cursor: string | null): number | null {
  if (!cursor) return null;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^c:(\d+)$/.exec(text);
  return match ? Number(match[1]) : null;
}

/** Page over an ordered list by position; the last page answers "cursor": "". */
export function pageByIndex<T>(
  items: readonly T[],
  query: URLSearchParams,
  limit: number,
): { page: T[]; cursor: string } {
  const start = decodeCursor(query.get('cursor')) ?? 0;
  const page = items.slice(start, start + limit);
  const next = start + limit;
  return { page, cursor: next < items.length ? encodeCursor(next) : '' };
}

/**
 * Page newest first over an oldest-first list keyed by a growing sequence number (stable
 * while new items arrive). Walks from the end, so a 50,000-trade list is never copied.
 */
export function pageNewestFirst<T extends { seq: number }>(
  oldestFirst: readonly T[],
  keep: (item: T) => boolean,
  query: URLSearchParams,
  limit: number,
): { page: T[]; cursor: string } {
  const before = decodeCursor(query.get('cursor'));
  const page: T[] = [];
  let hasMore = false;
  for (let i = oldestFirst.length - 1; i >= 0; i -= 1) {
    const item = oldestFirst[i];
    if (!item || (before !== null && item.seq >= before) || !keep(item)) continue;
    if (page.length === limit) {
      hasMore = true;
      break;
    }
    page.push(item);
  }
  const last = page[page.length - 1];
  return { page, cursor: hasMore && last ? encodeCursor(last.seq) : '' };
}

// ---------------------------------------------------------------- create-order body

// Go's encoding/json type names, for byte-compatible decode errors.
const FIELD_TYPES: Record<string, 'string' | 'bool' | 'int'> = {
  ticker: 'string',
  side: 'string',
  count: 'string',
  price: 'string',
  time_in_force: 'string',
  self_trade_prevention_type: 'string',
  client_order_id: 'string',
  order_group_id: 'string',
  post_only: 'bool',
  reduce_only: 'bool',
  cancel_order_on_pause: 'bool',
  expiration_time: 'int',
  subaccount: 'int',
  exchange_index: 'int',
};

function goTypeOf(value: unknown): string {
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'string') return 'string';
  if (Array.isArray(value)) return 'array';
  return 'object';
}

/** 9999-12-31T23:59:59Z. */
const MAX_EXPIRATION_SECONDS = 253_402_300_799;

/**
 * A CreateOrderV2Request body as an engine order, checked in Kalshi's order: JSON decoding
 * (flat Go decode errors), then required fields and enums (invalid_parameters), then count,
 * price and expiration. Throws a RequestError with the answer otherwise.
 */
export function parseCreateOrderBody(text: string): CreateOrderInput {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new RequestError(flatBadRequest('invalid character in request body: not valid JSON'));
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new RequestError(
      flatBadRequest(`json: cannot unmarshal ${goTypeOf(body)} into Go value of type CreateOrderV2Request`),
    );
  }
  const fields = body as Record<string, unknown>;
  for (const [name, type] of Object.entries(FIELD_TYPES)) {
    const value = fields[name];
    if (value === undefined || value === null) continue;
    const actual = goTypeOf(value);
    const matches = type === 'int' ? typeof value === 'number' && Number.isInteger(value) : actual === type;
    if (!matches) {
      const goType = type === 'int' ? 'int64' : type;
      throw new RequestError(
        flatBadRequest(
          `json: cannot unmarshal ${actual} into Go struct field CreateOrderV2Request.${name} of type ${goType}`,
        ),
      );
    }
  }
  for (const name of ['ticker', 'side', 'count', 'price', 'time_in_force', 'self_trade_prevention_type']) {
    if (fields[name] === undefined || fields[name] === null || fields[name] === '') {
      throw new RequestError(nested(400, 'invalid_parameters', 'invalid parameters', `${name} is required`));
    }
  }
  const side = fields.side as string;
  const tif = fields.time_in_force as string;
  const stp = fields.self_trade_prevention_type as string;
  if (side !== 'bid' && side !== 'ask')
    throw new RequestError(
      nested(400, 'invalid_parameters', 'invalid parameters', 'side must be bid or ask'),
    );
  if (!['fill_or_kill', 'good_till_canceled', 'immediate_or_cancel'].includes(tif)) {
    throw new RequestError(nested(400, 'invalid_parameters', 'invalid parameters', 'invalid time_in_force'));
  }
  if (stp !== 'taker_at_cross' && stp !== 'maker')
    throw new RequestError(
      nested(400, 'invalid_parameters', 'invalid parameters', 'invalid self_trade_prevention_type'),
    );
  let count: Centis;
  let price: Micros;
  try {
    count = parseCount(fields.count);
  } catch (e) {
    if (e instanceof FixedPointError)
      throw new RequestError(nested(400, 'invalid_order_size', 'invalid order size'));
    throw e;
  }
  try {
    price = parseDollars(fields.price);
  } catch (e) {
    if (e instanceof FixedPointError) throw new RequestError(nested(400, 'invalid_price', 'invalid price'));
    throw e;
  }
  const expiration = fields.expiration_time;
  // Past year 9999 it has no RFC 3339 form: the order's expiration_time could never be written.
  if (typeof expiration === 'number' && expiration > MAX_EXPIRATION_SECONDS) {
    throw new RequestError(
      nested(400, 'invalid_parameters', 'invalid parameters', 'invalid expiration_time'),
    );
  }
  return {
    ticker: fields.ticker as string,
    side,
    count,
    price,
    timeInForce: tif as TimeInForce,
    selfTradePrevention: stp,
    clientOrderId: typeof fields.client_order_id === 'string' ? fields.client_order_id : undefined,
    postOnly: fields.post_only === true,
    reduceOnly: fields.reduce_only === true,
    expirationMs: typeof expiration === 'number' ? expiration * 1000 : null,
  };
}
