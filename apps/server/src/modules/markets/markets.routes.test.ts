/**
 * Market research routes against the real simulator; the SSE relay over a real socket. The
 * live engine's timers (and so the streams' heartbeat and expiry timers) run by hand.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getTestRsaKey } from '@kalshi-desk/kalshi/testing';
import { startSimulator, type RunningSimulator } from '@kalshi-desk/simulator';
import { marketStreamMessageSchema, type MarketSummary } from '@kalshi-desk/contracts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sessionCookieFrom, startTestServer, type TestServer } from '../../app/testing/test-server.js';
import { createExchangeFactory } from '../../shared/exchange.js';
import { ManualScheduler } from '../exchange/testing/fake-exchange.js';

let simulator: RunningSimulator;
let server: TestServer;
let baseUrl: string;
let cookie: string;
const scheduler = new ManualScheduler();

beforeAll(async () => {
  simulator = await startSimulator({
    port: 0,
    seed: 3,
    scenario: 'quiet',
    demoKey: { privateKeyPem: getTestRsaKey(0).privateKeyPem },
  });
  server = await startTestServer({
    exchange: createExchangeFactory({
      env: 'simulator',
      restBaseUrl: simulator.restBaseUrl,
      wsUrl: simulator.wsUrl,
      demoAccount: simulator.demoAccount,
    }),
    liveEngine: { scheduler },
  });
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
  const res = await server.app.inject({ method: 'POST', url: '/api/v1/account/authenticate/demo' });
  cookie = sessionCookieFrom(res.headers['set-cookie']);
  // Signing in starts the account's own feed, a connection of its own (ADR 009): let it settle
  // so the relay's connections can be told apart from it.
  const userId: string = res.json().user_id;
  await vi.waitFor(
    async () => expect((await server.app.liveAccounts.session(userId)).connection).toBe('live'),
    {
      timeout: 10_000,
    },
  );
});

/** Upstream connections other than those open before (the account feed's). */
function newConnections(before: ReadonlySet<number>) {
  return simulator.control.connections().filter((c) => !before.has(c.id));
}

afterAll(async () => {
  await server.close();
  await simulator.close();
});

const direct = () =>
  createExchangeFactory({
    env: 'simulator',
    restBaseUrl: simulator.restBaseUrl,
    wsUrl: simulator.wsUrl,
  }).rest();

async function listMarkets(query = ''): Promise<{ markets: MarketSummary[]; categories: string[] }> {
  const res = await server.app.inject({ method: 'GET', url: `/api/v1/markets${query}` });
  expect(res.statusCode).toBe(200);
  return res.json();
}

describe('GET /api/v1/markets', () => {
  it('lists markets with categories from their series, sorted by volume', async () => {
    const body = await listMarkets('?limit=500');
    expect(body.markets.length).toBeGreaterThan(5);
    expect(body.categories.length).toBeGreaterThan(1);
    expect(body.markets.every((m) => m.category !== null && body.categories.includes(m.category))).toBe(true);
    const volumes = body.markets.map((m) => m.volume);
    expect(volumes).toEqual([...volumes].sort((a, b) => b - a));
    const all = [];
    for await (const m of direct().iterateMarkets({ limit: 1000 })) all.push(m.ticker);
    expect(new Set(body.markets.map((m) => m.ticker))).toEqual(new Set(all.slice(0, 500)));
  });

  it('filters by category and status, searches, and sorts by close time', async () => {
    const { categories } = await listMarkets();
    const category = categories[0] ?? '';
    const byCategory = await listMarkets(`?category=${encodeURIComponent(category)}&limit=500`);
    expect(byCategory.markets.length).toBeGreaterThan(0);
    expect(byCategory.markets.every((m) => m.category === category)).toBe(true);

    const open = await listMarkets('?status=open&sort=close_time&limit=500');
    expect(open.markets.every((m) => m.status === 'active')).toBe(true);
    const closes = open.markets.map((m) => Date.parse(m.close_time));
    expect(closes).toEqual([...closes].sort((a, b) => a - b));

    const first = open.markets[0];
    if (first === undefined) throw new Error('no open market');
    const found = await listMarkets(`?search=${encodeURIComponent(first.ticker.toLowerCase())}`);
    expect(found.markets.map((m) => m.ticker)).toContain(first.ticker);
  });

  it('rejects an unknown status or sort with 400', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/api/v1/markets?status=active' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('bad_request');
  });
});

