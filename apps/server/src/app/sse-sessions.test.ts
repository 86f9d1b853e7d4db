/**
 * Sessions as the SSE routes see them, in the whole server against the real simulator: a
 * renewal on a stream request reaches the browser, each session and user may hold only so
 * many streams, "log out everywhere" ends every session and stream of the user, and the
 * upstream session of a user whose sessions all ended is stopped by the periodic sweep.
 * The test clock moves the sessions through time; the streams' and the sweep's timers run by
 * hand.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { getTestRsaKey } from '@kalshi-desk/kalshi/testing';
import { startSimulator, type RunningSimulator } from '@kalshi-desk/simulator';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createExchangeFactory } from '../shared/exchange.js';
import { ManualScheduler } from '../modules/exchange/testing/fake-exchange.js';
import { sessions as sessionsTable } from '../modules/sessions/sessions.tables.js';
import {
  SESSION_PURGE_INTERVAL_MS,
  SESSION_SWEEP_INTERVAL_MS,
} from '../modules/sessions/sessions.housekeeping.js';
import {
  RENEWAL_GRACE_MS,
  SESSION_RENEW_AFTER_MS,
  SESSION_TTL_MS,
} from '../modules/sessions/sessions.usecases.js';
import { sessionCookieFrom, startTestServer, testConfig, type TestServer } from './testing/test-server.js';

const WAIT = { timeout: 10_000, interval: 20 };

let simulator: RunningSimulator;
let server: TestServer;
let port: number;
let ticker: string;
const scheduler = new ManualScheduler();

beforeAll(async () => {
  simulator = await startSimulator({
    port: 0,
    seed: 5,
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
    config: testConfig({ SSE_MAX_STREAMS_PER_SESSION: '2', SSE_MAX_STREAMS_PER_USER: '3' }),
  });
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  port = (server.app.server.address() as AddressInfo).port;
  const list = await server.app.inject({ method: 'GET', url: '/api/v1/markets?status=open&limit=5' });
  ticker = list.json().markets[0].ticker;
});

afterAll(async () => {
  await server?.close();
  await simulator?.close();
});

async function signIn(): Promise<{ cookie: string; userId: string }> {
  const res = await server.app.inject({ method: 'POST', url: '/api/v1/account/authenticate/demo' });
  expect(res.statusCode).toBe(200);
  return { cookie: sessionCookieFrom(res.headers['set-cookie']), userId: res.json().user_id };
}

const positionsPath = '/api/v1/account/sse/positions';
const marketPath = () => `/api/v1/markets/${ticker}/sse`;

/** A stream over a real socket; `opened` resolves with the status and headers. */
function openStream(path: string, cookie: string) {
  let text = '';
  let isEnded = false;
  const request = http.get({ host: '127.0.0.1', port, path, agent: false, headers: { cookie } });
  const opened = new Promise<http.IncomingMessage>((resolve, reject) => {
    request.on('response', (response) => {
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
      });
      response.on('end', () => {
        isEnded = true;
      });
      response.on('error', () => undefined);
      resolve(response);
    });
    request.on('error', reject);
  });
  return {
    opened,
    request,
    get text() {
      return text;
    },
    get isEnded() {
      return isEnded;
    },
    close: () => request.destroy(),
  };
}

const probe = (cookie: string) =>
  server.app.inject({ method: 'GET', url: '/api/v1/account/session', headers: { cookie } });

