/**
 * Server benchmark: simulator -> server -> N SSE clients, three processes on this machine.
 *
 *   orchestrator (this process): the simulator (manual clock, no background trading) and a
 *     driver that moves the top of book of the bench account's held markets at a fixed rate:
 *     each step places or cancels one resting bid one tick above the best bid, so every step
 *     is exactly one upstream `ticker` message that changes the position's price.
 *   bench-server.ts: the real server (createServer + live engine, PGlite in memory),
 *     authenticated as the bench account. Its CPU and RSS are what we report.
 *   bench-clients.ts: the SSE clients; per position_update they compute the time since the
 *     simulator sent the matching ticker message (wall clock shared by the processes).
 *
 * Usage: npm run bench -w apps/server -- [--duration 20] [--warmup 3] [--idle 10000]
 *        [--slow-seconds 120] [--only latency,idle,slow]
 */
import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { centis, formatDollars, micros } from '@kalshi-desk/kalshi/protocol';
import { ManualClock, startSimulator, type RunningSimulator } from '@kalshi-desk/simulator';
import {
  wallNow,
  type ClientCommand,
  type ClientReport,
  type LatencyReport,
  type SendRecord,
  type ServerCommand,
  type ServerReport,
} from './bench-protocol.js';

const HELD_MARKETS = 10;
const TICK = 10_000; // $0.01 in micro-dollars

interface Probe {
  rss: number;
  heapUsed: number;
  cpuMicros: number;
  at: number;
  sseClients: number;
}

