/**
 * The server's configuration: the ONLY place that reads process.env (ARCHITECTURE.md). Parsed once
 * with zod; everything else receives the typed Config.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { KalshiEnv } from '@kalshi-desk/contracts';
import type { KeyRing, VaultKey } from '../modules/credentials/credentials.vault.js';

export type { KeyRing, VaultKey };

export type ExchangeTarget =
  | { kind: 'embedded-simulator' }
  | { kind: 'remote'; env: Exclude<KalshiEnv, 'simulator'>; restBaseUrl: string; wsUrl: string };

export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
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
  const isProduction = e.NODE_ENV === 'production';
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
        `NODE_ENV=production refuses to start without ${missing.join(' and ')}. ` +
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

  return {
    nodeEnv: e.NODE_ENV,
    isProduction,
    host: e.HOST,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    exchange: resolveExchange(e),
    databaseUrl: e.DATABASE_URL ?? null,
    dataDir,
    encryption: { current, keys },
    sessionSecret: new TextEncoder().encode(sessionSecret),
    corsOrigins: (e.CORS_ORIGINS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
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
