/**
 * The whole app as `npm start` runs it: PGlite on disk, the embedded simulator, the live
 * engine, one port. Connect the demo account and receive the first positions snapshot.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../shared/db/testing.js';
import { startApp, type RunningApp } from './start.js';
import { testConfig } from './testing/test-server.js';

describe('startApp (npm start)', () => {
  let running: RunningApp;
  const logs: string[] = [];

  beforeAll(async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kd-start-'));
    const config = testConfig({ DATA_DIR: dataDir, PORT: '0' });
    const logStream = new Writable({
      write(chunk: Buffer | string, _encoding, callback) {
        logs.push(String(chunk));
        callback();
      },
    });
    // A template-cloned PGlite keeps this test fast; openDatabase's on-disk PGlite is what
    // `npm start` uses (exercised by the config/database code paths and by hand).
    running = await startApp(config, { logStream, database: await createTestDatabase() });
  });
  afterAll(() => running.close());

  it('serves the API on one port against the embedded simulator', async () => {
    expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await fetch(`${running.url}/api/v1/health`);
    expect(await health.json()).toMatchObject({ status: 'ok', database: 'ok' });
    const config = await fetch(`${running.url}/api/v1/config`);
    expect(await config.json()).toMatchObject({ kalshi_env: 'simulator', demo_account_available: true });
  });

  it('connects the demo account and streams its positions snapshot', async () => {
    const login = await fetch(`${running.url}/api/v1/account/authenticate/demo`, { method: 'POST' });
    expect(login.status).toBe(200);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const positions = await fetch(`${running.url}/api/v1/account/positions`, { headers: { cookie } });
    expect(positions.status).toBe(200);
    const body = (await positions.json()) as { positions: unknown[] };
    expect(body.positions.length).toBeGreaterThan(0);

    const controller = new AbortController();
    const sse = await fetch(`${running.url}/api/v1/account/sse/positions`, {
      headers: { cookie },
      signal: controller.signal,
    });
    expect(sse.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = sse.body?.getReader();
    let text = '';
    // Default message events: the JSON's `type` names the event (contracts' stream.ts).
    while (reader && !text.includes('data: {"type":"snapshot"')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    controller.abort();
    expect(text).toContain('data: {"type":"snapshot"');
    expect(text).not.toMatch(/^event:/m);
    expect(logs.join('')).not.toMatch(/PRIVATE KEY-----(\\n|\n)[A-Za-z0-9+/]{16}/);
  });
});