describe('market detail, order book and event', () => {
  let ticker: string;
  beforeAll(async () => {
    const { markets } = await listMarkets('?status=open');
    ticker = markets[0]?.ticker ?? '';
  });

  it('GET /markets/:ticker matches the exchange, with its event and category', async () => {
    const res = await server.app.inject({ method: 'GET', url: `/api/v1/markets/${ticker}` });
    expect(res.statusCode).toBe(200);
    const { market } = res.json();
    const upstream = await direct().getMarket(ticker);
    expect(market.ticker).toBe(ticker);
    expect(market.event_ticker).toBe(upstream.event_ticker);
    expect(market.rules_primary).toBe(upstream.rules_primary);
    expect(market.category).not.toBeNull();
    expect(market.series_ticker).not.toBeNull();
  });

  it('GET /markets/:ticker/orderbook is the exchange book, best first', async () => {
    const res = await server.app.inject({ method: 'GET', url: `/api/v1/markets/${ticker}/orderbook` });
    expect(res.statusCode).toBe(200);
    const book = res.json();
    expect(book.ticker).toBe(ticker);
    const prices = (book.yes as [number, number][]).map(([p]) => p);
    expect(prices).toEqual([...prices].sort((a, b) => b - a));
    const upstream = await direct().getOrderbook(ticker);
    expect(book.yes.length).toBe(upstream.orderbook_fp.yes_dollars?.length ?? 0);
  });

  it('GET /events/:event_ticker groups its markets', async () => {
    const { market } = (await server.app.inject({ method: 'GET', url: `/api/v1/markets/${ticker}` })).json();
    const res = await server.app.inject({ method: 'GET', url: `/api/v1/events/${market.event_ticker}` });
    expect(res.statusCode).toBe(200);
    const { event } = res.json<{ event: { event_ticker: string; markets: MarketSummary[] } }>();
    expect(event.event_ticker).toBe(market.event_ticker);
    expect(event.markets.map((m) => m.ticker)).toContain(ticker);
    expect(event.markets.every((m) => m.event_ticker === market.event_ticker)).toBe(true);
  });

  it('answers 404 not_found for unknown markets and events, 400 for a malformed ticker', async () => {
    for (const url of ['/api/v1/markets/NOPE-1', '/api/v1/markets/NOPE-1/orderbook', '/api/v1/events/NOPE']) {
      const res = await server.app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(404);
      expect(res.json().error).toBe('not_found');
    }
    const bad = await server.app.inject({ method: 'GET', url: '/api/v1/markets/a%20b' });
    expect(bad.statusCode).toBe(400);
  });
});

/**
 * Reads SSE messages from a live response as `{type, data}`: `type` from the message's JSON,
 * `data` the JSON's other fields. Only default messages count (what `onmessage` gets); the
 * raw text is kept so tests can check no `event:` line is ever sent.
 */
function readSse(path: string, headers: Record<string, string>) {
  const events: { type: string; data: unknown }[] = [];
  let raw = '';
  let response: IncomingMessage | null = null;
  const waiters: (() => void)[] = [];
  const req = httpRequest(`${baseUrl}${path}`, { headers });
  const opened = new Promise<IncomingMessage>((resolve, reject) => {
    req.on('response', (res) => {
      response = res;
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        raw += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (data === undefined || /^event:/m.test(block)) continue;
          const { type, ...payload } = marketStreamMessageSchema.parse(JSON.parse(data));
          events.push({ type, data: payload });
        }
        for (const w of waiters.splice(0)) w();
      });
      res.on('end', () => {
        for (const w of waiters.splice(0)) w();
      });
      resolve(res);
    });
    req.on('error', reject);
  });
  req.end();
  return {
    events,
    get raw() {
      return raw;
    },
    opened,
    get isEnded() {
      return response?.readableEnded ?? false;
    },
    async waitFor(predicate: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${what}; got ${events.map((e) => e.type).join(',')}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    },
    close: () => req.destroy(),
  };
}

