/**
 * Builds the live engine for the server: LiveAccounts (the account module's LiveAccountsPort)
 * and the Fastify plugin with its routes. index.ts calls this once and hands `live` and
 * `routes` to createServer, then `useLogger(app.log)`.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { KeyRing } from '../../app/config.js';
import type { Clock } from '../../shared/clock.js';
import type { Database } from '../../shared/db/database.js';
import { CredentialsRepository } from '../credentials/credentials.repository.js';
import { CredentialVault } from '../credentials/credentials.vault.js';
import { PositionsRepository } from '../positions/positions.repository.js';
import { requireSession } from '../sessions/sessions.guard.js';
import { InProcessEventBus, type EventBus } from '../stream/stream.bus.js';
import { liveAccountRoutes } from '../stream/stream.plugin.js';
import { kalshiConnector } from './exchange.feed.js';
import { LiveAccounts } from './exchange.live-accounts.js';
import { nodeScheduler, silentLogger, type EngineLogger } from './exchange.ports.js';

export interface LiveEngineDeps {
  database: Database;
  clock: Clock;
  /** Where the exchange is (ExchangeFactory satisfies this). */
  exchange: { restBaseUrl: string; wsUrl: string };
  /** The credential vault's key ring, to restart sessions from stored keys after a restart. */
  encryption: KeyRing;
  /** Defaults to the in-process bus; a Redis adapter goes here. */
  bus?: EventBus;
}

export interface LiveEngine {
  live: LiveAccounts;
  routes: FastifyPluginAsync;
  /** Sends the engine's log lines to the server's logger (available once the app exists). */
  useLogger(logger: EngineLogger): void;
}

export function createLiveEngine(deps: LiveEngineDeps): LiveEngine {
  let target: EngineLogger = silentLogger;
  const logger: EngineLogger = {
    info: (object, message) => target.info(object, message),
    warn: (object, message) => target.warn(object, message),
    error: (object, message) => target.error(object, message),
  };
  const credentials = new CredentialsRepository(
    deps.database.db,
    new CredentialVault(deps.encryption),
    deps.clock,
  );
  const live = new LiveAccounts({
    connect: kalshiConnector({ restBaseUrl: deps.exchange.restBaseUrl, wsUrl: deps.exchange.wsUrl, logger }),
    bus: deps.bus ?? new InProcessEventBus(),
    repository: new PositionsRepository(deps.database.db),
    clock: deps.clock,
    scheduler: nodeScheduler,
    logger,
    loadCredentials: async (userId) => {
      try {
        return await credentials.get(userId);
      } catch (error) {
        logger.error(
          { userId, err: error instanceof Error ? error.name : 'unknown' },
          'stored credentials unreadable',
        );
        return null;
      }
    },
  });
  const routes: FastifyPluginAsync = async (app) => {
    // Open SSE streams would otherwise keep app.close() waiting.
    app.addHook('preClose', (done) => {
      live.hub.closeAll();
      done();
    });
    app.addHook('onClose', async () => {
      await live.stopAll();
    });
    await app.register(liveAccountRoutes, { live, requireSession });
  };
  return {
    live,
    routes,
    useLogger: (next) => {
      target = next;
    },
  };
}
