/**
 * Fan-out of account events: the one seam between whoever produces an account's events (its
 * exchange session) and whoever streams them to browsers (the SSE hub). In one process it is
 * `InProcessEventBus`. Several processes (docs/design.md §8) need an adapter over Redis Streams:
 * XADD assigns the ids, XREAD feeds `subscribe`, XRANGE serves `replay` — the same interface,
 * so the hub and the sessions do not change.
 */
import type { PositionStreamEvent } from '@kalshi-desk/contracts';
import { systemClock } from '../../shared/clock.js';

/** Every event on an account stream except the per-client snapshot. */
export type AccountEvent = Exclude<PositionStreamEvent, { type: 'snapshot' }>;

/** An account event with its stream id (the SSE `id:`), increasing per account. */
export interface StreamEnvelope {
  id: number;
  event: AccountEvent;
}

export type StreamListener = (envelope: StreamEnvelope) => void;

export interface EventBus {
  /** Appends an event to the account's stream; returns its id. */
  publish(accountId: string, event: AccountEvent): number;
  /** Listens to the account's new events; returns the unsubscribe function. */
  subscribe(accountId: string, listener: StreamListener): () => void;
  /**
   * Events after `afterId`, oldest first, when the retained history still covers them;
   * null when it does not (the client then needs a fresh snapshot).
   */
  replay(accountId: string, afterId: number): StreamEnvelope[] | null;
  /** Id of the account's latest event: a snapshot taken now reflects everything up to it. */
  lastId(accountId: string): number;
  /** Forgets the account's history (logout). */
  drop(accountId: string): void;
}

interface AccountLog {
  lastId: number;
  ring: (StreamEnvelope | undefined)[];
  /** Index in `ring` where the next event goes. */
  next: number;
  size: number;
  listeners: Set<StreamListener>;
}

export interface InProcessEventBusOptions {
  /** Events kept per account for Last-Event-ID resume. */
  ringSize?: number;
  /**
   * First id of a new account stream. Seeded from the wall clock (ms x 1000) so that ids keep
   * increasing across a server restart: a browser resuming with an id from before the restart
   * then gets a fresh snapshot instead of a replay of unrelated events.
   */
  firstId?: () => number;
}

export class InProcessEventBus implements EventBus {
  private readonly logs = new Map<string, AccountLog>();
  private readonly ringSize: number;
  private readonly firstId: () => number;

  constructor(options: InProcessEventBusOptions = {}) {
    this.ringSize = options.ringSize ?? 512;
    this.firstId = options.firstId ?? (() => systemClock.now() * 1000);
  }

  publish(accountId: string, event: AccountEvent): number {
    const log = this.log(accountId);
    log.lastId += 1;
    const envelope: StreamEnvelope = { id: log.lastId, event };
    log.ring[log.next] = envelope;
    log.next = (log.next + 1) % this.ringSize;
    log.size = Math.min(log.size + 1, this.ringSize);
    for (const listener of log.listeners) {
      try {
        listener(envelope);
      } catch {
        // A broken listener must not stop the others; the hub's listeners do not throw.
      }
    }
    return envelope.id;
  }

  subscribe(accountId: string, listener: StreamListener): () => void {
    const log = this.log(accountId);
    log.listeners.add(listener);
    return () => {
      log.listeners.delete(listener);
    };
  }

  replay(accountId: string, afterId: number): StreamEnvelope[] | null {
    const log = this.logs.get(accountId);
    if (!log || afterId > log.lastId) return null;
    if (afterId === log.lastId) return [];
    const oldestId = log.lastId - log.size + 1;
    // The client must have seen the event just before the oldest one we keep.
    if (afterId < oldestId - 1) return null;
    const result: StreamEnvelope[] = [];
    for (let id = afterId + 1; id <= log.lastId; id++) {
      const index = (log.next - 1 - (log.lastId - id) + this.ringSize * 2) % this.ringSize;
      const envelope = log.ring[index];
      if (envelope?.id !== id) return null;
      result.push(envelope);
    }
    return result;
  }

  lastId(accountId: string): number {
    return this.log(accountId).lastId;
  }

  drop(accountId: string): void {
    const log = this.logs.get(accountId);
    if (!log) return;
    if (log.listeners.size === 0) {
      this.logs.delete(accountId);
      return;
    }
    // Keep listeners (streams are closed separately) but forget the history.
    log.ring = new Array<StreamEnvelope | undefined>(this.ringSize);
    log.size = 0;
    log.next = 0;
  }

  private log(accountId: string): AccountLog {
    let log = this.logs.get(accountId);
    if (!log) {
      log = {
        lastId: this.firstId(),
        ring: new Array<StreamEnvelope | undefined>(this.ringSize),
        next: 0,
        size: 0,
        listeners: new Set(),
      };
      this.logs.set(accountId, log);
    }
    return log;
  }
}
