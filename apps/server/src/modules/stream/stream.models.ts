/**
 * Pure pieces of the SSE streams: the wire format and heartbeat comment both streams use, and
 * the hub's per-client conflating queue.
 */
import { toStreamMessage, type StreamPayload } from '@kalshi-desk/contracts';
import type { AccountEvent, StreamEnvelope } from './stream.bus.js';

/**
 * One SSE message: `id:` and a one-line JSON `data:` of `{type, ...payload}` (the wire format
 * in contracts' stream.ts). No `event:` line: a named event would never reach a client's
 * `onmessage`, only listeners registered for that name.
 */
export function formatSseMessage(args: { id: number; event: { type: string; data: StreamPayload } }): string {
  // JSON.stringify never emits a raw newline, so one data line is always enough.
  return `id: ${args.id}\ndata: ${JSON.stringify(toStreamMessage(args.event))}\n\n`;
}

export const SSE_HEARTBEAT = ': heartbeat\n\n';

/**
 * Events that describe the latest state of something share a key, and a newer one replaces
 * the older while the client is not keeping up: per ticker (an update, or its removal), the
 * portfolio, and the connection status. Other events (errors) are kept in order.
 */
export function conflationKey(event: AccountEvent): string | null {
  switch (event.type) {
    case 'position_update':
      return `position:${event.data.data.ticker}`;
    case 'position_removed':
      return `position:${event.data.ticker}`;
    case 'portfolio_update':
      return 'portfolio';
    case 'orders_update':
      return 'orders';
    case 'connection_status':
      return 'connection';
    case 'error':
      return null;
  }
}

/**
 * Pending events of one client. A newer event with the same key replaces the pending one and
 * moves to the back, so pending ids stay increasing and a slow client gets the latest state.
 * The queue is bounded: past `capacity` entries it reports overflow and the caller replaces
 * the whole backlog with a fresh snapshot.
 */
export class ConflatingQueue {
  private readonly entries = new Map<string, StreamEnvelope>();
  private unkeyed = 0;

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  /**
   * Returns false when the queue is full (the event was not added). With `conflate` false
   * (a client keeping up) every event is kept; conflation starts once the client falls behind.
   */
  push(envelope: StreamEnvelope, conflate = true): boolean {
    const key = (conflate ? conflationKey(envelope.event) : null) ?? `#${this.unkeyed++}`;
    if (this.entries.has(key)) {
      this.entries.delete(key);
    } else if (this.entries.size >= this.capacity) {
      return false;
    }
    this.entries.set(key, envelope);
    return true;
  }

  shift(): StreamEnvelope | undefined {
    const first = this.entries.entries().next();
    if (first.done) return undefined;
    const [key, envelope] = first.value;
    this.entries.delete(key);
    return envelope;
  }

  clear(): void {
    this.entries.clear();
  }
}
