/** Market research: /api/v1/markets, /api/v1/markets/:ticker(/orderbook|/sse), /api/v1/events/:event_ticker. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  errorBodySchema,
  eventDetailResponseSchema,
  marketDetailResponseSchema,
  marketListQuerySchema,
  marketListResponseSchema,
  orderBookSchema,
  type MarketStreamEvent,
  type MarketStreamEventType,
} from '@kalshi-desk/contracts';
import { appError } from '../../shared/errors.js';
import type { AccountUsecases } from '../account/account.usecases.js';
import { requireSession } from '../sessions/sessions.guard.js';
import { SSE_HEADERS } from '../stream/stream.http.js';
import { formatSseMessage } from '../stream/stream.models.js';
import type { MarketStreams, MarketViewer } from './markets.stream.js';
import type { MarketsUsecases } from './markets.usecases.js';

export interface MarketsRoutesOptions {
  markets: MarketsUsecases;
  streams: MarketStreams;
  account: AccountUsecases;
  /** SSE comment heartbeat. Default 15 s. */
  heartbeatMs?: number;
}

// Kalshi tickers: letters, digits, dots, dashes, underscores (e.g. KXCPIYOY-26DEC-T3.1).
const tickerSchema = z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'not a market ticker');
const errors = {
  400: errorBodySchema,
  404: errorBodySchema,
  429: errorBodySchema,
  502: errorBodySchema,
  503: errorBodySchema,
};

export const marketsRoutes: FastifyPluginAsyncZod<MarketsRoutesOptions> = (app, options) => {
  const { markets, streams, account } = options;

  app.get(
    '/markets',
    {
      schema: {
        tags: ['markets'],
        summary: 'Markets with status, category, search and sort (category comes from the series).',
        querystring: marketListQuerySchema,
        response: { 200: marketListResponseSchema, ...errors },
      },
    },
    (request) => markets.list(request.query),
  );

  app.get(
    '/markets/:ticker',
    {
      schema: {
        tags: ['markets'],
        summary: 'One market.',
        params: z.object({ ticker: tickerSchema }),
        response: { 200: marketDetailResponseSchema, ...errors },
      },
    },
    async (request) => ({ market: await markets.detail(request.params.ticker) }),
  );

  app.get(
    '/markets/:ticker/orderbook',
    {
      schema: {
        tags: ['markets'],
        summary: 'The full order book: YES bids and NO bids, best first, [cents, contracts].',
        params: z.object({ ticker: tickerSchema }),
        response: { 200: orderBookSchema, ...errors },
      },
    },
    (request) => markets.orderBook(request.params.ticker),
  );

  app.get(
    '/events/:event_ticker',
    {
      schema: {
        tags: ['markets'],
        summary: 'An event with its markets.',
        params: z.object({ event_ticker: tickerSchema }),
        response: { 200: eventDetailResponseSchema, ...errors },
      },
    },
    async (request) => ({ event: await markets.event(request.params.event_ticker) }),
  );

  app.get(
    '/markets/:ticker/sse',
    {
      preHandler: requireSession,
      schema: {
        tags: ['markets'],
        summary:
          'Server-Sent Events while watching a market, all default `message` events whose JSON `type` is `orderbook` (full book), `ticker`, `connection_status` or `error`.',
        params: z.object({ ticker: tickerSchema }),
        response: { 401: errorBodySchema, 404: errorBodySchema },
      },
    },
    async (request, reply) => {
      const session = request.session;
      if (session === null) throw appError('not_authenticated', 401, 'Connect your Kalshi API key first.');
      const credentials = await account.credentialsFor(session);
      // Answer 404 now for an unknown market rather than opening a stream that errors.
      await markets.summary(request.params.ticker);
      const viewer = openSse(request, reply, options.heartbeatMs ?? 15_000);
      const unwatch = streams.watch({
        userId: session.userId,
        jti: session.jti,
        credentials,
        ticker: request.params.ticker,
        viewer,
      });
      viewer.onClose(unwatch);
    },
  );

  return Promise.resolve();
};

/**
 * One SSE response. Under backpressure the newest event of each type waits for `drain`
 * (order book, ticker and status are states: only the latest matters), so a slow client
 * costs bounded memory.
 */
function openSse(
  request: FastifyRequest,
  reply: FastifyReply,
  heartbeatMs: number,
): MarketViewer & { onClose(fn: () => void): void } {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, SSE_HEADERS);
  res.flushHeaders();
  request.raw.socket.setNoDelay(true);
  let nextId = 1;
  let isBlocked = false;
  let isClosed = false;
  const waiting = new Map<MarketStreamEventType, MarketStreamEvent>();
  const closeListeners: (() => void)[] = [];

  // The positions stream's wire format: default messages whose JSON carries `type`.
  const write = (event: MarketStreamEvent) => {
    isBlocked = !res.write(formatSseMessage({ id: nextId++, event }));
  };
  const onDrain = () => {
    isBlocked = false;
    for (const [type, event] of waiting) {
      waiting.delete(type);
      write(event);
      if (isBlocked) break;
    }
    if (isBlocked) res.once('drain', onDrain);
  };
  const heartbeat = setInterval(() => {
    if (!isBlocked) res.write(': heartbeat\n\n');
  }, heartbeatMs);
  heartbeat.unref();

  const finish = () => {
    if (isClosed) return;
    isClosed = true;
    clearInterval(heartbeat);
    for (const fn of closeListeners.splice(0)) fn();
  };
  res.on('close', finish);
  res.on('error', finish);
  res.write('retry: 3000\n\n');

  return {
    send: (event) => {
      if (isClosed) return;
      if (isBlocked) {
        waiting.delete(event.type);
        waiting.set(event.type, event);
        return;
      }
      write(event);
      if (isBlocked) res.once('drain', onDrain);
    },
    close: () => {
      if (!res.writableEnded) res.end();
      finish();
    },
    onClose: (fn) => {
      if (isClosed) fn();
      else closeListeners.push(fn);
    },
  };
}
