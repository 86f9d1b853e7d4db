/**
 * Start-up: read config, open and migrate the database, start the embedded simulator in
 * simulator mode, build the server, listen, and shut down cleanly on SIGINT/SIGTERM.
 */
import { startSimulator, type RunningSimulator } from '@kalshi-desk/simulator';
import { loadConfig } from './app/config.js';
import { createServer } from './app/create-server.js';
import { createLiveEngine } from './modules/exchange/exchange.live-engine.js';
import { systemClock } from './shared/clock.js';
import { migrate, openDatabase } from './shared/db/database.js';
import { createExchangeFactory, type ExchangeFactory } from './shared/exchange.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const database = await openDatabase(config);
  await migrate(database);

  let simulator: RunningSimulator | null = null;
  let exchange: ExchangeFactory;
  if (config.exchange.kind === 'embedded-simulator') {
    simulator = await startSimulator({
      port: config.simulator.port,
      seed: 1,
      scenario: 'demo',
      controlApi: config.simulator.isControlApiEnabled,
    });
    exchange = createExchangeFactory({
      env: 'simulator',
      restBaseUrl: simulator.restBaseUrl,
      wsUrl: simulator.wsUrl,
      demoAccount: { keyId: simulator.demoAccount.keyId, privateKeyPem: simulator.demoAccount.privateKeyPem },
    });
  } else {
    exchange = createExchangeFactory(config.exchange);
  }

  // The live engine (modules/exchange + modules/stream): LiveAccounts implements the account
  // module's LiveAccountsPort; its routes (positions, portfolio, equity, SSE) come as a plugin.
  const engine = createLiveEngine({ database, clock: systemClock, exchange, encryption: config.encryption });

  const app = await createServer({
    config,
    database,
    clock: systemClock,
    exchange,
    live: engine.live,
    plugins: [engine.routes],
  });
  engine.useLogger(app.log);
  for (const notice of config.notices) app.log.info(notice);
  if (simulator !== null) app.log.info({ exchange: simulator.restBaseUrl }, 'embedded Kalshi simulator started (scenario demo)');
  if (simulator?.controlUrl) console.log(`Simulator control API at ${simulator.controlUrl}`);

  let isClosing = false;
  const shutdown = async (signal: string) => {
    if (isClosing) return;
    isClosing = true;
    app.log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => process.exit(1), 10_000);
    timer.unref();
    try {
      await app.close();
      await simulator?.close();
      await database.close();
    } finally {
      process.exit(0);
    }
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  console.log(`Kalshi Desk is running at http://${host.includes(':') ? `[${host}]` : host}:${port}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `Kalshi Desk failed to start: ${error.message}` : error);
  process.exit(1);
});
