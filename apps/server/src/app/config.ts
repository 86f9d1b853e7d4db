/**
 * The server's configuration: the ONLY place that reads process.env (ARCHITECTURE.md). Parsed once
 * with zod; everything else receives the typed Config.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import type { KalshiEnv } from '@kalshi-desk/contracts';
import type { KeyRing, VaultKey } from '../modules/credentials/credentials.vault.js';

export type { KeyRing, VaultKey };

export type ExchangeTarget =
  | { kind: 'embedded-simulator' }
  | { kind: 'remote'; env: Exclude<KalshiEnv, 'simulator'>; restBaseUrl: string; wsUrl: string };

/**
 * Which proxies may name the client in X-Forwarded-For (Fastify's `trustProxy`): none, the
 * nearest N hops, or the listed addresses and CIDR ranges (proxy-addr's names `loopback`,
 * `linklocal` and `uniquelocal` included).
 */
export type TrustProxy = false | number | string[];

export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  /**
   * Production rules apply (Secure cookies, HSTS, secrets required): NODE_ENV=production, or
   * anything beyond `npm start`'s local setup — a real exchange, or a HOST other than loopback.
   */
  isProduction: boolean;
  host: string;
  port: number;
  logLevel: string;
  exchange: ExchangeTarget;
  /** null: embedded PGlite in `dataDir`. */
  databaseUrl: string | null;
  dataDir: string;
  encryption: KeyRing;
  sessionSecret: Uint8Array;
  /** Browser origins allowed by CORS; empty = CORS closed (same-origin only). */
  corsOrigins: string[];
  trustProxy: TrustProxy;
  /** The global per-client rate limit: requests per minute, reads (GET, HEAD) and the rest. */
  rateLimit: { readsPerMinute: number; writesPerMinute: number };
  /** Open SSE streams allowed per session and per user; past them a stream is refused (429). */
  streams: { perSession: number; perUser: number };
  /** Absolute session lifetime from login: renewals never go past it. */
  sessionMaxAgeMs: number;
  /** Built web app served at `/` when it exists. */
  webDistDir: string;
  /** Things worth telling the operator at start-up (never a secret). */
  notices: string[];
  /**
   * The embedded simulator (simulator mode only): its port (0 = any free port) and whether it
   * serves its HTTP control API under /_control (browser tests and demos drive it there).
   */
  simulator: { port: number; isControlApiEnabled: boolean };
}

export const KALSHI_URLS = {
  demo: {
    restBaseUrl: 'https://external-api.demo.kalshi.co/trade-api/v2',
    wsUrl: 'wss://external-api-ws.demo.kalshi.co/trade-api/ws/v2',
  },
  production: {
    restBaseUrl: 'https://external-api.kalshi.com/trade-api/v2',
    wsUrl: 'wss://external-api-ws.kalshi.com/trade-api/ws/v2',
  },
} as const;

const SECRETS_FILE = 'secrets.json';

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalString = z.preprocess(emptyToUndefined, z.string().trim().optional());
const positiveInt = (fallback: number) =>
  z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(1_000_000).default(fallback));

