/**
 * Composition only, and the only composition root: builds every service of the server — the
 * credential vault, sessions, the account module, the live engine (exchange sessions, SSE hub,
 * positions), market research and its live relay — and registers every route. Nothing here
 * reads the environment or opens connections; app/start.ts (and tests) pass everything in.
 */
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { DestinationStream } from 'pino';
import type { LiveAccountsPort } from '../modules/account/account.ports.js';
import { accountRoutes } from '../modules/account/account.routes.js';
import { AccountUsecases } from '../modules/account/account.usecases.js';
import { CredentialsRepository } from '../modules/credentials/credentials.repository.js';
import { CredentialVault } from '../modules/credentials/credentials.vault.js';
import { kalshiConnector } from '../modules/exchange/exchange.feed.js';
import { LiveAccounts, type LiveAccountsDeps } from '../modules/exchange/exchange.live-accounts.js';
import type { ExchangeConnector } from '../modules/exchange/exchange.ports.js';
import { marketsRoutes } from '../modules/markets/markets.routes.js';
import { MarketStreams } from '../modules/markets/markets.stream.js';
import { MarketsUsecases } from '../modules/markets/markets.usecases.js';
import { positionsRoutes } from '../modules/positions/positions.routes.js';
import { PositionsRepository } from '../modules/positions/positions.repository.js';
import { csrfGuard } from '../modules/sessions/sessions.csrf.js';
import { SessionHousekeeping } from '../modules/sessions/sessions.housekeeping.js';
import { SessionService } from '../modules/sessions/sessions.usecases.js';
import { InProcessEventBus, type EventBus } from '../modules/stream/stream.bus.js';
import { SseStreamLimits } from '../modules/stream/stream.limits.js';
import { registerWebApp, systemRoutes } from '../modules/system/system.routes.js';
import { nodeScheduler, type Clock, type Scheduler } from '../shared/clock.js';
import type { Database } from '../shared/db/database.js';
import type { ExchangeFactory } from '../shared/exchange.js';
import { fastifyLoggerOption } from '../shared/logger.js';
import type { Config, TrustProxy } from './config.js';
import { errorHandlingOptions, registerErrorHandler } from './error-handler.js';

declare module 'fastify' {
  interface FastifyInstance {
    exchange: ExchangeFactory;
    account: AccountUsecases;
    /** The live engine: one upstream session per connected account, and the SSE hub. */
    liveAccounts: LiveAccounts;
    marketStreams: MarketStreams;
    /** Open SSE streams per session and per user, across both kinds. */
    streamLimits: SseStreamLimits;
    /** Hourly purge of old sessions; stops upstream sessions no live session uses. */
    sessionHousekeeping: SessionHousekeeping;
  }
}

/**
 * What the live engine is built from besides the server's own dependencies. Production passes
 * none of it; tests put a fake exchange, manual timers or shorter timings here.
 */
export interface LiveEngineOptions {
  /** Opens an account's REST client and WS feed. Default: Kalshi's, at `exchange`'s URLs. */
  connect?: ExchangeConnector;
  /** Default: the server's clock. */
  clock?: Clock;
  /**
   * The engine's timers, the SSE streams' heartbeat and expiry timers and the sessions'
   * housekeeping. Default: Node's.
   */
  scheduler?: Scheduler;
  /** Default: in process. A Redis adapter goes here (docs/design.md §8). */
  bus?: EventBus;
  timings?: LiveAccountsDeps['timings'];
  hub?: LiveAccountsDeps['hub'];
}

export interface ServerDeps {
  config: Config;
  database: Database;
  clock: Clock;
  exchange: ExchangeFactory;
  liveEngine?: LiveEngineOptions;
  /** Where log lines go (tests capture them); stdout by default. */
  logStream?: DestinationStream;
  /** Per IP per minute on the authenticate routes. Default 10. */
  authRateLimitPerMinute?: number;
}

/**
 * Fastify reads a bare number as "trust nothing" (a hop count cannot tell a proxy from a
 * client that connects directly); TRUST_PROXY's hop count means the operator vouches that
 * only the proxies reach the server, so it becomes proxy-addr's hop rule: the first N hops
 * from the socket are trusted.
 */
function trustProxyOption(
  trust: TrustProxy,
): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust !== 'number') return trust;
  return (_address, hop) => hop < trust;
}

