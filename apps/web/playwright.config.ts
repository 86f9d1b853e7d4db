import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { defineConfig } from '@playwright/test';

/**
 * Browser tests against the real stack: the built web app served by the real server in
 * simulator mode (embedded simulator + PGlite in a temp folder), driven in Debian Chromium.
 * Never downloads a browser. Ports and the data folder are chosen once in the main process
 * and inherited by the workers through the environment.
 */
process.env.E2E_PORT ??= String(await findFreePortPair());
process.env.E2E_DATA_DIR ??= mkdtempSync(path.join(os.tmpdir(), 'kalshi-desk-e2e-'));
const port = Number(process.env.E2E_PORT);
const repoRoot = path.resolve(import.meta.dirname, '../..');

/** True when nothing listens on the port right now. */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/**
 * Two consecutive free ports (server, simulator) below Linux's ephemeral range
 * (32768+), so no outgoing connection or port-0 listener can take them in the meantime.
 */
async function findFreePortPair(): Promise<number> {
  const start = 20_000 + (process.pid % 6_000) * 2;
  for (let i = 0; i < 6_000; i += 1) {
    const port = 20_000 + ((start - 20_000 + i * 2) % 12_000);
    if ((await isFree(port)) && (await isFree(port + 1))) return port;
  }
  throw new Error('no free port pair between 20000 and 32000 for the browser tests');
}

export default defineConfig({
  testDir: './e2e',
  outputDir: './test-results/playwright',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list'], ['json']],
  globalTeardown: './e2e/global-teardown.ts',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    headless: true,
    viewport: { width: 1440, height: 900 },
    screenshot: 'only-on-failure',
    trace: 'off',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
      ],
    },
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
  webServer: {
    command: 'npm run --silent build -w apps/web && node --import tsx apps/server/src/index.ts',
    cwd: repoRoot,
    url: `http://127.0.0.1:${port}/api/v1/health`,
    reuseExistingServer: false,
    timeout: 180_000,
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: process.env.E2E_DATA_DIR,
      KALSHI_ENV: 'simulator',
      // The embedded simulator on a known port with its HTTP control API, so tests can trade,
      // settle and drop connections.
      SIMULATOR_PORT: String(port + 1),
      SIMULATOR_CONTROL: 'true',
      LOG_LEVEL: 'warn',
      DATABASE_URL: '',
      KALSHI_API_URL: '',
      KALSHI_WS_URL: '',
    },
  },
});
