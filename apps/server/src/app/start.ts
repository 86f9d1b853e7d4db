/**
 * The whole app from a Config: database (migrated), the embedded simulator in simulator mode,
 * the server (create-server.ts composes everything else, the live engine included), listening.
 * index.ts adds the process concerns (env, signals, the printed URL); tests call this directly.
 */
import { startSimulator, type RunningSimulator, type ScenarioName } from '@kalshi-desk/simulator';
import type { FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import { systemClock, type Clock } from '../shared/clock.js';
import { migrate, openDatabase, type Database } from '../shared/db/database.js';
import { createExchangeFactory, type ExchangeFactory } from '../shared/exchange.js';
import type { Config } from './config.js';
import { createServer } from './create-server.js';

export interface RunningApp {
  app: FastifyInstance;
  /** e.g. http://127.0.0.1:8080 */
  url: string;
  exchange: ExchangeFactory;
  /** The embedded simulator (simulator mode only). */
  simulator: RunningSimulator | null;
  close(): Promise<void>;
}

export interface StartOptions {
  clock?: Clock;
  logStream?: DestinationStream;
  /** Embedded simulator scenario. Default `demo`. */
  scenario?: ScenarioName;
  /** An already open database (tests); by default the configured one is opened and closed here. */
  database?: Database;
}

export async function startApp(config: Config, options: StartOptions = {}): Promise<RunningApp> {
  const clock = options.clock ?? systemClock;
  const database = options.database ?? (await openDatabase(config));
  let simulator: RunningSimulator | null = null;
  try {
    await migrate(database);
    let exchange: ExchangeFactory;
    if (config.exchange.kind === 'embedded-simulator') {
      // SIMULATOR_PORT / SIMULATOR_CONTROL: a known port and the /_control API for browser tests.
      simulator = await startSimulator({
        port: config.simulator.port,
        seed: 1,
        scenario: options.scenario ?? 'demo',
        controlApi: config.simulator.isControlApiEnabled,
      });
      exchange = createExchangeFactory({
        env: 'simulator',
        restBaseUrl: simulator.restBaseUrl,
        wsUrl: simulator.wsUrl,
        demoAccount: {
          keyId: simulator.demoAccount.keyId,
          privateKeyPem: simulator.demoAccount.privateKeyPem,
        },
      });
    } else {
      exchange = createExchangeFactory(config.exchange);
    }

    const app = await createServer({
      config,
      database,
      clock,
      exchange,
      ...(options.logStream ? { logStream: options.logStream } : {}),
    });
    for (const notice of config.notices) app.log.info(notice);
    if (simulator !== null)
      app.log.info({ exchange: simulator.restBaseUrl }, 'embedded Kalshi simulator started');
    if (simulator?.controlUrl)
      app.log.warn({ control: simulator.controlUrl }, 'simulator control API enabled (SIMULATOR_CONTROL)');

    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : config.port;
    const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    const running = simulator;
    return {
      app,
      url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
      exchange,
      simulator: running,
      close: async () => {
        await app.close();
        await running?.close();
        await database.close();
      },
    };
  } catch (error) {
    await simulator?.close();
    await database.close();
    throw error;
  }
}
