/** Market research: /api/v1/markets, /api/v1/markets/:ticker(/orderbook|/sse), /api/v1/events/:event_ticker. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  errorBodySchema,
  eventDetailResponseSchema,
  marketDetailResponseSchema,
  marketListQuerySchema,
  marketListResponseSchema,
  orderBookSchema,
} from '@kalshi-desk/contracts';
import type { Clock, Scheduler } from '../../shared/clock.js';
import type { AccountUsecases } from '../account/account.usecases.js';
import { requireSession, sessionOf } from '../sessions/sessions.guard.js';
import { abandonSseRequest, isClientGone, openSseStream, watchSseClient } from '../stream/stream.http.js';
import type { SseStreamLimits } from '../stream/stream.limits.js';
import { sseMarketViewer, type MarketStreams } from './markets.stream.js';
import type { MarketsUsecases } from './markets.usecases.js';

export interface MarketsRoutesOptions {
  markets: MarketsUsecases;
  streams: MarketStreams;
  account: AccountUsecases;
  /** The session expiry of a market stream is read on this clock. */
  clock: Clock;
  /** The stream's heartbeat and expiry timers (tests may run them by hand). */
  scheduler?: Scheduler;
  /** Caps on open streams per session and per user, shared with the positions streams. */
  streamLimits: SseStreamLimits;
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
      onRequest: watchSseClient,
      preHandler: requireSession,
      schema: {
        tags: ['markets'],
        summary:
          'Server-Sent Events while watching a market, all default `message` events whose JSON `type` is `orderbook` (full book), `ticker`, `connection_status` or `error`.',
        params: z.object({ ticker: tickerSchema }),
        response: { 401: errorBodySchema, 404: errorBodySchema, 429: errorBodySchema },
      },
    },
    async (request, reply) => {
      const session = sessionOf(request);
      // After every await: a client that left meanwhile gets no stream, and so no upstream
      // subscription that nothing would ever end.
      if (isClientGone(request)) return abandonSseRequest(reply);
      const credentials = await account.credentialsFor(session);
      if (isClientGone(request)) return abandonSseRequest(reply);
      // Answer 404 now for an unknown market rather than opening a stream that errors.
      await markets.summary(request.params.ticker);
      if (isClientGone(request)) return abandonSseRequest(reply);
      const lease = options.streamLimits.acquire({ userId: session.userId, sessionId: session.jti });
      const viewer = sseMarketViewer(
        openSseStream({
          request,
          reply,
          expiresAt: session.expiresAt,
          clock: options.clock,
          ...(options.scheduler ? { scheduler: options.scheduler } : {}),
        }),
      );
      const unwatch = streams.watch({
        userId: session.userId,
        jti: session.jti,
        credentials,
        ticker: request.params.ticker,
        viewer,
      });
      viewer.onClose(() => {
        unwatch();
        lease.release();
      });
      return reply;
    },
  );

  return Promise.resolve();
};
