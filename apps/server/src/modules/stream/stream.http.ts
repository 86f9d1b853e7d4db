/**
 * The one SSE writer: every Server-Sent Events response of the server — the positions stream
 * and each market's stream — goes out through `openSseStream`. It owns what is the same for
 * every stream: the hijacked reply and its headers (hijacking skips the hooks that normally
 * add them, helmet and CORS, so the security headers are written here), the `retry:` hint,
 * batching writes into one TCP write per turn of the event loop, telling the caller when the
 * client is congested and when it drained, the heartbeat, and closing the stream when the
 * session behind it ends. What to send, and what to drop under backpressure, is the caller's:
 * the hub conflates account events by key (stream.hub.ts), a market stream keeps the newest
 * event of each type (markets.stream.ts).
 *
 * A client may leave while a route still awaits something before its stream opens (the session
 * check, the stored key, the market, the live session). Its close event is then already past,
 * so a route watches for it from the start (`watchSseClient` as its onRequest hook), checks
 * `isClientGone` after every await and gives up with `abandonSseRequest`; and a stream opened
 * for a client that already left closes at once, so nothing it registers outlives the request.
 */
import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { nodeScheduler, systemClock, type Clock, type Scheduler } from '../../shared/clock.js';
import type { SseHub, SseSink } from './stream.hub.js';
import { SSE_HEARTBEAT } from './stream.models.js';

export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  Connection: 'keep-alive',
  // nginx and similar proxies would otherwise buffer the stream.
  'X-Accel-Buffering': 'no',
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

/** Bytes a stream may have buffered in the socket before it counts as congested. */
export const MAX_BUFFERED_BYTES = 256 * 1024;

/** A comment line every 15 s keeps proxies and the browser from timing a quiet stream out. */
export const SSE_HEARTBEAT_MS = 15_000;

/** Reconnection delay suggested to EventSource (the SSE `retry:` field). */
export const SSE_RETRY_MS = 3_000;

/** setTimeout cannot wait longer than 2^31-1 ms (about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;

/** Headers about a body the stream does not have; the stream's own framing applies. */
const FRAMING_HEADERS = new Set(['content-length', 'content-type', 'transfer-encoding']);

/** Requests whose client went away, noted by `watchSseClient`. */
const departed = new WeakSet<FastifyRequest>();

/**
 * onRequest hook of an SSE route: notes the client leaving from before the route's first await
 * (the session guard's), since a close that happens while the route waits is never seen again.
 */
export const watchSseClient: onRequestHookHandler = (request, reply, done) => {
  reply.raw.once('close', () => {
    if (!reply.raw.writableEnded) departed.add(request);
  });
  done();
};

/** Whether the client of a request that has not been answered yet went away. */
export function isClientGone(request: FastifyRequest): boolean {
  return departed.has(request) || request.raw.socket.destroyed;
}

/** Ends a request whose client left before its stream opened, sending nothing. */
export function abandonSseRequest(reply: FastifyReply): FastifyReply {
  reply.hijack();
  if (!reply.raw.destroyed) reply.raw.destroy();
  return reply;
}

/** Last-Event-ID header (or `lastEventId` query, for clients that cannot set headers). */
export function lastEventIdOf(request: FastifyRequest): number | null {
  const header = request.headers['last-event-id'];
  const query = (request.query as Record<string, unknown> | undefined)?.lastEventId;
  const raw = typeof header === 'string' ? header : typeof query === 'string' ? query : null;
  if (raw === null || !/^\d{1,16}$/.test(raw.trim())) return null;
  return Number(raw.trim());
}

/** An open SSE response. `write` says false while the client is congested; wait for `onDrain`. */
export interface SseStream extends SseSink {
  /** Runs once when the stream ends, whoever ends it: the client, the session's expiry, `end()`. */
  onClose(listener: () => void): void;
}

