/**
 * Caps on open SSE streams, one count across both kinds (positions and market streams): each
 * stream holds a socket, timers and a snapshot's worth of work, so one cookie must not be able
 * to open thousands. A route takes a place right before it opens its stream and gives it back
 * when the stream closes; past a cap the request is answered 429 in our error shape.
 */
import { appError } from '../../shared/errors.js';

export interface SseStreamLimitsOptions {
  perSession: number;
  perUser: number;
}

export interface SseStreamLease {
  /** Gives the place back; safe to call more than once. */
  release(): void;
}

export class SseStreamLimits {
  private readonly bySession = new Map<string, number>();
  private readonly byUser = new Map<string, number>();

  constructor(private readonly options: SseStreamLimitsOptions) {}

  /** Takes a place for one stream, or throws 429 rate_limited when a cap is reached. */
  acquire(owner: { userId: string; sessionId: string }): SseStreamLease {
    const sessionKey = `${owner.userId}/${owner.sessionId}`;
    const forSession = this.bySession.get(sessionKey) ?? 0;
    const forUser = this.byUser.get(owner.userId) ?? 0;
    if (forSession >= this.options.perSession) {
      throw appError(
        'rate_limited',
        429,
        `This session already has ${forSession} open streams; close a tab or window first.`,
      );
    }
    if (forUser >= this.options.perUser) {
      throw appError(
        'rate_limited',
        429,
        `This account already has ${forUser} open streams; close a tab or window first.`,
      );
    }
    this.bySession.set(sessionKey, forSession + 1);
    this.byUser.set(owner.userId, forUser + 1);
    let isReleased = false;
    return {
      release: () => {
        if (isReleased) return;
        isReleased = true;
        decrement(this.bySession, sessionKey);
        decrement(this.byUser, owner.userId);
      },
    };
  }

  /** Open streams of one user, or of everyone. */
  openCount(userId?: string): number {
    if (userId !== undefined) return this.byUser.get(userId) ?? 0;
    let total = 0;
    for (const count of this.byUser.values()) total += count;
    return total;
  }

  /** Users and sessions with a count kept (for tests: nothing stays behind). */
  get trackedKeys(): number {
    return this.bySession.size + this.byUser.size;
  }
}

function decrement(counts: Map<string, number>, key: string): void {
  const next = (counts.get(key) ?? 0) - 1;
  if (next > 0) counts.set(key, next);
  else counts.delete(key);
}
