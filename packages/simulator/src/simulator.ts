/**
 * startSimulator: the engine behind an HTTP + WebSocket server speaking Kalshi's protocol,
 * an optional control API, and a demo account with an API key.
 */
import { createPublicKey, generateKeyPair, randomUUID } from 'node:crypto';

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { ManualClock } from './engine/clock.js';
import { Engine } from './engine/engine.js';
import type { Clock } from './engine/types.js';
import {
  DEMO_STARTING_BALANCE,
  scenarioEngineOptions,
  seedDemoPortfolio,
  type ScenarioName,
} from './scenarios/index.js';
import {
  authenticate,
  AUTH_ERROR_BODIES,
  DEFAULT_AUTH_WINDOW,
  KeyRegistry,
  type AuthWindow,
} from './server/auth.js';
import { SimulatorControl, type SimClock } from './server/control.js';
import { GENEROUS_RATE_LIMIT, RateLimiter, type RateLimitConfig } from './server/rate-limit.js';
import type { Faults } from './server/rest-handlers/context.js';
import { handleRest, REST_PREFIX } from './server/rest.js';
import { WsHub } from './server/ws-hub.js';

export const WS_PATH = '/trade-api/ws/v2';

export interface SimulatorOptions {
  /** 0 = any free port. */
  port?: number;
  host?: string;
  seed?: number | string;
  scenario?: ScenarioName;
  /** Simulated seconds per real second in real-time mode. */
  speed?: number;
  /**
   * A manual clock (e.g. `new ManualClock(Date.UTC(...))`): no timer runs, time moves only
   * through control.advanceClock. Without it the simulation follows wall time times `speed`.
   */
  clock?: ManualClock;
  /** Simulated start time in real-time mode (default: now). */
  startTime?: number;
  /** Serve /_control/* over HTTP (the in-process `control` object always works). */
  controlApi?: boolean;
  /** Engine tick interval in real-time mode. */
  tickMs?: number;
  heartbeatMs?: number;
  rateLimit?: RateLimitConfig;
  authWindow?: AuthWindow;
  /** Wall clock for the signature timestamp window (clients sign with real time). */
  wallClock?: () => number;
  /** Reuse a key for the demo account instead of generating one (key generation takes ~100 ms). */
  demoKey?: { keyId?: string; privateKeyPem: string };
}

export interface DemoAccount {
  keyId: string;
  privateKeyPem: string;
  userId: string;
}

export interface RunningSimulator {
  /** e.g. http://127.0.0.1:9100/trade-api/v2 */
  restBaseUrl: string;
  /** e.g. ws://127.0.0.1:9100/trade-api/ws/v2 */
  wsUrl: string;
  /** e.g. http://127.0.0.1:9100/_control, or null when the HTTP control API is off. */
  controlUrl: string | null;
  port: number;
  demoAccount: DemoAccount;
  control: SimulatorControl;
  engine: Engine;
  hub: WsHub;
  close(): Promise<void>;
}

class RealTimeClock implements SimClock {
  private readonly wallStart = Date.now();
  private offset = 0;
  constructor(
    private readonly start: number,
    private readonly speed: number,
  ) {}
  now(): number {
    return Math.floor(this.start + (Date.now() - this.wallStart) * this.speed + this.offset);
  }
  advance(ms: number): void {
    this.offset += ms;
  }
}

function manualSimClock(clock: ManualClock): SimClock & Clock {
  return { now: () => clock.now(), advance: (ms) => void clock.advance(ms) };
}

function generateDemoKey(): Promise<string> {
  return new Promise((resolve, reject) => {
    generateKeyPair(
      'rsa',
      {
        modulusLength: 2048,
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
        publicKeyEncoding: { type: 'spki', format: 'pem' },
      },
      (error, _pub, priv) => (error ? reject(error) : resolve(priv)),
    );
  });
}

