import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testConfig, type TestServer } from '../../app/testing/test-server.js';
import { createTestDatabase } from '../../shared/db/testing.js';
import { createExchangeFactory } from '../../shared/exchange.js';

const exchange = createExchangeFactory({
  env: 'demo',
  restBaseUrl: 'https://external-api.demo.kalshi.co/trade-api/v2',
  wsUrl: 'wss://external-api-ws.demo.kalshi.co/trade-api/ws/v2',
});

describe('system routes', () => {
  let server: TestServer;
  const webDir = mkdtempSync(path.join(os.tmpdir(), 'kd-web-'));
  beforeAll(async () => {
    writeFileSync(
      path.join(webDir, 'index.html'),
      '<!doctype html><title>Kalshi Desk</title><div id="root"></div>',
    );
    writeFileSync(path.join(webDir, 'app.js'), 'console.log(1)');
    server = await startTestServer({ exchange, config: testConfig({ WEB_DIST_DIR: webDir }) });
  });
  afterAll(() => server.close());

  it('GET /api/v1/health reports the database', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/api/v1/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', database: 'ok' });
    expect(res.json<{ database_latency_ms: number }>().database_latency_ms).toBeGreaterThanOrEqual(0);
  });

  it('GET /api/v1/health answers 503 "down" at once when the database fails', async () => {
    const broken = await createTestDatabase();
    const down = await startTestServer({ exchange, database: broken });
    try {
      await broken.close();
      const res = await down.app.inject({ method: 'GET', url: '/api/v1/health' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ status: 'degraded', database: 'down' });
    } finally {
      await down.close();
    }
  });

  it('GET /api/v1/config names the exchange and offers no demo account outside simulator mode', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/api/v1/config' });
    expect(res.json()).toEqual({
      kalshi_env: 'demo',
      exchange_url: 'https://external-api.demo.kalshi.co/trade-api/v2',
      demo_account_available: false,
    });
  });

  it('serves the web app, falls back to index.html for app routes, keeps JSON 404s for the API', async () => {
    const index = await server.app.inject({ method: 'GET', url: '/' });
    expect(index.statusCode).toBe(200);
    expect(index.body).toContain('Kalshi Desk');
    expect(index.headers['content-security-policy']).toMatch(/script-src 'self'/);
    const asset = await server.app.inject({ method: 'GET', url: '/app.js' });
    expect(asset.body).toBe('console.log(1)');
    const spa = await server.app.inject({ method: 'GET', url: '/markets/KXHIGHNY-26NOV24' });
    expect(spa.statusCode).toBe(200);
    expect(spa.body).toContain('<div id="root">');
    const api = await server.app.inject({ method: 'GET', url: '/api/v1/nope' });
    expect(api.statusCode).toBe(404);
    expect(api.json()).toEqual({ error: 'not_found', message: 'No route GET /api/v1/nope.' });
  });

  it('publishes OpenAPI docs at /docs', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/account/authenticate', '/api/v1/health']),
    );
  });

  it('keeps CORS closed by default', async () => {
    const res = await server.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/health',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('rate limits the authenticate route per IP', async () => {
    const limited = await startTestServer({ exchange, database: server.database, authRateLimitPerMinute: 2 });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await limited.app.inject({
          method: 'POST',
          url: '/api/v1/account/authenticate',
          payload: {},
        });
        codes.push(res.statusCode);
        if (res.statusCode === 429) expect(res.json().error).toBe('rate_limited');
      }
      expect(codes).toEqual([400, 400, 429]);
    } finally {
      await limited.close();
    }
  });
});
