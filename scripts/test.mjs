#!/usr/bin/env node
// Root `npm test`: prepares what the suites need, then runs typecheck, lint, every vitest
// project and the browser suite, and ends with one plain line `N passed, N failed`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const outDir = path.join(root, '.test-output');
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });

const env = {
  ...process.env,
  TZ: 'UTC',
  FORCE_COLOR: process.env.CI ? '0' : (process.env.FORCE_COLOR ?? '1'),
};
let passed = 0;
let failed = 0;
let skipped = 0;
const problems = [];

function run(label, cmd, args, opts = {}) {
  console.log(`\n=== ${label}: ${cmd} ${args.join(' ')}`);
  const res = spawnSync(cmd, args, { cwd: root, env, stdio: 'inherit', ...opts });
  return res.status === 0;
}

function step(label, cmd, args) {
  if (run(label, cmd, args)) {
    console.log(`=== ${label}: ok`);
  } else {
    failed += 1;
    problems.push(label);
    console.log(`=== ${label}: FAILED`);
  }
}

function canConnect(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 1500 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

function ensureChromium() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(
    Boolean,
  );
  const found = candidates.find((p) => existsSync(p));
  if (found) {
    env.CHROMIUM_PATH = found;
    console.log(`chromium: ${found}`);
    return;
  }
  console.log("chromium: missing; installing Debian's chromium package (apt-get)");
  const apt = (args) => {
    const argv = process.getuid?.() === 0 ? ['apt-get', ...args] : ['sudo', 'apt-get', ...args];
    return spawnSync(argv[0], argv.slice(1), {
      stdio: 'inherit',
      env: { ...env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  };
  const update = apt(['update', '-qq']);
  const install = apt(['install', '-y', '-qq', 'chromium']);
  if (update.status === 0 && install.status === 0 && existsSync('/usr/bin/chromium')) {
    env.CHROMIUM_PATH = '/usr/bin/chromium';
    console.log('chromium: installed at /usr/bin/chromium');
  } else {
    console.log('chromium: could not be installed; the browser suite will fail and say so');
  }
}

async function ensurePostgres() {
  if (env.TEST_DATABASE_URL) {
    console.log(`postgres: using TEST_DATABASE_URL from the environment`);
    return;
  }
  if (await canConnect('127.0.0.1', 5432)) {
    env.TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
    console.log(
      'postgres: local server answers at 127.0.0.1:5432; PostgreSQL suites run against database "test"',
    );
  } else {
    console.log(
      'postgres: nothing answers at 127.0.0.1:5432; PostgreSQL suites are skipped (PGlite suites still run)',
    );
  }
}

function countVitest(file) {
  if (!existsSync(file)) return false;
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  // A suite that fails to load has no failed tests but is still a failure.
  for (const suite of report.testResults ?? []) {
    if (suite.status === 'failed' && (suite.assertionResults ?? []).length === 0) {
      failed += 1;
      problems.push(`suite ${path.relative(root, suite.name)} failed to load`);
    }
  }
  return true;
}

function countPlaywright(file) {
  if (!existsSync(file)) return false;
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const s = report.stats ?? {};
  passed += (s.expected ?? 0) + (s.flaky ?? 0);
  failed += s.unexpected ?? 0;
  skipped += s.skipped ?? 0;
  return true;
}

console.log('=== preparing what the suites need');
ensureChromium();
await ensurePostgres();

step('typecheck', 'npm', ['run', '--silent', 'typecheck']);
step('lint', 'npm', ['run', '--silent', 'lint']);
step('format', 'npm', ['run', '--silent', 'format:check']);

const vitestJson = path.join(outDir, 'vitest.json');
const vitestOk = run('unit and integration tests', 'npx', [
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${vitestJson}`,
]);
if (!countVitest(vitestJson)) {
  failed += 1;
  problems.push('vitest produced no report');
} else if (!vitestOk && failed === 0) {
  failed += 1;
  problems.push('vitest exited non-zero');
}

const e2eConfig = path.join(root, 'apps/web/playwright.config.ts');
if (existsSync(e2eConfig)) {
  const pwJson = path.join(outDir, 'playwright.json');
  const e2eOk = run('browser tests', 'npx', ['playwright', 'test', '-c', e2eConfig], {
    env: { ...env, PLAYWRIGHT_JSON_OUTPUT_NAME: pwJson },
  });
  if (!countPlaywright(pwJson)) {
    failed += 1;
    problems.push('playwright produced no report');
  } else if (!e2eOk && failed === 0) {
    failed += 1;
    problems.push('playwright exited non-zero');
  }
}

console.log('');
if (problems.length) console.log(`problems: ${problems.join('; ')}`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed === 0 ? 0 : 1);
