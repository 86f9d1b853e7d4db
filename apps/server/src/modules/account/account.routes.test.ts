/**
 * The account routes end to end: Fastify in-process (app.inject), real PGlite through the
 * migrations, and the real simulator as the exchange.
 */
import { generateKeyPair, generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Fill } from '@kalshi-desk/contracts';
import { parseCount, parseDollars } from '@kalshi-desk/kalshi/protocol';
import { getTestRsaKey } from '@kalshi-desk/kalshi/testing';
import { startSimulator, type RunningSimulator } from '@kalshi-desk/simulator';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import { fabricatedRsaKeyPem, sha512OnlyPssKeyPem, smallRsaKeyPem } from '../../app/testing/rsa-keys.js';
import {
  randomKeyId,
  sessionCookieFrom,
  startTestServer,
  type TestServer,
} from '../../app/testing/test-server.js';
import { createExchangeFactory } from '../../shared/exchange.js';
import type { LiveAccounts } from '../exchange/exchange.live-accounts.js';
import { SESSION_RENEW_AFTER_MS, SESSION_TTL_MS } from '../sessions/sessions.usecases.js';

let simulator: RunningSimulator;
let server: TestServer;
/** What the account module asks of the live engine (which still does the work). */
let live: {
  ensureSession: MockInstance<LiveAccounts['ensureSession']>;
  stopSession: MockInstance<LiveAccounts['stopSession']>;
  closeStreams: MockInstance<LiveAccounts['closeStreams']>;
};

beforeAll(async () => {
  simulator = await startSimulator({
    port: 0,
    seed: 7,
    scenario: 'demo',
    demoKey: { privateKeyPem: getTestRsaKey(0).privateKeyPem },
  });
  server = await startTestServer({
    exchange: createExchangeFactory({
      env: 'simulator',
      restBaseUrl: simulator.restBaseUrl,
      wsUrl: simulator.wsUrl,
      demoAccount: simulator.demoAccount,
      maxRetries: 0,
    }),
  });
  const engine = server.app.liveAccounts;
  live = {
    ensureSession: vi.spyOn(engine, 'ensureSession'),
    stopSession: vi.spyOn(engine, 'stopSession'),
    closeStreams: vi.spyOn(engine, 'closeStreams'),
  };
});

afterAll(async () => {
  await server.close();
  await simulator.close();
});

const authenticate = (body: unknown) =>
  server.app.inject({
    method: 'POST',
    url: '/api/v1/account/authenticate',
    payload: body as Record<string, unknown>,
  });

