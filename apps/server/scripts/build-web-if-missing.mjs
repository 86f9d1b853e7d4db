#!/usr/bin/env node
// `npm start` serves the built web app; build it once when apps/web has a build script and
// no dist yet, so a fresh clone needs only `npm ci && npm start`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../../..');
const web = path.join(root, 'apps/web');
const pkg = JSON.parse(readFileSync(path.join(web, 'package.json'), 'utf8'));
if (!pkg.scripts?.build) {
  console.log('apps/web has no build script yet; serving the API only');
} else if (existsSync(path.join(web, 'dist/index.html')) && !process.env.FORCE_WEB_BUILD) {
  console.log('apps/web/dist exists; skipping the web build (FORCE_WEB_BUILD=1 to rebuild)');
} else {
  const res = spawnSync('npm', ['run', 'build', '-w', 'apps/web'], { cwd: root, stdio: 'inherit' });
  if (res.status !== 0) process.exit(res.status ?? 1);
}
