import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  equityCurveResponseSchema,
  portfolioResponseSchema,
  positionsResponseSchema,
} from '@kalshi-desk/contracts';
import { createTestClock } from '../../shared/clock.js';
import type { Database } from '../../shared/db/database.js';
import { createTestDatabase } from '../../shared/db/testing.js';
import { users } from '../account/account.tables.js';
import { LiveAccounts } from '../exchange/exchange.live-accounts.js';
import { silentLogger, type AccountCredentials } from '../exchange/exchange.ports.js';
import { FakeFeed, FakeRest, ManualScheduler } from '../exchange/testing/fake-exchange.js';
import { kalshiMarket, kalshiPosition, tickerMessage } from '../positions/testing/kalshi-fixtures.js';
import { PositionsRepository } from '../positions/positions.repository.js';
import { InProcessEventBus } from './stream.bus.js';
import { liveAccountRoutes } from './stream.plugin.js';
import { ManualTimers, parseSse, type ParsedSseMessage } from './testing/fake-sse.js';

/** Generous: these run against real sockets on a shared machine. */
const POLL = { timeout: 10_000 };

const U1 = '00000000-0000-4000-8000-0000000000a1';
const U2 = '00000000-0000-4000-8000-0000000000a2';
const clock = createTestClock();

let database: Database;
let app: FastifyInstance;
let live: LiveAccounts;
let port: number;
const feeds = new Map<string, FakeFeed>();

function exchangeFor(keyId: string) {
  const rest = new FakeRest();
  rest.balanceDollars = keyId === U1 ? '10.0000' : '20.0000';
  const ticker = keyId === U1 ? 'KXONE-1' : 'KXTWO-1';
  rest.positions = [kalshiPosition(ticker, keyId === U1 ? '5.00' : '-5.00', '2.500000')];
  rest.markets.set(
    ticker,
    kalshiMarket({
      ticker,
      yes_bid_dollars: '0.4000',
      yes_ask_dollars: '0.4400',
      last_price_dollars: '0.4300',
    }),
  );
  const feed = new FakeFeed();
  feeds.set(keyId, feed);
  return { rest: rest.asPort(), feed };
}

/** Stands in for the real session preHandler: the user id comes from a test header. */
function testSession(request: FastifyRequest, reply: FastifyReply, done: () => void): void {
  const user = request.headers['x-test-user'];
  if (typeof user !== 'string') {
    void reply.code(401).send({ error: 'not_authenticated', message: 'no session' });
    return;
  }
  request.session = {
    userId: user,
    keyId: user,
    jti: `jti-${user}`,
    issuedAt: 0,
    expiresAt:
      typeof request.headers['x-test-expires-in'] === 'string'
        ? clock.now() + Number(request.headers['x-test-expires-in'])
        : Number.MAX_SAFE_INTEGER,
  };
  done();
}

