/**
 * /api/v1/account positions, portfolio, equity curve and the positions stream. Every route
 * runs behind the session guard and serves only the session's own account.
 */
import {
  EQUITY_MAX_RANGE_DAYS,
  equityCurveResponseSchema,
  equityQuerySchema,
  errorBodySchema,
  markSchema,
  portfolioResponseSchema,
  positionsResponseSchema,
} from '@kalshi-desk/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Clock, Scheduler } from '../../shared/clock.js';
import { badRequest } from '../../shared/errors.js';
import { microsToDollars } from '../../shared/money-edge.js';
import { requireSession, sessionOf } from '../sessions/sessions.guard.js';
import { abandonSseRequest, isClientGone, streamPositions, watchSseClient } from '../stream/stream.http.js';
import type { SseStreamLimits } from '../stream/stream.limits.js';
import type { LivePositionsPort } from './positions.ports.js';

export interface PositionsRoutesOptions {
  live: LivePositionsPort;
  /** The equity curve's default window ends now. */
  clock: Clock;
  /** The stream's heartbeat and expiry timers (tests may run them by hand). */
  scheduler?: Scheduler;
  /** Caps on open streams per session and per user, shared with the market streams. */
  streamLimits: SseStreamLimits;
}

const DAY_MS = 86_400_000;
const errors = { 401: errorBodySchema };

export const positionsRoutes: FastifyPluginAsyncZod<PositionsRoutesOptions> = (app, options) => {
  const { live, clock } = options;

  app.get(
    '/positions',
    {
      preHandler: requireSession,
      schema: {
        tags: ['account'],
        summary: 'Open positions with live P&L',
        querystring: z.object({ mark: markSchema.default('bid') }),
        response: { 200: positionsResponseSchema, ...errors },
      },
    },
    (request) => live.positions(sessionOf(request).userId, request.query.mark),
  );

  app.get(
    '/portfolio',
    {
      preHandler: requireSession,
      schema: {
        tags: ['account'],
        summary: 'Portfolio totals',
        response: { 200: portfolioResponseSchema, ...errors },
      },
    },
    (request) => live.portfolio(sessionOf(request).userId),
  );

  app.get(
    '/equity',
    {
      preHandler: requireSession,
      schema: {
        tags: ['account'],
        summary: 'Equity curve (one point per minute while connected)',
        querystring: equityQuerySchema,
        response: { 200: equityCurveResponseSchema, 400: errorBodySchema, ...errors },
      },
    },
    async (request) => {
      const { userId } = sessionOf(request);
      const to = request.query.to ? Date.parse(request.query.to) : clock.now();
      const from = request.query.from ? Date.parse(request.query.from) : to - DAY_MS;
      if (from > to) throw badRequest('Invalid request querystring: from is after to.');
      if (to - from > EQUITY_MAX_RANGE_DAYS * DAY_MS) {
        throw badRequest(
          `Invalid request querystring: from and to are more than ${EQUITY_MAX_RANGE_DAYS} days apart.`,
        );
      }
      const points = await live.equityCurve({ userId, from, to });
      return {
        points: points.map((p) => ({
          at: new Date(p.at).toISOString(),
          total_value: microsToDollars(p.total),
          cash_balance: microsToDollars(p.cash),
          positions_value: microsToDollars(p.positionsValue),
        })),
      };
    },
  );

  app.get(
    '/sse/positions',
    {
      onRequest: watchSseClient,
      preHandler: requireSession,
      schema: {
        tags: ['account'],
        summary:
          'Positions stream (Server-Sent Events, all default `message` events whose JSON `type` is snapshot, position_update, position_removed, portfolio_update, orders_update, connection_status or error)',
        response: { ...errors, 429: errorBodySchema },
      },
    },
    async (request, reply) => {
      const session = sessionOf(request);
      // After every await: a client that left meanwhile gets no stream (it would never close).
      if (isClientGone(request)) return abandonSseRequest(reply);
      // Answered as JSON (401) before the stream opens when the account is not connected.
      await live.resume(session.userId);
      if (isClientGone(request)) return abandonSseRequest(reply);
      const lease = options.streamLimits.acquire({ userId: session.userId, sessionId: session.jti });
      const stream = streamPositions({
        request,
        reply,
        hub: live.hub,
        accountId: session.userId,
        sessionId: session.jti,
        expiresAt: session.expiresAt,
        clock,
        ...(options.scheduler ? { scheduler: options.scheduler } : {}),
      });
      stream.onClose(() => lease.release());
      return reply;
    },
  );

  return Promise.resolve();
};