describe('POST /api/v1/account/authenticate', () => {
  it('connects a valid key: 200, httpOnly SameSite cookie, stable user id, live session started', async () => {
    const { keyId, privateKeyPem } = simulator.demoAccount;
    const res = await authenticate({ key_id: keyId, private_key: privateKeyPem });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.status).toBe('authenticated');
    expect(Date.parse(body.session_expires_at) - server.clock.now()).toBeGreaterThan(SESSION_TTL_MS - 2000);
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/^kd_session=[^;]+;.*HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    expect(setCookie).not.toMatch(/Secure/);
    expect(live.ensureSession).toHaveBeenCalledWith(body.user_id, expect.objectContaining({ keyId }));
    expect(server.app.liveAccounts.isRunning(body.user_id)).toBe(true);

    const again = await authenticate({ key_id: keyId, private_key: privateKeyPem });
    expect(again.json().user_id).toBe(body.user_id);
  });

  it('accepts a PKCS#1 PEM as well as PKCS#8', async () => {
    const res = await authenticate({
      key_id: simulator.demoAccount.keyId,
      private_key: getTestRsaKey(0).privateKeyPemPkcs1,
    });
    expect(res.statusCode).toBe(200);
  });

  it('accepts a key pasted with escaped newlines or indentation', async () => {
    const pem = simulator.demoAccount.privateKeyPem;
    const escaped = await authenticate({
      key_id: ` ${simulator.demoAccount.keyId} `,
      private_key: pem.trim().replaceAll('\n', '\\n'),
    });
    expect(escaped.statusCode).toBe(200);
    const indented = await authenticate({
      key_id: simulator.demoAccount.keyId,
      private_key: `\n  ${pem.replaceAll('\n', '\r\n  ')}`,
    });
    expect(indented.statusCode).toBe(200);
  });

  it('answers 400 bad_request for a malformed body', async () => {
    for (const body of [
      {},
      { key_id: 'abc' },
      { key_id: '', private_key: 'x' },
      { key_id: 5, private_key: 'x' },
    ]) {
      const res = await authenticate(body);
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toBe('bad_request');
    }
    const notJson = await server.app.inject({
      method: 'POST',
      url: '/api/v1/account/authenticate',
      headers: { 'content-type': 'application/json' },
      payload: '{"key_id": "a", "private_key": ',
    });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json()).toEqual({ error: 'bad_request', message: 'The request body is not valid JSON.' });
  });

  it('answers 400 invalid_private_key for a malformed PEM, without echoing it', async () => {
    const garbage =
      '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5IGF0IGFsbA==SECRETMATERIAL\n-----END PRIVATE KEY-----';
    const res = await authenticate({ key_id: randomKeyId(), private_key: garbage });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('invalid_private_key');
    expect(res.json().message).toMatch(/RSA private key/);
    expect(res.body).not.toContain('SECRETMATERIAL');
    const notPem = await authenticate({ key_id: randomKeyId(), private_key: 'hello' });
    expect(notPem.json()).toMatchObject({ error: 'invalid_private_key' });
  });

  it('answers 400 invalid_private_key for a non-RSA key', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const res = await authenticate({
      key_id: randomKeyId(),
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_private_key' });
    expect(res.json().message).toMatch(/RSA/);
  });

  it('answers 401 invalid_credentials for an unknown key id or the wrong private key', async () => {
    const unknown = await authenticate({
      key_id: randomKeyId(),
      private_key: getTestRsaKey(1).privateKeyPem,
    });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json().error).toBe('invalid_credentials');
    const wrongKey = await authenticate({
      key_id: simulator.demoAccount.keyId,
      private_key: getTestRsaKey(1).privateKeyPem,
    });
    expect(wrongKey.statusCode).toBe(401);
    expect(wrongKey.json().error).toBe('invalid_credentials');
    expect(unknown.headers['set-cookie']).toBeUndefined();
  });

  it('answers 502 exchange_error when the exchange fails with 5xx', async () => {
    simulator.control.failNext({ status: 500, count: 1 });
    const res = await authenticate({
      key_id: simulator.demoAccount.keyId,
      private_key: simulator.demoAccount.privateKeyPem,
    });
    expect(res.statusCode).toBe(502);
    expect(res.json().error).toBe('exchange_error');
  });
});