export async function createServer(deps: ServerDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    logger: fastifyLoggerOption(config.logLevel, deps.logStream),
    // Off unless TRUST_PROXY names the proxies: request.ip (the rate limit's key) is otherwise
    // the socket's address, and a client could not choose its own by sending X-Forwarded-For.
    trustProxy: trustProxyOption(config.trustProxy),
    bodyLimit: 64 * 1024,
    ...errorHandlingOptions,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandler(app);

  const sessions = new SessionService({
    db: deps.database.db,
    secret: config.sessionSecret,
    clock: deps.clock,
    maxAgeMs: config.sessionMaxAgeMs,
  });
  const credentials = new CredentialsRepository(
    deps.database.db,
    new CredentialVault(config.encryption),
    deps.clock,
  );
  const engineOptions = deps.liveEngine ?? {};
  const scheduler = engineOptions.scheduler ?? nodeScheduler;
  const liveAccounts = new LiveAccounts({
    connect:
      engineOptions.connect ??
      kalshiConnector({
        restBaseUrl: deps.exchange.restBaseUrl,
        wsUrl: deps.exchange.wsUrl,
        logger: app.log,
      }),
    bus: engineOptions.bus ?? new InProcessEventBus(),
    repository: new PositionsRepository(deps.database.db),
    clock: engineOptions.clock ?? deps.clock,
    scheduler,
    logger: app.log,
    // After a restart, a session starts lazily from the stored key on the account's first request.
    loadCredentials: (userId) => credentials.get(userId),
    ...(engineOptions.timings ? { timings: engineOptions.timings } : {}),
    ...(engineOptions.hub ? { hub: engineOptions.hub } : {}),
  });
  const markets = new MarketsUsecases({ exchange: deps.exchange, clock: deps.clock });
  const marketStreams = new MarketStreams({ wsUrl: deps.exchange.wsUrl, clock: deps.clock, logger: app.log });
  // Logout ends a session's market streams too, and the user's upstream market connection
  // once no session of theirs is left.
  const live: LiveAccountsPort = {
    ensureSession: (userId, stored) => liveAccounts.ensureSession(userId, stored),
    stopSession: async (userId) => {
      marketStreams.closeViewers(userId);
      await liveAccounts.stopSession(userId);
    },
    closeStreams: (userId, jti) => {
      marketStreams.closeViewers(userId, jti);
      liveAccounts.closeStreams(userId, jti);
    },
  };
  const account = new AccountUsecases({
    db: deps.database.db,
    clock: deps.clock,
    exchange: deps.exchange,
    credentials,
    sessions,
    live,
    logger: app.log,
  });
  const streamLimits = new SseStreamLimits(config.streams);
  const housekeeping = new SessionHousekeeping({
    sessions,
    scheduler,
    logger: app.log,
    runningAccounts: () => liveAccounts.runningAccounts(),
    // Stops the market relay's connection of the user too, as logout does.
    stopAccount: (userId) => live.stopSession(userId),
  });
  app.decorate('sessions', sessions);
  app.decorate('streamLimits', streamLimits);
  app.decorate('sessionHousekeeping', housekeeping);
  app.addHook('onReady', async () => {
    await housekeeping.purge();
    housekeeping.start();
  });
  app.decorate('sessionCookieSecure', config.isProduction);
  app.decorate('exchange', deps.exchange);
  app.decorate('account', account);
  app.decorate('liveAccounts', liveAccounts);
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
  // Every state-changing request from another site is refused before any route runs.
  app.addHook('onRequest', csrfGuard({ allowedOrigins: config.corsOrigins }));
  await app.register(cookie);
  // One budget per client for reads and one for everything else; the authenticate routes keep
  // their own, smaller one. Behind a proxy the client is whom TRUST_PROXY lets it name.
  const isRead = (method: string) => method === 'GET' || method === 'HEAD' || method === 'OPTIONS';
  await app.register(rateLimit, {
    global: true,
    timeWindow: '1 minute',
    max: (request) =>
      isRead(request.method) ? config.rateLimit.readsPerMinute : config.rateLimit.writesPerMinute,
    keyGenerator: (request) => `${isRead(request.method) ? 'read' : 'write'}:${normalizeIP(request.ip)}`,
  });
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
    housekeeping.stop();
    liveAccounts.hub.closeAll();
    marketStreams.closeAll();
    done();
  });
  app.addHook('onClose', async () => {
    await liveAccounts.stopAll();
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
    live,
  });
  await app.register(positionsRoutes, {
    prefix: '/api/v1/account',
    live: liveAccounts,
    clock: deps.clock,
    scheduler,
    streamLimits,
  });
  await app.register(marketsRoutes, {
    prefix: '/api/v1',
    markets,
    streams: marketStreams,
    account,
    clock: deps.clock,
    scheduler,
    streamLimits,
  });
  await registerWebApp(app, config.webDistDir);

  return app;
}
