/**
 * Bench child process: the server under test (createServer, live engine included, PGlite in
 * memory) pointed at the orchestrator's simulator. It authenticates the bench account,
 * listens, and answers resource-usage probes over IPC.
 */
import { PGlite } from '@electric-sql/pglite';
import { loadConfig } from '../src/app/config.js';
import { createServer } from '../src/app/create-server.js';
import { systemClock } from '../src/shared/clock.js';
import { migrate, wrapPglite } from '../src/shared/db/database.js';
import { createExchangeFactory } from '../src/shared/exchange.js';
import type { ServerCommand, ServerReport } from './bench-protocol.js';

function send(report: ServerReport): void {
  process.send?.(report);
}

async function start(command: Extract<ServerCommand, { type: 'start' }>): Promise<void> {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    ENCRYPTION_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
    SESSION_SECRET: 'bench-session-secret-that-is-long-enough-0123456789',
    DATA_DIR: '/nonexistent/kalshi-desk-bench',
    WEB_DIST_DIR: '/nonexistent/kalshi-desk-bench-web',
    // The bench opens up to 10,000 streams of one account from one address, which the
    // production caps exist to refuse: lift them here, and only here.
    SSE_MAX_STREAMS_PER_SESSION: '20000',
    SSE_MAX_STREAMS_PER_USER: '20000',
    RATE_LIMIT_READS_PER_MINUTE: '1000000',
    RATE_LIMIT_WRITES_PER_MINUTE: '1000000',
  });
  const database = wrapPglite(await PGlite.create());
  await migrate(database);
  const exchange = createExchangeFactory({
    env: 'simulator',
    restBaseUrl: command.restBaseUrl,
    wsUrl: command.wsUrl,
  });
  const app = await createServer({ config, database, clock: systemClock, exchange });
  const login = await app.inject({
    method: 'POST',
    url: '/api/v1/account/authenticate',
    payload: { key_id: command.keyId, private_key: command.privateKeyPem },
  });
  if (login.statusCode !== 200) throw new Error(`authenticate failed: ${login.statusCode} ${login.body}`);
  const setCookie = login.headers['set-cookie'];
  const cookie =
    (Array.isArray(setCookie) ? setCookie : [setCookie ?? ''])
      .find((c) => c.startsWith('kd_session='))
      ?.split(';')[0] ?? '';
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  send({ type: 'ready', port, cookie });
  process.on('message', (message: ServerCommand) => {
    if (message.type === 'probe') {
      if (message.gc && typeof global.gc === 'function') global.gc();
      const memory = process.memoryUsage();
      const cpu = process.cpuUsage();
      send({
        type: 'probe',
        rss: memory.rss,
        heapUsed: memory.heapUsed,
        cpuMicros: cpu.user + cpu.system,
        at: performance.now(),
        sseClients: app.liveAccounts.hub.clientCount,
      });
    }
  });
}

process.once('message', (message: ServerCommand) => {
  if (message.type !== 'start') return;
  start(message).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
});
