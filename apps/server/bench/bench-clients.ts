/**
 * Bench child process: N SSE clients of /api/v1/account/sse/positions. Fast clients parse
 * every event and measure, per upstream ticker message, the time from the simulator sending
 * it to this client receiving the resulting position_update. Idle clients only hold the
 * connection. A slow client reads a few bytes a second.
 */
import http from 'node:http';
import {
  wallNow,
  type ClientCommand,
  type ClientReport,
  type LatencyReport,
  type SendRecord,
} from './bench-protocol.js';

const BUCKET_MS = 0.01;
const BUCKETS = 500_000; // up to 5 s
let histogram = new Uint32Array(BUCKETS);
let samples = 0;
let events = 0;
let isMeasuring = false;
let tickerIndex = new Map<string, number>();
const sentAt = new Map<string, number>();
const requests: http.ClientRequest[] = [];
let conflated = 0;
let slowBytesRead = 0;
let isClosing = false;
let measureCpu = process.cpuUsage();
let measureAt = performance.now();

function send(report: ClientReport): void {
  process.send?.(report);
}

function record(latencyMs: number): void {
  if (!isMeasuring) return;
  const bucket = Math.min(BUCKETS - 1, Math.max(0, Math.round(latencyMs / BUCKET_MS)));
  histogram[bucket] = (histogram[bucket] ?? 0) + 1;
  samples += 1;
}

function percentile(p: number): number {
  const target = Math.ceil(samples * p);
  let seen = 0;
  for (let i = 0; i < BUCKETS; i++) {
    seen += histogram[i] ?? 0;
    if (seen >= target && seen > 0) return i * BUCKET_MS;
  }
  return 0;
}

function maxLatency(): number {
  for (let i = BUCKETS - 1; i >= 0; i--) if ((histogram[i] ?? 0) > 0) return i * BUCKET_MS;
  return 0;
}

class FastClient {
  private buffer = '';
  private readonly counts = new Map<number, number>();
  private lastId: number | null = null;
  private isConflated = false;
  /** Receive times of updates whose send record has not arrived yet. */
  readonly pending = new Map<string, number>();
  hasSnapshot = false;
  private debugCount = 0;

  onData(chunk: string): void {
    const now = wallNow();
    const text = this.buffer === '' ? chunk : this.buffer + chunk;
    let start = 0;
    let end = text.indexOf('\n\n', start);
    while (end !== -1) {
      this.onEvent(text.slice(start, end), now);
      start = end + 2;
      end = text.indexOf('\n\n', start);
    }
    this.buffer = start === text.length ? '' : text.slice(start);
  }

  private onEvent(block: string, now: number): void {
    // Only what the measurement needs, with indexOf rather than splitting every line.
    if (!block.startsWith('id: ')) return;
    const idEnd = block.indexOf('\n');
    const id = Number(block.slice(4, idEnd));
    // Default message events: `data: {"type":"<kind>",...}` (no `event:` line).
    const data = block.slice(block.indexOf('data: ', idEnd) + 6);
    const type = data.startsWith('{"type":"') ? data.slice(9, data.indexOf('"', 9)) : '';
    if (process.env.BENCH_DEBUG && this.debugCount < 6) {
      this.debugCount += 1;
      console.error(`event ${type} id ${id} at ${now.toFixed(1)}`);
    }
    if (type === 'snapshot') {
      this.hasSnapshot = true;
      this.lastId = id;
      return;
    }
    if (this.lastId !== null && id !== this.lastId + 1 && !this.isConflated) {
      this.isConflated = true;
      if (process.env.BENCH_DEBUG) console.error(`gap: expected ${this.lastId + 1}, got ${id} (${type})`);
    }
    this.lastId = id;
    if (isMeasuring) events += 1;
    if (type !== 'position_update' || this.isConflated) return;
    const at = data.indexOf('"ticker":"') + 10;
    const ticker = data.slice(at, data.indexOf('"', at));
    const index = tickerIndex.get(ticker);
    if (index === undefined) return;
    const n = (this.counts.get(index) ?? 0) + 1;
    this.counts.set(index, n);
    const key = `${index}:${n}`;
    const sent = sentAt.get(key);
    if (sent === undefined) this.pending.set(key, now);
    else record(now - sent);
  }

