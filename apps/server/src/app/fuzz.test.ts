/**
 * The fuzz suite: thousands of hostile requests, generated with fast-check from the OpenAPI
 * document the server serves (testing/fuzz-requests.ts), sent in-process with `app.inject` to
 * the whole server wired to the simulator. Every answer must be:
 * - never a 5xx, and never a hang;
 * - for an error, exactly `{"error", "message"}` (the contracts' error body) with a known code;
 * - free of Fastify's internals (`FST_`), stack traces, SQL, file paths, error class names,
 *   and any private key material (the stored demo key and every key the request carried);
 * and no log line may be at error level (a client's mistake is not the server's error).
 *
 * Deterministic: the requests come from a fixed, printed seed. `npm test` sends 10,000;
 * `npm run fuzz` (root) sends 100,000. FUZZ_REQUESTS and FUZZ_SEED override either, so a
 * failure printed here can be replayed with its seed.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import path from 'node:path';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { errorBodySchema, errorCodes } from '@kalshi-desk/contracts';
import { getTestRsaKey } from '@kalshi-desk/kalshi/testing';
import { ManualClock, startSimulator, type RunningSimulator } from '@kalshi-desk/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExchangeFactory } from '../shared/exchange.js';
import {
  fuzzRequests,
  operationsOf,
  type Operation,
  type RequestPlan,
  type SessionPlan,
} from './testing/fuzz-requests.js';
import { fabricatedRsaKeyPem, sha512OnlyPssKeyPem, smallRsaKeyPem } from './testing/rsa-keys.js';
import { findSecretLeaks } from './testing/secrets.js';
import { sessionCookieFrom, startTestServer, testConfig, type TestServer } from './testing/test-server.js';

const IS_LONG = process.env.FUZZ_LONG === '1';
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? (IS_LONG ? 100_000 : 10_000));
const SEED = Number(process.env.FUZZ_SEED ?? 20_260_601);
/** Longer than any honest answer: the exchange call inside one times out after 3 s. */
const HANG_MS = 15_000;
/** Distinct failures printed in full (the rest are counted). */
const SHOWN_FAILURES = 25;

const REPO_ROOT = path.resolve(import.meta.dirname, '../../../..');
const exactErrorBody = errorBodySchema.strict();
const knownCodes: readonly string[] = errorCodes;

/** Never in any body. */
const ALWAYS_FORBIDDEN: [string, RegExp][] = [
  ['a Fastify error code', /FST_/],
  ['a stack trace', /\n\s+at \S|\bat \S+ \([^)]*:\d+:\d+\)|\.[cm]?[jt]s:\d+:\d+/],
  ['a file path', /node_modules|file:\/\/|\/work\/|\/home\/|\/usr\/(lib|local)/],
];
/** Never in an error body. */
const ERROR_FORBIDDEN: [string, RegExp][] = [
  [
    'SQL',
    /\bselect\s[\s\S]{0,120}\sfrom\s|\binsert\s+into\b|\bupdate\s+"?\w+"?\s+set\b|\bdelete\s+from\b|syntax error at or near|violates\s+\w+(\s+\w+)?\s+constraint|relation "|drizzle|pglite|postgres/i,
  ],
  [
    'an internal error name',
    /\b(TypeError|RangeError|SyntaxError|ReferenceError|AbortError|ZodError|KalshiKeyError|KalshiNetworkError|KalshiApiError)\b|Cannot read propert|is not a function|is not defined/,
  ],
];

let sim: RunningSimulator;
let server: TestServer;
let operations: Operation[];
let token = '';
let revokedToken = '';
let keyPool: string[] = [];

async function signIn(): Promise<string> {
  const login = await server.app.inject({ method: 'POST', url: '/api/v1/account/authenticate/demo' });
  expect(login.statusCode).toBe(200);
  return sessionCookieFrom(login.headers['set-cookie']).slice('kd_session='.length);
}