describe('GET /api/v1/markets/:ticker/sse', () => {
  it('needs a session', async () => {
    const stream = readSse('/api/v1/markets/ANY-1/sse', {});
    const res = await stream.opened;
    expect(res.statusCode).toBe(401);
    stream.close();
  });

  it('relays the order book and ticker live, shares one upstream subscription, and unsubscribes when the last viewer leaves', async () => {
    const { markets } = await listMarkets('?status=open');
    const ticker = markets[0]?.ticker ?? '';
    const streams = server.app.marketStreams;
    const accountFeeds = new Set(simulator.control.connections().map((c) => c.id));

    const first = readSse(`/api/v1/markets/${ticker}/sse`, { cookie });
    expect((await first.opened).statusCode).toBe(200);
    await first.waitFor(() => first.events.some((e) => e.type === 'orderbook'), 'the first order book');
    const book = first.events.find((e) => e.type === 'orderbook')?.data as {
      ticker: string;
      yes: [number, number][];
    };
    expect(book.ticker).toBe(ticker);
    const rest = (
      await server.app.inject({ method: 'GET', url: `/api/v1/markets/${ticker}/orderbook` })
    ).json();
    expect(book.yes).toEqual(rest.yes);

    const second = readSse(`/api/v1/markets/${ticker}/sse`, { cookie });
    await second.waitFor(
      () => second.events.some((e) => e.type === 'orderbook'),
      'the book for the second viewer',
    );
    expect(streams.stats()).toEqual({ connections: 1, markets: 1, viewers: 2 });
    // At the exchange: one connection, one order-book and one ticker subscription for the market.
    const upstream = newConnections(accountFeeds);
    expect(upstream).toHaveLength(1);
    const subs = upstream[0]?.subscriptions ?? [];
    expect(
      subs.filter((sub) => sub.channel === 'orderbook_delta' && sub.marketTickers?.includes(ticker)),
    ).toHaveLength(1);
    expect(subs.filter((sub) => sub.channel === 'ticker')).toHaveLength(1);

    // A trade on the exchange moves the book and the ticker for both viewers.
    const before = first.events.length;
    simulator.control.trade({ ticker, side: 'bid', count: '1.00' });
    await first.waitFor(() => first.events.slice(before).some((e) => e.type === 'ticker'), 'a ticker update');
    await first.waitFor(
      () => first.events.slice(before).some((e) => e.type === 'orderbook'),
      'a book update',
    );
    await second.waitFor(
      () => second.events.some((e) => e.type === 'ticker'),
      'a ticker on the second viewer',
    );

    // Default message events only, each with an id: a plain `onmessage` handler sees them all.
    expect(first.raw).not.toMatch(/^event:/m);
    expect(first.raw).toMatch(/^id: \d+\ndata: \{"type":"orderbook",/m);

    first.close();
    await first.waitFor(() => streams.stats().viewers === 1, 'the first viewer to leave', 3000);
    expect(streams.stats().markets).toBe(1);
    second.close();
    await second.waitFor(() => streams.stats().markets === 0, 'the last viewer to leave', 3000);
    expect(streams.stats()).toEqual({ connections: 0, markets: 0, viewers: 0 });
    await second.waitFor(
      () => newConnections(accountFeeds).length === 0,
      'the upstream connection to close',
      3000,
    );
  });

  it('a sequence gap upstream shows as resyncing, then a fresh book arrives', async () => {
    const { markets } = await listMarkets('?status=open');
    const ticker = markets[2]?.ticker ?? '';
    const stream = readSse(`/api/v1/markets/${ticker}/sse`, { cookie });
    await stream.waitFor(() => stream.events.some((e) => e.type === 'orderbook'), 'the first book');
    simulator.control.skipSeq({});
    simulator.control.trade({ ticker, side: 'ask', count: '1.00' });
    simulator.control.trade({ ticker, side: 'bid', count: '1.00' });
    const status = (e: { type: string; data: unknown }) =>
      e.type === 'connection_status' ? (e.data as { status: string; detail: string }) : null;
    await stream.waitFor(() => stream.events.some((e) => status(e)?.status === 'resyncing'), 'resyncing');
    await stream.waitFor(
      () => stream.events.some((e) => status(e)?.detail === 'order book resynced'),
      'the resync',
    );
    // The snapshot that ends the resync goes out as a fresh book after the resyncing status.
    const resyncing = stream.events.findIndex((e) => status(e)?.status === 'resyncing');
    expect(stream.events.slice(resyncing).some((e) => e.type === 'orderbook')).toBe(true);
    stream.close();
  });

  it("logout ends the session's market streams", async () => {
    const login = await server.app.inject({ method: 'POST', url: '/api/v1/account/authenticate/demo' });
    const own = sessionCookieFrom(login.headers['set-cookie']);
    const { markets } = await listMarkets('?status=open');
    const stream = readSse(`/api/v1/markets/${markets[1]?.ticker ?? ''}/sse`, { cookie: own });
    await stream.waitFor(
      () => stream.events.some((e) => e.type === 'connection_status'),
      'the stream to open',
    );
    await server.app.inject({ method: 'DELETE', url: '/api/v1/account/logout', headers: { cookie: own } });
    await stream.waitFor(() => stream.isEnded, 'the stream to end', 3000);
    expect(server.app.marketStreams.stats().viewers).toBe(0);
  });

  // Last: it moves the test clock a day ahead.
  it('a market stream ends when its session expires, as the positions stream does', async () => {
    const login = await server.app.inject({ method: 'POST', url: '/api/v1/account/authenticate/demo' });
    // A bearer token is never renewed, so the session keeps its end.
    const token = sessionCookieFrom(login.headers['set-cookie']).slice('kd_session='.length);
    const expiresAt = Date.parse(login.json().session_expires_at);
    server.clock.set(expiresAt - 1000);
    const { markets } = await listMarkets('?status=open');
    const stream = readSse(`/api/v1/markets/${markets[0]?.ticker ?? ''}/sse`, {
      authorization: `Bearer ${token}`,
    });
    expect((await stream.opened).statusCode).toBe(200);
    await stream.waitFor(
      () => stream.events.some((e) => e.type === 'connection_status'),
      'the stream to open',
    );
    scheduler.advanceBy(999);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(stream.isEnded).toBe(false);
    scheduler.advanceBy(1);
    await stream.waitFor(() => stream.isEnded, 'the stream to end', 3000);
    expect(server.app.marketStreams.stats().viewers).toBe(0);
  });
});