const envSchema = z.object({
  NODE_ENV: z.preprocess(
    emptyToUndefined,
    z.enum(['development', 'production', 'test']).default('development'),
  ),
  PORT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(65535).default(8080)),
  HOST: z.preprocess(emptyToUndefined, z.string().default('127.0.0.1')),
  LOG_LEVEL: z.preprocess(
    emptyToUndefined,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  KALSHI_ENV: z.preprocess(
    emptyToUndefined,
    z.enum(['simulator', 'demo', 'production']).default('simulator'),
  ),
  KALSHI_API_URL: z.preprocess(emptyToUndefined, z.url({ protocol: /^https?$/ }).optional()),
  KALSHI_WS_URL: z.preprocess(emptyToUndefined, z.url({ protocol: /^wss?$/ }).optional()),
  DATABASE_URL: z.preprocess(emptyToUndefined, z.url({ protocol: /^postgres(ql)?$/ }).optional()),
  DATA_DIR: z.preprocess(emptyToUndefined, z.string().default('./data')),
  ENCRYPTION_SECRET_KEY: optionalString,
  ENCRYPTION_OLD_KEYS: optionalString,
  SESSION_SECRET: optionalString,
  CORS_ORIGINS: optionalString,
  TRUST_PROXY: optionalString,
  RATE_LIMIT_READS_PER_MINUTE: positiveInt(600),
  RATE_LIMIT_WRITES_PER_MINUTE: positiveInt(60),
  SSE_MAX_STREAMS_PER_SESSION: positiveInt(8),
  SSE_MAX_STREAMS_PER_USER: positiveInt(32),
  SESSION_MAX_AGE_DAYS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(365).default(30)),
  WEB_DIST_DIR: optionalString,
  SIMULATOR_PORT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(65535).default(0)),
  SIMULATOR_CONTROL: z.preprocess(emptyToUndefined, z.enum(['true', 'false', '1', '0']).default('false')),
  // npm runs workspace scripts inside the workspace; INIT_CWD is where the user typed the command.
  INIT_CWD: optionalString,
});

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Parses the environment. Pure except for one thing: outside production, missing secrets
 * are generated once into `DATA_DIR/secrets.json` (mode 0600) and reused on later starts.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  const exchange = resolveExchange(e);
  const productionReasons = [
    e.NODE_ENV === 'production' ? 'NODE_ENV=production' : null,
    exchange.kind === 'remote' ? `a real exchange (${exchange.restBaseUrl})` : null,
    isLoopbackHost(e.HOST) ? null : `HOST=${e.HOST}`,
  ].filter((x) => x !== null);
  const isProduction = productionReasons.length > 0;
  const trustProxy = parseTrustProxy(e.TRUST_PROXY);
  // A relative DATA_DIR means relative to where `npm start` was typed (the repository root in
  // the README), not to apps/server where npm runs the workspace script.
  const dataDir = path.resolve(e.INIT_CWD ?? process.cwd(), e.DATA_DIR);
  const notices: string[] = [];

  let encryptionSecret = e.ENCRYPTION_SECRET_KEY;
  let sessionSecret = e.SESSION_SECRET;
  if (encryptionSecret === undefined || sessionSecret === undefined) {
    if (isProduction) {
      const missing = [
        encryptionSecret === undefined ? 'ENCRYPTION_SECRET_KEY' : null,
        sessionSecret === undefined ? 'SESSION_SECRET' : null,
      ].filter((x) => x !== null);
      throw new ConfigError(
        `A production deployment (${productionReasons.join(', ')}) refuses to start without ${missing.join(' and ')}. ` +
          "Generate each with: node -e \"console.log(require('crypto').randomBytes(32).toString('base64'))\"",
      );
    }
    const local = loadOrCreateLocalSecrets(dataDir, notices);
    encryptionSecret ??= local.ENCRYPTION_SECRET_KEY;
    sessionSecret ??= local.SESSION_SECRET;
  }

  const current = parseVaultKey(encryptionSecret, 'ENCRYPTION_SECRET_KEY');
  const keys = new Map<string, Buffer>([[current.id, current.key]]);
  for (const [i, text] of (e.ENCRYPTION_OLD_KEYS ?? '').split(',').entries()) {
    if (text.trim() === '') continue;
    const old = parseVaultKey(text.trim(), `ENCRYPTION_OLD_KEYS[${i}]`);
    if (!keys.has(old.id)) keys.set(old.id, old.key);
  }

  if (Buffer.byteLength(sessionSecret, 'utf8') < 32) {
    throw new ConfigError('SESSION_SECRET must be at least 32 characters');
  }

  if (isProduction && e.NODE_ENV !== 'production') {
    notices.push(
      `production rules apply (${productionReasons.join(', ')}): Secure cookies, HSTS, secrets required`,
    );
  }

  return {
    nodeEnv: e.NODE_ENV,
    isProduction,
    host: e.HOST,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    exchange,
    databaseUrl: e.DATABASE_URL ?? null,
    dataDir,
    encryption: { current, keys },
    sessionSecret: new TextEncoder().encode(sessionSecret),
    corsOrigins: (e.CORS_ORIGINS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
    trustProxy,
    rateLimit: {
      readsPerMinute: e.RATE_LIMIT_READS_PER_MINUTE,
      writesPerMinute: e.RATE_LIMIT_WRITES_PER_MINUTE,
    },
    streams: { perSession: e.SSE_MAX_STREAMS_PER_SESSION, perUser: e.SSE_MAX_STREAMS_PER_USER },
    sessionMaxAgeMs: e.SESSION_MAX_AGE_DAYS * 24 * 60 * 60 * 1000,
    webDistDir: path.resolve(e.WEB_DIST_DIR ?? path.join(import.meta.dirname, '../../../web/dist')),
    simulator: {
      port: e.SIMULATOR_PORT,
      isControlApiEnabled: e.SIMULATOR_CONTROL === 'true' || e.SIMULATOR_CONTROL === '1',
    },
    notices,
  };
}

function resolveExchange(e: z.infer<typeof envSchema>): ExchangeTarget {
  if (e.KALSHI_API_URL !== undefined || e.KALSHI_WS_URL !== undefined) {
    const restBaseUrl = stripSlash(e.KALSHI_API_URL ?? deriveRestUrl(e.KALSHI_WS_URL ?? ''));
    const wsUrl = stripSlash(e.KALSHI_WS_URL ?? deriveWsUrl(restBaseUrl));
    return { kind: 'remote', env: 'custom', restBaseUrl, wsUrl };
  }
  if (e.KALSHI_ENV === 'simulator') return { kind: 'embedded-simulator' };
  return { kind: 'remote', env: e.KALSHI_ENV, ...KALSHI_URLS[e.KALSHI_ENV] };
}