describe('POST /api/v1/account/authenticate refuses unusable input with a 400, before signing', () => {
  /** Log lines written while `run` ran (raw JSON text). */
  const logsDuring = async <T>(run: () => Promise<T>): Promise<{ result: T; lines: string[] }> => {
    const start = server.logs.length;
    const result = await run();
    return { result, lines: server.logs.slice(start) };
  };
  const errorLines = (lines: string[]) =>
    lines.filter((line) => (JSON.parse(line) as { level: number }).level >= 50);

  it('refuses RSA keys under 2048 bits (a 512-bit key used to fail inside the signer with a 500)', async () => {
    for (const bits of [512, 1024]) {
      const res = await authenticate({ key_id: randomKeyId(), private_key: smallRsaKeyPem(bits) });
      expect(res.statusCode, `${bits} bits`).toBe(400);
      expect(res.json()).toEqual({
        error: 'invalid_private_key',
        message: `The private key is ${bits} bits: expected an RSA key of 2048 to 4096 bits`,
      });
    }
  });

  it('refuses RSA keys over 4096 bits without signing: parallel huge keys do not stall the server', async () => {
    // One signature with a 16,384-bit key takes over a second of main-thread CPU; five posted
    // at once used to hold /health for seconds.
    const huge = fabricatedRsaKeyPem(16_384);
    const started = performance.now();
    const [health, ...answers] = await Promise.all([
      server.app.inject({ url: '/api/v1/health' }),
      ...Array.from({ length: 5 }, () => authenticate({ key_id: randomKeyId(), private_key: huge })),
    ]);
    const elapsedMs = performance.now() - started;
    expect(health?.statusCode).toBe(200);
    // Generous for a shared machine; the five signatures alone took over 5 s of CPU.
    expect(elapsedMs).toBeLessThan(1500);
    for (const res of answers) {
      // Its PEM is past the request schema's cap, so it is not even parsed.
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({
        error: 'bad_request',
        message:
          'Invalid request body: private_key: private_key is too long for an RSA key of at most 4096 bits',
      });
    }
    // A PEM under the cap is refused by its key size, before any signature.
    const big = await authenticate({ key_id: randomKeyId(), private_key: fabricatedRsaKeyPem(8192) });
    expect(big.statusCode).toBe(400);
    expect(big.json()).toEqual({
      error: 'invalid_private_key',
      message: 'The private key is 8192 bits: expected an RSA key of 2048 to 4096 bits',
    });
  });

  it('accepts a 4096-bit key', async () => {
    const { privateKey, publicKey } = await new Promise<{ privateKey: string; publicKey: string }>(
      (resolve, reject) =>
        generateKeyPair(
          'rsa',
          {
            modulusLength: 4096,
            publicKeyEncoding: { type: 'spki', format: 'pem' },
            privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
          },
          (error, pub, priv) => (error ? reject(error) : resolve({ privateKey: priv, publicKey: pub })),
        ),
    );
    const { userId } = simulator.control.createAccount({ balance: '10.00' });
    const { keyId } = await simulator.control.createApiKey({ userId, publicKeyPem: publicKey });
    const res = await authenticate({ key_id: keyId, private_key: privateKey });
    expect(res.statusCode).toBe(200);
  });

  it('refuses an RSA-PSS key restricted to other digests (it used to fail inside the signer with a 500)', async () => {
    const res = await authenticate({ key_id: randomKeyId(), private_key: sha512OnlyPssKeyPem() });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_private_key' });
    expect(res.json().message).toMatch(/SHA-256/);
  });

  it('refuses a key_id that cannot go in an HTTP header with 400, logged below error level', async () => {
    // A newline or NUL used to reach the signed request's header: 503 exchange_unreachable,
    // logged as an error; non-ASCII went to the exchange as mojibake.
    const pem = simulator.demoAccount.privateKeyPem;
    for (const keyId of ['a\nb', 'a\u0000b', 'clé', 'a b', 'a\tb', 'x'.repeat(129)]) {
      const { result: res, lines } = await logsDuring(() =>
        authenticate({ key_id: keyId, private_key: pem }),
      );
      expect(res.statusCode, JSON.stringify(keyId)).toBe(400);
      expect(res.json().error).toBe('bad_request');
      expect(res.json().message).toMatch(
        /^Invalid request body: key_id: key_id (must be visible ASCII|is at most 128)/,
      );
      expect(errorLines(lines)).toEqual([]);
    }
    // The usecase checks too (the demo route and other callers skip the request schema).
    await expect(
      server.app.account.authenticate({ keyId: 'a\nb', privateKeyPem: pem }),
    ).rejects.toMatchObject({ code: 'bad_request', statusCode: 400 });
  });

  it('bounds the history cursor and ticker it passes to the exchange (a huge one came back as a 502)', async () => {
    const login = await server.app.inject({ method: 'POST', url: '/api/v1/account/authenticate/demo' });
    const cookie = sessionCookieFrom(login.headers['set-cookie']);
    for (const query of [
      `cursor=${'x'.repeat(30_000)}`,
      `ticker=${'x'.repeat(30_000)}`,
      'ticker=%C3%A9',
      'cursor=%00',
    ]) {
      for (const route of ['fills', 'orders', 'settlements']) {
        const res = await server.app.inject({
          url: `/api/v1/account/${route}?${query}`,
          headers: { cookie },
        });
        expect(res.statusCode, `${route}?${query.slice(0, 20)}`).toBe(400);
        expect(res.json().error).toBe('bad_request');
      }
    }
    const ok = await server.app.inject({ url: '/api/v1/account/fills?ticker=&cursor=', headers: { cookie } });
    expect(ok.statusCode).toBe(200);
  });
});