const children = new Set<ChildProcess>();
// Never leave a child behind, whatever ends this process.
process.on('exit', () => {
  for (const proc of children) proc.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGPIPE', 'SIGHUP'] as const)
  process.on(signal, () => process.exit(1));

function child(file: string): ChildProcess {
  const proc = fork(fileURLToPath(new URL(file, import.meta.url)), [], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  return proc;
}

function nextMessage<T extends { type: string }>(proc: ChildProcess, type: T['type']): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => {
      proc.off('message', onMessage);
      reject(new Error(`child exited (${code}) while waiting for ${type}`));
    };
    const onMessage = (message: T) => {
      if (message.type !== type) return;
      proc.off('message', onMessage);
      proc.off('exit', onExit);
      resolve(message);
    };
    proc.on('message', onMessage);
    proc.once('exit', onExit);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function probe(server: ChildProcess, gc = false): Promise<Probe> {
  const reply = nextMessage<Extract<ServerReport, { type: 'probe' }>>(server, 'probe');
  server.send({ type: 'probe', gc } satisfies ServerCommand);
  return reply;
}

interface HeldMarket {
  ticker: string;
  bid: number;
  orderId: string | null;
  n: number;
}

/** A bench account holding YES in markets whose spread leaves room for a bid one tick higher. */
async function setUpAccount(
  sim: RunningSimulator,
): Promise<{ keyId: string; privateKeyPem: string; held: HeldMarket[]; driverId: string }> {
  const { userId } = sim.control.createAccount({ balance: '100000.00' });
  const key = await sim.control.createApiKey({ userId });
  const held: HeldMarket[] = [];
  for (const market of sim.engine.listMarkets()) {
    if (held.length >= HELD_MARKETS) break;
    const grid = market.priceRanges;
    if (market.status !== 'active' || grid.length !== 1 || grid[0]?.step !== TICK) continue;
    const top = sim.engine.topOfBook(market.ticker);
    if (top.bid <= 0 || top.ask >= 1_000_000 || top.ask - top.bid < 2 * TICK) continue;
    sim.control.placeOrder({
      userId,
      ticker: market.ticker,
      side: 'bid',
      price: formatDollars(top.ask),
      count: '5.00',
      timeInForce: 'immediate_or_cancel',
    });
    const after = sim.engine.topOfBook(market.ticker);
    if (after.ask - after.bid < 2 * TICK) continue;
    held.push({ ticker: market.ticker, bid: after.bid, orderId: null, n: 0 });
  }
  if (held.length < HELD_MARKETS) throw new Error(`only ${held.length} suitable markets`);
  const driver = sim.control.createAccount({ balance: '100000.00' });
  return { keyId: key.keyId, privateKeyPem: key.privateKeyPem, held, driverId: driver.userId };
}

/** Moves the held markets' best bid up and down one tick, `rate` steps per second in total. */
class Driver {
  private timer: NodeJS.Timeout | null = null;
  private done = 0;
  private startedAt = 0;
  private next = 0;
  steps = 0;

  constructor(
    private readonly sim: RunningSimulator,
    private readonly held: HeldMarket[],
    private readonly driverId: string,
    private readonly onSent: (records: SendRecord[]) => void,
  ) {}

  start(rate: number): void {
    this.startedAt = performance.now();
    this.done = 0;
    this.timer = setInterval(() => {
      const owed = Math.floor(((performance.now() - this.startedAt) / 1000) * rate) - this.done;
      const records: SendRecord[] = [];
      for (let i = 0; i < owed; i++) {
        const index = this.next;
        this.next = (this.next + 1) % this.held.length;
        const market = this.held[index];
        if (market) records.push([index, this.step(market), wallNow()]);
      }
      this.done += owed;
      this.steps += owed;
      if (records.length > 0) this.onSent(records);
    }, 5);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    // Leave every book as it was, so the next run starts from the same state.
    for (const market of this.held) {
      if (market.orderId !== null) {
        this.sim.engine.cancelOrder(this.driverId, market.orderId);
        market.orderId = null;
        market.n += 1;
      }
    }
  }

  private step(market: HeldMarket): number {
    if (market.orderId === null) {
      const result = this.sim.engine.placeOrder(this.driverId, {
        ticker: market.ticker,
        side: 'bid',
        price: micros(market.bid + TICK),
        count: centis(100),
        timeInForce: 'good_till_canceled',
        selfTradePrevention: 'taker_at_cross',
      });
      if (!result.ok) throw new Error(`driver order refused: ${JSON.stringify(result.error)}`);
      market.orderId = result.value.order.orderId;
    } else {
      this.sim.engine.cancelOrder(this.driverId, market.orderId);
      market.orderId = null;
    }
    market.n += 1;
    return market.n;
  }
}

interface LatencyResult {
  clients: number;
  rate: number;
  measuredSeconds: number;
  latency: LatencyReport;
  cpuPercent: number;
  rssMb: number;
  steps: number;
  clientsCpuPercent: number;
  simulatorCpuPercent: number;
}

async function latencyRun(args: {
  sim: RunningSimulator;
  server: ChildProcess;
  port: number;
  cookie: string;
  held: HeldMarket[];
  driverId: string;
  clients: number;
  rate: number;
  warmupS: number;
  durationS: number;
}): Promise<LatencyResult> {
  const clients = child('./bench-clients.ts');
  const connected = nextMessage<Extract<ClientReport, { type: 'connected' }>>(clients, 'connected');
  clients.send({
    type: 'connect',
    port: args.port,
    cookie: args.cookie,
    count: args.clients,
    mode: 'fast',
    tickers: args.held.map((m) => m.ticker),
  } satisfies ClientCommand);
  await connected;
  const driver = new Driver(args.sim, args.held, args.driverId, (records) =>
    clients.send({ type: 'sent', records } satisfies ClientCommand),
  );
  // Per-ticker sequence numbers restart for this client process.
  for (const market of args.held) market.n = 0;
  driver.start(args.rate);
  await sleep(args.warmupS * 1000);
  clients.send({ type: 'measure' } satisfies ClientCommand);
  const before = await probe(args.server);
  const selfCpu = process.cpuUsage();
  const selfAt = performance.now();
  const steps0 = driver.steps;
  await sleep(args.durationS * 1000);
  const after = await probe(args.server);
  const self = process.cpuUsage(selfCpu);
  const simulatorCpuPercent = ((self.user + self.system) / 1000 / (performance.now() - selfAt)) * 100;
  const steps = driver.steps - steps0;
  driver.stop();
  await sleep(300);
  const report = nextMessage<Extract<ClientReport, { type: 'report' }>>(clients, 'report');
  clients.send({ type: 'report' } satisfies ClientCommand);
  const { latency, cpuPercent: clientsCpuPercent } = await report;
  clients.send({ type: 'close' } satisfies ClientCommand);
  await new Promise((resolve) => clients.once('exit', resolve));
  const seconds = (after.at - before.at) / 1000;
  return {
    clients: args.clients,
    rate: args.rate,
    measuredSeconds: seconds,
    latency,
    cpuPercent: ((after.cpuMicros - before.cpuMicros) / 1e6 / seconds) * 100,
    rssMb: after.rss / 1e6,
    steps,
    clientsCpuPercent,
    simulatorCpuPercent,
  };
}

async function idleRun(args: {
  server: ChildProcess;
  port: number;
  cookie: string;
  clients: number;
}): Promise<{ clients: number; perClientKb: number; heapPerClientKb: number; before: Probe; after: Probe }> {
  const before = await probe(args.server, true);
  const clients = child('./bench-clients.ts');
  const connected = nextMessage<Extract<ClientReport, { type: 'connected' }>>(clients, 'connected');
  clients.send({
    type: 'connect',
    port: args.port,
    cookie: args.cookie,
    count: args.clients,
    mode: 'idle',
    tickers: [],
  } satisfies ClientCommand);
  await connected;
  await sleep(2000);
  const after = await probe(args.server, true);
  clients.send({ type: 'close' } satisfies ClientCommand);
  await new Promise((resolve) => clients.once('exit', resolve));
  await sleep(1000);
  return {
    clients: args.clients,
    perClientKb: (after.rss - before.rss) / args.clients / 1024,
    heapPerClientKb: (after.heapUsed - before.heapUsed) / args.clients / 1024,
    before,
    after,
  };
}

async function slowRun(args: {
  sim: RunningSimulator;
  server: ChildProcess;
  port: number;
  cookie: string;
  held: HeldMarket[];
  driverId: string;
  seconds: number;
  rate: number;
}): Promise<{
  seconds: number;
  rssStartMb: number;
  rssEndMb: number;
  rssMaxMb: number;
  slowBytesRead: number;
  steps: number;
}> {
  const clients = child('./bench-clients.ts');
  const connected = nextMessage<Extract<ClientReport, { type: 'connected' }>>(clients, 'connected');
  clients.send({
    type: 'connect',
    port: args.port,
    cookie: args.cookie,
    count: 1,
    mode: 'slow',
    tickers: [],
  } satisfies ClientCommand);
  await connected;
  const driver = new Driver(args.sim, args.held, args.driverId, () => undefined);
  const start = await probe(args.server, true);
  driver.start(args.rate);
  let max = start.rss;
  for (let t = 0; t < args.seconds; t += 5) {
    await sleep(5000);
    const p = await probe(args.server);
    max = Math.max(max, p.rss);
    process.stdout.write(`  slow client t=${t + 5}s server rss ${(p.rss / 1e6).toFixed(1)} MB\n`);
  }
  driver.stop();
  const end = await probe(args.server, true);
  const report = nextMessage<Extract<ClientReport, { type: 'report' }>>(clients, 'report');
  clients.send({ type: 'report' } satisfies ClientCommand);
  const { slowBytesRead } = await report;
  clients.send({ type: 'close' } satisfies ClientCommand);
  await new Promise((resolve) => clients.once('exit', resolve));
  return {
    seconds: args.seconds,
    rssStartMb: start.rss / 1e6,
    rssEndMb: end.rss / 1e6,
    rssMaxMb: max / 1e6,
    slowBytesRead,
    steps: driver.steps,
  };
}

async function startServer(
  sim: RunningSimulator,
  account: { keyId: string; privateKeyPem: string },
): Promise<{ server: ChildProcess; port: number; cookie: string }> {
  const server = child('./bench-server.ts');
  const ready = nextMessage<Extract<ServerReport, { type: 'ready' }>>(server, 'ready');
  server.send({
    type: 'start',
    restBaseUrl: sim.restBaseUrl,
    wsUrl: sim.wsUrl,
    keyId: account.keyId,
    privateKeyPem: account.privateKeyPem,
  } satisfies ServerCommand);
  const { port, cookie } = await ready;
  await sleep(1000);
  return { server, port, cookie };
}

async function stopServer(server: ChildProcess): Promise<void> {
  server.kill();
  await new Promise((resolve) => server.once('exit', resolve));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '3' },
      idle: { type: 'string', default: '10000' },
      'slow-seconds': { type: 'string', default: '120' },
      only: { type: 'string', default: 'latency,idle,slow' },
    },
  });
  const only = new Set((values.only ?? '').split(','));
  const startLoad = os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  const sim = await startSimulator({ scenario: 'quiet', seed: 3, clock: new ManualClock(Date.now()) });
  const account = await setUpAccount(sim);
  const lines: string[] = [
    `node ${process.version}, ${account.held.length} held markets, simulator + server + clients in 3 processes`,
  ];

  if (only.has('latency')) {
    const { server, port, cookie } = await startServer(sim, account);
    for (const [clients, rate] of [
      [10, 500],
      [100, 1000],
    ] as const) {
      process.stdout.write(`latency: ${clients} clients, ${rate} ticker updates/s ...\n`);
      const r = await latencyRun({
        sim,
        server,
        port,
        cookie,
        held: account.held,
        driverId: account.driverId,
        clients,
        rate,
        warmupS: Number(values.warmup),
        durationS: Number(values.duration),
      });
      lines.push(
        `latency ${clients} clients @ ${rate}/s (sent ${Math.round(r.steps / r.measuredSeconds)}/s over ${r.measuredSeconds.toFixed(1)} s): ` +
          `p50 ${r.latency.p50.toFixed(2)} ms, p90 ${r.latency.p90.toFixed(2)} ms, p99 ${r.latency.p99.toFixed(2)} ms, max ${r.latency.max.toFixed(2)} ms ` +
          `(${r.latency.samples} samples, ${r.latency.events} events, ${r.latency.conflatedClients} clients conflated); server CPU ${r.cpuPercent.toFixed(0)}% of one core, RSS ${r.rssMb.toFixed(0)} MB ` +
          `(clients process ${r.clientsCpuPercent.toFixed(0)}%, simulator+driver ${r.simulatorCpuPercent.toFixed(0)}%)`,
      );
      process.stdout.write(`  ${lines.at(-1) ?? ''}\n`);
    }
    await stopServer(server);
  }
  if (only.has('slow')) {
    const { server, port, cookie } = await startServer(sim, account);
    const seconds = Number(values['slow-seconds']);
    process.stdout.write(`slow client: ${seconds} s at 500 updates/s ...\n`);
    const r = await slowRun({
      sim,
      server,
      port,
      cookie,
      held: account.held,
      driverId: account.driverId,
      seconds,
      rate: 500,
    });
    lines.push(
      `slow client ${r.seconds} s @ 500/s (${r.steps} upstream updates; client read ${(r.slowBytesRead / 1024).toFixed(0)} KB): ` +
        `server RSS ${r.rssStartMb.toFixed(0)} MB at start, max ${r.rssMaxMb.toFixed(0)} MB, ${r.rssEndMb.toFixed(0)} MB at end (after GC) -> growth ${(r.rssEndMb - r.rssStartMb).toFixed(1)} MB (max ${(r.rssMaxMb - r.rssStartMb).toFixed(1)} MB)`,
    );
    process.stdout.write(`  ${lines.at(-1) ?? ''}\n`);
    await stopServer(server);
  }
  if (only.has('idle')) {
    const { server, port, cookie } = await startServer(sim, account);
    const count = Number(values.idle);
    process.stdout.write(`idle: ${count} clients ...\n`);
    const r = await idleRun({ server, port, cookie, clients: count });
    lines.push(
      `idle ${r.clients} SSE clients: server RSS ${(r.before.rss / 1e6).toFixed(0)} -> ${(r.after.rss / 1e6).toFixed(0)} MB = ${r.perClientKb.toFixed(1)} KB per client ` +
        `(heap ${r.heapPerClientKb.toFixed(1)} KB per client; hub counted ${r.after.sseClients} streams)`,
    );
    process.stdout.write(`  ${lines.at(-1) ?? ''}\n`);
    await stopServer(server);
  }
  lines.push(
    `load average at the end: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} (at the start: ${startLoad})`,
  );
  process.stdout.write(`\n${lines.join('\n')}\n`);
  await sim.close();
}

await main();
process.exit(0);