beforeAll(async () => {
  database = await createTestDatabase();
  for (const id of [U1, U2]) {
    await database.db
      .insert(users)
      .values({ id, exchangeUrl: 'sim', keyId: id, createdAt: new Date(), lastLoginAt: new Date() });
  }
  live = new LiveAccounts({
    connect: (credentials: AccountCredentials) => exchangeFor(credentials.keyId),
    bus: new InProcessEventBus(),
    repository: new PositionsRepository(database.db),
    clock,
    scheduler: new ManualScheduler(),
    logger: silentLogger,
    hub: { timers: new ManualTimers() },
    timings: { portfolioIntervalMs: 0 },
  });
  for (const id of [U1, U2]) {
    await live.ensureSession(id, { keyId: id, privateKeyPem: 'unused' });
    feeds.get(id)?.setState('live', 'subscribed');
  }
  await (await live.session(U1)).settled();
  await (await live.session(U2)).settled();
  app = Fastify();
  await app.register(liveAccountRoutes, {
    live,
    now: () => clock.now(),
    requireSession: testSession,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await live.stopAll();
  await app.close();
  await database.close();
});

describe('live account routes', () => {
  it("positions are the session user's own, valued at the requested mark", async () => {
    const one = await app.inject({ url: '/api/v1/account/positions', headers: { 'x-test-user': U1 } });
    expect(one.statusCode).toBe(200);
    const body = positionsResponseSchema.parse(one.json());
    expect(body).toMatchObject({ connection: 'live', is_stale: false });
    expect(body.positions.map((p) => [p.ticker, p.side, p.current_price])).toEqual([['KXONE-1', 'YES', 40]]);
    const two = positionsResponseSchema.parse(
      (
        await app.inject({ url: '/api/v1/account/positions?mark=mid', headers: { 'x-test-user': U2 } })
      ).json(),
    );
    expect(two.positions.map((p) => [p.ticker, p.side, p.mark, p.current_price])).toEqual([
      ['KXTWO-1', 'NO', 'mid', 58],
    ]);
  });

  it('an invalid mark is a 400 and no session is a 401', async () => {
    expect(
      (await app.inject({ url: '/api/v1/account/positions?mark=best', headers: { 'x-test-user': U1 } }))
        .statusCode,
    ).toBe(400);
    const anonymous = await app.inject({ url: '/api/v1/account/portfolio' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toMatchObject({ error: 'not_authenticated' });
  });

  it('a user whose account is not connected gets 401 not_authenticated', async () => {
    const response = await app.inject({
      url: '/api/v1/account/positions',
      headers: { 'x-test-user': '00000000-0000-4000-8000-0000000000ff' },
    });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ error: 'not_authenticated' });
  });

  it('the portfolio adds cash and position marks', async () => {
    const body = portfolioResponseSchema.parse(
      (await app.inject({ url: '/api/v1/account/portfolio', headers: { 'x-test-user': U1 } })).json(),
    );
    expect(body).toMatchObject({
      cash_balance: 10,
      positions_value: 2,
      total_value: 12,
      position_count: 1,
      connection: 'live',
    });
  });

  it('the equity curve returns the stored snapshots in dollars', async () => {
    const body = equityCurveResponseSchema.parse(
      (await app.inject({ url: '/api/v1/account/equity', headers: { 'x-test-user': U2 } })).json(),
    );
    expect(body.points).toHaveLength(1);
    expect(body.points[0]).toMatchObject({ cash_balance: 20, total_value: 20 + 2.8 });
  });

  it("the SSE stream carries only the user's own account, and logout of that session closes it", async () => {
    const messages: ParsedSseMessage[] = [];
    let text = '';
    let ended = false;
    const request = http.get(
      { host: '127.0.0.1', port, path: '/api/v1/account/sse/positions', headers: { 'x-test-user': U1 } },
      (response) => {
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
          const parsed = parseSse(text);
          messages.splice(0, messages.length, ...parsed.messages);
        });
        response.on('end', () => {
          ended = true;
        });
      },
    );
    await expect.poll(() => messages.length, POLL).toBe(1);
    expect(messages[0]?.event).toBe('snapshot');
    expect(JSON.stringify(messages[0]?.data)).toContain('KXONE-1');
    feeds.get(U2)?.emit(tickerMessage('KXTWO-1', '0.1000', '0.1200'));
    feeds.get(U1)?.emit(tickerMessage('KXONE-1', '0.5000', '0.5200'));
    await expect.poll(() => messages.length, POLL).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(messages)).not.toContain('KXTWO-1');
    expect(messages.slice(1).map((m) => m.event)).toEqual(['position_update', 'portfolio_update']);
    expect(text).not.toMatch(/^event:/m);
    expect(messages.map((m) => m.eventField)).toEqual([null, null, null]);
    live.closeStreams(U1, `jti-${U1}`);
    await expect.poll(() => ended, POLL).toBe(true);
    request.destroy();
  });

  it('a stream ends when its session expires', async () => {
    let ended = false;
    const request = http.get(
      {
        host: '127.0.0.1',
        port,
        path: '/api/v1/account/sse/positions',
        headers: { 'x-test-user': U2, 'x-test-expires-in': '50' },
      },
      (response) => {
        response.resume();
        response.on('end', () => {
          ended = true;
        });
      },
    );
    await expect.poll(() => ended, POLL).toBe(true);
    request.destroy();
  });
});
