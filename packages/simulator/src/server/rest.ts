/**
 * REST under /trade-api/v2: the endpoints packages/kalshi covers, answering with Kalshi's
 * field names, formats, status codes and error bodies. Public market data is open; the
 * portfolio is signed. Every request first brings the engine up to the clock.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FixedPointError, parseCount, parseDollars } from '@kalshi-desk/kalshi/protocol';
import type { Engine } from '../engine/engine.js';
import type { Account, EngineResult, Market, TimeInForce } from '../engine/types.js';
import { authenticate, AUTH_ERROR_BODIES, type AuthWindow, type KeyRegistry } from './auth.js';
import {
  bareValidation,
  flatBadRequest,
  fromEngineError,
  injectedFailure,
  nested,
  NOT_FOUND,
  TOO_MANY_REQUESTS,
  type HttpError,
} from './errors.js';
import type { RateLimiter } from './rate-limit.js';
import {
  balanceJson,
  cancelOrderJson,
  createOrderJson,
  eventJson,
  eventPositionsJson,
  fillJson,
  marketJson,
  marketPositionJson,
  orderbookJson,
  orderJson,
  seriesJson,
  settlementJson,
  stringifySorted,
  tradeJson,
} from './wire.js';

export const REST_PREFIX = '/trade-api/v2';

export interface Faults {
  failNext: { status: number; count: number } | null;
  latencyMs: number;
}

export interface RestContext {
  engine: Engine;
  keys: KeyRegistry;
  limiter: RateLimiter;
  faults: Faults;
  authWindow: AuthWindow;
  /** Wall-clock milliseconds for the signature timestamp window (clients sign with real time). */
  wallClock: () => number;
}

interface Request {
  method: string;
  path: string;
  query: URLSearchParams;
  body: string;
  userId: string | null;
}

type Reply = { status: number; body: string };
type Handler = (ctx: RestContext, req: Request, params: string[]) => Reply;

interface Route {
  method: string;
  pattern: RegExp;
  isPrivate: boolean;
  kind: 'read' | 'write';
  cost: number;
  handler: Handler;
}

const ok = (body: unknown, status = 200): Reply => ({ status, body: stringifySorted(body) });
const err = (e: HttpError): Reply => ({ status: e.status, body: e.body });

class QueryError extends Error {
  constructor(readonly reply: Reply) {
    super('query validation failed');
  }
}

/** limit: integer within [1, max]; out of range is a hard 400 with a bare {"msg"} body (no clamping). */
function parseLimit(query: URLSearchParams, operation: string, max: number, fallback: number): number {
  const raw = query.get('limit');
  if (raw === null || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw)) {
    throw new QueryError(
      err(
        bareValidation(
          `Invalid format for parameter limit: error binding string parameter: strconv.ParseInt: parsing "${raw}": invalid syntax`,
        ),
      ),
    );
  }
  const limit = Number(raw);
  if (limit < 1 || limit > max) {
    const tag = limit < 1 ? 'gte' : 'lte';
    throw new QueryError(
      err(
        bareValidation(
          `Parameter validation failed for ${operation}: Key: '${operation}Params.Limit' Error:Field validation for 'Limit' failed on the '${tag}' tag`,
        ),
      ),
    );
  }
  return limit;
}

