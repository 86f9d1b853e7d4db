/**
 * REST under /trade-api/v2: the routing table and the request pipeline (injected faults,
 * route match, signature on private routes, rate limit, engine tick, handler, latency). The
 * handlers live in rest-handlers/ by area, request parsing in rest-params.ts, and the JSON
 * shapes in wire.ts. Public market data is open; the portfolio is signed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticate, AUTH_ERROR_BODIES } from './auth.js';
import { injectedFailure, nested, NOT_FOUND, TOO_MANY_REQUESTS } from './errors.js';
import type { Handler, Reply, RestContext } from './rest-handlers/context.js';
import * as exchange from './rest-handlers/exchange.js';
import * as markets from './rest-handlers/markets.js';
import * as portfolio from './rest-handlers/portfolio.js';
import { RequestError } from './rest-params.js';

export const REST_PREFIX = '/trade-api/v2';

interface Route {
  method: string;
  pattern: RegExp;
  isPrivate: boolean;
  kind: 'read' | 'write';
  cost: number;
  handler: Handler;
}

/**
 * One route: `path` below the prefix, `:name` standing for one path segment (passed to the
 * handler decoded, in order). GETs draw on the read budget, everything else on the write one.
 */
function route(
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  handler: Handler,
  options: { isPrivate?: boolean; cost?: number } = {},
): Route {
  const source = path
    .split('/')
    .map((part) => (part.startsWith(':') ? '([^/]+)' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return {
    method,
    pattern: new RegExp(`^${source}$`),
    isPrivate: options.isPrivate ?? false,
    kind: method === 'GET' ? 'read' : 'write',
    cost: options.cost ?? 10,
    handler,
  };
}

const SIGNED = { isPrivate: true };

// First match wins: fixed paths come before the `:param` path they would also match.
const ROUTES: Route[] = [
  route('GET', '/markets', markets.getMarkets),
  route('GET', '/markets/trades', markets.getTrades),
  route('GET', '/markets/:ticker/orderbook', markets.getOrderbook),
  route('GET', '/markets/:ticker', markets.getMarket),
  route('GET', '/events', markets.getEvents),
  route('GET', '/events/:event_ticker', markets.getEvent),
  route('GET', '/series', markets.getSeriesList),
  route('GET', '/series/fee_changes', markets.getSeriesFeeChanges),
  route('GET', '/series/:series_ticker', markets.getSeries),
  route('GET', '/exchange/status', exchange.getExchangeStatus),
  route('GET', '/account/endpoint_costs', exchange.getEndpointCosts),
  route('GET', '/account/limits', exchange.getLimits, SIGNED),
  route('GET', '/portfolio/balance', portfolio.getBalance, SIGNED),
  route('GET', '/portfolio/positions', portfolio.getPositions, SIGNED),
  route('GET', '/portfolio/fills', portfolio.getFills, SIGNED),
  route('GET', '/portfolio/orders', portfolio.getOrders, SIGNED),
  route('GET', '/portfolio/orders/:order_id', portfolio.getOrder, { isPrivate: true, cost: 2 }),
  route('GET', '/portfolio/settlements', portfolio.getSettlements, SIGNED),
  route('POST', '/portfolio/events/orders', portfolio.createOrder, SIGNED),
  route('DELETE', '/portfolio/events/orders/:order_id', portfolio.cancelOrder, { isPrivate: true, cost: 2 }),
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
    reply = await dispatch(ctx, req, url);
  } catch (e) {
    reply =
      e instanceof RequestError ? e.reply : nested(500, 'internal_server_error', 'internal server error');
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

async function dispatch(ctx: RestContext, req: IncomingMessage, url: URL): Promise<Reply> {
  const method = (req.method ?? 'GET').toUpperCase();
  const subPath = url.pathname.slice(REST_PREFIX.length) || '/';
  const body = method === 'POST' || method === 'PUT' || method === 'DELETE' ? await readBody(req) : '';
  const failing = ctx.faults.failNext;
  if (failing && failing.count > 0) {
    failing.count -= 1;
    if (failing.count === 0) ctx.faults.failNext = null;
    return injectedFailure(failing.status);
  }
  let matched: { route: Route; params: string[] } | null = null;
  let isPathKnown = false;
  for (const r of ROUTES) {
    const m = r.pattern.exec(subPath);
    if (!m) continue;
    isPathKnown = true;
    if (r.method === method) {
      const params = decodeSegments(m.slice(1));
      if (!params) return NOT_FOUND; // broken percent-encoding names nothing that exists
      matched = { route: r, params };
      break;
    }
  }
  if (!matched) return isPathKnown ? nested(405, 'method_not_allowed', 'method not allowed') : NOT_FOUND;
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
    return TOO_MANY_REQUESTS;
  ctx.engine.tick();
  return matched.route.handler(
    ctx,
    { method, path: url.pathname, query: url.searchParams, body, userId },
    matched.params,
  );
}
