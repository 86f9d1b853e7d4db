/**
 * Browser benchmark (not a test): builds the bench page in production mode, serves it, and
 * drives it in Debian Chromium: 1,000 positions receiving 200 updates/s. Prints frames per
 * second and the longest task. Run: npm run bench -w apps/web
 * Options (env): BENCH_POSITIONS, BENCH_RATE, BENCH_DURATION_MS, CHROMIUM_PATH.
 */
import path from 'node:path';
import { chromium } from 'playwright-core';
import { build, preview } from 'vite';
import type { BenchResult } from './bench-main';

const webRoot = path.resolve(import.meta.dirname, '..');
const outDir = path.join(webRoot, 'bench', 'dist');
const positions = Number(process.env.BENCH_POSITIONS ?? 1000);
const rate = Number(process.env.BENCH_RATE ?? 200);
const duration = Number(process.env.BENCH_DURATION_MS ?? 10_000);

await build({
  root: webRoot,
  configFile: path.join(webRoot, 'vite.config.ts'),
  logLevel: 'warn',
  build: { outDir, emptyOutDir: true, rollupOptions: { input: path.join(webRoot, 'bench', 'index.html') } },
});
const server = await preview({
  root: webRoot,
  configFile: path.join(webRoot, 'vite.config.ts'),
  logLevel: 'warn',
  build: { outDir },
  preview: { port: 0, host: '127.0.0.1' },
});
const address = server.httpServer.address();
const port = typeof address === 'object' && address ? address.port : 0;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
    '--disable-sync',
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(
    `http://127.0.0.1:${port}/bench/index.html?positions=${positions}&rate=${rate}&duration=${duration}`,
  );
  await page.waitForFunction(() => window.__benchResult !== undefined, undefined, {
    timeout: duration + 60_000,
  });
  const result = (await page.evaluate(() => window.__benchResult)) as BenchResult;
  const cards = await page.locator('[data-testid="position-card"]').count();
  console.log(JSON.stringify({ ...result, cardsInDom: cards }, null, 2));
  const isFast = result.fps >= 55 && result.longestTaskMs <= 50;
  console.log(
    `\n${positions} positions, ${result.updatesSent} updates in ${(result.measuredMs / 1000).toFixed(1)} s ` +
      `(${Math.round((result.updatesSent / result.measuredMs) * 1000)}/s): ${result.fps} fps, longest frame ${result.longestFrameMs} ms, ` +
      `${result.longTasks} long tasks (longest ${result.longestTaskMs} ms); store update + render per frame ` +
      `p50 ${result.flush.p50} ms, p99 ${result.flush.p99} ms, max ${result.flush.max} ms — target >= 55 fps and no task over 50 ms: ${isFast ? 'met' : 'NOT met'}`,
  );
} finally {
  await browser.close();
  await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
}
