import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Verbatim Kalshi demo recordings (2026-06), copied into the repo at
 * `fixtures/kalshi-spec/recorded-demo-2026-06/` so a fresh clone tests against them.
 * KALSHI_RECORDINGS_DIR points elsewhere (e.g. a newer recording). Throws when missing: a
 * recorded-response test must never pass by not running.
 */
export function findRecordingsDir(): string {
  const fromEnv = process.env['KALSHI_RECORDINGS_DIR'];
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`KALSHI_RECORDINGS_DIR does not exist: ${fromEnv}`);
    return fromEnv;
  }
  const here = dirname(fileURLToPath(import.meta.url));
  const inRepo = resolve(here, '../../../../fixtures/kalshi-spec/recorded-demo-2026-06');
  if (!existsSync(inRepo)) throw new Error(`Kalshi recordings not found at ${inRepo}`);
  return inRepo;
}

/** The repo's copy of Kalshi's spec files (openapi.yaml, asyncapi.yaml, recordings). */
export function kalshiSpecDir(): string {
  return resolve(findRecordingsDir(), '..');
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