describe('session renewal on a stream request', () => {
  it.each([
    { route: 'positions', path: () => positionsPath },
    { route: 'market', path: marketPath },
  ])('the $route stream carries the renewed cookie; the trader stays signed in', async ({ path }) => {
    const { cookie } = await signIn();
    server.clock.advanceBy(SESSION_RENEW_AFTER_MS + 1_000);
    const stream = openStream(path(), cookie);
    const response = await stream.opened;
    expect(response.statusCode).toBe(200);
    const setCookie = String(response.headers['set-cookie']);
    expect(setCookie).toMatch(/^kd_session=[^;]+;/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    const renewed = sessionCookieFrom(response.headers['set-cookie']);
    expect(renewed).not.toBe(cookie);
    await vi.waitFor(() => expect(stream.text).toMatch(/data: /), WAIT);
    stream.close();

    // The old cookie lives one more minute; the one the stream delivered carries on.
    server.clock.advanceBy(RENEWAL_GRACE_MS + 1_000);
    expect((await probe(cookie)).json()).toEqual({ authenticated: false });
    expect((await probe(renewed)).json()).toMatchObject({ authenticated: true });
  });
});

describe('stream caps', () => {
  it('a session holds at most 2 streams and a user 3 (test settings); past that 429 rate_limited', async () => {
    const first = await signIn();
    const second = await signIn();
    const a1 = openStream(positionsPath, first.cookie);
    const a2 = openStream(marketPath(), first.cookie);
    expect((await a1.opened).statusCode).toBe(200);
    expect((await a2.opened).statusCode).toBe(200);

    for (const path of [positionsPath, marketPath()]) {
      const refused = await server.app.inject({
        method: 'GET',
        url: path,
        headers: { cookie: first.cookie },
      });
      expect(refused.statusCode).toBe(429);
      expect(refused.json()).toEqual({ error: 'rate_limited', message: expect.any(String) });
    }

    const b1 = openStream(positionsPath, second.cookie);
    expect((await b1.opened).statusCode).toBe(200);
    // The user's third stream: the second session is under its own cap, the user is not.
    const overUser = await server.app.inject({
      method: 'GET',
      url: marketPath(),
      headers: { cookie: second.cookie },
    });
    expect(overUser.statusCode).toBe(429);
    expect(overUser.json().error).toBe('rate_limited');

    // A closed stream frees its place.
    a2.close();
    await vi.waitFor(() => expect(server.app.streamLimits.openCount(first.userId)).toBe(2), WAIT);
    const b2 = openStream(marketPath(), second.cookie);
    expect((await b2.opened).statusCode).toBe(200);
    for (const s of [a1, b1, b2]) s.close();
    await vi.waitFor(() => expect(server.app.streamLimits.openCount(first.userId)).toBe(0), WAIT);
  });
});

describe('log out everywhere', () => {
  it('revokes every session of the user, closes all their streams and stops the upstream session', async () => {
    const first = await signIn();
    const second = await signIn();
    const streams = [openStream(positionsPath, first.cookie), openStream(marketPath(), second.cookie)];
    for (const s of streams) expect((await s.opened).statusCode).toBe(200);
    await vi.waitFor(() => {
      for (const s of streams) expect(s.text).toMatch(/data: /);
    }, WAIT);

    const res = await server.app.inject({
      method: 'DELETE',
      url: '/api/v1/account/sessions',
      headers: { cookie: first.cookie },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'logged_out', sessions_ended: expect.any(Number) });
    expect(res.json().sessions_ended).toBeGreaterThanOrEqual(2);
    expect(String(res.headers['set-cookie'])).toMatch(/^kd_session=;/);

    await vi.waitFor(() => {
      for (const s of streams) expect(s.isEnded).toBe(true);
    }, WAIT);
    for (const { cookie } of [first, second]) {
      const refused = await server.app.inject({
        method: 'GET',
        url: '/api/v1/account/positions',
        headers: { cookie },
      });
      expect(refused.statusCode).toBe(401);
      expect(refused.json().error).toBe('session_expired');
    }
    expect(server.app.liveAccounts.isRunning(first.userId)).toBe(false);
    expect(await server.app.account.credentials.has(first.userId)).toBe(false);
    expect(server.app.marketStreams.stats().viewers).toBe(0);
    expect(server.app.liveAccounts.hub.clientCount).toBe(0);
  });

  it('needs a session', async () => {
    const res = await server.app.inject({ method: 'DELETE', url: '/api/v1/account/sessions' });
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toBe('not_authenticated');
  });
});

// Last: these move the test clock days ahead.
describe('the periodic housekeeping', () => {
  it('stops the upstream session of a user whose last session expired', async () => {
    const { userId } = await signIn();
    expect(server.app.liveAccounts.isRunning(userId)).toBe(true);
    server.clock.advanceBy(SESSION_TTL_MS + 1_000);
    // The first sweep that finds no session only notes it: an authentication may be between
    // starting the upstream session and issuing the session that uses it.
    scheduler.advanceBy(SESSION_SWEEP_INTERVAL_MS);
    await server.app.sessionHousekeeping.settled();
    expect(server.app.liveAccounts.isRunning(userId)).toBe(true);
    scheduler.advanceBy(SESSION_SWEEP_INTERVAL_MS);
    await server.app.sessionHousekeeping.settled();
    expect(server.app.liveAccounts.isRunning(userId)).toBe(false);
  });

  it('keeps the upstream session of a user who still has a live session', async () => {
    const { userId } = await signIn();
    for (let i = 0; i < 3; i++) {
      scheduler.advanceBy(SESSION_SWEEP_INTERVAL_MS);
      await server.app.sessionHousekeeping.settled();
    }
    expect(server.app.liveAccounts.isRunning(userId)).toBe(true);
  });

  it('forgets sessions that ended over a week ago every hour, not only at start-up', async () => {
    const before = await server.database.db.select().from(sessionsTable);
    expect(before.length).toBeGreaterThan(0);
    server.clock.advanceBy(SESSION_TTL_MS + 8 * 24 * 3_600_000);
    scheduler.advanceBy(SESSION_PURGE_INTERVAL_MS);
    await server.app.sessionHousekeeping.settled();
    expect(await server.database.db.select().from(sessionsTable)).toEqual([]);
  });
});
