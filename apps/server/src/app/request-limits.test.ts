/**
 * The global rate limit: every route counts against a per-client budget, reads and writes
 * separately (reads get the larger one), and the client is the socket's address unless
 * TRUST_PROXY says which proxies may name it in X-Forwarded-For. Small budgets from the
 * configuration keep the test short; the window is the limiter's real minute.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createExchangeFactory } from '../shared/exchange.js';
import { startTestServer, testConfig, type TestServer } from './testing/test-server.js';

// Never called: these routes do not reach the exchange.
const exchange = createExchangeFactory({
  env: 'custom',
  restBaseUrl: 'http://127.0.0.1:1/trade-api/v2',
  wsUrl: 'ws://127.0.0.1:1/trade-api/ws/v2',
});

let server: TestServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function start(env: Record<string, string> = {}): Promise<TestServer> {
  server = await startTestServer({
    exchange,
    config: testConfig({ RATE_LIMIT_READS_PER_MINUTE: '5', RATE_LIMIT_WRITES_PER_MINUTE: '2', ...env }),
  });
  return server;
}

const read = (s: TestServer, headers: Record<string, string> = {}) =>
  s.app.inject({ method: 'GET', url: '/api/v1/config', headers });
const write = (s: TestServer, headers: Record<string, string> = {}) =>
  s.app.inject({ method: 'DELETE', url: '/api/v1/account/logout', headers });

describe('the global rate limit', () => {
  it('reads and writes have budgets of their own per client; past one, 429 rate_limited', async () => {
    const s = await start();
    for (let i = 0; i < 5; i++) expect((await read(s)).statusCode).toBe(200);
    const refused = await read(s);
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toEqual({ error: 'rate_limited', message: expect.any(String) });
    expect(refused.headers['retry-after']).toBeDefined();

    // The reads are spent; writes still have theirs (no session: 401, not 429).
    for (let i = 0; i < 2; i++) expect((await write(s)).statusCode).toBe(401);
    const tooMany = await write(s);
    expect(tooMany.statusCode).toBe(429);
    expect(tooMany.json().error).toBe('rate_limited');
  });

  it('covers the market and stream routes too', async () => {
    const s = await start();
    for (let i = 0; i < 5; i++)
      expect((await s.app.inject({ method: 'GET', url: '/api/v1/markets/a%20b' })).statusCode).toBe(400);
    const refused = await s.app.inject({ method: 'GET', url: '/api/v1/account/sse/positions' });
    expect(refused.statusCode).toBe(429);
  });

  it('without TRUST_PROXY, X-Forwarded-For is ignored: one socket address is one client', async () => {
    const s = await start();
    for (let i = 0; i < 5; i++)
      expect((await read(s, { 'x-forwarded-for': `203.0.113.${i}` })).statusCode).toBe(200);
    expect((await read(s, { 'x-forwarded-for': '203.0.113.99' })).statusCode).toBe(429);
  });

  it.each([{ trust: '1' }, { trust: '127.0.0.1/32' }, { trust: 'loopback, 10.0.0.0/8' }])(
    'with TRUST_PROXY=$trust each forwarded client has its own budget',
    async ({ trust }) => {
      const s = await start({ TRUST_PROXY: trust });
      for (const client of ['203.0.113.1', '203.0.113.2']) {
        for (let i = 0; i < 5; i++)
          expect((await read(s, { 'x-forwarded-for': client })).statusCode).toBe(200);
      }
      expect((await read(s, { 'x-forwarded-for': '203.0.113.1' })).statusCode).toBe(429);
      expect((await read(s, { 'x-forwarded-for': '203.0.113.3' })).statusCode).toBe(200);
    },
  );
});
