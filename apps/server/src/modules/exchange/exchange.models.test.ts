import { describe, expect, it } from 'vitest';
import { connectionStateOf } from './exchange.models.js';

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