export interface SseStreamOptions {
  request: FastifyRequest;
  reply: FastifyReply;
  /**
   * When the session behind the stream ends (ms since epoch, on `clock`): the stream closes
   * then, so an expired session cannot keep streaming; EventSource reconnects and the session
   * check decides again (renewing the cookie when due).
   */
  expiresAt?: number;
  clock?: Clock;
  /** Heartbeat and expiry timers. */
  scheduler?: Scheduler;
  heartbeatMs?: number;
}

export function openSseStream(options: SseStreamOptions): SseStream {
  const { request, reply } = options;
  const clock = options.clock ?? systemClock;
  const scheduler = options.scheduler ?? nodeScheduler;
  // Headers already set on the reply — a renewed session cookie, CORS and rate-limit headers —
  // would be written by hooks that a hijacked reply skips; they go out with the stream's own.
  const pending: Record<string, number | string | string[]> = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined && !FRAMING_HEADERS.has(name.toLowerCase())) pending[name] = value;
  }
  reply.hijack();
  const res = reply.raw;
  const isGone = isClientGone(request) || res.destroyed;
  if (!isGone) {
    res.writeHead(200, { ...pending, ...SSE_HEADERS });
    res.flushHeaders();
    request.raw.socket.setNoDelay(true);
    request.raw.socket.setKeepAlive(true);
  }

  let isClosed = false;
  let isCongested = false;
  let isCorked = false;
  const closeListeners: (() => void)[] = [];
  const uncork = (): void => {
    isCorked = false;
    res.uncork();
  };

  // Node's write() says false past 16 KB buffered; a burst can exceed that on a healthy
  // connection, so the client counts as congested only past MAX_BUFFERED_BYTES.
  const write = (chunk: string): boolean => {
    if (isClosed) return false;
    // Everything written while handling one upstream message leaves in one TCP write.
    if (!isCorked) {
      isCorked = true;
      res.cork();
      process.nextTick(uncork);
    }
    res.write(chunk);
    isCongested = res.writableLength >= MAX_BUFFERED_BYTES;
    return !isCongested;
  };
  res.on('drain', () => {
    isCongested = false;
  });

  const heartbeat = scheduler.setInterval(() => {
    if (!isCongested) write(SSE_HEARTBEAT);
  }, options.heartbeatMs ?? SSE_HEARTBEAT_MS);
  const expiry =
    options.expiresAt === undefined
      ? null
      : scheduler.setTimeout(
          () => close(),
          Math.min(MAX_TIMER_MS, Math.max(0, options.expiresAt - clock.now())),
        );

  function close(): void {
    if (isClosed) return;
    isClosed = true;
    scheduler.clearInterval(heartbeat);
    if (expiry !== null) scheduler.clearTimeout(expiry);
    if (!res.writableEnded && !res.destroyed) res.end();
    for (const listener of closeListeners.splice(0)) listener();
  }
  res.on('close', close);
  res.on('error', close);

  // The client left while the route awaited: its close event is past, so close now.
  if (isGone) close();
  else write(`retry: ${SSE_RETRY_MS}\n\n`);
  return {
    write,
    onDrain: (listener) => {
      res.once('drain', listener);
    },
    end: close,
    onClose: (listener) => {
      if (isClosed) listener();
      else closeListeners.push(listener);
    },
  };
}

/** The positions stream of one account: the hub's client for it, over the SSE writer. */
export function streamPositions(args: {
  request: FastifyRequest;
  reply: FastifyReply;
  hub: SseHub;
  accountId: string;
  sessionId: string;
  expiresAt?: number;
  clock?: Clock;
  scheduler?: Scheduler;
}): SseStream {
  const stream = openSseStream(args);
  const client = args.hub.open({
    accountId: args.accountId,
    sessionId: args.sessionId,
    lastEventId: lastEventIdOf(args.request),
    sink: stream,
  });
  stream.onClose(() => client.close());
  return stream;
}
