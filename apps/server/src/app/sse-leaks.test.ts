/**
 * Leak checks for both SSE routes (the positions stream and a market's stream), against the
 * real simulator over real sockets. After many streams that the client dropped early and
 * many normal ones, nothing may be left behind: no hub client, no relay viewer, no stream
 * counted against the session's cap, and no market subscription at the exchange.
 *
 * The abort-at-every-await-point cases are deterministic: each await of a route (the session
 * check, its renewal, the stored key, the market summary, the live session) is held by a gate,
 * the client is dropped while the route waits there, the server is seen to notice, and only
 * then does the route go on. No sleep decides which window is hit.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { getTestRsaKey } from '@kalshi-desk/kalshi/testing';
import { startSimulator, type RunningSimulator } from '@kalshi-desk/simulator';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createExchangeFactory } from '../shared/exchange.js';
import { ManualScheduler } from '../modules/exchange/testing/fake-exchange.js';
import { MarketsUsecases } from '../modules/markets/markets.usecases.js';
import { SESSION_RENEW_AFTER_MS } from '../modules/sessions/sessions.usecases.js';
import { sessionCookieFrom, startTestServer, testConfig, type TestServer } from './testing/test-server.js';

/** Streams of each kind per case: enough to show a leak, small enough for a shared machine. */
const N = 12;
const WAIT = { timeout: 10_000, interval: 20 };

let simulator: RunningSimulator;
let server: TestServer;
let port: number;
let cookie: string;
let userId: string;
let ticker: string;
/** The account feed's own upstream connection(s), open before any market stream. */
let accountFeeds: ReadonlySet<number>;
const scheduler = new ManualScheduler();

beforeAll(async () => {
  simulator = await startSimulator({
    port: 0,
    seed: 11,
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
    // Many streams at once on one session: the caps are tested elsewhere (hardening.test.ts).
    config: testConfig({ SSE_MAX_STREAMS_PER_SESSION: '100', SSE_MAX_STREAMS_PER_USER: '100' }),
  });
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  port = (server.app.server.address() as AddressInfo).port;
  const login = await server.app.inject({ method: 'POST', url: '/api/v1/account/authenticate/demo' });
  cookie = sessionCookieFrom(login.headers['set-cookie']);
  userId = login.json().user_id;
  await vi.waitFor(
    async () => expect((await server.app.liveAccounts.session(userId)).connection).toBe('live'),
    WAIT,
  );
  const list = await server.app.inject({ method: 'GET', url: '/api/v1/markets?status=open&limit=5' });
  ticker = list.json().markets[0].ticker;
  accountFeeds = new Set(simulator.control.connections().map((c) => c.id));
});

afterAll(async () => {
  vi.restoreAllMocks();
  await server?.close();
  await simulator?.close();
});

const positionsPath = '/api/v1/account/sse/positions';
const marketPath = () => `/api/v1/markets/${ticker}/sse`;

/** One stream request on its own socket (no keep-alive, so a destroy really drops it). */
function openStream(path: string, headers: Record<string, string> = { cookie }) {
  const request = http.get({ host: '127.0.0.1', port, path, agent: false, headers });
  let status = 0;
  let text = '';
  request.on('response', (response) => {
    status = response.statusCode ?? 0;
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      text += chunk;
    });
    response.on('error', () => undefined);
  });
  request.on('error', () => undefined);
  return {
    request,
    get status() {
      return status;
    },
    get text() {
      return text;
    },
  };
}

function openSockets(): Promise<number> {
  return new Promise((resolve, reject) => {
    server.app.server.getConnections((error, count) => (error ? reject(error) : resolve(count)));
  });
}

/**
 * Every async step an SSE route awaits, counted while in flight. After a gate opens, the route
 * runs on through microtasks only between these steps, so "nothing in flight for a few turns
 * of the event loop" means it has finished: opened its stream or given up.
 */
let inFlight = 0;
const gates = new Map<string, Gate>();

function track<T extends object>(target: T, method: keyof T & string): void {
  const original = target[method] as unknown as (...args: unknown[]) => Promise<unknown>;
  const held = async function (this: unknown, ...args: unknown[]): Promise<unknown> {
    inFlight++;
    try {
      const waiting = gates.get(method);
      gates.delete(method);
      if (waiting) await waiting.arrive();
      return await original.apply(this, args);
    } finally {
      inFlight--;
    }
  };
  vi.spyOn(target, method as never).mockImplementation(held as never);
}

/** Holds the next call of one step until the test opens it. */
interface Gate {
  /** Resolves once the route is waiting at the step. */
  reached: Promise<void>;
  arrive(): Promise<void>;
  open(): void;
}

