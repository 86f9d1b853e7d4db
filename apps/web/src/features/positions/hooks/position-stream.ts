import {
  parsePositionStreamEvent,
  type PortfolioResponse,
  type PositionsResponse,
} from '@kalshi-desk/contracts';
import { buildUrl, isApiError, isAuthError } from '../../../lib/api-client';
import {
  browserEventSource,
  messageTypeOf,
  openEventStream,
  type EventSourceFactory,
  type EventStream,
} from '../../../lib/event-stream';
import type { PositionsAction } from '../stores/positions.store';

export const POSITIONS_STREAM_URL = buildUrl('/account/sse/positions');

export interface PositionStreamOptions {
  /** Where the actions go (the positions store's dispatchMany). */
  dispatchMany: (actions: readonly PositionsAction[]) => void;
  /** REST read used when SSE is unavailable. */
  fetchSnapshot: () => Promise<{ positions: PositionsResponse; portfolio: PortfolioResponse }>;
  /** Called once when the server says the session is gone. */
  onUnauthorized?: () => void;
  createEventSource?: EventSourceFactory;
  /** Consecutive stream errors before falling back to polling. */
  maxStreamErrors?: number;
  pollIntervalMs?: number;
  /** While polling, how often to try the stream again. */
  streamRetryMs?: number;
  now?: () => number;
  /** How stream events are batched before reaching the store (default: once per frame). */
  scheduleFlush?: (flush: () => void) => void;
}

function defaultScheduleFlush(flush: () => void): void {
  // requestAnimationFrame does not run in a hidden tab; a timer keeps the state current there.
  if (typeof document !== 'undefined' && !document.hidden && typeof requestAnimationFrame === 'function') {
    requestAnimationFrame(flush);
  } else {
    setTimeout(flush, 100);
  }
}

export interface PositionStreamController {
  start: () => void;
  stop: () => void;
  /** Reopens the stream (the server answers with a fresh snapshot) or polls right away. */
  refresh: () => void;
}

/**
 * Keeps the positions store fed: one EventSource while SSE works; after repeated errors (or a
 * refusal) it polls the REST endpoints and keeps probing the stream, switching back as soon
 * as the stream opens again. Failures are state changes, never thrown.
 */
export function createPositionStreamController(options: PositionStreamOptions): PositionStreamController {
  const {
    dispatchMany,
    fetchSnapshot,
    onUnauthorized,
    createEventSource = browserEventSource,
    maxStreamErrors = 3,
    pollIntervalMs = 3_000,
    streamRetryMs = 15_000,
    now = () => Date.now(),
    scheduleFlush = defaultScheduleFlush,
  } = options;

  let mode: 'stopped' | 'stream' | 'polling' = 'stopped';
  let stream: EventStream | null = null;
  let consecutiveErrors = 0;
  let hasOpened = false;
  let pollTimer: ReturnType<typeof setInterval> | null = null;
  let probeTimer: ReturnType<typeof setTimeout> | null = null;
  let pending: PositionsAction[] = [];
  let isFlushScheduled = false;
  let isPolling = false;

  const dispatch = (action: PositionsAction) => dispatchMany([action]);

  const flush = () => {
    isFlushScheduled = false;
    if (pending.length === 0 || mode === 'stopped') {
      pending = [];
      return;
    }
    const batch = pending;
    pending = [];
    dispatchMany(batch);
  };

  const enqueue = (action: PositionsAction) => {
    pending.push(action);
    if (!isFlushScheduled) {
      isFlushScheduled = true;
      scheduleFlush(flush);
    }
  };

  const closeStream = () => {
    stream?.close();
    stream = null;
  };

  const clearTimers = () => {
    if (pollTimer !== null) clearInterval(pollTimer);
    if (probeTimer !== null) clearTimeout(probeTimer);
    pollTimer = null;
    probeTimer = null;
  };

  const handleUnauthorized = () => {
    stop();
    onUnauthorized?.();
  };

  const pollOnce = async () => {
    if (isPolling) return;
    isPolling = true;
    try {
      const snapshot = await fetchSnapshot();
      if (mode === 'stopped') return;
      dispatch({ type: 'polled', positions: snapshot.positions, portfolio: snapshot.portfolio, at: now() });
    } catch (error) {
      if (mode === 'stopped') return;
      if (isAuthError(error)) {
        handleUnauthorized();
        return;
      }
      const message = isApiError(error) ? error.message : 'polling failed';
      dispatch({
        type: 'transport',
        transport: mode === 'polling' ? 'polling' : 'reconnecting',
        error: message,
      });
    } finally {
      isPolling = false;
    }
  };

  const scheduleProbe = () => {
    if (probeTimer !== null) clearTimeout(probeTimer);
    probeTimer = setTimeout(() => {
      probeTimer = null;
      if (mode === 'polling') openStream();
    }, streamRetryMs);
  };

  const fallBackToPolling = () => {
    closeStream();
    mode = 'polling';
    dispatch({ type: 'transport', transport: 'polling' });
    void pollOnce();
    if (pollTimer === null) pollTimer = setInterval(() => void pollOnce(), pollIntervalMs);
    scheduleProbe();
  };

  const openStream = () => {
    closeStream();
    if (mode === 'stream')
      dispatch({ type: 'transport', transport: hasOpened ? 'reconnecting' : 'connecting' });
    try {
      stream = openStreamNow();
    } catch {
      // No EventSource in this browser (or it refused the URL): REST polling still works.
      if (mode === 'stream') fallBackToPolling();
      else scheduleProbe();
    }
  };

  const openStreamNow = (): EventStream =>
    openEventStream({
      url: POSITIONS_STREAM_URL,
      createEventSource,
      handlers: {
        onOpen: () => {
          hasOpened = true;
          consecutiveErrors = 0;
          if (mode === 'polling') {
            // The probe worked: the stream is back and will send a fresh snapshot.
            clearTimers();
            mode = 'stream';
          }
          dispatch({ type: 'transport', transport: 'open' });
        },
        onMessage: ({ data, id }) => {
          const type = messageTypeOf(data);
          let event;
          try {
            event = parsePositionStreamEvent(data);
          } catch (error) {
            // Contract drift between server and web: never applied, always visible to a developer.
            console.error(`positions stream: dropped a ${type} event that breaks the contract`, error);
            enqueue({
              type: 'transport',
              transport: 'open',
              error: `the server sent a ${type} event that breaks the contract`,
            });
            return;
          }
          if (event === null) {
            // A type this build does not know (a newer server): skipped, but not silently.
            console.warn(`positions stream: ignored a message of unknown type ${type}`);
            return;
          }
          enqueue({ type: 'stream', event, id: id || undefined, at: now() });
        },
        onError: ({ willRetry }) => {
          consecutiveErrors += 1;
          if (mode === 'polling') {
            // A failed probe: stay on polling and try again later.
            closeStream();
            scheduleProbe();
            return;
          }
          if (!willRetry || consecutiveErrors >= maxStreamErrors) {
            fallBackToPolling();
            return;
          }
          dispatch({ type: 'transport', transport: 'reconnecting' });
        },
      },
    });

  function start() {
    if (mode !== 'stopped') return;
    mode = 'stream';
    consecutiveErrors = 0;
    openStream();
  }

  function stop() {
    mode = 'stopped';
    clearTimers();
    closeStream();
    pending = [];
    dispatch({ type: 'transport', transport: 'closed' });
  }

  function refresh() {
    if (mode === 'stream') {
      consecutiveErrors = 0;
      openStream();
    } else if (mode === 'polling') {
      void pollOnce();
    }
  }

  return { start, stop, refresh };
}
