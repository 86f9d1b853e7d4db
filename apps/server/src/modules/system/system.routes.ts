/** Health, the browser's view of the server's setup, and the built web app. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { appConfigResponseSchema, healthResponseSchema } from '@kalshi-desk/contracts';
import type { Clock } from '../../shared/clock.js';
import type { Database } from '../../shared/db/database.js';

export interface SystemRoutesOptions {
  database: Database;
  clock: Clock;
  startedAt: number;
}

export const systemRoutes: FastifyPluginAsyncZod<SystemRoutesOptions> = (app, options) => {
  app.get(
    '/health',
    {
      schema: {
        tags: ['system'],
        summary: 'Liveness and database health.',
        response: { 200: healthResponseSchema, 503: healthResponseSchema },
      },
    },
    async (_request, reply) => {
      const isDbOk = await options.database.ping();
      const body = {
        status: isDbOk ? ('ok' as const) : ('degraded' as const),
        database: isDbOk ? ('ok' as const) : ('error' as const),
        uptime_seconds: Math.max(0, (options.clock.now() - options.startedAt) / 1000),
      };
      return reply.status(isDbOk ? 200 : 503).send(body);
    },
  );

  app.get(
    '/config',
    {
      schema: {
        tags: ['system'],
        summary: 'Which exchange the server talks to; never a secret.',
        response: { 200: appConfigResponseSchema },
      },
    },
    (request) => {
      const exchange = request.server.exchange;
      return {
        kalshi_env: exchange.env,
        exchange_url: exchange.restBaseUrl,
        demo_account_available: exchange.env === 'simulator' && exchange.demoAccount !== null,
      };
    },
  );
  return Promise.resolve();
};

/**
 * Serves apps/web/dist when it exists: files as they are, and index.html for any other
 * non-API GET (the SPA routes client-side). API paths keep their JSON 404.
 */
export async function registerWebApp(app: FastifyInstance, distDir: string): Promise<boolean> {
  const index = path.join(distDir, 'index.html');
  if (!existsSync(index)) return false;
  await app.register(fastifyStatic, { root: distDir, prefix: '/', wildcard: false, index: ['index.html'] });
  app.get('/*', { schema: { hide: true } }, async (request, reply) => {
    const pathname = request.url.split('?')[0] ?? '/';
    if (pathname.startsWith('/api/') || pathname === '/api' || pathname.startsWith('/docs')) {
      return reply.status(404).send({ error: 'not_found', message: `No route GET ${pathname}.` });
    }
    return reply.type('text/html; charset=utf-8').sendFile('index.html');
  });
  return true;
}
