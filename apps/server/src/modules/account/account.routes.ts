/**
 * /api/v1/account: connect, session, logout and history. Positions, portfolio, equity and the
 * positions stream are modules/positions' routes (positions.routes.ts). Every route but the
 * session probe answers 401 without a session; the probe answers 200 either way, since being
 * signed out is not an error.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import {
  authenticateRequestSchema,
  authenticateResponseSchema,
  errorBodySchema,
  fillsResponseSchema,
  logoutEverywhereResponseSchema,
  logoutResponseSchema,
  ordersResponseSchema,
  pageQuerySchema,
  sessionInfoSchema,
  settlementsResponseSchema,
} from '@kalshi-desk/contracts';
import { appError } from '../../shared/errors.js';
import { exchangeFailure } from '../../shared/exchange.js';
import {
  clearSessionCookie,
  lookUpSession,
  requireSession,
  sessionOf,
  setSessionCookie,
} from '../sessions/sessions.guard.js';
import { toFill, toOrder, toSettlement } from './account.models.js';
import type { LiveAccountsPort } from './account.ports.js';
import type { AccountUsecases } from './account.usecases.js';

export interface AccountRoutesOptions {
  account: AccountUsecases;
  /** Per IP per minute on the authenticate routes. */
  authRateLimitPerMinute: number;
  /** The live engine: "log out everywhere" closes every stream and stops the upstream session. */
  live: LiveAccountsPort;
}

const errors = {
  400: errorBodySchema,
  401: errorBodySchema,
  404: errorBodySchema,
  429: errorBodySchema,
  502: errorBodySchema,
  503: errorBodySchema,
};

