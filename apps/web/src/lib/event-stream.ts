/**
 * One Server-Sent Events connection, with the browser's EventSource doing the reconnecting
 * (it resends Last-Event-ID on its own). Everything that happens is reported as data through
 * callbacks; nothing here throws into the event loop.
 */

/** The EventSource constructor; injectable so tests and the bench can feed events. */
export type EventSourceFactory = (url: string, init: EventSourceInit) => EventSource;

export const browserEventSource: EventSourceFactory = (url, init) => new EventSource(url, init);

export interface EventStreamHandlers {
  /** The connection is open (first open and every automatic reconnect). */
  onOpen: () => void;
  /** One message: its event type, parsed JSON and id. Invalid JSON goes to onError as a message. */
  onMessage: (message: { type: string; data: unknown; id: string }) => void;
  /**
   * The connection failed. `willRetry` is true while the browser retries on its own
   * (readyState CONNECTING); false when it gave up (an HTTP error status or wrong content type).
   */
  onError: (error: { willRetry: boolean; message: string }) => void;
}

export interface EventStream {
  close: () => void;
}

export function openEventStream({
  url,
  eventTypes,
  handlers,
  createEventSource = browserEventSource,
}: {
  url: string;
  eventTypes: readonly string[];
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
  const listener = (event: Event) => {
    if (isClosed) return;
    const message = event as MessageEvent<unknown>;
    // Our server sends an `error` event type; the EventSource's own failures are plain Events.
    if (typeof message.data !== 'string') return;
    let data: unknown;
    try {
      data = JSON.parse(message.data);
    } catch {
      handlers.onError({ willRetry: true, message: `unreadable ${event.type} event` });
      return;
    }
    handlers.onMessage({ type: event.type, data, id: message.lastEventId });
  };
  for (const type of eventTypes) source.addEventListener(type, listener);

  return {
    close: () => {
      isClosed = true;
      for (const type of eventTypes) source.removeEventListener(type, listener);
      source.onopen = null;
      source.onerror = null;
      source.close();
    },
  };
}
