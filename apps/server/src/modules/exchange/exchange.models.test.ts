import { KalshiApiError, KalshiNetworkError, KalshiWsUpgradeError } from '@kalshi-desk/kalshi';
import { describe, expect, it } from 'vitest';
import { connectionStateOf, exchangeFailureOf, feedRefusalFailure } from './exchange.models.js';

describe('connectionStateOf', () => {
  it('a first connection is connecting, a later one reconnecting', () => {
    expect(connectionStateOf('connecting', { hasBeenLive: false })).toBe('connecting');
    expect(connectionStateOf('connecting', { hasBeenLive: true })).toBe('reconnecting');
  });

  it('waiting to retry is reconnecting, whether or not the connection was ever live', () => {
    expect(connectionStateOf('backoff', { hasBeenLive: false })).toBe('reconnecting');
    expect(connectionStateOf('backoff', { hasBeenLive: true })).toBe('reconnecting');
  });

  it('live and resyncing keep their names, and a closed connection leaves the data stale', () => {
    expect(connectionStateOf('live', { hasBeenLive: true })).toBe('live');
    expect(connectionStateOf('resyncing', { hasBeenLive: true })).toBe('resyncing');
    expect(connectionStateOf('closed', { hasBeenLive: true })).toBe('stale');
  });
});

describe('exchangeFailureOf', () => {
  const api = (status: number, code: string) =>
    new KalshiApiError({
      status,
      method: 'GET',
      path: '/trade-api/v2/portfolio/balance',
      code,
      message: code,
    });

  it('a refused key is a credentials failure, whether REST or the WebSocket upgrade said so', () => {
    expect(exchangeFailureOf(api(401, 'authentication_error')).kind).toBe('credentials');
    expect(exchangeFailureOf(api(401, 'signature_is_missing_from_headers')).kind).toBe('credentials');
    expect(exchangeFailureOf(api(403, 'forbidden')).kind).toBe('credentials');
    expect(exchangeFailureOf(new KalshiWsUpgradeError(401, 'authentication_error')).kind).toBe('credentials');
    expect(exchangeFailureOf(api(401, 'authentication_error')).detail).toMatch(/reconnect your key/);
  });

  it('an expired request timestamp is the clock, not the key', () => {
    expect(exchangeFailureOf(api(401, 'header_timestamp_expired'))).toEqual({
      kind: 'clock',
      detail: "Kalshi rejected the request time (this server's clock is off); retrying",
    });
    expect(feedRefusalFailure({ status: 401, code: 'header_timestamp_expired' })?.kind).toBe('clock');
  });

  it('rate limits, exchange errors and the network are transient, each with its own words', () => {
    expect(exchangeFailureOf(api(429, 'too_many_requests')).kind).toBe('rate_limited');
    expect(exchangeFailureOf(api(503, 'http_503'))).toEqual({
      kind: 'exchange_error',
      detail: 'Kalshi answered with an error (HTTP 503); retrying',
    });
    expect(exchangeFailureOf(new KalshiNetworkError('ECONNREFUSED')).kind).toBe('unreachable');
    expect(exchangeFailureOf(api(400, 'bad_request')).kind).toBe('failed');
    expect(exchangeFailureOf(new Error('the exchange listed more than 100000 open positions')).kind).toBe(
      'failed',
    );
  });

  it('a refused upgrade that is neither about the key nor the exchange health is left to the feed', () => {
    expect(feedRefusalFailure({ status: 404, code: 'not_found' })).toBeNull();
  });
});