function parseSecondsParam(query: URLSearchParams, name: string): number | null {
  const raw = query.get(name);
  if (raw === null || raw === '') return null;
  if (!/^\d+$/.test(raw))
    throw new QueryError(
      err(
        bareValidation(
          `Invalid format for parameter ${name}: error binding string parameter: strconv.ParseInt: parsing "${raw}": invalid syntax`,
        ),
      ),
    );
  return Number(raw) * 1000;
}

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
function pageByIndex<T>(
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
function pageNewestFirst<T extends { seq: number }>(
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

const STATUS_FILTER: Record<string, Market['status'][]> = {
  unopened: ['initialized'],
  open: ['active'],
  paused: ['inactive'],
  closed: ['closed', 'determined'],
  settled: ['finalized'],
};

function statusFilter(query: URLSearchParams, operation: string): Market['status'][] | null {
  const raw = query.get('status');
  if (raw === null || raw === '') return null;
  const statuses = STATUS_FILTER[raw];
  if (!statuses)
    throw new QueryError(
      err(
        bareValidation(
          `Parameter validation failed for ${operation}: Key: '${operation}Params.Status' Error:Field validation for 'Status' failed on the 'oneof' tag`,
        ),
      ),
    );
  return statuses;
}

function requireAccount(ctx: RestContext, req: Request): Account {
  const account = req.userId === null ? undefined : ctx.engine.getAccount(req.userId);
  if (!account) throw new QueryError(err(NOT_FOUND));
  return account;
}

function unwrap<T>(result: EngineResult<T>): T {
  if (!result.ok) throw new QueryError(err(fromEngineError(result.error)));
  return result.value;
}

// ---------------------------------------------------------------- market data

const getMarkets: Handler = (ctx, req) => {
  const limit = parseLimit(req.query, 'GetMarkets', 1000, 100);
  const statuses = statusFilter(req.query, 'GetMarkets');
  const eventTicker = req.query.get('event_ticker');
  const seriesTicker = req.query.get('series_ticker');
  const tickers = req.query.get('tickers');
  const tickerSet = tickers ? new Set(tickers.split(',')) : null;
  const minClose = parseSecondsParam(req.query, 'min_close_ts');
  const maxClose = parseSecondsParam(req.query, 'max_close_ts');
  const markets = ctx.engine
    .listMarkets()
    .filter(
      (m) =>
        (!statuses || statuses.includes(m.status)) &&
        (!eventTicker || m.eventTicker === eventTicker) &&
        (!seriesTicker || m.seriesTicker === seriesTicker) &&
        (!tickerSet || tickerSet.has(m.ticker)) &&
        (minClose === null || m.closeMs >= minClose) &&
        (maxClose === null || m.closeMs <= maxClose),
    );
  const { page, cursor } = pageByIndex(markets, req.query, limit);
  return ok({ cursor, markets: page.map((m) => marketJson(ctx.engine, m)) });
};

const getMarket: Handler = (ctx, _req, [ticker = '']) => {
  const market = ctx.engine.getMarket(ticker);
  return market ? ok({ market: marketJson(ctx.engine, market) }) : err(NOT_FOUND);
};

const getOrderbook: Handler = (ctx, req, [ticker = '']) => {
  if (!ctx.engine.getMarket(ticker)) return err(NOT_FOUND);
  const raw = req.query.get('depth');
  const depth = raw && /^\d+$/.test(raw) ? Number(raw) : 0;
  if (depth > 100)
    return err(
      bareValidation(
        "Parameter validation failed for GetMarketOrderbook: Key: 'GetMarketOrderbookParams.Depth' Error:Field validation for 'Depth' failed on the 'lte' tag",
      ),
    );
  return ok(orderbookJson(ctx.engine, ticker, depth));
};

const getTrades: Handler = (ctx, req) => {
  const limit = parseLimit(req.query, 'GetTrades', 1000, 100);
  const ticker = req.query.get('ticker');
  const minTs = parseSecondsParam(req.query, 'min_ts');
  const maxTs = parseSecondsParam(req.query, 'max_ts');
  const { page, cursor } = pageNewestFirst(
    ctx.engine.listTrades(),
    (t) =>
      (!ticker || t.ticker === ticker) &&
      (minTs === null || t.createdMs >= minTs) &&
      (maxTs === null || t.createdMs <= maxTs),
    req.query,
    limit,
  );
  return ok({ cursor, trades: page.map(tradeJson) });
};

const getEvents: Handler = (ctx, req) => {
  const limit = parseLimit(req.query, 'GetEvents', 200, 200);
  const statuses = statusFilter(req.query, 'GetEvents');
  const seriesTicker = req.query.get('series_ticker');
  const withMarkets = req.query.get('with_nested_markets') === 'true';
  const events = ctx.engine
    .listEvents()
    .filter(
      (e) =>
        (!seriesTicker || e.seriesTicker === seriesTicker) &&
        (!statuses ||
          e.marketTickers.some((t) => statuses.includes(ctx.engine.getMarket(t)?.status ?? 'initialized'))),
    );
  const { page, cursor } = pageByIndex(events, req.query, limit);
  return ok({ cursor, events: page.map((e) => eventJson(ctx.engine, e, withMarkets)) });
};

const getEvent: Handler = (ctx, req, [eventTicker = '']) => {
  const event = ctx.engine.getEvent(eventTicker);
  if (!event) return err(NOT_FOUND);
  const withMarkets = req.query.get('with_nested_markets') === 'true';
  const markets = event.marketTickers
    .map((t) => ctx.engine.getMarket(t))
    .filter((m): m is Market => m !== undefined);
  return ok({
    event: eventJson(ctx.engine, event, withMarkets),
    markets: markets.map((m) => marketJson(ctx.engine, m)),
  });
};

function seriesVolume(ctx: RestContext, seriesTicker: string): number {
  let volume = 0;
  for (const m of ctx.engine.listMarkets()) if (m.seriesTicker === seriesTicker) volume += m.volume;
  return volume;
}

const getSeriesList: Handler = (ctx, req) => {
  const category = req.query.get('category');
  const withVolume = req.query.get('include_volume') === 'true';
  const list = ctx.engine.listSeries().filter((s) => !category || s.category === category);
  return ok({ series: list.map((s) => seriesJson(s, withVolume ? seriesVolume(ctx, s.ticker) : null)) });
};

const getSeries: Handler = (ctx, req, [ticker = '']) => {
  const series = ctx.engine.getSeries(ticker);
  if (!series) return err(NOT_FOUND);
  return ok({
    series: seriesJson(series, req.query.get('include_volume') === 'true' ? seriesVolume(ctx, ticker) : null),
  });
};

// ---------------------------------------------------------------- portfolio

const getBalance: Handler = (ctx, req) => ok(balanceJson(ctx.engine, requireAccount(ctx, req)));

const getPositions: Handler = (ctx, req) => {
  const account = requireAccount(ctx, req);
  const limit = parseLimit(req.query, 'GetPositions', 1000, 100);
  const ticker = req.query.get('ticker');
  const eventTicker = req.query.get('event_ticker');
  const countFilter = (req.query.get('count_filter') ?? '').split(',').filter((x) => x !== '');
  const positions = [...account.positions.values()]
    .filter(
      (p) =>
        (!ticker || p.ticker === ticker) &&
        (!eventTicker || p.eventTicker === eventTicker) &&
        (countFilter.length === 0 ||
          countFilter.some((f) =>
            f === 'position' ? p.position !== 0 : f === 'total_traded' ? p.totalTraded !== 0 : false,
          )),
    )
    .sort((a, b) => (a.ticker < b.ticker ? -1 : a.ticker > b.ticker ? 1 : 0));
  const { page, cursor } = pageByIndex(positions, req.query, limit);
  return ok({
    cursor,
    event_positions: eventPositionsJson(page),
    market_positions: page.map(marketPositionJson),
  });
};

const getFills: Handler = (ctx, req) => {
  const account = requireAccount(ctx, req);
  const limit = parseLimit(req.query, 'GetFills', 1000, 100);
  const ticker = req.query.get('ticker');
  const orderId = req.query.get('order_id');
  const minTs = parseSecondsParam(req.query, 'min_ts');
  const maxTs = parseSecondsParam(req.query, 'max_ts');
  const { page, cursor } = pageNewestFirst(
    account.fills,
    (f) =>
      (!ticker || f.ticker === ticker) &&
      (!orderId || f.orderId === orderId) &&
      (minTs === null || f.createdMs >= minTs) &&
      (maxTs === null || f.createdMs <= maxTs),
    req.query,
    limit,
  );
  return ok({ cursor, fills: page.map(fillJson) });
};

const getOrders: Handler = (ctx, req) => {
  const account = requireAccount(ctx, req);
  const limit = parseLimit(req.query, 'GetOrders', 1000, 100);
  const ticker = req.query.get('ticker');
  const eventTickers = req.query.get('event_ticker');
  const eventSet = eventTickers ? new Set(eventTickers.split(',')) : null;
  const status = req.query.get('status');
  if (status && !['resting', 'canceled', 'executed'].includes(status)) {
    return err(
      bareValidation(
        "Parameter validation failed for GetOrders: Key: 'GetOrdersParams.Status' Error:Field validation for 'Status' failed on the 'oneof' tag",
      ),
    );
  }
  const minTs = parseSecondsParam(req.query, 'min_ts');
  const maxTs = parseSecondsParam(req.query, 'max_ts');
  const { page, cursor } = pageNewestFirst(
    account.orders,
    (o) =>
      (!ticker || o.ticker === ticker) &&
      (!eventSet || eventSet.has(ctx.engine.getMarket(o.ticker)?.eventTicker ?? '')) &&
      (!status || o.status === status) &&
      (minTs === null || o.createdMs >= minTs) &&
      (maxTs === null || o.createdMs <= maxTs),
    req.query,
    limit,
  );
  return ok({ cursor, orders: page.map(orderJson) });
};

const getOrder: Handler = (ctx, req, [orderId = '']) => {
  const account = requireAccount(ctx, req);
  const order = account.ordersById.get(orderId);
  return order ? ok({ order: orderJson(order) }) : err(NOT_FOUND);
};

const getSettlements: Handler = (ctx, req) => {
  const account = requireAccount(ctx, req);
  const limit = parseLimit(req.query, 'GetSettlements', 1000, 100);
  const ticker = req.query.get('ticker');
  const eventTicker = req.query.get('event_ticker');
  const minTs = parseSecondsParam(req.query, 'min_ts');
  const maxTs = parseSecondsParam(req.query, 'max_ts');
  const { page, cursor } = pageNewestFirst(
    account.settlements,
    (s) =>
      (!ticker || s.ticker === ticker) &&
      (!eventTicker || s.eventTicker === eventTicker) &&
      (minTs === null || s.settledMs >= minTs) &&
      (maxTs === null || s.settledMs <= maxTs),
    req.query,
    limit,
  );
  return ok({ cursor, settlements: page.map(settlementJson) });
};

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

const createOrder: Handler = (ctx, req) => {
  const account = requireAccount(ctx, req);
  let body: unknown;
  try {
    body = JSON.parse(req.body);
  } catch {
    return err(flatBadRequest('invalid character in request body: not valid JSON'));
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return err(
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
      return err(
        flatBadRequest(
          `json: cannot unmarshal ${actual} into Go struct field CreateOrderV2Request.${name} of type ${goType}`,
        ),
      );
    }
  }
  for (const name of ['ticker', 'side', 'count', 'price', 'time_in_force', 'self_trade_prevention_type']) {
    if (fields[name] === undefined || fields[name] === null || fields[name] === '') {
      return err(nested(400, 'invalid_parameters', 'invalid parameters', `${name} is required`));
    }
  }
  const side = fields.side as string;
  const tif = fields.time_in_force as string;
  const stp = fields.self_trade_prevention_type as string;
  if (side !== 'bid' && side !== 'ask')
    return err(nested(400, 'invalid_parameters', 'invalid parameters', 'side must be bid or ask'));
  if (!['fill_or_kill', 'good_till_canceled', 'immediate_or_cancel'].includes(tif)) {
    return err(nested(400, 'invalid_parameters', 'invalid parameters', 'invalid time_in_force'));
  }
  if (stp !== 'taker_at_cross' && stp !== 'maker')
    return err(nested(400, 'invalid_parameters', 'invalid parameters', 'invalid self_trade_prevention_type'));
  let count: number;
  let price: number;
  try {
    count = parseCount(fields.count);
  } catch (e) {
    if (e instanceof FixedPointError) return err(nested(400, 'invalid_order_size', 'invalid order size'));
    throw e;
  }
  try {
    price = parseDollars(fields.price);
  } catch (e) {
    if (e instanceof FixedPointError) return err(nested(400, 'invalid_price', 'invalid price'));
    throw e;
  }
  const expiration = fields.expiration_time;
  // Past year 9999 it has no RFC 3339 form: the order's expiration_time could never be written.
  if (typeof expiration === 'number' && expiration > MAX_EXPIRATION_SECONDS) {
    return err(nested(400, 'invalid_parameters', 'invalid parameters', 'invalid expiration_time'));
  }
  const result = unwrap(
    ctx.engine.placeOrder(account.userId, {
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
    }),
  );
  return ok(createOrderJson(result), 201);
};

const cancelOrder: Handler = (ctx, req, [orderId = '']) => {
  const account = requireAccount(ctx, req);
  return ok(cancelOrderJson(unwrap(ctx.engine.cancelOrder(account.userId, orderId))));
};

// ---------------------------------------------------------------- exchange / account

const getExchangeStatus: Handler = (ctx) => {
  const isDown = ctx.faults.failNext?.status === 503;
  return ok({ exchange_active: !isDown, trading_active: !isDown });
};

const getLimits: Handler = (ctx) => {
  const { read, write } = ctx.limiter.limits;
  return ok({
    grants: [],
    read: { bucket_capacity: read.capacity, refill_rate: read.refillRate },
    usage_tier: 'basic',
    write: { bucket_capacity: write.capacity, refill_rate: write.refillRate },
  });
};

const ENDPOINT_COSTS = [
  { cost: 2, method: 'DELETE', path: '/trade-api/v2/portfolio/events/orders/:order_id' },
  { cost: 2, method: 'GET', path: '/trade-api/v2/portfolio/orders/:order_id' },
];

const getEndpointCosts: Handler = () => ok({ default_cost: 10, endpoint_costs: ENDPOINT_COSTS });
const getSeriesFeeChanges: Handler = () => ok({ series_fee_change_arr: [] });

const SEGMENT = '([^/]+)';
const ROUTES: Route[] = [
  { method: 'GET', pattern: /^\/markets$/, isPrivate: false, kind: 'read', cost: 10, handler: getMarkets },
  {
    method: 'GET',
    pattern: /^\/markets\/trades$/,
    isPrivate: false,
    kind: 'read',
    cost: 10,
    handler: getTrades,
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/markets/${SEGMENT}/orderbook$`),
    isPrivate: false,
    kind: 'read',
    cost: 10,
    handler: getOrderbook,
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/markets/${SEGMENT}$`),
    isPrivate: false,
    kind: 'read',
    cost: 10,
    handler: getMarket,
  },
  { method: 'GET', pattern: /^\/events$/, isPrivate: false, kind: 'read', cost: 10, handler: getEvents },
  {
    method: 'GET',
    pattern: new RegExp(`^/events/${SEGMENT}$`),
    isPrivate: false,
    kind: 'read',
    cost: 10,
    handler: getEvent,
  },
  { method: 'GET', pattern: /^\/series$/, isPrivate: false, kind: 'read', cost: 10, handler: getSeriesList },
  {
    method: 'GET',
    pattern: /^\/series\/fee_changes$/,
    isPrivate: false,
    kind: 'read',
    cost: 10,
    handler: getSeriesFeeChanges,
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/series/${SEGMENT}$`),
    isPrivate: false,
    kind: 'read',
    cost: 10,
    handler: getSeries,
  },
  {
    method: 'GET',
    pattern: /^\/exchange\/status$/,
    isPrivate: false,
    kind: 'read',
    cost: 10,
    handler: getExchangeStatus,
  },
  {
    method: 'GET',
    pattern: /^\/account\/endpoint_costs$/,
    isPrivate: false,
    kind: 'read',
    cost: 10,
    handler: getEndpointCosts,
  },
  {
    method: 'GET',
    pattern: /^\/account\/limits$/,
    isPrivate: true,
    kind: 'read',
    cost: 10,
    handler: getLimits,
  },
  {
    method: 'GET',
    pattern: /^\/portfolio\/balance$/,
    isPrivate: true,
    kind: 'read',
    cost: 10,
    handler: getBalance,
  },
  {
    method: 'GET',
    pattern: /^\/portfolio\/positions$/,
    isPrivate: true,
    kind: 'read',
    cost: 10,
    handler: getPositions,
  },
  {
    method: 'GET',
    pattern: /^\/portfolio\/fills$/,
    isPrivate: true,
    kind: 'read',
    cost: 10,
    handler: getFills,
  },
  {
    method: 'GET',
    pattern: /^\/portfolio\/orders$/,
    isPrivate: true,
    kind: 'read',
    cost: 10,
    handler: getOrders,
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/portfolio/orders/${SEGMENT}$`),
    isPrivate: true,
    kind: 'read',
    cost: 2,
    handler: getOrder,
  },
  {
    method: 'GET',
    pattern: /^\/portfolio\/settlements$/,
    isPrivate: true,
    kind: 'read',
    cost: 10,
    handler: getSettlements,
  },
  {
    method: 'POST',
    pattern: /^\/portfolio\/events\/orders$/,
    isPrivate: true,
    kind: 'write',
    cost: 10,
    handler: createOrder,
  },
  {
    method: 'DELETE',
    pattern: new RegExp(`^/portfolio/events/orders/${SEGMENT}$`),
    isPrivate: true,
    kind: 'write',
    cost: 2,
    handler: cancelOrder,
  },
];

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > 1_000_000) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, reply: Reply): void {
  res.writeHead(reply.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(reply.body),
  });
  res.end(reply.body);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Serve one request whose path starts with /trade-api/v2. Never throws. */
