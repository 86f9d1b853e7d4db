/**
 * An in-process server for tests: real Fastify, real migrations on a private PGlite (or the
 * given database), a test clock, and every log line captured so tests can assert what was
 * (and was not) logged. Drive it with `app.inject`.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { createTestClock, type TestClock } from '../../shared/clock.js';
import type { Database } from '../../shared/db/database.js';
import { createTestDatabase } from '../../shared/db/testing.js';
import type { ExchangeFactory } from '../../shared/exchange.js';
import { loadConfig, type Config } from '../config.js';
import { createServer, type LiveEngineOptions } from '../create-server.js';

/** A valid configuration that touches no real environment (fixed test secrets). */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    ENCRYPTION_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
    SESSION_SECRET: 'test-session-secret-that-is-long-enough-0123456789',
    DATA_DIR: '/nonexistent/kalshi-desk-test-data',
    WEB_DIST_DIR: '/nonexistent/kalshi-desk-web-dist',
    // Suites send hundreds of requests a minute from one address; the limit has its own tests.
    RATE_LIMIT_READS_PER_MINUTE: '1000000',
    RATE_LIMIT_WRITES_PER_MINUTE: '1000000',
    ...env,
  });
}

export interface TestServer {
  app: FastifyInstance;
  database: Database;
  clock: TestClock;
  config: Config;
  /** Every log line written so far (raw JSON text). */
  logs: string[];
  close(): Promise<void>;
}

export interface TestServerOptions {
  exchange: ExchangeFactory;
  database?: Database;
  clock?: TestClock;
  config?: Config;
  /** The live engine's fake exchange, timers or timings (see create-server.ts). */
  liveEngine?: LiveEngineOptions;
  authRateLimitPerMinute?: number;
}

export async function startTestServer(options: TestServerOptions): Promise<TestServer> {
  const database = options.database ?? (await createTestDatabase());
  const clock = options.clock ?? createTestClock(Date.now());
  const config = options.config ?? testConfig();
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      logs.push(
        ...String(chunk)
          .split('\n')
          .filter((line) => line !== ''),
      );
      callback();
    },
  });
  const app = await createServer({
    config,
    database,
    clock,
    exchange: options.exchange,
    ...(options.liveEngine ? { liveEngine: options.liveEngine } : {}),
    logStream,
    authRateLimitPerMinute: options.authRateLimitPerMinute ?? 1000,
  });
  await app.ready();
  return {
    app,
    database,
    clock,
    config,
    logs,
    close: async () => {
      await app.close();
      if (options.database === undefined) await database.close();
    },
  };
}

/** The session cookie from a response's set-cookie header, ready for a `cookie` header. */
export function sessionCookieFrom(setCookie: string | string[] | undefined): string {
  const all = Array.isArray(setCookie) ? setCookie : setCookie === undefined ? [] : [setCookie];
  const found = all.find((c) => c.startsWith('kd_session='));
  if (found === undefined) throw new Error('no kd_session cookie in the response');
  return found.split(';')[0] ?? '';
}

export function randomKeyId(): string {
  return randomBytes(16)
    .toString('hex')
    .replace(/(.{8})(.{4})(.{4})(.{4})(.{12})/, '$1-$2-$3-$4-$5');
}
