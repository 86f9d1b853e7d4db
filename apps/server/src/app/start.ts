/**
 * The whole app from a Config: database (migrated), the embedded simulator in simulator mode,
 * the server (create-server.ts composes everything else, the live engine included), listening.
 * index.ts adds the process concerns (env, signals, the printed URL); tests call this directly.
 */
import { startSimulator, type RunningSimulator, type ScenarioName } from '@kalshi-desk/simulator';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
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
      close: () =>
        closeWithin(SHUTDOWN_BUDGET_MS, app.log, [
          // Waits for requests in flight and stops every account session (their last writes);
          // the pool's timeouts bound both even when the database does not answer.
          { name: 'server', maxMs: SHUTDOWN_BUDGET_MS - DATABASE_CLOSE_MS, close: () => app.close() },
          { name: 'simulator', maxMs: DATABASE_CLOSE_MS, close: async () => running?.close() },
          { name: 'database', maxMs: DATABASE_CLOSE_MS, close: () => database.close() },
        ]),
    };
  } catch (error) {
    await simulator?.close();
    await database.close();
    throw error;
  }
}

/**
 * Shutdown ends well inside index.ts's 10 s hard stop even when the database does not answer:
 * every step gets a deadline, and a step past it is logged and left behind (the process is
 * exiting; its sockets close with it).
 */
const SHUTDOWN_BUDGET_MS = 8_000;
/** What the last steps keep of the budget: pool.end() waits for connection attempts in flight. */
const DATABASE_CLOSE_MS = 2_000;

interface ShutdownStep {
  name: string;
  maxMs: number;
  close: () => Promise<unknown>;
}

async function closeWithin(
  budgetMs: number,
  log: FastifyBaseLogger,
  steps: readonly ShutdownStep[],
): Promise<void> {
  const startedAt = performance.now();
  for (const step of steps) {
    const leftMs = Math.max(0, budgetMs - (performance.now() - startedAt));
    const waitMs = Math.min(step.maxMs, leftMs);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), waitMs);
    });
    const closing = step.close().then(
      () => 'closed' as const,
      (error: unknown) => {
        log.warn(
          { step: step.name, err: error instanceof Error ? error.message : String(error) },
          'shutdown step failed',
        );
        return 'closed' as const;
      },
    );
    const outcome = await Promise.race([closing, deadline]);
    clearTimeout(timer);
    if (outcome === 'late')
      log.warn({ step: step.name, waitedMs: waitMs }, 'shutdown step did not finish in time; going on');
  }
}