export async function handleRest(
  ctx: RestContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  let reply: Reply;
  try {
    reply = await route(ctx, req, url);
  } catch (e) {
    reply =
      e instanceof QueryError ? e.reply : err(nested(500, 'internal_server_error', 'internal server error'));
  }
  if (ctx.faults.latencyMs > 0) await sleep(ctx.faults.latencyMs);
  send(res, reply);
}

function decodeSegments(segments: string[]): string[] | null {
  try {
    return segments.map((p) => decodeURIComponent(p));
  } catch {
    return null;
  }
}

async function route(ctx: RestContext, req: IncomingMessage, url: URL): Promise<Reply> {
  const method = (req.method ?? 'GET').toUpperCase();
  const subPath = url.pathname.slice(REST_PREFIX.length) || '/';
  const body = method === 'POST' || method === 'PUT' || method === 'DELETE' ? await readBody(req) : '';
  const failing = ctx.faults.failNext;
  if (failing && failing.count > 0) {
    failing.count -= 1;
    if (failing.count === 0) ctx.faults.failNext = null;
    return err(injectedFailure(failing.status));
  }
  let matched: { route: Route; params: string[] } | null = null;
  let isPathKnown = false;
  for (const r of ROUTES) {
    const m = r.pattern.exec(subPath);
    if (!m) continue;
    isPathKnown = true;
    if (r.method === method) {
      const params = decodeSegments(m.slice(1));
      if (!params) return err(NOT_FOUND); // broken percent-encoding names nothing that exists
      matched = { route: r, params };
      break;
    }
  }
  if (!matched) return err(isPathKnown ? nested(405, 'method_not_allowed', 'method not allowed') : NOT_FOUND);
  let userId: string | null = null;
  if (matched.route.isPrivate) {
    const auth = authenticate({
      headers: req.headers,
      method,
      path: url.pathname,
      nowMs: ctx.wallClock(),
      registry: ctx.keys,
      window: ctx.authWindow,
    });
    if (!auth.ok) return { status: 401, body: AUTH_ERROR_BODIES[auth.failure] };
    userId = auth.userId;
  }
  const who = userId ?? `ip:${req.socket.remoteAddress ?? 'unknown'}`;
  if (!ctx.limiter.take({ who, kind: matched.route.kind, cost: matched.route.cost, nowMs: ctx.wallClock() }))
    return err(TOO_MANY_REQUESTS);
  ctx.engine.tick();
  return matched.route.handler(
    ctx,
    { method, path: url.pathname, query: url.searchParams, body, userId },
    matched.params,
  );
}
