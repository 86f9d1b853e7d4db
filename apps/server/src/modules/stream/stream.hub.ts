/**
 * The SSE hub: every open `/account/sse/positions` stream, fed from the EventBus.
 *
 * Per client: a bounded conflating queue (a slow client gets the latest state of each
 * position, never an ever-growing backlog), writes paused while the socket is congested and
 * resumed on 'drain', `Last-Event-ID` resume from the bus's history or else a fresh
 * snapshot, and closing by account or by session (logout). The HTTP side — headers,
 * heartbeat, `retry:`, session expiry — is the SSE writer's (stream.http.ts).
 * Nothing here throws into the event loop: a failing snapshot becomes an `error` event.
 */
import type { z } from 'zod';
import type { snapshotEventSchema } from '@kalshi-desk/contracts';
import type { EventBus, StreamEnvelope } from './stream.bus.js';
import { ConflatingQueue, formatSseMessage } from './stream.models.js';

export type SnapshotData = z.infer<typeof snapshotEventSchema>;

/** Each event is serialised once, however many clients it goes to. */
const wireCache = new WeakMap<StreamEnvelope, string>();
function wireOf(envelope: StreamEnvelope): string {
  let wire = wireCache.get(envelope);
  if (wire === undefined) {
    wire = formatSseMessage({ id: envelope.id, event: envelope.event });
    wireCache.set(envelope, wire);
  }
  return wire;
}

/** Where a client's bytes go: the SSE writer's stream (tests use a fake). */
export interface SseSink {
  /** false when the transport is congested: wait for `onDrain` before writing more. */
  write(chunk: string): boolean;
  onDrain(listener: () => void): void;
  end(): void;
}

export interface SseHubOptions {
  bus: EventBus;
  /** The account's current state for a (re)connecting client. */
  snapshot: (accountId: string) => SnapshotData;
  /** Pending distinct keys per client before the backlog is replaced by a snapshot. */
  queueCapacity?: number;
  /**
   * Runs the batched flush. Default setImmediate: every event published while the event loop
   * handles a burst of upstream messages reaches each client in one write. Tests may pass a
   * synchronous function.
   */
  defer?: (flush: () => void) => void;
}

export interface SseClientHandle {
  close(): void;
}

class SseClient implements SseClientHandle {
  private readonly queue: ConflatingQueue;
  private isBlocked = false;
  private isClosed = false;
  private needsSnapshot = false;
  private lastSentId = -1;
  /** Waiting in the hub's flush batch. */
  isScheduled = false;
  unsubscribe: () => void = () => undefined;

  constructor(
    readonly accountId: string,
    readonly sessionId: string,
    private readonly sink: SseSink,
    private readonly hub: SseHub,
    capacity: number,
  ) {
    this.queue = new ConflatingQueue(capacity);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  startFrom(lastEventId: number | null, replay: StreamEnvelope[] | null): void {
    if (lastEventId !== null && replay !== null) {
      this.lastSentId = lastEventId;
      for (const envelope of replay) this.deliver(envelope);
    } else {
      this.needsSnapshot = true;
    }
    this.flush();
  }

  deliver(envelope: StreamEnvelope): void {
    if (this.isClosed || envelope.id <= this.lastSentId) return;
    if (!this.queue.push(envelope, this.isBlocked)) {
      // Too far behind even after conflation: drop the backlog, send the state instead.
      this.queue.clear();
      this.needsSnapshot = true;
    }
    if (!this.isScheduled) {
      this.isScheduled = true;
      this.hub.schedule(this);
    }
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.queue.clear();
    this.unsubscribe();
    this.hub.forget(this);
    try {
      this.sink.end();
    } catch {
      // The socket may already be gone.
    }
  }

  /** Writes everything pending as one chunk (the sink sends it in one TCP write). */
  flush(): void {
    this.isScheduled = false;
    if (this.isBlocked || this.isClosed) return;
    let out = '';
    if (this.needsSnapshot) {
      this.needsSnapshot = false;
      this.queue.clear();
      const { id, chunk } = this.hub.snapshotMessage(this.accountId);
      this.lastSentId = id;
      out += chunk;
    }
    for (let envelope = this.queue.shift(); envelope; envelope = this.queue.shift()) {
      this.lastSentId = envelope.id;
      out += wireOf(envelope);
    }
    if (out !== '') this.write(out);
  }

  /** Writes; on congestion pauses until drain. Returns whether more may be written now. */
  private write(chunk: string): boolean {
    let isWritable: boolean;
    try {
      isWritable = this.sink.write(chunk);
    } catch {
      this.close();
      return false;
    }
    if (!isWritable) {
      this.isBlocked = true;
      this.sink.onDrain(() => {
        this.isBlocked = false;
        this.flush();
      });
    }
    return isWritable;
  }
}

export class SseHub {
  private readonly clients = new Set<SseClient>();
  private readonly bus: EventBus;
  private readonly queueCapacity: number;
  private readonly defer: (flush: () => void) => void;
  private dirty: SseClient[] = [];
  private isFlushScheduled = false;

  constructor(private readonly options: SseHubOptions) {
    this.bus = options.bus;
    this.queueCapacity = options.queueCapacity ?? 1_000;
    this.defer = options.defer ?? ((flush) => setImmediate(flush));
  }

  /** @internal a client has new events: flush it with the current batch. */
  schedule(client: SseClient): void {
    this.dirty.push(client);
    if (this.isFlushScheduled) return;
    this.isFlushScheduled = true;
    this.defer(() => {
      const batch = this.dirty;
      this.dirty = [];
      this.isFlushScheduled = false;
      for (const c of batch) c.flush();
    });
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /**
   * Opens a stream. `lastEventId` is the browser's Last-Event-ID (null on a first connect):
   * the missed events are replayed when the bus still has them, otherwise a snapshot is sent.
   */
  open(args: {
    accountId: string;
    sessionId: string;
    lastEventId: number | null;
    sink: SseSink;
  }): SseClientHandle {
    const client = new SseClient(args.accountId, args.sessionId, args.sink, this, this.queueCapacity);
    this.clients.add(client);
    client.unsubscribe = this.bus.subscribe(args.accountId, (envelope) => client.deliver(envelope));
    const replay = args.lastEventId === null ? null : this.bus.replay(args.accountId, args.lastEventId);
    client.startFrom(args.lastEventId, replay);
    return client;
  }

  /** Closes an account's streams: all of them, or only those of one session (logout). */
  closeStreams(accountId: string, sessionId?: string): number {
    let count = 0;
    for (const client of [...this.clients]) {
      if (client.accountId !== accountId) continue;
      if (sessionId !== undefined && client.sessionId !== sessionId) continue;
      client.close();
      count++;
    }
    return count;
  }

  streamCount(accountId: string): number {
    let count = 0;
    for (const client of this.clients) if (client.accountId === accountId) count++;
    return count;
  }

  closeAll(): void {
    for (const client of [...this.clients]) client.close();
  }

  /** @internal used by clients */
  forget(client: SseClient): void {
    this.clients.delete(client);
  }

  /** @internal a snapshot message of the account's current state, with the id it reflects. */
  snapshotMessage(accountId: string): { id: number; chunk: string } {
    const id = this.bus.lastId(accountId);
    try {
      const data = this.options.snapshot(accountId);
      return { id, chunk: formatSseMessage({ id, event: { type: 'snapshot', data } }) };
    } catch {
      return {
        id,
        chunk: formatSseMessage({
          id,
          event: { type: 'error', data: { message: 'positions are not available yet' } },
        }),
      };
    }
  }
}
