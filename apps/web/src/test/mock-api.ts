import type {
  AppConfigResponse,
  AuthenticateResponse,
  EquityPoint,
  EventDetail,
  Fill,
  MarketDetail,
  MarketSummary,
  Order,
  OrderBook,
  PortfolioResponse,
  PositionsResponse,
  SessionInfo,
  Settlement,
} from '@kalshi-desk/contracts';
import { vi } from 'vitest';

/** Every route of our API the web app calls, with the body it answers (typed by the contracts). */
export interface ApiRoutes {
  'GET /api/v1/config': AppConfigResponse;
  'GET /api/v1/account/session': SessionInfo;
  'POST /api/v1/account/authenticate': AuthenticateResponse;
  'POST /api/v1/account/authenticate/demo': AuthenticateResponse;
  'DELETE /api/v1/account/logout': { status: 'logged_out' };
  'GET /api/v1/account/portfolio': PortfolioResponse;
  'GET /api/v1/account/positions': PositionsResponse;
  'GET /api/v1/account/fills': { fills: Fill[]; cursor: string | null };
  'GET /api/v1/account/orders': { orders: Order[]; cursor: string | null };
  'GET /api/v1/account/settlements': { settlements: Settlement[]; cursor: string | null };
  'GET /api/v1/account/equity': { points: EquityPoint[] };
  'GET /api/v1/markets': { markets: MarketSummary[]; categories: string[] };
  'GET /api/v1/markets/:ticker': { market: MarketDetail };
  'GET /api/v1/markets/:ticker/orderbook': OrderBook;
  'GET /api/v1/events/:event_ticker': { event: EventDetail };
}
export type ApiRoute = keyof ApiRoutes;

/** An error answer in our `{error, message}` shape. */
export class MockFailure {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly message: string,
  ) {}
}

export interface MockRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
}

export type MockHandlers = {
  [K in ApiRoute]?: (
    request: MockRequest,
  ) => ApiRoutes[K] | MockFailure | Promise<ApiRoutes[K] | MockFailure>;
};

function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i += 1) {
    const w = want[i] ?? '';
    const g = got[i] ?? '';
    if (w.startsWith(':')) params[w.slice(1)] = decodeURIComponent(g);
    else if (w !== g) return null;
  }
  return params;
}

/**
 * Replaces fetch with a handler map keyed by our routes. Unhandled routes answer 404 so a
 * test notices. Returns the log of requests.
 */
export function installMockApi(handlers: MockHandlers): { requests: MockRequest[] } {
  const requests: MockRequest[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(
      typeof input === 'string' ? input : input instanceof URL ? input.href : input.url,
      'http://localhost',
    );
    const method = (init?.method ?? 'GET').toUpperCase();
    const body: unknown = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
    for (const [key, handler] of Object.entries(handlers)) {
      const [routeMethod, pattern] = key.split(' ');
      if (routeMethod !== method || !pattern) continue;
      const params = match(pattern, url.pathname);
      if (!params || !handler) continue;
      const request: MockRequest = { method, path: url.pathname, params, query: url.searchParams, body };
      requests.push(request);
      const reply: unknown = await (handler as (r: MockRequest) => unknown)(request);
      if (reply instanceof MockFailure) {
        return new Response(JSON.stringify({ error: reply.error, message: reply.message }), {
          status: reply.status,
          headers: { 'content-type': 'application/json' },
        });
      }
      return new Response(JSON.stringify(reply), {
        status: 200,
        headers: { 'content-type': 'application/json' },
      });
    }
    requests.push({ method, path: url.pathname, params: {}, query: url.searchParams, body });
    return new Response(
      JSON.stringify({ error: 'not_found', message: `no mock for ${method} ${url.pathname}` }),
      { status: 404 },
    );
  });
  vi.stubGlobal('fetch', fetchMock);
  return { requests };
}
