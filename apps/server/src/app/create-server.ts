/**
 * Composition only: builds the Fastify app from its dependencies. Nothing here reads the
 * environment or opens connections; index.ts (and tests) pass everything in.
 */
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { DestinationStream } from 'pino';
import { accountRoutes } from '../modules/account/account.routes.js';
import { noLiveAccounts, type LiveAccountsPort } from '../modules/account/account.ports.js';
import { AccountUsecases } from '../modules/account/account.usecases.js';
import { CredentialVault } from '../modules/credentials/credentials.vault.js';
import { marketsRoutes } from '../modules/markets/markets.routes.js';
import { MarketStreams } from '../modules/markets/markets.stream.js';
import { MarketsUsecases } from '../modules/markets/markets.usecases.js';
import { SessionService } from '../modules/sessions/sessions.usecases.js';
import { registerWebApp, systemRoutes } from '../modules/system/system.routes.js';
import type { Clock } from '../shared/clock.js';
import type { Database } from '../shared/db/database.js';
import type { ExchangeFactory } from '../shared/exchange.js';
import { fastifyLoggerOption } from '../shared/logger.js';
import type { Config } from './config.js';
import { registerErrorHandler } from './error-handler.js';

declare module 'fastify' {
  interface FastifyInstance {
    exchange: ExchangeFactory;
    account: AccountUsecases;
    marketStreams: MarketStreams;
  }
}

export interface ServerDeps {
  config: Config;
  database: Database;
  clock: Clock;
  exchange: ExchangeFactory;
  /** The live engine (modules/exchange LiveAccounts); a no-op when absent. */
  live?: LiveAccountsPort;
  /**
   * More route plugins, registered at the root after the core routes (they use full paths,
   * e.g. /api/v1/account/positions) and able to use `requireSession` from
   * modules/sessions/sessions.guard.ts. index.ts passes the live engine's routes here.
   */
  plugins?: FastifyPluginAsync[];
  /** Where log lines go (tests capture them); stdout by default. */
  logStream?: DestinationStream;
  /** Per IP per minute on the authenticate routes. Default 10. */
  authRateLimitPerMinute?: number;
}

export async function createServer(deps: ServerDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    logger: fastifyLoggerOption(config.logLevel, deps.logStream),
    trustProxy: false,
    bodyLimit: 64 * 1024,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandler(app);

  const sessions = new SessionService({
    db: deps.database.db,
    secret: config.sessionSecret,
    clock: deps.clock,
  });
  const vault = new CredentialVault(config.encryption);
  const engine = deps.live ?? noLiveAccounts;
  const markets = new MarketsUsecases({ exchange: deps.exchange, clock: deps.clock });
  const marketStreams = new MarketStreams({ wsUrl: deps.exchange.wsUrl, clock: deps.clock, logger: app.log });
  // Logout ends a session's market streams too, and the user's upstream market connection
  // once no session of theirs is left.
  const live: LiveAccountsPort = {
    ensureSession: (userId, credentials) => engine.ensureSession(userId, credentials),
    stopSession: async (userId) => {
      marketStreams.closeViewers(userId);
      await engine.stopSession(userId);
    },
    closeStreams: (userId, jti) => {
      marketStreams.closeViewers(userId, jti);
      engine.closeStreams(userId, jti);
    },
  };
  const account = new AccountUsecases({
    db: deps.database.db,
    clock: deps.clock,
    exchange: deps.exchange,
    vault,
    sessions,
    live,
    logger: app.log,
  });
  app.decorate('sessions', sessions);
  app.addHook('onReady', async () => {
    const purged = await sessions.purgeExpired();
    if (purged > 0) app.log.info({ purged }, 'forgot sessions that ended over a week ago');
  });
  app.decorate('sessionCookieSecure', config.isProduction);
  app.decorate('exchange', deps.exchange);
  app.decorate('account', account);
  app.decorate('marketStreams', marketStreams);
  app.decorateRequest('session', null);

  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        // The built web app: its own scripts and styles only, no inline script; data over
        // same-origin fetch/EventSource. Swagger UI (/docs) is served from this origin too.
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'font-src': ["'self'", 'data:'],
        'object-src': ["'none'"],
        'frame-ancestors': ["'none'"],
        'upgrade-insecure-requests': config.isProduction ? [] : null,
      },
    },
    // The app is served over plain http on 127.0.0.1 by default; HSTS only in production.
    hsts: config.isProduction,
  });
  await app.register(cors, {
    // Closed by default: same-origin only. CORS_ORIGINS opens it to listed origins.
    origin: config.corsOrigins.length === 0 ? false : config.corsOrigins,
    credentials: true,
  });
  await app.register(cookie);
  await app.register(rateLimit, { global: false });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Kalshi Desk API',
        version: '1.0.0',
        description: 'The server behind the Kalshi Desk web app.',
      },
      components: {
        securitySchemes: {
          cookie: { type: 'apiKey', in: 'cookie', name: 'kd_session' },
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        },
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  // Open SSE responses would otherwise keep app.close() waiting.
  app.addHook('preClose', (done) => {
    marketStreams.closeAll();
    done();
  });

  await app.register(systemRoutes, {
    prefix: '/api/v1',
    database: deps.database,
    clock: deps.clock,
    startedAt: deps.clock.now(),
  });
  await app.register(accountRoutes, {
    prefix: '/api/v1/account',
    account,
    authRateLimitPerMinute: deps.authRateLimitPerMinute ?? 10,
  });
  await app.register(marketsRoutes, { prefix: '/api/v1', markets, streams: marketStreams, account });
  for (const plugin of deps.plugins ?? []) await app.register(plugin);
  await registerWebApp(app, config.webDistDir);

  return app;
}