function gate(method: string): Gate {
  let signalReached: () => void = () => undefined;
  let open: () => void = () => undefined;
  const reached = new Promise<void>((resolve) => {
    signalReached = resolve;
  });
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  const entry: Gate = {
    reached,
    arrive: () => {
      signalReached();
      return opened;
    },
    open,
  };
  gates.set(method, entry);
  return entry;
}

async function settled(): Promise<void> {
  const deadline = Date.now() + WAIT.timeout;
  let quietTurns = 0;
  while (quietTurns < 3) {
    if (Date.now() > deadline) throw new Error('the routes never finished');
    if (inFlight > 0) {
      // A step is at the database or the exchange: give it time, then count again.
      quietTurns = 0;
      await new Promise((resolve) => setTimeout(resolve, 5));
    } else {
      quietTurns++;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}

/** Market subscriptions the relay holds at the exchange (the account feed's excluded). */
function relaySubscriptions(): number {
  return simulator.control
    .connections()
    .filter((c) => !accountFeeds.has(c.id))
    .reduce((sum, c) => sum + c.subscriptions.length, 0);
}

async function expectNothingLeft(): Promise<void> {
  await vi.waitFor(async () => expect(await openSockets()).toBe(0), WAIT);
  await settled();
  expect(server.app.liveAccounts.hub.clientCount).toBe(0);
  expect(server.app.marketStreams.stats()).toEqual({ connections: 0, markets: 0, viewers: 0 });
  expect(server.app.streamLimits.openCount(userId)).toBe(0);
  await vi.waitFor(() => expect(relaySubscriptions()).toBe(0), WAIT);
  await vi.waitFor(
    () => expect(simulator.control.connections().filter((c) => !accountFeeds.has(c.id))).toEqual([]),
    WAIT,
  );
}

beforeAll(() => {
  track(server.app.sessions, 'verify');
  track(server.app.sessions, 'renew');
  track(server.app.account, 'credentialsFor');
  track(server.app.liveAccounts, 'resume');
  track(MarketsUsecases.prototype, 'summary');
});

describe('SSE streams leave nothing behind', () => {
  it(`${N} streams of each kind dropped 2 ms after the request, then ${N} normal ones`, async () => {
    // Each request is dropped 2 ms after it was sent: somewhere inside the route's awaits.
    const dropped: ReturnType<typeof openStream>[] = [];
    for (let i = 0; i < N; i++) dropped.push(openStream(positionsPath), openStream(marketPath()));
    for (const s of dropped) {
      s.request.on('finish', () => setTimeout(() => s.request.destroy(), 2));
    }
    await expectNothingLeft();

    const normal: ReturnType<typeof openStream>[] = [];
    for (let i = 0; i < N; i++) normal.push(openStream(positionsPath), openStream(marketPath()));
    // Open for real: the market stream's first event and the positions snapshot arrived.
    await vi.waitFor(() => {
      for (const s of normal) expect(s.text).toMatch(/data: /);
    }, WAIT);
    expect(server.app.liveAccounts.hub.clientCount).toBe(N);
    expect(server.app.marketStreams.stats().viewers).toBe(N);
    for (const s of normal) s.request.destroy();
    await expectNothingLeft();
  });

  const cases: { route: string; path: () => string; step: string }[] = [
    { route: 'positions', path: () => positionsPath, step: 'verify' },
    { route: 'positions', path: () => positionsPath, step: 'resume' },
    { route: 'market', path: marketPath, step: 'verify' },
    { route: 'market', path: marketPath, step: 'credentialsFor' },
    { route: 'market', path: marketPath, step: 'summary' },
  ];
  it.each(cases)('a $route stream dropped while the route awaits $step', async ({ path, step }) => {
    for (let i = 0; i < 3; i++) {
      const held = gate(step);
      const stream = openStream(path());
      await held.reached;
      stream.request.destroy();
      await vi.waitFor(async () => expect(await openSockets()).toBe(0), WAIT);
      held.open();
      await expectNothingLeft();
      expect(stream.status).toBe(0);
    }
  });

  // Last: moves the session into its renewal window, which adds the renewal as an await.
  it.each([
    { route: 'positions', path: () => positionsPath },
    { route: 'market', path: marketPath },
  ])('a $route stream dropped while its session is being renewed', async ({ path }) => {
    server.clock.set(Math.max(server.clock.now(), sessionIssuedAt() + SESSION_RENEW_AFTER_MS + 1_000));
    const held = gate('renew');
    const stream = openStream(path());
    await held.reached;
    stream.request.destroy();
    await vi.waitFor(async () => expect(await openSockets()).toBe(0), WAIT);
    held.open();
    await expectNothingLeft();
  });
});

/** When the test's demo session was issued (its JWT's `iat`). */
function sessionIssuedAt(): number {
  const payload = cookie.slice('kd_session='.length).split('.')[1] ?? '';
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { iat: number };
  return claims.iat * 1000;
}
