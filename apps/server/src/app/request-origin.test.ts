/**
 * Cross-site request forgery and deployment hardening, in the whole server against the real
 * simulator: a state-changing request from another site is refused before it does anything,
 * requests that carry a body must carry JSON, and a deployment reachable from other machines
 * (or talking to a real exchange) gets Secure cookies and HSTS.
 */
import { getTestRsaKey } from '@kalshi-desk/kalshi/testing';
import { startSimulator, type RunningSimulator } from '@kalshi-desk/simulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExchangeFactory, type ExchangeFactory } from '../shared/exchange.js';
import { startTestServer, testConfig, type TestServer } from './testing/test-server.js';

let simulator: RunningSimulator;
let exchange: ExchangeFactory;
let server: TestServer;

beforeAll(async () => {
  simulator = await startSimulator({
    port: 0,
    seed: 9,
    scenario: 'quiet',
    demoKey: { privateKeyPem: getTestRsaKey(0).privateKeyPem },
  });
  exchange = createExchangeFactory({
    env: 'simulator',
    restBaseUrl: simulator.restBaseUrl,
    wsUrl: simulator.wsUrl,
    demoAccount: simulator.demoAccount,
  });
  server = await startTestServer({
    exchange,
    config: testConfig({ CORS_ORIGINS: 'https://desk.example.com' }),
  });
});

afterAll(async () => {
  await server?.close();
  await simulator?.close();
});

const demo = (headers: Record<string, string>, payload?: string) =>
  server.app.inject({
    method: 'POST',
    url: '/api/v1/account/authenticate/demo',
    headers,
    ...(payload === undefined ? {} : { payload }),
  });

describe('state-changing requests from other sites', () => {
  it('a cross-site text/plain POST to the demo login is refused 403 forbidden_origin, without a cookie', async () => {
    const res = await demo(
      { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', 'content-type': 'text/plain' },
      'anything',
    );
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({ error: 'forbidden_origin', message: expect.any(String) });
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it.each<{ what: string; headers: Record<string, string> }>([
    {
      what: 'a foreign Origin (a browser without Sec-Fetch-Site)',
      headers: { origin: 'https://evil.example' },
    },
    { what: 'an opaque Origin (sandboxed frame, file:)', headers: { origin: 'null' } },
    {
      what: 'a sibling site',
      headers: { origin: 'https://other.example.com', 'sec-fetch-site': 'same-site' },
    },
    { what: 'a cross-site fetch without Origin', headers: { 'sec-fetch-site': 'cross-site' } },
  ])('refuses $what', async ({ headers }) => {
    const res = await demo(headers);
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toBe('forbidden_origin');
  });

  it('refuses a cross-site logout before looking at the session (403, not 401)', async () => {
    for (const url of ['/api/v1/account/logout', '/api/v1/account/sessions']) {
      const res = await server.app.inject({
        method: 'DELETE',
        url,
        headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      });
      expect(res.statusCode).toBe(403);
      expect(res.json().error).toBe('forbidden_origin');
    }
  });

  it.each<{ what: string; headers: Record<string, string> }>([
    {
      what: 'the same origin (Sec-Fetch-Site)',
      headers: { 'sec-fetch-site': 'same-origin', origin: 'http://localhost:80' },
    },
    { what: 'the same origin (Origin names this host)', headers: { origin: 'http://localhost:80' } },
    {
      what: 'a configured CORS origin',
      headers: { origin: 'https://desk.example.com', 'sec-fetch-site': 'cross-site' },
    },
    { what: 'a client that is not a browser (no Origin, no Sec-Fetch-Site)', headers: {} },
  ])('accepts $what', async ({ headers }) => {
    const res = await demo(headers);
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('authenticated');
  });

  it('reads are not affected: a cross-site GET is answered as usual', async () => {
    const res = await server.app.inject({
      method: 'GET',
      url: '/api/v1/config',
      headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
    });
    expect(res.statusCode).toBe(200);
  });
});

describe('JSON content type', () => {
  it.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])(
    'a same-origin POST with a %s body is refused 415',
    async (type) => {
      const res = await demo({ 'sec-fetch-site': 'same-origin', 'content-type': type }, 'key_id=x');
      expect(res.statusCode).toBe(415);
      expect(res.json()).toEqual({
        error: 'bad_request',
        message: expect.stringMatching(/application\/json/),
      });
      expect(res.headers['set-cookie']).toBeUndefined();
    },
  );

  it('a body without any content type is refused 415 too', async () => {
    const res = await server.app.inject({
      method: 'POST',
      url: '/api/v1/account/authenticate/demo',
      payload: Buffer.from('{}'),
      headers: { 'content-type': '' },
    });
    expect(res.statusCode).toBe(415);
  });

  it('JSON (with a charset) and body-less requests go through', async () => {
    expect((await demo({ 'content-type': 'application/json; charset=utf-8' }, '{}')).statusCode).toBe(200);
    expect((await demo({})).statusCode).toBe(200);
  });
});

describe('a deployment that counts as production', () => {
  it.each<{ what: string; env: Record<string, string> }>([
    { what: 'listening beyond loopback', env: { HOST: '0.0.0.0' } },
    { what: 'talking to a real exchange', env: { KALSHI_ENV: 'demo' } },
  ])('$what: the cookie is Secure and HSTS is sent', async ({ env }) => {
    const hardened = await startTestServer({ exchange, config: testConfig(env) });
    try {
      expect(hardened.config.isProduction).toBe(true);
      const res = await hardened.app.inject({ method: 'POST', url: '/api/v1/account/authenticate/demo' });
      expect(String(res.headers['set-cookie'])).toMatch(/; Secure/);
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    } finally {
      await hardened.close();
    }
  });

  it('the default (loopback, embedded simulator) is not: no Secure flag, no HSTS', async () => {
    expect(server.config.isProduction).toBe(false);
    const res = await demo({});
    expect(String(res.headers['set-cookie'])).not.toMatch(/Secure/);
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });
});
