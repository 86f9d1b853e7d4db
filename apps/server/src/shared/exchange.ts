/**
 * Where the exchange is and how to talk to it. Built once in index.ts (pointing at the
 * embedded simulator, Kalshi demo/production, or a custom URL) and handed to every module
 * that calls the exchange, so only this seam knows the URLs.
 */
import type { KalshiEnv } from '@kalshi-desk/contracts';
import {
  KalshiApiError,
  KalshiNetworkError,
  KalshiResponseValidationError,
  KalshiRestClient,
  type KalshiCredentials,
} from '@kalshi-desk/kalshi';
import { appError, type AppError } from './errors.js';

export interface ExchangeCredentials {
  keyId: string;
  privateKeyPem: string;
}

export interface ExchangeFactory {
  readonly env: KalshiEnv;
  /** Including /trade-api/v2. */
  readonly restBaseUrl: string;
  /** Including /trade-api/ws/v2. */
  readonly wsUrl: string;
  /** The embedded simulator's demo account (simulator mode only). */
  readonly demoAccount: ExchangeCredentials | null;
  /** A REST client signed with the credentials, or unsigned (public market data) without. */
  rest(credentials?: ExchangeCredentials): KalshiRestClient;
}

export interface ExchangeFactoryOptions {
  env: KalshiEnv;
  restBaseUrl: string;
  wsUrl: string;
  demoAccount?: ExchangeCredentials | null;
  /** Per attempt; the authenticate route answers within about this long. Default 8 s. */
  timeoutMs?: number;
  /** Retries after a 429/5xx/network failure. Default 1 (an interactive request should not hang). */
  maxRetries?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

export function createExchangeFactory(options: ExchangeFactoryOptions): ExchangeFactory {
  return {
    env: options.env,
    restBaseUrl: options.restBaseUrl,
    wsUrl: options.wsUrl,
    demoAccount: options.demoAccount ?? null,
    rest: (credentials) => {
      const creds: KalshiCredentials | undefined = credentials
        ? { keyId: credentials.keyId, privateKeyPem: credentials.privateKeyPem }
        : undefined;
      return new KalshiRestClient({
        baseUrl: options.restBaseUrl,
        ...(creds ? { credentials: creds } : {}),
        timeoutMs: options.timeoutMs ?? 8_000,
        retry: { maxRetries: options.maxRetries ?? 1, baseDelayMs: 200, maxDelayMs: 2_000 },
        ...(options.fetch ? { fetch: options.fetch } : {}),
        ...(options.now ? { now: options.now } : {}),
      });
    },
  };
}

/**
 * Maps a failure of an exchange call to our API's error. 401 from Kalshi means the stored
 * or submitted key is not (or no longer) accepted.
 */
export function exchangeFailure(error: unknown): AppError {
  if (error instanceof KalshiApiError) {
    if (error.status === 401 || error.status === 403) {
      return appError(
        'invalid_credentials',
        401,
        'Kalshi rejected the API key (unknown key id or wrong private key).',
        error,
      );
    }
    if (error.status === 404) return appError('not_found', 404, 'The exchange has no such item.', error);
    if (error.status === 429) {
      return appError(
        'rate_limited',
        429,
        'The exchange is rate limiting requests; try again shortly.',
        error,
      );
    }
    if (error.status >= 500) {
      return appError(
        'exchange_error',
        502,
        `The exchange answered with an error (HTTP ${error.status}).`,
        error,
      );
    }
    return appError('exchange_error', 502, `The exchange refused the request (${error.code}).`, error);
  }
  if (error instanceof KalshiNetworkError) {
    return appError(
      'exchange_unreachable',
      503,
      'The exchange could not be reached; try again shortly.',
      error,
    );
  }
  if (error instanceof KalshiResponseValidationError) {
    return appError(
      'exchange_error',
      502,
      'The exchange sent a response this server does not understand.',
      error,
    );
  }
  return appError('internal_error', 500, 'Something went wrong on the server.', error);
}
