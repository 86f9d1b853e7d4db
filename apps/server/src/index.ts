/**
 * Process entry point: read the environment, start the app, print its URL, and shut down
 * cleanly on SIGINT/SIGTERM. Everything else is in app/start.ts.
 */
import { loadConfig } from './app/config.js';
import { startApp } from './app/start.js';

async function main(): Promise<void> {
  const running = await startApp(loadConfig());

  let isClosing = false;
  const shutdown = async (signal: string) => {
    if (isClosing) return;
    isClosing = true;
    running.app.log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => process.exit(1), 10_000);
    timer.unref();
    try {
      await running.close();
    } finally {
      process.exit(0);
    }
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  console.log(`Kalshi Desk is running at ${running.url}`);
}

main().catch((error: unknown) => {
  console.error(`Kalshi Desk failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