describe('POST /api/v1/account/authenticate against an unreachable or odd exchange', () => {
  let fake: Server;
  let fakeUrl: string;
  let other: TestServer | null = null;

  beforeAll(async () => {
    // Kalshi's nested 401 body, as recorded (docs/kalshi-protocol.md §2.4).
    fake = createHttpServer((_req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(
        '{"error":{"code":"authentication_error","message":"authentication_error","details":"NOT_FOUND"}}',
      );
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}/trade-api/v2`;
  });
  afterAll(async () => {
    await other?.close();
    await new Promise((resolve) => fake.close(resolve));
  });

  it('maps a network failure to 503 exchange_unreachable and Kalshi 401 to invalid_credentials', async () => {
    const closedPort = createExchangeFactory({
      env: 'custom',
      restBaseUrl: 'http://127.0.0.1:1/trade-api/v2',
      wsUrl: 'ws://127.0.0.1:1/trade-api/ws/v2',
      maxRetries: 0,
    });
    other = await startTestServer({ exchange: closedPort, database: server.database });
    const res = await other.app.inject({
      method: 'POST',
      url: '/api/v1/account/authenticate',
      payload: { key_id: randomKeyId(), private_key: getTestRsaKey(0).privateKeyPem },
    });
    expect(res.statusCode).toBe(503);
    expect(res.json().error).toBe('exchange_unreachable');
    await other.close();

    other = await startTestServer({
      exchange: createExchangeFactory({
        env: 'custom',
        restBaseUrl: fakeUrl,
        wsUrl: fakeUrl.replace('http', 'ws'),
        maxRetries: 0,
      }),
      database: server.database,
    });
    const rejected = await other.app.inject({
      method: 'POST',
      url: '/api/v1/account/authenticate',
      payload: { key_id: randomKeyId(), private_key: getTestRsaKey(0).privateKeyPem },
    });
    expect(rejected.statusCode).toBe(401);
    expect(rejected.json().error).toBe('invalid_credentials');
    const demo = await other.app.inject({ method: 'POST', url: '/api/v1/account/authenticate/demo' });
    expect(demo.statusCode).toBe(404);
    expect(demo.json().error).toBe('not_available');
  });
});

describe('sessions over HTTP', () => {
  const connectDemo = async () => {
    const res = await server.app.inject({ method: 'POST', url: '/api/v1/account/authenticate/demo' });
    expect(res.statusCode).toBe(200);
    const cookie = sessionCookieFrom(res.headers['set-cookie']);
    return { cookie, token: cookie.slice('kd_session='.length), userId: res.json().user_id as string };
  };

  const probe = (headers: Record<string, string> = {}) =>
    server.app.inject({ method: 'GET', url: '/api/v1/account/session', headers });
  const fills = (cookie: string) =>
    server.app.inject({ method: 'GET', url: '/api/v1/account/fills', headers: { cookie } });

  it('the one-click demo account connects in simulator mode', async () => {
    const { cookie, userId } = await connectDemo();
    const res = await probe({ cookie });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      authenticated: true,
      user_id: userId,
      key_id: simulator.demoAccount.keyId,
      session_expires_at: expect.any(String),
    });
    // A young session is not renewed: the probe leaves the cookie alone.
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('accepts Authorization: Bearer as well as the cookie', async () => {
    const { token } = await connectDemo();
    const res = await probe({ authorization: `Bearer ${token}` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ authenticated: true });
  });

  it('a probe without a session answers 200 not signed in, and sets no cookie', async () => {
    const res = await probe();
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ authenticated: false });
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('a tampered cookie is answered 200 not signed in and cleared; data routes refuse it with not_authenticated', async () => {
    const { cookie } = await connectDemo();
    const tampered = cookie.slice(0, -3) + (cookie.endsWith('AAA') ? 'BBB' : 'AAA');
    const res = await probe({ cookie: tampered });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ authenticated: false });
    expect(String(res.headers['set-cookie'])).toMatch(/^kd_session=;/);
    const refused = await fills(tampered);
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error).toBe('not_authenticated');
    const bearer = await probe({ authorization: `Bearer ${tampered.slice('kd_session='.length)}` });
    expect(bearer.json()).toEqual({ authenticated: false });
    // A bearer token is not a cookie: nothing to clear.
    expect(bearer.headers['set-cookie']).toBeUndefined();
  });

  it('an expired session is answered 200 not signed in and cleared; data routes refuse it with session_expired', async () => {
    const { cookie } = await connectDemo();
    server.clock.advanceBy(SESSION_TTL_MS + 1000);
    const res = await probe({ cookie });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ authenticated: false });
    expect(String(res.headers['set-cookie'])).toMatch(/^kd_session=;/);
    const refused = await fills(cookie);
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error).toBe('session_expired');
  });

  it('a dead cookie gets the same answer whether or not it names a real user', async () => {
    const { cookie: expiring } = await connectDemo();
    const { cookie: revoked } = await connectDemo();
    const out = await server.app.inject({
      method: 'DELETE',
      url: '/api/v1/account/logout',
      headers: { cookie: revoked },
    });
    expect(out.statusCode).toBe(200);
    server.clock.advanceBy(SESSION_TTL_MS + 1000);
    // Well signed with the server's own secret, for a user and a session that never existed.
    const nowSeconds = Math.floor(server.clock.now() / 1000);
    const forged = await new SignJWT({ kid: randomKeyId() })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(randomUUID())
      .setJti(randomUUID())
      .setIssuer('kalshi-desk')
      .setAudience('kalshi-desk/api')
      .setIssuedAt(nowSeconds)
      .setExpirationTime(nowSeconds + 3600)
      .sign(server.config.sessionSecret);

    const answers = [];
    for (const cookie of [expiring, revoked, `kd_session=${forged}`, 'kd_session=not-a-token']) {
      const res = await probe({ cookie });
      answers.push({ status: res.statusCode, body: res.body, setCookie: res.headers['set-cookie'] });
    }
    expect(answers[0]).toEqual({
      status: 200,
      body: '{"authenticated":false}',
      setCookie: expect.stringMatching(/^kd_session=;/),
    });
    for (const answer of answers) expect(answer).toEqual(answers[0]);
  });

  it('a live session whose stored key is gone is not signed in; its data routes answer 401', async () => {
    const { cookie, userId } = await connectDemo();
    await server.app.account.credentials.delete(userId);
    const res = await probe({ cookie });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ authenticated: false });
    const refused = await fills(cookie);
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error).toBe('not_authenticated');
    // Connecting again stores the key again (later tests use the demo account).
    const again = await connectDemo();
    expect((await probe({ cookie: again.cookie })).json()).toMatchObject({ authenticated: true });
  });

  it('renews a cookie session older than 20 h', async () => {
    const { cookie } = await connectDemo();
    server.clock.advanceBy(SESSION_RENEW_AFTER_MS + 1000);
    const res = await probe({ cookie });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ authenticated: true });
    const renewed = sessionCookieFrom(res.headers['set-cookie']);
    expect(renewed).not.toBe(cookie);
    expect(String(res.headers['set-cookie'])).toMatch(/HttpOnly/);
    expect(Date.parse(res.json().session_expires_at)).toBeGreaterThan(
      server.clock.now() + SESSION_TTL_MS - 2000,
    );
    expect((await probe({ cookie: renewed })).json()).toMatchObject({ authenticated: true });
  });

  it('logout revokes the session and closes its streams; the key is deleted when no other session is live', async () => {
    const first = await connectDemo();
    const second = await connectDemo();
    live.stopSession.mockClear();
    live.closeStreams.mockClear();
    const out1 = await server.app.inject({
      method: 'DELETE',
      url: '/api/v1/account/logout',
      headers: { cookie: first.cookie },
    });
    expect(out1.statusCode).toBe(200);
    expect(out1.json()).toEqual({ status: 'logged_out' });
    expect(String(out1.headers['set-cookie'])).toMatch(/kd_session=;/);
    expect(live.closeStreams).toHaveBeenCalledWith(first.userId, expect.any(String));
    expect(live.stopSession).not.toHaveBeenCalledWith(first.userId);
    expect(server.app.liveAccounts.isRunning(first.userId)).toBe(true);
    const after = await server.app.inject({
      method: 'GET',
      url: '/api/v1/account/session',
      headers: { cookie: first.cookie },
    });
    expect(after.statusCode).toBe(200);
    expect(after.json()).toEqual({ authenticated: false });
    const revokedFills = await fills(first.cookie);
    expect(revokedFills.statusCode).toBe(401);
    expect(revokedFills.json().error).toBe('session_expired');
    // The other session still works, and so do its exchange calls (the key is still stored).
    expect((await fills(second.cookie)).statusCode).toBe(200);

    // Any earlier sessions of the demo account from other tests must end too.
    server.clock.advanceBy(SESSION_TTL_MS + 1000);
    const third = await connectDemo();
    const out3 = await server.app.inject({
      method: 'DELETE',
      url: '/api/v1/account/logout',
      headers: { cookie: third.cookie },
    });
    expect(out3.statusCode).toBe(200);
    expect(live.stopSession).toHaveBeenCalledWith(third.userId);
    expect(server.app.liveAccounts.isRunning(third.userId)).toBe(false);
    expect(await server.app.account.credentials.has(third.userId)).toBe(false);
  });
});

describe('history routes', () => {
  let cookie: string;
  beforeAll(async () => {
    const res = await server.app.inject({ method: 'POST', url: '/api/v1/account/authenticate/demo' });
    cookie = sessionCookieFrom(res.headers['set-cookie']);
  });

  it('GET /fills maps Kalshi fills exactly (cents, dollars, contracts)', async () => {
    const res = await server.app.inject({
      method: 'GET',
      url: '/api/v1/account/fills?limit=50',
      headers: { cookie },
    });
    expect(res.statusCode).toBe(200);
    const direct = await createExchangeFactory({
      env: 'simulator',
      restBaseUrl: simulator.restBaseUrl,
      wsUrl: simulator.wsUrl,
    })
      .rest(simulator.demoAccount)
      .getFills({ limit: 50 });
    const body = res.json<{ fills: Fill[] }>();
    expect(body.fills.length).toBe(direct.fills.length);
    expect(body.fills.length).toBeGreaterThan(0);
    for (const [i, fill] of direct.fills.entries()) {
      const ours = body.fills[i];
      if (ours === undefined) throw new Error(`fill ${i} missing`);
      expect(ours.fill_id).toBe(fill.fill_id);
      expect(ours.side).toBe(fill.outcome_side === 'yes' ? 'YES' : 'NO');
      // "0.5600" -> 56 cents; "10.00" -> 10 contracts; "0.017500" -> 0.0175 dollars.
      expect(ours.yes_price).toBe(parseDollars(fill.yes_price_dollars) / 10_000);
      expect(ours.price).toBe(
        parseDollars(fill.outcome_side === 'yes' ? fill.yes_price_dollars : fill.no_price_dollars) / 10_000,
      );
      expect(ours.count).toBe(parseCount(fill.count_fp) / 100);
      expect(ours.fee).toBe(parseDollars(fill.fee_cost) / 1_000_000);
    }
  });

  it('GET /orders and /settlements answer in our shapes', async () => {
    const orders = await server.app.inject({
      method: 'GET',
      url: '/api/v1/account/orders',
      headers: { cookie },
    });
    expect(orders.statusCode).toBe(200);
    expect(Array.isArray(orders.json().orders)).toBe(true);
    const settlements = await server.app.inject({
      method: 'GET',
      url: '/api/v1/account/settlements',
      headers: { cookie },
    });
    expect(settlements.statusCode).toBe(200);
    expect(settlements.json()).toHaveProperty('settlements');
  });

  it('two users with two keys each see only their own history', async () => {
    const other = simulator.control.createAccount({ balance: '100.00' });
    const key = await simulator.control.createApiKey({ userId: other.userId });
    const { markets } = await createExchangeFactory({
      env: 'simulator',
      restBaseUrl: simulator.restBaseUrl,
      wsUrl: simulator.wsUrl,
    })
      .rest()
      .getMarkets({ status: 'open', limit: 1 });
    const ticker = markets[0]?.ticker ?? '';
    simulator.control.placeOrder({
      userId: other.userId,
      ticker,
      side: 'bid',
      price: '0.9900',
      count: '1.00',
      timeInForce: 'immediate_or_cancel',
    });

    const login = await authenticate({ key_id: key.keyId, private_key: key.privateKeyPem });
    expect(login.statusCode).toBe(200);
    const otherCookie = sessionCookieFrom(login.headers['set-cookie']);
    const theirs = (
      await server.app.inject({
        method: 'GET',
        url: '/api/v1/account/fills',
        headers: { cookie: otherCookie },
      })
    ).json<{ fills: Fill[] }>();
    const mine = (
      await server.app.inject({ method: 'GET', url: '/api/v1/account/fills?limit=1000', headers: { cookie } })
    ).json<{ fills: Fill[] }>();
    expect(theirs.fills.length).toBeGreaterThan(0);
    expect(theirs.fills.every((f) => f.ticker === ticker)).toBe(true);
    const mineIds = new Set(mine.fills.map((f) => f.fill_id));
    expect(theirs.fills.some((f) => mineIds.has(f.fill_id))).toBe(false);
  });

  it('history, logout and the market stream still answer 401 without a session', async () => {
    for (const [method, url] of [
      ['GET', '/api/v1/account/fills'],
      ['GET', '/api/v1/account/orders'],
      ['GET', '/api/v1/account/settlements'],
      ['DELETE', '/api/v1/account/logout'],
      // The session is checked before the market is looked up, so any well-formed ticker does.
      ['GET', '/api/v1/markets/ANY-TICKER/sse'],
    ] as const) {
      const res = await server.app.inject({ method, url });
      expect(res.statusCode, `${method} ${url}`).toBe(401);
      expect(res.json().error).toBe('not_authenticated');
    }
  });
});

describe('credentials never leak', () => {
  it('no log line and no response contains private key material', async () => {
    const pem = simulator.demoAccount.privateKeyPem;
    const body = pem.split('\n').find((line) => line.length > 40 && !line.startsWith('-----')) ?? '';
    expect(body.length).toBeGreaterThan(40);
    // One more authenticate with a bad-key id and a header-borne token, to exercise logging paths.
    await authenticate({ key_id: randomKeyId(), private_key: pem });
    expect(server.logs.length).toBeGreaterThan(10);
    for (const line of server.logs) {
      expect(line).not.toContain(body);
      expect(line).not.toContain('SECRETMATERIAL');
      // Help texts may name the PEM header; key material would follow it.
      expect(line).not.toMatch(/PRIVATE KEY-----(\\n|\n)[A-Za-z0-9+/]{16}/);
      expect(line).not.toMatch(/kd_session=ey/);
    }
  });
});
