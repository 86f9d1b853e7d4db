/** Health, the browser's view of the server's setup, and the built web app. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { appConfigResponseSchema, healthResponseSchema } from '@kalshi-desk/contracts';
import type { Clock } from '../../shared/clock.js';
import { PROBE_TIMEOUT_MS, type Database } from '../../shared/db/database.js';

export interface SystemRoutesOptions {
  database: Database;
  clock: Clock;
  startedAt: number;
  /** How long /health waits for the database before calling it down. Default PROBE_TIMEOUT_MS. */
  healthTimeoutMs?: number;
}

export const systemRoutes: FastifyPluginAsyncZod<SystemRoutesOptions> = (app, options) => {
  app.get(
    '/health',
    {
      schema: {
        tags: ['system'],
        summary: 'Liveness and database health.',
        description:
          'Answers within about a second whatever the database does: 200 when it answers, ' +
          '503 with `database: "down"` when it fails or does not answer in time.',
        response: { 200: healthResponseSchema, 503: healthResponseSchema },
      },
    },
    async (_request, reply) => {
      const probe = await options.database.probe({
        timeoutMs: options.healthTimeoutMs ?? PROBE_TIMEOUT_MS,
      });
      const body = {
        status: probe.isUp ? ('ok' as const) : ('degraded' as const),
        database: probe.isUp ? ('ok' as const) : ('down' as const),
        database_latency_ms: probe.latencyMs,
        uptime_seconds: Math.max(0, (options.clock.now() - options.startedAt) / 1000),
      };
      return reply.status(probe.isUp ? 200 : 503).send(body);
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
