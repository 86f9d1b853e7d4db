import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Verbatim Kalshi demo recordings (2026-06) live outside the repo in
 * `shared/kalshi-spec/recorded-demo-2026-06/`. Found via KALSHI_RECORDINGS_DIR or by walking
 * up from this package; undefined when neither exists.
 */
export function findRecordingsDir(): string | undefined {
  const fromEnv = process.env['KALSHI_RECORDINGS_DIR'];
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i += 1) {
    for (const candidate of [
      join(dir, 'shared', 'kalshi-spec', 'recorded-demo-2026-06'),
      join(dir, 'kalshi-spec', 'recorded-demo-2026-06'),
    ]) {
      if (existsSync(candidate)) return candidate;
    }
    const parent = resolve(dir, '..');
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

export interface RecordingMeta {
  method: string | null;
  /** Path with query, from the host root, e.g. /trade-api/v2/markets?limit=5 */
  path: string | null;
  status: number | null;
  request_body: unknown;
  [key: string]: unknown;
}

export interface RestRecording {
  name: string;
  meta: RecordingMeta | undefined;
  body: unknown;
  /** The body exactly as recorded. */
  raw: string;
}

export interface WsRecording {
  name: string;
  meta: RecordingMeta | undefined;
  /** One verbatim text frame per entry. */
  frames: string[];
}

export interface Recordings {
  dir: string;
  rest: RestRecording[];
  ws: WsRecording[];
  /** Meta files without a body (e.g. the session manifest). */
  metaOnly: string[];
}

function readMeta(dir: string, name: string): RecordingMeta | undefined {
  const file = join(dir, `${name}.meta.json`);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as RecordingMeta) : undefined;
}

export function loadRecordings(dir: string): Recordings {
  const files = readdirSync(dir).sort();
  const rest: RestRecording[] = [];
  const ws: WsRecording[] = [];
  const metaOnly: string[] = [];
  for (const file of files) {
    if (file.endsWith('.meta.json')) {
      const name = file.slice(0, -'.meta.json'.length);
      if (!files.includes(`${name}.json`) && !files.includes(`${name}.jsonl`)) metaOnly.push(name);
      continue;
    }
    if (file.endsWith('.jsonl')) {
      const name = file.slice(0, -'.jsonl'.length);
      const frames = readFileSync(join(dir, file), 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '');
      ws.push({ name, meta: readMeta(dir, name), frames });
    } else if (file.endsWith('.json')) {
      const name = file.slice(0, -'.json'.length);
      const raw = readFileSync(join(dir, file), 'utf8');
      rest.push({ name, meta: readMeta(dir, name), body: JSON.parse(raw) as unknown, raw });
    }
  }
  return { dir, rest, ws, metaOnly };
}
