import { describe, expect, it } from 'vitest';
import { isAppError } from '../../shared/errors.js';
import { SseStreamLimits } from './stream.limits.js';

describe('SseStreamLimits', () => {
  it('holds each session to its cap and each user to theirs; a released place is free again', () => {
    const limits = new SseStreamLimits({ perSession: 2, perUser: 3 });
    const a1 = limits.acquire({ userId: 'u', sessionId: 'a' });
    limits.acquire({ userId: 'u', sessionId: 'a' });
    expect(() => limits.acquire({ userId: 'u', sessionId: 'a' })).toThrow(/streams/);
    limits.acquire({ userId: 'u', sessionId: 'b' });
    expect(() => limits.acquire({ userId: 'u', sessionId: 'b' })).toThrow(/streams/);
    // Another user is not affected.
    limits.acquire({ userId: 'v', sessionId: 'c' });
    expect(limits.openCount('u')).toBe(3);
    a1.release();
    a1.release();
    expect(limits.openCount('u')).toBe(2);
    limits.acquire({ userId: 'u', sessionId: 'b' });
    expect(limits.openCount()).toBe(4);
  });

  it('refuses with the error factory: 429 rate_limited', () => {
    const limits = new SseStreamLimits({ perSession: 1, perUser: 1 });
    limits.acquire({ userId: 'u', sessionId: 'a' });
    let thrown: unknown;
    try {
      limits.acquire({ userId: 'u', sessionId: 'a' });
    } catch (error) {
      thrown = error;
    }
    expect(isAppError(thrown) && thrown.statusCode === 429 && thrown.code === 'rate_limited').toBe(true);
  });

  it('forgets users and sessions with nothing open', () => {
    const limits = new SseStreamLimits({ perSession: 8, perUser: 32 });
    const leases = Array.from({ length: 5 }, (_, i) =>
      limits.acquire({ userId: `u${i}`, sessionId: `s${i}` }),
    );
    for (const lease of leases) lease.release();
    expect(limits.openCount()).toBe(0);
    expect(limits.trackedKeys).toBe(0);
  });
});