beforeAll(async () => {
  sim = await startSimulator({
    port: 0,
    seed: 11,
    scenario: 'demo',
    // No timers: the exchange holds still while the fuzzer pokes at the server.
    clock: new ManualClock(Date.now()),
    demoKey: { privateKeyPem: getTestRsaKey(0).privateKeyPem },
  });
  server = await startTestServer({
    exchange: createExchangeFactory({
      env: 'simulator',
      restBaseUrl: sim.restBaseUrl,
      wsUrl: sim.wsUrl,
      demoAccount: sim.demoAccount,
      maxRetries: 0,
      timeoutMs: 3_000,
    }),
    // Budgets far past what the fuzzer sends: a 429 would end most requests before the routes.
    config: testConfig({ RATE_LIMIT_READS_PER_MINUTE: '1000000', RATE_LIMIT_WRITES_PER_MINUTE: '1000000' }),
    authRateLimitPerMinute: 10_000_000,
    liveEngine: { clock: { now: () => Date.now() } },
  });
  const docs = await server.app.inject({ url: '/docs/json' });
  expect(docs.statusCode).toBe(200);
  operations = operationsOf(docs.json());

  revokedToken = await signIn();
  const logout = await server.app.inject({
    method: 'DELETE',
    url: '/api/v1/account/logout',
    headers: { authorization: `Bearer ${revokedToken}` },
  });
  expect(logout.statusCode).toBe(200);
  token = await signIn();

  const pkcs8 = (key: { export(o: { type: 'pkcs8'; format: 'pem' }): string | Buffer }) =>
    key.export({ type: 'pkcs8', format: 'pem' }).toString();
  keyPool = [
    sim.demoAccount.privateKeyPem,
    getTestRsaKey(0).privateKeyPemPkcs1,
    getTestRsaKey(1).privateKeyPem,
    smallRsaKeyPem(512),
    smallRsaKeyPem(1024),
    fabricatedRsaKeyPem(4096),
    fabricatedRsaKeyPem(8192),
    fabricatedRsaKeyPem(16_384),
    sha512OnlyPssKeyPem(),
    pkcs8(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey),
    pkcs8(generateKeyPairSync('ed25519').privateKey),
  ];
}, 120_000);

afterAll(async () => {
  await server?.close();
  await sim?.close();
});

/** The hints that let requests past the schema: real tickers, real key ids, usable keys. */
function hints() {
  const markets = sim.engine.listMarkets();
  const tickers = markets.map((m) => m.ticker);
  const events = [...new Set(markets.map((m) => m.eventTicker))];
  // The demo key (the one that connects) comes up often enough for requests to reach the exchange.
  const [demoPem = '', ...otherPems] = keyPool;
  const pem = fc.oneof(fc.constant(demoPem), fc.constantFrom(...otherPems)).chain((key) =>
    fc.oneof(
      { arbitrary: fc.constant(key), weight: 4 },
      fc.constant(key.replaceAll('\n', '\\n')),
      fc.constant(key.replaceAll('\n', '\r\n')),
      fc.constant(key.replace(/^/gm, '   ')),
      fc.constant(key.replace(/-----[^\n]*-----\n?/g, '')),
      fc.constant(key.replace('PRIVATE KEY', 'RSA PRIVATE KEY')),
      fc.constant(key + key),
      fc.nat(key.length).map((n) => key.slice(0, n)),
      fc.nat(key.length).map((n) => `${key.slice(0, n)}\u0000${key.slice(n)}`),
    ),
  );
  const DAY = 86_400_000;
  const anchor = Date.UTC(2026, 5, 1);
  const nearTime = fc
    .integer({ min: -800, max: 800 })
    .map((days) => new Date(anchor + days * DAY).toISOString());
  return {
    values: {
      ticker: fc.constantFrom(...tickers, ...tickers.map((t) => t.toLowerCase()), 'KXNOPE-1'),
      event_ticker: fc.constantFrom(...events, 'KXNOPE'),
      key_id: fc.constantFrom(sim.demoAccount.keyId, randomUUID(), ` ${sim.demoAccount.keyId} `),
      private_key: pem,
      from: nearTime,
      to: nearTime,
    },
  };
}

function present(via: 'cookie' | 'bearer', value: string): Record<string, string> {
  return via === 'cookie' ? { cookie: `kd_session=${value}` } : { authorization: `Bearer ${value}` };
}

function tampered(value: string, how: 'flip' | 'truncate' | 'append', at: number): string {
  const i = at % value.length;
  if (how === 'truncate') return value.slice(0, i);
  if (how === 'append') return `${value}x`;
  const swapped = value[i] === 'A' ? 'B' : 'A';
  return `${value.slice(0, i)}${swapped}${value.slice(i + 1)}`;
}

function sessionHeaders(session: SessionPlan): Record<string, string> {
  switch (session.kind) {
    case 'none':
      return {};
    case 'valid':
      return present(session.via, token);
    case 'tampered':
      return present(session.via, tampered(token, session.how, session.at));
    case 'revoked':
      return present(session.via, revokedToken);
    case 'forged':
      if (session.via === 'raw-cookie') return { cookie: session.token };
      if (session.via === 'raw-authorization') return { authorization: session.token };
      return present(session.via, session.token);
  }
}