  get conflated(): boolean {
    return this.isConflated;
  }
}

const fastClients: FastClient[] = [];

let connectErrors = 0;

/** Opens one stream; a refused or reset connection is retried after a short pause. */
function open(port: number, cookie: string, onResponse: (response: http.IncomingMessage) => void): void {
  const request = http.get(
    { host: '127.0.0.1', port, path: '/api/v1/account/sse/positions', headers: { cookie }, agent: false },
    onResponse,
  );
  request.on('error', () => {
    connectErrors += 1;
    if (!isClosing) setTimeout(() => open(port, cookie, onResponse), 200).unref();
  });
  requests.push(request);
}

function connect(command: Extract<ClientCommand, { type: 'connect' }>): void {
  tickerIndex = new Map(command.tickers.map((t, i) => [t, i]));
  let connected = 0;
  const onConnected = () => {
    connected += 1;
    if (connected === command.count) send({ type: 'connected', count: connected });
  };
  const progress = setInterval(() => {
    if (connected >= command.count) clearInterval(progress);
    else
      console.error(
        `  clients: ${connected}/${command.count} streams open (${connectErrors} connection errors retried)`,
      );
  }, 5000);
  progress.unref();
  let started = 0;
  // Open in batches so the server's accept queue is not flooded.
  const openBatch = () => {
    const batch = Math.min(200, command.count - started);
    for (let i = 0; i < batch; i++) {
      started += 1;
      open(command.port, command.cookie, (response) => {
        response.setEncoding('utf8');
        if (command.mode === 'fast') {
          const client = new FastClient();
          fastClients.push(client);
          let isCounted = false;
          response.on('data', (chunk: string) => {
            client.onData(chunk);
            if (!isCounted && client.hasSnapshot) {
              isCounted = true;
              onConnected();
            }
          });
        } else if (command.mode === 'idle') {
          let isCounted = false;
          response.on('data', () => {
            if (!isCounted) {
              isCounted = true;
              onConnected();
            }
          });
        } else {
          // Slow: read the first chunk, then only a little now and then.
          response.once('data', (chunk: string) => {
            slowBytesRead += chunk.length;
            response.pause();
            onConnected();
            const timer = setInterval(() => {
              const socket = response.socket;
              const piece: unknown = socket.read(256);
              if (typeof piece === 'string' || Buffer.isBuffer(piece)) slowBytesRead += piece.length;
            }, 1000);
            timer.unref();
          });
        }
      });
    }
    if (started < command.count) setTimeout(openBatch, 20);
  };
  openBatch();
}

function onSent(records: SendRecord[]): void {
  for (const [index, n, at] of records) {
    const key = `${index}:${n}`;
    sentAt.set(key, at);
    for (const client of fastClients) {
      const received = client.pending.get(key);
      if (received !== undefined) {
        client.pending.delete(key);
        record(received - at);
      }
    }
  }
}

process.on('message', (message: ClientCommand) => {
  switch (message.type) {
    case 'connect':
      connect(message);
      break;
    case 'sent':
      onSent(message.records);
      break;
    case 'measure':
      histogram = new Uint32Array(BUCKETS);
      samples = 0;
      events = 0;
      isMeasuring = true;
      measureCpu = process.cpuUsage();
      measureAt = performance.now();
      conflated = fastClients.filter((c) => c.conflated).length;
      break;
    case 'report': {
      const latency: LatencyReport = {
        samples,
        p50: percentile(0.5),
        p90: percentile(0.9),
        p99: percentile(0.99),
        max: maxLatency(),
        conflatedClients: fastClients.filter((c) => c.conflated).length - conflated,
        events,
      };
      const cpu = process.cpuUsage(measureCpu);
      const cpuPercent = ((cpu.user + cpu.system) / 1000 / (performance.now() - measureAt)) * 100;
      send({ type: 'report', latency, slowBytesRead, cpuPercent });
      break;
    }
    case 'close':
      isClosing = true;
      for (const request of requests) request.destroy();
      setTimeout(() => process.exit(0), 100).unref();
      break;
  }
});
