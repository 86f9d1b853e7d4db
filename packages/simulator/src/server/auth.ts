/**
 * Kalshi's request signing, verified the way the exchange does it: RSA-PSS with SHA-256,
 * MGF1-SHA-256 and a 32-byte salt, over `timestamp_ms + METHOD + path` (path from the host
 * root, query excluded). The four 401 bodies are the recorded ones (docs/kalshi-protocol.md §2.4).
 */
import { constants, createPublicKey, verify, type KeyObject } from 'node:crypto';

export interface AuthWindow {
  /** How old a KALSHI-ACCESS-TIMESTAMP may be (recorded: 5 s accepted, 30 s rejected). */
  pastMs: number;
  /** How far in the future (recorded: 5 s accepted, 5 min rejected). */
  futureMs: number;
}

export const DEFAULT_AUTH_WINDOW: AuthWindow = { pastMs: 10_000, futureMs: 60_000 };

export type AuthFailure = 'missing_signature' | 'timestamp_expired' | 'unknown_key' | 'bad_signature';

export const AUTH_ERROR_BODIES: Record<AuthFailure, string> = {
  missing_signature:
    '{"error":{"code":"signature_is_missing_from_headers","message":"signature is missing from headers"}}',
  timestamp_expired: '{"error":{"code":"header_timestamp_expired","message":"header timestamp expired"}}',
  unknown_key:
    '{"error":{"code":"authentication_error","message":"authentication_error","details":"NOT_FOUND"}}',
  bad_signature:
    '{"error":{"code":"authentication_error","message":"authentication_error","details":"INCORRECT_API_KEY_SIGNATURE"}}',
};

interface RegisteredKey {
  userId: string;
  publicKey: KeyObject;
}

export class KeyRegistry {
  private readonly keys = new Map<string, RegisteredKey>();

  register(args: { keyId: string; userId: string; publicKeyPem: string }): void {
    this.keys.set(args.keyId, { userId: args.userId, publicKey: createPublicKey(args.publicKeyPem) });
  }

  revoke(keyId: string): void {
    this.keys.delete(keyId);
  }

  get(keyId: string): RegisteredKey | undefined {
    return this.keys.get(keyId);
  }
}

type HeaderValue = string | string[] | undefined;

function header(headers: Record<string, HeaderValue>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export type AuthResult = { ok: true; userId: string; keyId: string } | { ok: false; failure: AuthFailure };

export function authenticate(args: {
  headers: Record<string, HeaderValue>;
  method: string;
  /** Path from the host root without the query, e.g. /trade-api/v2/portfolio/balance. */
  path: string;
  nowMs: number;
  registry: KeyRegistry;
  window: AuthWindow;
}): AuthResult {
  const keyId = header(args.headers, 'kalshi-access-key');
  const timestamp = header(args.headers, 'kalshi-access-timestamp');
  const signature = header(args.headers, 'kalshi-access-signature');
  if (!keyId || !timestamp || !signature) return { ok: false, failure: 'missing_signature' };
  if (!/^\d{1,16}$/.test(timestamp)) return { ok: false, failure: 'timestamp_expired' };
  const ts = Number(timestamp);
  if (ts < args.nowMs - args.window.pastMs || ts > args.nowMs + args.window.futureMs)
    return { ok: false, failure: 'timestamp_expired' };
  const key = args.registry.get(keyId);
  if (!key) return { ok: false, failure: 'unknown_key' };
  const message = Buffer.from(`${timestamp}${args.method.toUpperCase()}${args.path}`, 'utf8');
  let isValid = false;
  try {
    isValid = verify(
      'sha256',
      message,
      { key: key.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
      Buffer.from(signature, 'base64'),
    );
  } catch {
    isValid = false;
  }
  return isValid ? { ok: true, userId: key.userId, keyId } : { ok: false, failure: 'bad_signature' };
}