/**
 * Only a loopback HOST keeps the server unreachable from other machines; `0.0.0.0`, `::`, a
 * LAN address or a name other than localhost may expose it, so production rules apply.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (bare === 'localhost' || bare.endsWith('.localhost')) return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || /^::ffff:127\./.test(bare);
  return false;
}

const PROXY_ADDR_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * TRUST_PROXY: off (unset, `false`, `0`), a hop count, or a comma-separated list of addresses
 * and CIDR ranges. `true` (trust every hop) is refused: any client could then pick the address
 * the rate limit keys on by sending its own X-Forwarded-For.
 */
export function parseTrustProxy(text: string | undefined): TrustProxy {
  if (text === undefined || /^(false|off|no|0)$/i.test(text)) return false;
  if (/^(true|on|yes|all)$/i.test(text)) {
    throw new ConfigError(
      'TRUST_PROXY=true would let any client choose its own address; set the number of proxies in front of the server (e.g. 1) or their addresses (e.g. 10.0.0.0/8)',
    );
  }
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops > 32) throw new ConfigError('TRUST_PROXY: a hop count is at most 32');
    return hops;
  }
  const entries = text.split(',').map((part) => part.trim());
  for (const entry of entries) {
    if (!isTrustedProxyEntry(entry)) {
      throw new ConfigError(
        `TRUST_PROXY: "${entry}" is not a hop count, an IP address, a CIDR range or one of loopback, linklocal, uniquelocal`,
      );
    }
  }
  return entries;
}

function isTrustedProxyEntry(entry: string): boolean {
  if (PROXY_ADDR_NAMES.has(entry)) return true;
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/** https://host/trade-api/v2 -> wss://host/trade-api/ws/v2 (Kalshi's layout). */
export function deriveWsUrl(restBaseUrl: string): string {
  const url = new URL(restBaseUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.pathname = url.pathname.replace(/\/trade-api\/v2\/?$/, '/trade-api/ws/v2');
  return stripSlash(url.toString());
}

function deriveRestUrl(wsUrl: string): string {
  const url = new URL(wsUrl);
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  url.pathname = url.pathname.replace(/\/trade-api\/ws\/v2\/?$/, '/trade-api/v2');
  return url.toString();
}

function stripSlash(url: string): string {
  return url.endsWith('/') ? url.slice(0, -1) : url;
}

/**
 * A vault key is 32 bytes, written as base64 or 64 hex digits, optionally prefixed by an
 * explicit id (`<id>:<key>`). Without one, the id is a fingerprint of the key, so the same
 * key always has the same id and rotation needs no naming scheme.
 */
export function parseVaultKey(text: string, name: string): VaultKey {
  const colon = text.indexOf(':');
  const explicitId = colon > 0 ? text.slice(0, colon) : null;
  const material = colon > 0 ? text.slice(colon + 1) : text;
  if (explicitId !== null && !/^[A-Za-z0-9_-]{1,32}$/.test(explicitId)) {
    throw new ConfigError(`${name}: key id must be 1-32 characters of [A-Za-z0-9_-]`);
  }
  const key = /^[0-9a-fA-F]{64}$/.test(material)
    ? Buffer.from(material, 'hex')
    : Buffer.from(material, 'base64');
  if (key.length !== 32) {
    throw new ConfigError(`${name} must be 32 bytes (base64 or 64 hex digits), got ${key.length} bytes`);
  }
  return { id: explicitId ?? fingerprint(key), key };
}

export function fingerprint(key: Buffer): string {
  return 'k' + createHash('sha256').update(key).digest('hex').slice(0, 12);
}

const localSecretsSchema = z.object({ ENCRYPTION_SECRET_KEY: z.string(), SESSION_SECRET: z.string() });

function loadOrCreateLocalSecrets(dataDir: string, notices: string[]): z.infer<typeof localSecretsSchema> {
  const file = path.join(dataDir, SECRETS_FILE);
  if (existsSync(file)) {
    const secrets = localSecretsSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
    chmodSync(file, 0o600);
    notices.push(
      `using locally generated secrets from ${file} (set ENCRYPTION_SECRET_KEY and SESSION_SECRET to override)`,
    );
    return secrets;
  }
  mkdirSync(dataDir, { recursive: true });
  const secrets = {
    ENCRYPTION_SECRET_KEY: randomBytes(32).toString('base64'),
    SESSION_SECRET: randomBytes(48).toString('base64'),
  };
  // `wx`: never overwrite a file another process created meanwhile.
  writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  notices.push(`generated ENCRYPTION_SECRET_KEY and SESSION_SECRET into ${file} (owner-only permissions)`);
  return secrets;
}
