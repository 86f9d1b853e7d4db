#!/usr/bin/env node
// Root `npm run dev`: the server (restarted by `tsx watch` when a file it imports changes,
// including the workspace packages' sources) and the web app's Vite dev server (hot reload,
// `/api` proxied to the server), in one terminal. Ctrl+C stops both; if either exits, the
// other is stopped too and the exit code is passed on.
//
// Same environment as `npm start` (PORT, HOST, KALSHI_ENV, ...). WEB_PORT sets Vite's port
// (default 5173); Vite is told where the server listens through DEV_API_TARGET.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import readline from 'node:readline';

const root = path.resolve(import.meta.dirname, '..');
const env = process.env;

const apiHost = env.HOST && env.HOST !== '0.0.0.0' && env.HOST !== '::' ? env.HOST : '127.0.0.1';
const apiPort = env.PORT && env.PORT !== '' ? env.PORT : '8080';
const apiTarget = `http://${apiHost.includes(':') ? `[${apiHost}]` : apiHost}:${apiPort}`;
const webPort = env.WEB_PORT && env.WEB_PORT !== '' ? env.WEB_PORT : '5173';

// Binaries resolved from the workspaces that declare them, run with this very node.
const tsxCli = createRequire(path.join(root, 'package.json')).resolve('tsx/cli');
const viteCli = path.join(
  path.dirname(createRequire(path.join(root, 'apps/web/package.json')).resolve('vite/package.json')),
  'bin/vite.js',
);

const children = [
  {
    name: 'server',
    // cwd is the root, so a relative DATA_DIR means the same folder as with `npm start`.
    args: [tsxCli, 'watch', '--clear-screen=false', path.join(root, 'apps/server/src/index.ts')],
    cwd: root,
    env: { ...env, INIT_CWD: env.INIT_CWD ?? root },
  },
  {
    name: 'web',
    args: [viteCli, '--port', webPort, '--strictPort'],
    cwd: path.join(root, 'apps/web'),
    env: { ...env, DEV_API_TARGET: apiTarget },
  },
];

const width = Math.max(...children.map((c) => c.name.length));
let exitCode = 0;
let isStopping = false;

function prefixLines(stream, name, out) {
  const label = `[${name.padEnd(width)}] `;
  readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
    out.write(label + line + '\n');
  });
}

function stopAll(signal) {
  if (isStopping) return;
  isStopping = true;
  for (const child of children) {
    if (child.process && child.process.exitCode === null && child.process.signalCode === null) {
      child.process.kill(signal);
    }
  }
  // Whatever is still running after 12 s is killed (the server gives itself 10 s to close).
  setTimeout(() => {
    for (const child of children) {
      if (child.process && child.process.exitCode === null && child.process.signalCode === null) {
        child.process.kill('SIGKILL');
      }
    }
  }, 12_000).unref();
}

for (const child of children) {
  const proc = spawn(process.execPath, child.args, {
    cwd: child.cwd,
    env: child.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Each child in its own process group, so that a terminal's Ctrl+C reaches only this
    // script, which signals each child exactly once: `tsx watch` treats a second signal as
    // "force kill" and would SIGKILL the server in the middle of its clean shutdown.
    detached: true,
  });
  child.process = proc;
  prefixLines(proc.stdout, child.name, process.stdout);
  prefixLines(proc.stderr, child.name, process.stderr);
  proc.on('error', (error) => {
    console.error(`[${child.name}] failed to start: ${error.message}`);
    exitCode = 1;
    stopAll('SIGTERM');
  });
  proc.on('exit', (code, signal) => {
    if (!isStopping) {
      console.error(`[${child.name}] exited (${signal ?? `code ${code}`}); stopping the rest`);
      exitCode = code ?? 1;
      stopAll('SIGTERM');
    }
  });
  // 'close' comes after the child's output is fully read, so nothing printed is lost.
  proc.on('close', () => {
    child.isClosed = true;
    if (children.every((c) => c.isClosed)) process.exit(exitCode);
  });
}

// Ctrl+C, `kill <pid>` or a signal to this script's process group: each child gets SIGTERM
// once from here (tsx passes it on to the server, which shuts down cleanly). Only a SIGKILL
// of this script would leave the children running.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => stopAll('SIGTERM'));
}

console.log(
  `Kalshi Desk dev: web app on http://127.0.0.1:${webPort} (hot reload, /api -> ${apiTarget}), ` +
    `server on ${apiTarget} (restarts on change). Ctrl+C stops both.`,
);
