/**
 * The live account routes: positions, portfolio, equity curve and the positions SSE stream.
 * Every route runs behind the session preHandler and serves only the session's own account.
 */
import {
  equityCurveResponseSchema,
  errorBodySchema,
  markSchema,
  portfolioResponseSchema,
  positionsResponseSchema,
} from '@kalshi-desk/contracts';
import type {
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  preHandlerAsyncHookHandler,
  preHandlerHookHandler,
} from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { microsToDollars } from '../positions/pnl.models.js';
import { AccountNotConnectedError, type LiveAccounts } from '../exchange/exchange.live-accounts.js';
import { streamPositions } from './stream.http.js';

export interface SessionIdentity {
  userId: string;
  jti: string;
  /** ms since epoch; the stream closes then. */
  expiresAt?: number;
}

export interface LiveAccountRoutesOptions {
  live: LiveAccounts;
  /** The session preHandler (sets `request.session`, or answers 401). */
  requireSession: preHandlerHookHandler | preHandlerAsyncHookHandler;
  /** Reads the authenticated session the preHandler attached. */
  sessionOf?: (request: FastifyRequest) => SessionIdentity | null;
  /** Wall clock for the equity curve's default window. */
  now?: () => number;
}

const DAY_MS = 86_400_000;

function defaultSessionOf(request: FastifyRequest): SessionIdentity | null {
  const session = (request as FastifyRequest & { session?: Partial<SessionIdentity> | null }).session;
  if (!session || typeof session.userId !== 'string' || typeof session.jti !== 'string') return null;
  return {
    userId: session.userId,
    jti: session.jti,
    ...(typeof session.expiresAt === 'number' ? { expiresAt: session.expiresAt } : {}),
  };
}

const notConnected = {
  error: 'not_authenticated',
  message: 'This account is not connected; authenticate again.',
};

export const liveAccountRoutes: FastifyPluginAsync<LiveAccountRoutesOptions> = (fastify, options) => {
  // Encapsulated: these compilers apply to this plugin's routes only.
  fastify.setValidatorCompiler(validatorCompiler);
  fastify.setSerializerCompiler(serializerCompiler);
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { live } = options;
  const sessionOf = options.sessionOf ?? defaultSessionOf;
  const now = options.now ?? (() => Date.now());

  function identity(request: FastifyRequest, reply: FastifyReply): SessionIdentity | null {
    const session = sessionOf(request);
    if (!session) void reply.code(401).send({ error: 'not_authenticated', message: 'Sign in first.' });
    return session;
  }

  app.get(
    '/api/v1/account/positions',
    {
      preHandler: options.requireSession,
      schema: {
        tags: ['account'],
        summary: 'Open positions with live P&L',
        querystring: z.object({ mark: markSchema.default('bid') }),
        response: { 200: positionsResponseSchema, 401: errorBodySchema },
      },
    },
    async (request, reply) => {
      const session = identity(request, reply);
      if (!session) return reply;
      try {
        return await live.positions(session.userId, request.query.mark);
      } catch (error) {
        if (error instanceof AccountNotConnectedError) return reply.code(401).send(notConnected);
        throw error;
      }
    },
  );

  app.get(
    '/api/v1/account/portfolio',
    {
      preHandler: options.requireSession,
      schema: {
        tags: ['account'],
        summary: 'Portfolio totals',
        response: { 200: portfolioResponseSchema, 401: errorBodySchema },
      },
    },
    async (request, reply) => {
      const session = identity(request, reply);
      if (!session) return reply;
      try {
        return await live.portfolio(session.userId);
      } catch (error) {
        if (error instanceof AccountNotConnectedError) return reply.code(401).send(notConnected);
        throw error;
      }
    },
  );

  app.get(
    '/api/v1/account/equity',
    {
      preHandler: options.requireSession,
      schema: {
        tags: ['account'],
        summary: 'Equity curve (one point per minute while connected)',
        querystring: z.object({
          from: z.iso.datetime({ offset: true }).optional(),
          to: z.iso.datetime({ offset: true }).optional(),
        }),
        response: { 200: equityCurveResponseSchema, 401: errorBodySchema },
      },
    },
    async (request, reply) => {
      const session = identity(request, reply);
      if (!session) return reply;
      const to = request.query.to ? Date.parse(request.query.to) : now();
      const from = request.query.from ? Date.parse(request.query.from) : to - DAY_MS;
      const points = await live.equityCurve({ userId: session.userId, from, to });
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
    '/api/v1/account/sse/positions',
    {
      preHandler: options.requireSession,
      schema: {
        tags: ['account'],
        summary:
          'Positions stream (Server-Sent Events, all default `message` events whose JSON `type` is snapshot, position_update, position_removed, portfolio_update, orders_update, connection_status or error)',
        response: { 401: errorBodySchema },
      },
    },
    async (request, reply) => {
      const session = identity(request, reply);
      if (!session) return reply;
      try {
        await live.session(session.userId);
      } catch (error) {
        if (error instanceof AccountNotConnectedError) return reply.code(401).send(notConnected);
        throw error;
      }
      streamPositions({
        request,
        reply,
        hub: live.hub,
        accountId: session.userId,
        sessionId: session.jti,
        ...(session.expiresAt !== undefined ? { expiresAt: session.expiresAt } : {}),
        now,
      });
      return reply;
    },
  );
  return Promise.resolve();
};
