import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseVaultKey } from './config.js';

const KEY = Buffer.alloc(32, 1).toString('base64');
const SECRET = 's'.repeat(40);
const tempDir = () => mkdtempSync(path.join(os.tmpdir(), 'kd-config-'));

describe('loadConfig', () => {
  it('defaults to the embedded simulator on 127.0.0.1:8080 with PGlite in ./data', () => {
    const config = loadConfig({ ENCRYPTION_SECRET_KEY: KEY, SESSION_SECRET: SECRET });
    expect(config.host).toBe('127.0.0.1');
    expect(config.port).toBe(8080);
    expect(config.exchange).toEqual({ kind: 'embedded-simulator' });
    expect(config.databaseUrl).toBeNull();
    expect(config.dataDir).toBe(path.resolve('./data'));
    expect(config.corsOrigins).toEqual([]);
  });

  it('resolves a relative DATA_DIR against the directory npm was run from (INIT_CWD)', () => {
    const base = { ENCRYPTION_SECRET_KEY: KEY, SESSION_SECRET: SECRET };
    expect(loadConfig({ ...base, INIT_CWD: '/srv/desk' }).dataDir).toBe(path.resolve('/srv/desk/data'));
    expect(loadConfig({ ...base, INIT_CWD: '/srv/desk', DATA_DIR: '/var/lib/desk' }).dataDir).toBe(
      '/var/lib/desk',
    );
  });

  it('points demo and production at Kalshi and a custom URL at anything, deriving the WS URL', () => {
    const base = { ENCRYPTION_SECRET_KEY: KEY, SESSION_SECRET: SECRET };
    expect(loadConfig({ ...base, KALSHI_ENV: 'demo' }).exchange).toEqual({
      kind: 'remote',
      env: 'demo',
      restBaseUrl: 'https://external-api.demo.kalshi.co/trade-api/v2',
      wsUrl: 'wss://external-api-ws.demo.kalshi.co/trade-api/ws/v2',
    });
    expect(loadConfig({ ...base, KALSHI_ENV: 'production' }).exchange).toMatchObject({ env: 'production' });
    expect(loadConfig({ ...base, KALSHI_API_URL: 'http://127.0.0.1:9100/trade-api/v2/' }).exchange).toEqual({
      kind: 'remote',
      env: 'custom',
      restBaseUrl: 'http://127.0.0.1:9100/trade-api/v2',
      wsUrl: 'ws://127.0.0.1:9100/trade-api/ws/v2',
    });
  });

  it('refuses to start in production without its secrets, naming what is missing', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', SESSION_SECRET: SECRET })).toThrow(
      /refuses to start without ENCRYPTION_SECRET_KEY/,
    );
    expect(() => loadConfig({ NODE_ENV: 'production', ENCRYPTION_SECRET_KEY: KEY })).toThrow(
      /SESSION_SECRET/,
    );
    const config = loadConfig({ NODE_ENV: 'production', ENCRYPTION_SECRET_KEY: KEY, SESSION_SECRET: SECRET });
    expect(config.isProduction).toBe(true);
  });

  it('generates local secrets once into DATA_DIR with owner-only permissions and reuses them', () => {
    const dataDir = tempDir();
    const first = loadConfig({ DATA_DIR: dataDir });
    const file = path.join(dataDir, 'secrets.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(first.notices.join('\n')).toMatch(/generated ENCRYPTION_SECRET_KEY and SESSION_SECRET/);
    const stored = JSON.parse(readFileSync(file, 'utf8')) as {
      ENCRYPTION_SECRET_KEY: string;
      SESSION_SECRET: string;
    };
    // The notice names the file, never the secret.
    expect(first.notices.join('\n')).not.toContain(stored.ENCRYPTION_SECRET_KEY);
    expect(first.notices.join('\n')).not.toContain(stored.SESSION_SECRET);

    const second = loadConfig({ DATA_DIR: dataDir });
    expect(second.encryption.current.id).toBe(first.encryption.current.id);
    expect(Buffer.from(second.sessionSecret).equals(Buffer.from(first.sessionSecret))).toBe(true);
  });

  it('builds a key ring from the current key and the old ones', () => {
    const old = Buffer.alloc(32, 2).toString('hex');
    const config = loadConfig({
      ENCRYPTION_SECRET_KEY: `v2:${KEY}`,
      ENCRYPTION_OLD_KEYS: `v1:${old}`,
      SESSION_SECRET: SECRET,
    });
    expect(config.encryption.current.id).toBe('v2');
    expect([...config.encryption.keys.keys()]).toEqual(['v2', 'v1']);
  });

  it('rejects keys of the wrong size, short session secrets and bad URLs', () => {
    expect(() => parseVaultKey(Buffer.alloc(16).toString('base64'), 'K')).toThrow(ConfigError);
    expect(() => loadConfig({ ENCRYPTION_SECRET_KEY: KEY, SESSION_SECRET: 'short' })).toThrow(/at least 32/);
    expect(() => loadConfig({ ENCRYPTION_SECRET_KEY: KEY, SESSION_SECRET: SECRET, PORT: 'eighty' })).toThrow(
      /PORT/,
    );
    expect(() =>
      loadConfig({
        ENCRYPTION_SECRET_KEY: KEY,
        SESSION_SECRET: SECRET,
        KALSHI_API_URL: 'ftp://x/trade-api/v2',
      }),
    ).toThrow(/KALSHI_API_URL/);
  });

  it('treats a real exchange or a non-loopback HOST as production, whatever NODE_ENV says', () => {
    const base = { ENCRYPTION_SECRET_KEY: KEY, SESSION_SECRET: SECRET };
    for (const env of [
      { KALSHI_ENV: 'demo' },
      { KALSHI_ENV: 'production' },
      { KALSHI_API_URL: 'http://127.0.0.1:9100/trade-api/v2' },
      { HOST: '0.0.0.0' },
      { HOST: '::' },
      { HOST: '192.168.1.20' },
      { HOST: 'desk.internal' },
      { NODE_ENV: 'production' },
    ]) {
      expect(loadConfig({ ...base, ...env }).isProduction, JSON.stringify(env)).toBe(true);
    }
    for (const env of [
      {},
      { HOST: '127.0.0.1' },
      { HOST: 'localhost' },
      { HOST: '::1' },
      { HOST: '127.0.0.2' },
    ]) {
      expect(loadConfig({ ...base, ...env }).isProduction, JSON.stringify(env)).toBe(false);
    }
  });

  it('a deployment that counts as production needs its secrets; npm start on loopback does not', () => {
    for (const env of [
      { KALSHI_ENV: 'demo' },
      { HOST: '0.0.0.0' },
      { KALSHI_API_URL: 'https://x.example/trade-api/v2' },
    ]) {
      expect(() => loadConfig({ DATA_DIR: tempDir(), ...env }), JSON.stringify(env)).toThrow(
        /refuses to start without ENCRYPTION_SECRET_KEY and SESSION_SECRET/,
      );
    }
    expect(() => loadConfig({ DATA_DIR: tempDir(), HOST: '0.0.0.0' })).toThrow(/HOST=0\.0\.0\.0/);
    const local = loadConfig({ DATA_DIR: tempDir() });
    expect(local.isProduction).toBe(false);
    expect(local.notices.join('\n')).toMatch(/generated ENCRYPTION_SECRET_KEY/);
  });

  it('TRUST_PROXY is off by default and takes a hop count or a list of addresses and CIDRs', () => {
    const base = { ENCRYPTION_SECRET_KEY: KEY, SESSION_SECRET: SECRET };
    expect(loadConfig(base).trustProxy).toBe(false);
    expect(loadConfig({ ...base, TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ ...base, TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(
      loadConfig({ ...base, TRUST_PROXY: '10.0.0.0/8, 127.0.0.1 ,::1, fd00::/8, loopback' }).trustProxy,
    ).toEqual(['10.0.0.0/8', '127.0.0.1', '::1', 'fd00::/8', 'loopback']);
    // Trusting every hop would let any client choose its own address (and rate-limit bucket).
    expect(() => loadConfig({ ...base, TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY/);
    for (const bad of ['0.0.0.0/33', 'proxy.example', '10.0.0.0/8,,', '-1']) {
      expect(() => loadConfig({ ...base, TRUST_PROXY: bad }), bad).toThrow(/TRUST_PROXY/);
    }
  });

  it('reads the rate budgets, stream caps and session lifetime, with safe defaults', () => {
    const base = { ENCRYPTION_SECRET_KEY: KEY, SESSION_SECRET: SECRET };
    const defaults = loadConfig(base);
    expect(defaults.rateLimit).toEqual({ readsPerMinute: 600, writesPerMinute: 60 });
    expect(defaults.streams).toEqual({ perSession: 8, perUser: 32 });
    expect(defaults.sessionMaxAgeMs).toBe(30 * 24 * 3_600_000);
    const tuned = loadConfig({
      ...base,
      RATE_LIMIT_READS_PER_MINUTE: '1200',
      RATE_LIMIT_WRITES_PER_MINUTE: '30',
      SSE_MAX_STREAMS_PER_SESSION: '4',
      SSE_MAX_STREAMS_PER_USER: '10',
      SESSION_MAX_AGE_DAYS: '7',
    });
    expect(tuned.rateLimit).toEqual({ readsPerMinute: 1200, writesPerMinute: 30 });
    expect(tuned.streams).toEqual({ perSession: 4, perUser: 10 });
    expect(tuned.sessionMaxAgeMs).toBe(7 * 24 * 3_600_000);
    expect(() => loadConfig({ ...base, SSE_MAX_STREAMS_PER_SESSION: '0' })).toThrow(
      /SSE_MAX_STREAMS_PER_SESSION/,
    );
    expect(() => loadConfig({ ...base, SESSION_MAX_AGE_DAYS: '0' })).toThrow(/SESSION_MAX_AGE_DAYS/);
  });

  it('never overwrites a secrets file it did not write', () => {
    const dataDir = tempDir();
    writeFileSync(
      path.join(dataDir, 'secrets.json'),
      JSON.stringify({ ENCRYPTION_SECRET_KEY: KEY, SESSION_SECRET: SECRET }),
      {
        mode: 0o644,
      },
    );
    const config = loadConfig({ DATA_DIR: dataDir });
    expect(config.encryption.current.key.equals(Buffer.from(KEY, 'base64'))).toBe(true);
    expect(statSync(path.join(dataDir, 'secrets.json')).mode & 0o777).toBe(0o600);
  });
});
