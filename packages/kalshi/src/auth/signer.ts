import { constants, sign, type KeyObject } from 'node:crypto';
import { KalshiKeyError, loadPrivateKey } from './private-key.js';

export interface KalshiCredentials {
  keyId: string;
  privateKeyPem: string;
}

/** Kalshi key ids are UUIDs; the id travels in an HTTP header, so only visible ASCII fits. */
export const MAX_KEY_ID_LENGTH = 128;
const KEY_ID_PATTERN = /^[\x21-\x7E]+$/;

export function isValidKeyId(keyId: string): boolean {
  return keyId.length <= MAX_KEY_ID_LENGTH && KEY_ID_PATTERN.test(keyId);
}

export interface SignRequest {
  method: string;
  /** URL path (a full URL or a path with a query is accepted; the query is not signed). */
  path: string;
  timestampMs: number;
}

export interface KalshiAuthHeaders {
  'KALSHI-ACCESS-KEY': string;
  'KALSHI-ACCESS-TIMESTAMP': string;
  'KALSHI-ACCESS-SIGNATURE': string;
}

export interface KalshiSigner {
  readonly keyId: string;
  headers(request: SignRequest): KalshiAuthHeaders;
  /** base64 RSA-PSS signature of `message` (exposed for tests and the WS upgrade). */
  signMessage(message: string): string;
}

/**
 * The path Kalshi signs: from the host root, including /trade-api/v2, without query or
 * fragment. Accepts an absolute URL or a path.
 */
export function signingPath(url: string | URL): string {
  const parsed = typeof url === 'string' ? new URL(url, 'http://signing.invalid') : url;
  return parsed.pathname;
}

/** The exact string Kalshi verifies: timestamp_ms + METHOD + path. */
export function signingMessage(request: SignRequest): string {
  return `${request.timestampMs}${request.method.toUpperCase()}${signingPath(request.path)}`;
}

/**
 * RSA-PSS with SHA-256, MGF1(SHA-256) and a 32-byte salt (digest length), as Kalshi requires.
 * The key lives only in this closure: the returned object has nothing to serialise or log.
 */
export function createSigner(credentials: KalshiCredentials): KalshiSigner {
  const { keyId } = credentials;
  if (typeof keyId !== 'string' || keyId.trim() === '') {
    throw new KalshiKeyError('Kalshi key id is empty');
  }
  if (!isValidKeyId(keyId)) {
    throw new KalshiKeyError(
      `Kalshi key id must be 1 to ${MAX_KEY_ID_LENGTH} visible ASCII characters (no spaces or control characters)`,
    );
  }
  const key: KeyObject = loadPrivateKey(credentials.privateKeyPem);

  const signMessage = (message: string): string =>
    sign('sha256', Buffer.from(message, 'utf8'), {
      key,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
    }).toString('base64');

  return {
    keyId,
    signMessage,
    headers(request) {
      if (!Number.isSafeInteger(request.timestampMs)) {
        throw new RangeError('timestampMs must be an integer number of milliseconds');
      }
      return {
        'KALSHI-ACCESS-KEY': keyId,
        'KALSHI-ACCESS-TIMESTAMP': String(request.timestampMs),
        'KALSHI-ACCESS-SIGNATURE': signMessage(signingMessage(request)),
      };
    },
  };
}
