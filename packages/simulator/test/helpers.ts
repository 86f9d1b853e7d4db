/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access -- wire JSON is probed field by field */
/**
 * Test helpers that sign exactly as Kalshi documents (independent of packages/kalshi's client,
 * so the simulator is held to the protocol rather than to our own client).
 */
import { constants, generateKeyPairSync, sign } from 'node:crypto';
import WebSocket from 'ws';
import { ManualClock } from '../src/engine/clock.js';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../src/simulator.js';

let cachedKey: string | null = null;

/** One 2048-bit key per test process (generation is the slow part). */
export function testPrivateKeyPem(): string {
  cachedKey ??= generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
  return cachedKey;
}

export const TEST_START = Date.UTC(2026, 10, 24, 12, 0, 0);

export async function startTestSimulator(
  options: SimulatorOptions = {},
): Promise<RunningSimulator & { clock: ManualClock }> {
  const clock = options.clock ?? new ManualClock(TEST_START);
  const sim = await startSimulator({
    scenario: 'quiet',
    seed: 1,
    controlApi: true,
    demoKey: { privateKeyPem: testPrivateKeyPem() },
    ...options,
    clock,
  });
  return { ...sim, clock };
}

export function signature(privateKeyPem: string, message: string): string {
  return sign('sha256', Buffer.from(message), {
    key: privateKeyPem,
    padding: constants.RSA_PKCS1_PSS_PADDING,
    saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
  }).toString('base64');
}

export function signedHeaders(args: {
  keyId: string;
  privateKeyPem: string;
  method: string;
  path: string;
  timestampMs?: number;
}): Record<string, string> {
  const ts = String(args.timestampMs ?? Date.now());
  return {
    'KALSHI-ACCESS-KEY': args.keyId,
    'KALSHI-ACCESS-TIMESTAMP': ts,
    'KALSHI-ACCESS-SIGNATURE': signature(args.privateKeyPem, `${ts}${args.method}${args.path}`),
  };
}

// `json` and WS frames are the simulator's raw wire output, deliberately untyped: these tests
// check the wire itself field by field (and against the recordings and the OpenAPI/AsyncAPI
// schemas) rather than trusting our own protocol types, which are what is under comparison.
export interface Caller {
  get(path: string): Promise<{ status: number; text: string; json: any }>;
  post(path: string, body: unknown): Promise<{ status: number; text: string; json: any }>;
  del(path: string): Promise<{ status: number; text: string; json: any }>;
}

/** Signed REST calls as the given key; `path` is relative to /trade-api/v2 and may carry a query. */
export function caller(
  sim: RunningSimulator,
  key: { keyId: string; privateKeyPem: string } = sim.demoAccount,
): Caller {
  const call = async (method: string, path: string, body?: unknown) => {
    const url = new URL(sim.restBaseUrl + path);
    const headers: Record<string, string> = signedHeaders({ ...key, method, path: url.pathname });
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(url, {
      method,
      headers,
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
    return { status: res.status, text, json: json as any };
  };
  return { get: (p) => call('GET', p), post: (p, b) => call('POST', p, b), del: (p) => call('DELETE', p) };
}

/** A signed WebSocket that records every text frame. */
export class TestSocket {
  readonly frames: any[] = [];
  private waiters: { predicate: (f: any) => boolean; resolve: (f: any) => void }[] = [];
  pings = 0;
  private settleId = 900_000;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const frame = JSON.parse((data as Buffer).toString('utf8'));
      this.frames.push(frame);
      this.waiters = this.waiters.filter((w) => {
        if (!w.predicate(frame)) return true;
        w.resolve(frame);
        return false;
      });
    });
    ws.on('ping', () => {
      this.pings += 1;
    });
  }

  static open(
    sim: RunningSimulator,
    key: { keyId: string; privateKeyPem: string } = sim.demoAccount,
  ): Promise<TestSocket> {
    const headers = signedHeaders({ ...key, method: 'GET', path: '/trade-api/ws/v2' });
    const ws = new WebSocket(sim.wsUrl, { headers });
    const socket = new TestSocket(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(socket));
      ws.once('error', reject);
    });
  }

  send(command: unknown): void {
    this.ws.send(JSON.stringify(command));
  }

  /** Resolves with the first frame (already received or future) matching the predicate. */
  next(predicate: (f: any) => boolean, timeoutMs = 2_000): Promise<any> {
    const seen = this.frames.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for a frame')), timeoutMs);
      this.waiters.push({
        predicate,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
      });
    });
  }

  /** Wait until the server has processed everything sent so far (a round trip). */
  async settle(): Promise<void> {
    this.settleId += 1;
    const id = this.settleId;
    this.send({ id, cmd: 'list_subscriptions' });
    await this.next((f) => f.id === id);
  }

  ofType(type: string): any[] {
    return this.frames.filter((f) => f.type === type);
  }

  close(): void {
    this.ws.terminate();
  }
}
