/**
 * Serving one SSE stream over Fastify. The reply is hijacked (Fastify stops managing it), so
 * the hooks that normally add headers (helmet, cors) do not run: the headers a stream needs,
 * including the security ones, are written here.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SseHub, SseSink } from './stream.hub.js';

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

/** Bytes a stream may have buffered in the socket before the hub starts conflating. */
export const MAX_BUFFERED_BYTES = 256 * 1024;

/** Last-Event-ID header (or `lastEventId` query, for clients that cannot set headers). */
export function lastEventIdOf(request: FastifyRequest): number | null {
  const header = request.headers['last-event-id'];
  const query = (request.query as Record<string, unknown> | undefined)?.lastEventId;
  const raw = typeof header === 'string' ? header : typeof query === 'string' ? query : null;
  if (raw === null || !/^\d{1,16}$/.test(raw.trim())) return null;
  return Number(raw.trim());
}

export function streamPositions(args: {
  request: FastifyRequest;
  reply: FastifyReply;
  hub: SseHub;
  accountId: string;
  sessionId: string;
  /**
   * When the session behind the stream ends (ms since epoch, with `now`): the stream closes
   * then, so an expired session cannot keep streaming; EventSource reconnects and the
   * session check decides again (renewing the cookie when due).
   */
  expiresAt?: number;
  now?: () => number;
}): void {
  const { request, reply, hub } = args;
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, SSE_HEADERS);
  res.flushHeaders();
  request.raw.socket.setNoDelay(true);
  request.raw.socket.setKeepAlive(true);
  let isCorked = false;
  const uncork = (): void => {
    isCorked = false;
    res.uncork();
  };
  const sink: SseSink = {
    // Node's write() says false past 16 KB buffered; a burst can exceed that on a healthy
    // connection, so the client counts as congested only past MAX_BUFFERED_BYTES.
    write: (chunk) => {
      // Events published while handling one upstream message leave in one TCP write.
      if (!isCorked) {
        isCorked = true;
        res.cork();
        process.nextTick(uncork);
      }
      res.write(chunk);
      return res.writableLength < MAX_BUFFERED_BYTES;
    },
    onDrain: (listener) => {
      res.once('drain', listener);
    },
    end: () => {
      if (!res.writableEnded) res.end();
    },
  };
  const client = hub.open({
    accountId: args.accountId,
    sessionId: args.sessionId,
    lastEventId: lastEventIdOf(request),
    sink,
  });
  let expiryTimer: NodeJS.Timeout | null = null;
  const onClose = (): void => {
    if (expiryTimer !== null) clearTimeout(expiryTimer);
    client.close();
  };
  if (args.expiresAt !== undefined) {
    const now = args.now ?? (() => Date.now());
    // setTimeout cannot wait longer than 2^31-1 ms (about 24.8 days).
    const delay = Math.min(2_147_483_647, Math.max(0, args.expiresAt - now()));
    expiryTimer = setTimeout(onClose, delay);
    expiryTimer.unref();
  }
  res.on('close', onClose);
  res.on('error', onClose);
}
