/**
 * The live engine inside the whole server: authenticate with the simulator's demo key through
 * POST /api/v1/account/authenticate, then read positions, portfolio and the SSE stream with
 * the session cookie; logout closes the stream. Two users never see each other's data.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { portfolioResponseSchema, positionsResponseSchema } from '@kalshi-desk/contracts';
import { KalshiRestClient } from '@kalshi-desk/kalshi';
import { parseCount } from '@kalshi-desk/kalshi/protocol';
import { ManualClock, startSimulator, type RunningSimulator } from '@kalshi-desk/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  sessionCookieFrom,
  startTestServer,
  testConfig,
  type TestServer,
} from '../../app/testing/test-server.js';
import { findSecretLeaks } from '../../app/testing/secrets.js';
import { createExchangeFactory } from '../../shared/exchange.js';
import { parseSse, type ParsedSseMessage } from '../stream/testing/fake-sse.js';

/** Generous: these run against real sockets on a shared machine. */
const POLL = { timeout: 10_000 };

let sim: RunningSimulator;
let server: TestServer;
let port: number;
let demoCookie: string;
let otherCookie: string;
let other: { keyId: string; privateKeyPem: string; userId: string };

beforeAll(async () => {
  sim = await startSimulator({ scenario: 'demo', seed: 5, clock: new ManualClock(Date.now()) });
  const exchange = createExchangeFactory({
    env: 'simulator',
    restBaseUrl: sim.restBaseUrl,
    wsUrl: sim.wsUrl,
  });
  const config = testConfig();
  const { createTestDatabase } = await import('../../shared/db/testing.js');
  const database = await createTestDatabase();
  // The engine runs on wall-clock time as in production (its throttles compare times); sessions
  // use the test server's clock.
  server = await startTestServer({
    exchange,
    database,
    config,
    liveEngine: { clock: { now: () => Date.now() } },
  });
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  port = (server.app.server.address() as AddressInfo).port;

  const login = await server.app.inject({
    method: 'POST',
    url: '/api/v1/account/authenticate',
    payload: { key_id: sim.demoAccount.keyId, private_key: sim.demoAccount.privateKeyPem },
  });
  expect(login.statusCode).toBe(200);
  demoCookie = sessionCookieFrom(login.headers['set-cookie']);

  // A second account holding one position of its own.
  const { userId } = sim.control.createAccount({ balance: '50.00' });
  const key = await sim.control.createApiKey({ userId });
  other = { ...key, userId };
  const ticker = sim.engine.listMarkets().find((m) => m.status === 'active')?.ticker ?? '';
  sim.control.placeOrder({
    userId,
    ticker,
    side: 'bid',
    price: '0.9900',
    count: '1.00',
    timeInForce: 'immediate_or_cancel',
  });
  const otherLogin = await server.app.inject({
    method: 'POST',
    url: '/api/v1/account/authenticate',
    payload: { key_id: key.keyId, private_key: key.privateKeyPem },
  });
  expect(otherLogin.statusCode).toBe(200);
  otherCookie = sessionCookieFrom(otherLogin.headers['set-cookie']);
});

afterAll(async () => {
  await server?.close();
  await sim?.close();
});

async function exchangeTickers(credentials: { keyId: string; privateKeyPem: string }): Promise<string[]> {
  const rest = new KalshiRestClient({ baseUrl: sim.restBaseUrl, credentials });
  const response = await rest.getPositions({ count_filter: 'position', limit: 1000 });
  return response.market_positions
    .filter((p) => parseCount(p.position_fp) !== 0)
    .map((p) => p.ticker)
    .sort();
}

describe('the live engine in the server', () => {
  it("right after authenticating, each user gets exactly their own account's positions", async () => {
    const demo = positionsResponseSchema.parse(
      (await server.app.inject({ url: '/api/v1/account/positions', headers: { cookie: demoCookie } })).json(),
    );
    expect(demo.positions.map((p) => p.ticker).sort()).toEqual(await exchangeTickers(sim.demoAccount));
    const mine = positionsResponseSchema.parse(
      (
        await server.app.inject({
          url: '/api/v1/account/positions?mark=last',
          headers: { cookie: otherCookie },
        })
      ).json(),
    );
    expect(mine.positions.map((p) => p.ticker)).toEqual(await exchangeTickers(other));
    expect(mine.positions).toHaveLength(1);
    const portfolio = portfolioResponseSchema.parse(
      (
        await server.app.inject({ url: '/api/v1/account/portfolio', headers: { cookie: otherCookie } })
      ).json(),
    );
    expect(portfolio.position_count).toBe(1);
  });

  it('without a session the live routes answer 401', async () => {
    for (const url of [
      '/api/v1/account/positions',
      '/api/v1/account/portfolio',
      '/api/v1/account/equity',
      '/api/v1/account/sse/positions',
    ]) {
      const response = await server.app.inject({ url });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ error: 'not_authenticated' });
    }
  });

  it('the SSE stream starts with a snapshot, never carries a private key, and logout closes it', async () => {
    let text = '';
    let messages: ParsedSseMessage[] = [];
    let ended = false;
    const request = http.get(
      { host: '127.0.0.1', port, path: '/api/v1/account/sse/positions', headers: { cookie: demoCookie } },
      (response) => {
        expect(response.headers['content-type']).toContain('text/event-stream');
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
          messages = parseSse(text).messages;
        });
        response.on('end', () => {
          ended = true;
        });
      },
    );
    await expect.poll(() => messages[0]?.event, POLL).toBe('snapshot');
    const tickers = await exchangeTickers(sim.demoAccount);
    expect(
      (messages[0]?.data as { positions: { ticker: string }[] }).positions.map((p) => p.ticker).sort(),
    ).toEqual(tickers);
    expect(findSecretLeaks(text, sim.demoAccount.privateKeyPem)).toEqual([]);
    expect(findSecretLeaks(text, other.privateKeyPem)).toEqual([]);
    expect(text).not.toContain(other.keyId);
    const logout = await server.app.inject({
      method: 'DELETE',
      url: '/api/v1/account/logout',
      headers: { cookie: demoCookie },
    });
    expect(logout.statusCode).toBe(200);
    await expect.poll(() => ended, POLL).toBe(true);
    request.destroy();
    expect(findSecretLeaks(server.logs.join('\n'), sim.demoAccount.privateKeyPem)).toEqual([]);
  });
});