export const accountRoutes: FastifyPluginAsyncZod<AccountRoutesOptions> = (app, options) => {
  const { account } = options;
  const rateLimit = { max: options.authRateLimitPerMinute, timeWindow: '1 minute' };

  app.post(
    '/authenticate',
    {
      config: { rateLimit },
      schema: {
        tags: ['account'],
        summary:
          'Connect a Kalshi API key: verified with a signed request, stored encrypted, starts the session.',
        body: authenticateRequestSchema,
        response: { 200: authenticateResponseSchema, ...errors },
      },
    },
    async (request, reply) => {
      const result = await account.authenticate({
        keyId: request.body.key_id,
        privateKeyPem: request.body.private_key,
      });
      setSessionCookie(reply, result.token, result.session.expiresAt);
      return {
        status: 'authenticated' as const,
        user_id: result.userId,
        session_expires_at: new Date(result.session.expiresAt).toISOString(),
      };
    },
  );

  app.post(
    '/authenticate/demo',
    {
      config: { rateLimit },
      schema: {
        tags: ['account'],
        summary: "Simulator mode only: connect the embedded simulator's demo account.",
        response: { 200: authenticateResponseSchema, ...errors },
      },
    },
    async (request, reply) => {
      const demo = request.server.exchange.demoAccount;
      if (request.server.exchange.env !== 'simulator' || demo === null) {
        throw appError(
          'not_available',
          404,
          'The demo account exists only when the server runs against its simulator.',
        );
      }
      const result = await account.authenticate(demo);
      setSessionCookie(reply, result.token, result.session.expiresAt);
      return {
        status: 'authenticated' as const,
        user_id: result.userId,
        session_expires_at: new Date(result.session.expiresAt).toISOString(),
      };
    },
  );

  app.get(
    '/session',
    {
      schema: {
        tags: ['account'],
        summary:
          'The current session, or `{"authenticated": false}` (still 200) when the caller is not signed in.',
        response: { 200: sessionInfoSchema },
      },
    },
    async (request, reply) => {
      // The answer depends on the cookie, so no cache may keep it.
      void reply.header('cache-control', 'no-store');
      // Same cookie upkeep as requireSession (clears a dead cookie, renews an old one), but a
      // missing, forged, expired or revoked session is one answer: the body must not tell
      // whether a cookie ever named a real user.
      const lookup = await lookUpSession(request, reply);
      if (lookup.status !== 'active') return { authenticated: false as const };
      const { session } = lookup;
      // Without a stored key every account route would refuse; say so up front.
      if (!(await account.credentials.has(session.userId))) return { authenticated: false as const };
      return {
        authenticated: true as const,
        user_id: session.userId,
        key_id: session.keyId,
        session_expires_at: new Date(session.expiresAt).toISOString(),
      };
    },
  );

  app.delete(
    '/logout',
    {
      preHandler: requireSession,
      schema: {
        tags: ['account'],
        summary:
          'End the session; deletes the stored key and stops the upstream session when no other session uses them.',
        response: { 200: logoutResponseSchema, 401: errorBodySchema },
      },
    },
    async (request, reply) => {
      await account.logout(sessionOf(request));
      clearSessionCookie(reply);
      return { status: 'logged_out' as const };
    },
  );

  app.delete(
    '/sessions',
    {
      preHandler: requireSession,
      schema: {
        tags: ['account'],
        summary:
          'Log out everywhere: revokes every session of the user, closes all their streams, deletes the stored key and stops the upstream session.',
        response: { 200: logoutEverywhereResponseSchema, 401: errorBodySchema },
      },
    },
    async (request, reply) => {
      const { userId } = sessionOf(request);
      const ended = await request.server.sessions.revokeAllOf(userId);
      // No session of the user is left, so nothing needs the key or the upstream session.
      await account.credentials.delete(userId);
      await options.live.stopSession(userId);
      request.log.info({ userId, sessions: ended.length }, 'logged out everywhere');
      clearSessionCookie(reply);
      return { status: 'logged_out' as const, sessions_ended: ended.length };
    },
  );

  const historyQuery = pageQuerySchema;
  const exchangePage = (query: z.infer<typeof historyQuery>) => ({
    limit: query.limit,
    ...(query.cursor !== undefined && query.cursor !== '' ? { cursor: query.cursor } : {}),
    ...(query.ticker !== undefined && query.ticker !== '' ? { ticker: query.ticker } : {}),
  });
  const nextCursor = (cursor: string | null | undefined) =>
    cursor === undefined || cursor === null || cursor === '' ? null : cursor;

  app.get(
    '/fills',
    {
      preHandler: requireSession,
      schema: {
        tags: ['account'],
        summary: 'Fills, newest first (from the exchange).',
        querystring: historyQuery,
        response: { 200: fillsResponseSchema, ...errors },
      },
    },
    async (request) => {
      const credentials = await account.credentialsFor(sessionOf(request));
      const page = await request.server.exchange
        .rest(credentials)
        .getFills(exchangePage(request.query))
        .catch((error: unknown) => Promise.reject(exchangeFailure(error)));
      return { fills: page.fills.map(toFill), cursor: nextCursor(page.cursor) };
    },
  );

  app.get(
    '/orders',
    {
      preHandler: requireSession,
      schema: {
        tags: ['account'],
        summary: 'Orders (from the exchange).',
        querystring: historyQuery,
        response: { 200: ordersResponseSchema, ...errors },
      },
    },
    async (request) => {
      const credentials = await account.credentialsFor(sessionOf(request));
      const page = await request.server.exchange
        .rest(credentials)
        .getOrders(exchangePage(request.query))
        .catch((error: unknown) => Promise.reject(exchangeFailure(error)));
      return { orders: page.orders.map(toOrder), cursor: nextCursor(page.cursor) };
    },
  );

  app.get(
    '/settlements',
    {
      preHandler: requireSession,
      schema: {
        tags: ['account'],
        summary: 'Settled positions and their results (from the exchange).',
        querystring: historyQuery,
        response: { 200: settlementsResponseSchema, ...errors },
      },
    },
    async (request) => {
      const credentials = await account.credentialsFor(sessionOf(request));
      const page = await request.server.exchange
        .rest(credentials)
        .getSettlements(exchangePage(request.query))
        .catch((error: unknown) => Promise.reject(exchangeFailure(error)));
      return { settlements: page.settlements.map(toSettlement), cursor: nextCursor(page.cursor) };
    },
  );
  return Promise.resolve();
};
