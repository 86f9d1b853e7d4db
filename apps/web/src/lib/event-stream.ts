/**
 * One Server-Sent Events connection, with the browser's EventSource doing the reconnecting
 * (it resends Last-Event-ID on its own). Everything that happens is reported as data through
 * callbacks; nothing here throws into the event loop.
 *
 * Our streams send only default `message` events (no `event:` field) whose JSON carries a
 * `type` (the wire format in contracts' stream.ts), so one 'message' listener gets them all;
 * the caller parses the JSON by its `type`.
 */

/** The EventSource constructor; injectable so tests and the bench can feed events. */
export type EventSourceFactory = (url: string, init: EventSourceInit) => EventSource;

export const browserEventSource: EventSourceFactory = (url, init) => new EventSource(url, init);

export interface EventStreamHandlers {
  /** The connection is open (first open and every automatic reconnect). */
  onOpen: () => void;
  /** One message: its parsed JSON (`type` inside) and id. Invalid JSON goes to onError instead. */
  onMessage: (message: { data: unknown; id: string }) => void;
  /**
   * The connection failed. `willRetry` is true while the browser retries on its own
   * (readyState CONNECTING); false when it gave up (an HTTP error status or wrong content type).
   */
  onError: (error: { willRetry: boolean; message: string }) => void;
}

export interface EventStream {
  close: () => void;
}

/** A message's `type`, for log lines about it (`untyped` when its JSON has none). */
export function messageTypeOf(data: unknown): string {
  if (typeof data !== 'object' || data === null || !('type' in data)) return 'untyped';
  return typeof data.type === 'string' ? data.type : 'untyped';
}

export function openEventStream({
  url,
  handlers,
  createEventSource = browserEventSource,
}: {
  url: string;
  handlers: EventStreamHandlers;
  createEventSource?: EventSourceFactory;
}): EventStream {
  const source = createEventSource(url, { withCredentials: true });
  let isClosed = false;

  source.onopen = () => {
    if (!isClosed) handlers.onOpen();
  };
  source.onerror = () => {
    if (isClosed) return;
    const willRetry = source.readyState === source.CONNECTING;
    handlers.onError({ willRetry, message: willRetry ? 'stream interrupted' : 'stream unavailable' });
  };
  // addEventListener rather than `onmessage`: the same default events, and fakes built on
  // EventTarget deliver to it too.
  const listener = (event: MessageEvent<unknown>) => {
    if (isClosed || typeof event.data !== 'string') return;
    let data: unknown;
    try {
      data = JSON.parse(event.data);
    } catch {
      handlers.onError({ willRetry: true, message: 'unreadable stream message' });
      return;
    }
    handlers.onMessage({ data, id: event.lastEventId });
  };
  source.addEventListener('message', listener);

  return {
    close: () => {
      isClosed = true;
      source.removeEventListener('message', listener);
      source.onopen = null;
      source.onerror = null;
      source.close();
    },
  };
}