/** What one request sends (what `app.inject` takes, with every part a plain string). */
interface Injection {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
}

function injectOptions(plan: RequestPlan): Injection {
  const headers: Record<string, string> = { ...sessionHeaders(plan.session) };
  for (const [name, value] of plan.headers) headers[name] = value;
  if (plan.body?.contentType != null) headers['content-type'] = plan.body.contentType;
  return {
    method: plan.method,
    url: plan.url,
    headers,
    ...(plan.body ? { payload: plan.body.payload } : {}),
  };
}

/** The keys whose material could show up: the stored demo key and any the request carried. */
function keysAtRisk(plan: RequestPlan): string[] {
  const payload = plan.body?.payload ?? '';
  return keyPool.filter((pem, i) => {
    if (i === 0) return true;
    const line = pem.split('\n').find((l) => l.length >= 64 && !l.startsWith('-----')) ?? '';
    return line !== '' && payload.includes(line.slice(0, 40));
  });
}

/** Bodies already checked for leaks (big market lists repeat). */
const cleanBodies = new Set<string>();

function problemsWith(plan: RequestPlan, res: LightMyRequestResponse): string[] {
  const problems: string[] = [];
  if (res.statusCode >= 500) problems.push(`answered ${res.statusCode}`);
  const body = res.body;
  const isError = res.statusCode >= 400;
  if (isError && plan.method !== 'HEAD') {
    let parsed: unknown = undefined;
    try {
      parsed = JSON.parse(body);
    } catch {
      problems.push('error body is not JSON');
    }
    const shape = exactErrorBody.safeParse(parsed);
    if (!shape.success) problems.push('error body is not exactly {error, message}');
    else if (!knownCodes.includes(shape.data.error)) problems.push(`unknown error code ${shape.data.error}`);
    if (!String(res.headers['content-type']).startsWith('application/json')) {
      problems.push('error is not sent as JSON');
    }
  }
  // The not-found answer names the path it was asked for; that is the client's own text.
  const askedPath = (plan.url.split('?')[0] ?? '').slice(0, 199);
  const scrubbed = askedPath === '' ? body : body.replaceAll(askedPath, '');
  for (const [what, pattern] of isError ? [...ALWAYS_FORBIDDEN, ...ERROR_FORBIDDEN] : ALWAYS_FORBIDDEN) {
    if (pattern.test(scrubbed)) problems.push(`body shows ${what}`);
  }
  if (scrubbed.includes(REPO_ROOT)) problems.push('body shows a file path');
  if (!cleanBodies.has(body)) {
    for (const pem of keysAtRisk(plan)) {
      const leaks = findSecretLeaks(body, pem);
      if (leaks.length > 0) problems.push(`body leaks a private key (${leaks.join(', ')})`);
    }
    if (body.length > 2_000 && problems.length === 0) cleanBodies.add(body);
  }
  return problems;
}

async function send(options: Injection): Promise<LightMyRequestResponse | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), HANG_MS);
  });
  try {
    return await Promise.race([server.app.inject(options), hang]);
  } finally {
    clearTimeout(timer);
  }
}

function describeRequest(options: Injection): string {
  const cut = (text: string) => (text.length > 300 ? `${text.slice(0, 300)}… (${text.length} chars)` : text);
  return JSON.stringify({
    method: options.method,
    url: cut(options.url),
    headers: Object.fromEntries(Object.entries(options.headers).map(([k, v]) => [k, cut(v)])),
    ...(options.payload === undefined ? {} : { payload: cut(options.payload) }),
  });
}