/** The request target as a URL, or null: "//[" makes new URL throw, which here would crash the process. */
function parseTarget(target: string | undefined): URL | null {
  try {
    return new URL(target ?? '/', 'http://localhost');
  } catch {
    return null;
  }
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const scenario = options.scenario ?? 'quiet';
  const clock: SimClock = options.clock
    ? manualSimClock(options.clock)
    : new RealTimeClock(options.startTime ?? Date.now(), options.speed ?? 1);
  const engine = new Engine({ seed: options.seed ?? 1, clock, ...scenarioEngineOptions(scenario) });
  const keys = new KeyRegistry();
  const limiter = new RateLimiter(options.rateLimit ?? GENEROUS_RATE_LIMIT);
  const faults: Faults = { failNext: null, latencyMs: 0 };
  const hub = new WsHub(engine, options.heartbeatMs ?? 10_000);
  const control = new SimulatorControl({ engine, keys, hub, faults, limiter, clock });
  const restContext = {
    engine,
    keys,
    limiter,
    faults,
    authWindow: options.authWindow ?? DEFAULT_AUTH_WINDOW,
    wallClock: options.wallClock ?? Date.now,
  };

  // The demo account: funded, keyed, and (in the demo scenario) holding a portfolio.
  const demoUser = engine.createAccount({ cash: DEMO_STARTING_BALANCE });
  const demoPrivateKeyPem = options.demoKey?.privateKeyPem ?? (await generateDemoKey());
  const demoKeyId = options.demoKey?.keyId ?? randomUUID();
  keys.register({
    keyId: demoKeyId,
    userId: demoUser.userId,
    publicKeyPem: createPublicKey(demoPrivateKeyPem).export({ type: 'spki', format: 'pem' }).toString(),
  });
  if (scenario === 'demo') {
    seedDemoPortfolio(engine, demoUser.userId);
    engine.setActivityTarget(demoUser.userId);
  }

  const isControlEnabled = options.controlApi ?? false;
  const server: Server = createServer((req, res) => {
    const url = parseTarget(req.url);
    if (url && (url.pathname.startsWith(REST_PREFIX + '/') || url.pathname === REST_PREFIX)) {
      void handleRest(restContext, req, res, url);
    } else if (url && isControlEnabled && url.pathname.startsWith('/_control/')) {
      void control.handleHttp(req, res, url);
    } else {
      const body = '{"error":{"code":"not_found","message":"not found"}}';
      res.writeHead(404, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
    }
  });

  const wss = new WebSocketServer({ noServer: true, autoPong: false, perMessageDeflate: false });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = parseTarget(req.url);
    const reject = (status: number, reason: string, body: string): void => {
      socket.end(
        `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    };
    if (url?.pathname !== WS_PATH) {
      reject(404, 'Not Found', '{"error":{"code":"not_found","message":"not found"}}');
      return;
    }
    const auth = authenticate({
      headers: req.headers,
      method: 'GET',
      path: url.pathname,
      nowMs: restContext.wallClock(),
      registry: keys,
      window: restContext.authWindow,
    });
    if (!auth.ok) {
      reject(401, 'Unauthorized', AUTH_ERROR_BODIES[auth.failure]);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      engine.tick();
      hub.attach(ws, auth.userId);
    });
  });

  let timer: NodeJS.Timeout | null = null;
  if (!options.clock) {
    timer = setInterval(() => engine.tick(), options.tickMs ?? 50);
    timer.unref();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  const origin = `http://${host}:${address.port}`;

  return {
    restBaseUrl: `${origin}${REST_PREFIX}`,
    wsUrl: `ws://${host}:${address.port}${WS_PATH}`,
    controlUrl: isControlEnabled ? `${origin}/_control` : null,
    port: address.port,
    demoAccount: { keyId: demoKeyId, privateKeyPem: demoPrivateKeyPem, userId: demoUser.userId },
    control,
    engine,
    hub,
    close: async () => {
      if (timer) clearInterval(timer);
      hub.close();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
