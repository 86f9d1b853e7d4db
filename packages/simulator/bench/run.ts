/**
 * Throughput benchmark: the busy scenario in real-time mode, one WebSocket client in a child
 * process (so client and server use both cores), two measurements:
 *   ws-messages  client subscribed to orderbook_delta (all ~1,000 markets) + ticker + trade:
 *                WS messages per second received by that one client, seq checked gap-free
 *   tickers      client subscribed to ticker only: ticker updates per second and how many
 *                distinct markets they covered
 * Usage: npm run bench -w packages/simulator -- [--duration 60] [--speed 2.5] [--ticker-speed 1]
 */
import { constants, sign } from 'node:crypto';
import { parseArgs } from 'node:util';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { startSimulator } from '../src/simulator.js';

interface ClientConfig {
  wsUrl: string;
  keyId: string;
  privateKeyPem: string;
  channels: string[];
  tickers: string[];
}

interface Report {
  kind: 'ready' | 'second';
  messages: number;
  byType: Record<string, number>;
  markets: number;
  gaps: number;
}

function runClient(config: ClientConfig): void {
  const port = { postMessage: (report: Report) => process.send?.(report) };
  const ts = String(Date.now());
  const signature = sign('sha256', Buffer.from(`${ts}GET/trade-api/ws/v2`), {
    key: config.privateKeyPem,
    padding: constants.RSA_PKCS1_PSS_PADDING,
    saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
  }).toString('base64');
  const ws = new WebSocket(config.wsUrl, {
    headers: {
      'KALSHI-ACCESS-KEY': config.keyId,
      'KALSHI-ACCESS-TIMESTAMP': ts,
      'KALSHI-ACCESS-SIGNATURE': signature,
    },
  });
  let messages = 0;
  let gaps = 0;
  let byType: Record<string, number> = {};
  let markets = new Set<string>();
  const lastSeq = new Map<number, number>();
  let subscribed = 0;
  ws.on('open', () => {
    config.channels.forEach((channel, i) => {
      const params: Record<string, unknown> = { channels: [channel] };
      if (channel === 'orderbook_delta') params.market_tickers = config.tickers;
      ws.send(JSON.stringify({ id: i + 1, cmd: 'subscribe', params }));
    });
  });
  ws.on('message', (data: Buffer) => {
    const frame = JSON.parse(data.toString('utf8')) as {
      type: string;
      sid?: number;
      seq?: number;
      msg?: { market_ticker?: string };
    };
    if (frame.type === 'subscribed') {
      subscribed += 1;
      if (subscribed === config.channels.length) {
        // Let the snapshots drain before measuring.
        setTimeout(() => {
          messages = 0;
          byType = {};
          markets = new Set();
          port.postMessage({ kind: 'ready', messages: 0, byType: {}, markets: 0, gaps: 0 } satisfies Report);
          setInterval(() => {
            port.postMessage({
              kind: 'second',
              messages,
              byType,
              markets: markets.size,
              gaps,
            } satisfies Report);
            messages = 0;
            byType = {};
            markets = new Set();
          }, 1000);
        }, 1500);
      }
      return;
    }
    messages += 1;
    byType[frame.type] = (byType[frame.type] ?? 0) + 1;
    if (frame.type === 'ticker' && frame.msg?.market_ticker) markets.add(frame.msg.market_ticker);
    if (frame.sid !== undefined && frame.seq !== undefined) {
      const last = lastSeq.get(frame.sid);
      if (last !== undefined && frame.seq !== last + 1) gaps += 1;
      lastSeq.set(frame.sid, frame.seq);
    }
  });
}

async function measure(args: {
  name: string;
  channels: string[];
  speed: number;
  durationS: number;
}): Promise<{ perSecond: number[]; markets: number[]; gaps: number; byType: Record<string, number> }> {
  const sim = await startSimulator({ scenario: 'busy', seed: 1, speed: args.speed, tickMs: 10 });
  const tickers = sim.engine.listMarkets().map((m) => m.ticker);
  const worker = fork(fileURLToPath(import.meta.url), ['--client'], { execArgv: ['--import', 'tsx'] });
  worker.send({
    wsUrl: sim.wsUrl,
    keyId: sim.demoAccount.keyId,
    privateKeyPem: sim.demoAccount.privateKeyPem,
    channels: args.channels,
    tickers,
  } satisfies ClientConfig);
  const perSecond: number[] = [];
  const markets: number[] = [];
  const byType: Record<string, number> = {};
  let gaps = 0;
  await new Promise<void>((resolve, reject) => {
    worker.on('error', reject);
    worker.on('message', (message) => {
      const report = message as Report;
      if (report.kind !== 'second') return;
      perSecond.push(report.messages);
      markets.push(report.markets);
      gaps = report.gaps;
      for (const [type, n] of Object.entries(report.byType)) byType[type] = (byType[type] ?? 0) + n;
      process.stdout.write(`  ${args.name} t=${perSecond.length}s ${report.messages} msg/s\n`);
      if (perSecond.length >= args.durationS) resolve();
    });
  });
  worker.kill();
  await sim.close();
  return { perSecond, markets, gaps, byType };
}

function summary(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
  return `mean ${Math.round(mean)}/s, min ${sorted[0] ?? 0}/s, median ${sorted[Math.floor(sorted.length / 2)] ?? 0}/s`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      client: { type: 'boolean', default: false },
      duration: { type: 'string', default: '60' },
      speed: { type: 'string', default: '2.5' },
      'ticker-speed': { type: 'string', default: '1' },
    },
  });
  const durationS = Number(values.duration);
  const ws = await measure({
    name: 'ws-messages',
    channels: ['orderbook_delta', 'ticker', 'trade'],
    speed: Number(values.speed),
    durationS,
  });
  const tick = await measure({
    name: 'tickers',
    channels: ['ticker'],
    speed: Number(values['ticker-speed']),
    durationS,
  });
  const lines = [
    `duration ${durationS} s per measurement, busy scenario (${'~1,000'} markets), node ${process.version}`,
    `ws-messages (orderbook_delta+ticker+trade, speed ${values.speed}x): ${summary(ws.perSecond)}; seq gaps ${ws.gaps}; mix ${JSON.stringify(ws.byType)}`,
    `tickers (ticker only, speed ${values['ticker-speed']}x): ${summary(tick.perSecond)}; distinct markets per second: ${summary(tick.markets).replaceAll('/s', '')}`,
  ];
  process.stdout.write(`\n${lines.join('\n')}\n`);
}

if (process.argv.includes('--client')) {
  process.once('message', (config) => runClient(config as ClientConfig));
} else {
  await main();
  process.exit(0);
}