describe('fuzzing every route of the OpenAPI document', () => {
  it(
    `${REQUESTS} generated requests (seed ${SEED}): no 5xx, every error {error, message}, nothing internal or secret`,
    { timeout: Math.max(120_000, REQUESTS * 20) },
    async () => {
      expect(operations.length).toBeGreaterThanOrEqual(15);
      const plans = fc.sample(fuzzRequests(operations, hints()), { seed: SEED, numRuns: REQUESTS });
      console.log(
        `fuzz: ${REQUESTS} requests over ${operations.length} operations, seed ${SEED}` +
          ` (replay: FUZZ_SEED=${SEED} FUZZ_REQUESTS=${REQUESTS})`,
      );
      const logStart = server.logs.length;
      const started = performance.now();
      const byStatus = new Map<number, number>();
      const byTarget = new Map<string, { sent: number; ok: number }>();
      const failures = new Map<string, { count: number; example: string }>();
      let unsendable = 0;
      let relogins = 0;

      for (const [index, plan] of plans.entries()) {
        const options = injectOptions(plan);
        let res: LightMyRequestResponse | 'hung';
        try {
          res = await send(options);
        } catch (error) {
          // light-my-request refused to build it (no real client could send it either).
          unsendable += 1;
          if (unsendable <= 3)
            console.log(`fuzz: unsendable #${index}: ${String(error)} ${describeRequest(options)}`);
          continue;
        }
        const target = byTarget.get(plan.target) ?? { sent: 0, ok: 0 };
        target.sent += 1;
        byTarget.set(plan.target, target);
        const problems = res === 'hung' ? [`no answer within ${HANG_MS} ms`] : problemsWith(plan, res);
        if (res !== 'hung') {
          byStatus.set(res.statusCode, (byStatus.get(res.statusCode) ?? 0) + 1);
          if (res.statusCode < 300) target.ok += 1;
        }
        for (const problem of problems) {
          const key = `${plan.target} [${plan.method}]: ${problem}`;
          const seen = failures.get(key);
          if (seen) seen.count += 1;
          else {
            const answer = res === 'hung' ? 'no answer' : `${res.statusCode} ${res.body.slice(0, 300)}`;
            failures.set(key, { count: 1, example: `#${index} ${describeRequest(options)} -> ${answer}` });
          }
        }
        // The fuzzer logs itself out now and then (DELETE /logout with the valid session).
        if (plan.session.kind === 'valid' && res !== 'hung' && res.statusCode === 401) {
          token = await signIn();
          relogins += 1;
        }
      }

      const seconds = (performance.now() - started) / 1000;
      const checksStarted = performance.now();
      const errorLogs = server.logs
        .slice(logStart)
        .filter((line) => (JSON.parse(line) as { level: number }).level >= 50);
      // Every key the fuzzer used, against every log line the server wrote itself: Fastify's
      // own request lines hold only the method, URL, status, addresses and Accept-Version, and
      // the fuzzer puts key material only in bodies. The whole log at once, then line by line
      // only to show where a leak is.
      const logLines = server.logs
        .slice(logStart)
        .filter((line) => !/"msg":"(incoming request|request completed)"/.test(line));
      const logText = logLines.join('\n');
      const leakingKeys = keyPool.filter((pem) => findSecretLeaks(logText, pem).length > 0);
      const logLeaks: string[] = [];
      for (const line of leakingKeys.length === 0 ? [] : logLines) {
        if (leakingKeys.some((pem) => findSecretLeaks(line, pem).length > 0)) logLeaks.push(line);
        if (logLeaks.length === 3) break;
      }

      console.log(
        `fuzz: ${REQUESTS} requests in ${seconds.toFixed(1)} s (${Math.round(REQUESTS / seconds)}/s), ` +
          `${unsendable} unsendable, ${relogins} re-logins; statuses ${JSON.stringify(Object.fromEntries([...byStatus].sort()))}`,
      );
      console.log(`fuzz: log checks took ${((performance.now() - checksStarted) / 1000).toFixed(1)} s`);
      console.log(
        `fuzz: per operation (sent/2xx): ${[...byTarget].map(([t, c]) => `${t} ${c.sent}/${c.ok}`).join('; ')}`,
      );
      const shown = [...failures]
        .slice(0, SHOWN_FAILURES)
        .map(([key, f]) => `${key} (x${f.count})\n    ${f.example}`);
      if (shown.length > 0) console.log(`fuzz: ${failures.size} kinds of failure:\n${shown.join('\n')}`);
      if (logLeaks.length > 0) console.log(`fuzz: log lines with key material:\n${logLeaks.join('\n')}`);
      if (errorLogs.length > 0)
        console.log(`fuzz: error-level log lines, first: ${errorLogs.slice(0, 3).join('\n')}`);

      expect(shown, `seed ${SEED}`).toEqual([]);
      expect(errorLogs.slice(0, 3)).toEqual([]);
      expect(logLeaks).toEqual([]);
      expect(unsendable).toBe(0);
      // Every operation was exercised, and the fuzzer got past the front door often enough.
      for (const operation of operations) {
        expect(byTarget.get(`${operation.method} ${operation.path}`)?.sent ?? 0).toBeGreaterThan(
          REQUESTS / 100,
        );
      }
      const answered2xx = [...byStatus].filter(([status]) => status < 300).reduce((n, [, c]) => n + c, 0);
      expect(answered2xx).toBeGreaterThan(REQUESTS / 20);
    },
  );
});
