/**
 * The whole live path as a property: a fresh simulator account (quiet scenario, manual clock,
 * no background activity) goes through a seeded random sequence of a few hundred operations
 * (taker orders through several levels, resting orders at and behind the touch, other
 * participants filling them, fractional counts, YES<->NO flips, price moves and jumps,
 * cancels, settlements). At checkpoints, the server's REST answers and the state rebuilt from
 * its SSE stream must equal the exchange's own numbers exactly, and the account value must
 * obey the identity of docs/design.md §5: with no transfer, the change of total value equals
 * realized + unrealized - fees over every market traded.
 *
 * Run another sequence with PROPERTY_SEED=<n>; a failure prints the seed and the operation log.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ordersUpdateEventSchema,
  portfolioResponseSchema,
  portfolioSchema,
  positionSchema,
  positionsResponseSchema,
  snapshotEventSchema,
  type Portfolio,
  type Position,
  type RestingOrder,
} from '@kalshi-desk/contracts';
import {
  abs,
  centis,
  formatCount,
  formatDollars,
  micros,
  notional,
  ONE_DOLLAR,
  parseCount,
  parseDollars,
  subtract,
  type MicroDollars,
} from '@kalshi-desk/kalshi/protocol';
import { ManualClock, startSimulator, type RunningSimulator } from '@kalshi-desk/simulator';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  sessionCookieFrom,
  startTestServer,
  testConfig,
  type TestServer,
} from '../../app/testing/test-server.js';
import { createExchangeFactory } from '../../shared/exchange.js';
import { parseSse } from '../stream/testing/fake-sse.js';

const SEED = Number(process.env.PROPERTY_SEED ?? 20261201);
const OPERATIONS = 240;
const CHECK_EVERY = 20;
const POLL = { timeout: 15_000, interval: 50 };
const ONE = 1_000_000;

/** mulberry32: small, seeded, good enough to pick operations. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

let sim: RunningSimulator;
let server: TestServer;
let cookie: string;
let userId: string;
let stream: http.ClientRequest | null = null;

/** State rebuilt from the SSE stream exactly as a browser would. */
const fromStream = {
  positions: new Map<string, Position>(),
  portfolio: null as Portfolio | null,
  orders: [] as RestingOrder[],
  events: 0,
};

function applyStreamMessage(json: unknown): void {
  if (typeof json !== 'object' || json === null || !('type' in json)) throw new Error('message without type');
  fromStream.events += 1;
  const message = json as { type: string } & Record<string, unknown>;
  switch (message.type) {
    case 'snapshot': {
      const snapshot = snapshotEventSchema.parse(message);
      fromStream.positions = new Map(snapshot.positions.map((p) => [p.ticker, p]));
      fromStream.portfolio = snapshot.portfolio;
      fromStream.orders = snapshot.orders;
      break;
    }
    case 'position_update': {
      const position = positionSchema.parse(message.data);
      fromStream.positions.set(position.ticker, position);
      break;
    }
    case 'position_removed':
      fromStream.positions.delete(String(message.ticker));
      break;
    case 'portfolio_update':
      fromStream.portfolio = portfolioSchema.parse(message.data);
      break;
    case 'orders_update':
      fromStream.orders = ordersUpdateEventSchema.parse(message).orders;
      break;
    default:
      break;
  }
}

function openStream(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    stream = http.get(
      { host: '127.0.0.1', port, path: '/api/v1/account/sse/positions', headers: { cookie } },
      (response) => {
        if (response.statusCode !== 200) reject(new Error(`stream answered ${response.statusCode}`));
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          buffer += chunk;
          const parsed = parseSse(buffer);
          buffer = parsed.rest;
          for (const m of parsed.messages) {
            if (m.eventField !== null) throw new Error(`named SSE event ${m.eventField}`);
            applyStreamMessage(m.data);
          }
        });
        resolve();
      },
    );
    stream.on('error', () => undefined);
  });
}

beforeAll(async () => {
  sim = await startSimulator({ scenario: 'quiet', seed: SEED % 1000, clock: new ManualClock(Date.now()) });
  const exchange = createExchangeFactory({
    env: 'simulator',
    restBaseUrl: sim.restBaseUrl,
    wsUrl: sim.wsUrl,
  });
  const config = testConfig();
  const { createTestDatabase } = await import('../../shared/db/testing.js');
  const database = await createTestDatabase();
  // The engine runs on wall-clock time as in production (its throttles compare times); sessions
  // use the test server's clock.
  server = await startTestServer({
    exchange,
    database,
    config,
    liveEngine: { clock: { now: () => Date.now() } },
  });
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  const port = (server.app.server.address() as AddressInfo).port;

  ({ userId } = sim.control.createAccount({ balance: '1000.0000' }));
  const key = await sim.control.createApiKey({ userId });
  const login = await server.app.inject({
    method: 'POST',
    url: '/api/v1/account/authenticate',
    payload: { key_id: key.keyId, private_key: key.privateKeyPem },
  });
  expect(login.statusCode).toBe(200);
  cookie = sessionCookieFrom(login.headers['set-cookie']);
  await openStream(port);
  await vi.waitFor(() => expect(fromStream.portfolio).not.toBeNull(), POLL);
});

afterAll(async () => {
  stream?.destroy();
  await server?.close();
  await sim?.close();
});

// ---- what the exchange says -------------------------------------------------------------

interface ExpectedPosition {
  ticker: string;
  quantity: number;
  side: 'YES' | 'NO';
  exposure: number;
  realized: number;
  fees: number;
  /** Held side's mark in micros (bid mark), null without a price. */
  mark: number | null;
  unrealized: number | null;
  carrying: number;
}

function exchangeState() {
  const account = sim.control.getAccount({ userId });
  const positions: ExpectedPosition[] = [];
  let totalPnl = parseDollars(account.realizedPnl) - parseDollars(account.feesPaid);
  let marks = 0;
  for (const m of account.markets) {
    const position = parseCount(m.position);
    if (position === 0) continue;
    const top = sim.engine.topOfBook(m.ticker);
    const quantity = abs(position);
    const exposure = parseDollars(m.exposure);
    let mark: MicroDollars | null;
    if (position > 0) mark = top.bid > 0 ? top.bid : null;
    else mark = top.ask > 0 && top.ask < ONE ? subtract(ONE_DOLLAR, top.ask) : null;
    const markValue = mark === null ? null : notional(mark, quantity);
    const unrealized = markValue === null ? null : markValue - exposure;
    totalPnl += unrealized ?? 0;
    marks += markValue ?? exposure;
    positions.push({
      ticker: m.ticker,
      quantity,
      side: position > 0 ? 'YES' : 'NO',
      exposure,
      realized: parseDollars(m.realizedPnl),
      fees: parseDollars(m.feesPaid),
      mark,
      unrealized,
      carrying: markValue ?? exposure,
    });
  }
  const available = parseDollars(account.available);
  const reserved = parseDollars(account.reserved);
  return {
    positions,
    available,
    reserved,
    cash: parseDollars(account.cash),
    deposits: parseDollars(account.deposits),
    totalValue: available + reserved + marks,
    totalPnl,
    resting: account.resting.map((r) => ({ orderId: r.orderId, reserved: parseDollars(r.reserved) })),
  };
}

const dollars = (micros: number) => micros / ONE;
const cents = (micros: number) => micros / 10_000;

function positionView(p: Position) {
  return {
    ticker: p.ticker,
    side: p.side,
    quantity: p.quantity,
    market_exposure: p.market_exposure,
    realized_pnl: p.realized_pnl,
    fees_paid: p.fees_paid,
    current_price: p.current_price,
    unrealized_pnl: p.unrealized_pnl,
  };
}
function portfolioView(p: Portfolio) {
  return {
    total_value: p.total_value,
    cash_balance: p.cash_balance,
    reserved_for_orders: p.reserved_for_orders,
    positions_value: p.positions_value,
    total_pnl: p.total_pnl,
    position_count: p.position_count,
  };
}

async function checkpoint(): Promise<void> {
  await vi.waitFor(async () => {
    const expected = exchangeState();
    const wantedPositions = expected.positions
      .map((p) => ({
        ticker: p.ticker,
        side: p.side,
        quantity: p.quantity / 100,
        market_exposure: dollars(p.exposure),
        realized_pnl: dollars(p.realized),
        fees_paid: dollars(p.fees),
        current_price: p.mark === null ? null : cents(p.mark),
        unrealized_pnl: p.unrealized === null ? null : dollars(p.unrealized),
      }))
      .sort((a, b) => a.ticker.localeCompare(b.ticker));
    const wantedPortfolio = {
      total_value: dollars(expected.totalValue),
      cash_balance: dollars(expected.available),
      reserved_for_orders: dollars(expected.reserved),
      positions_value: dollars(expected.positions.reduce((sum, p) => sum + p.carrying, 0)),
      total_pnl: dollars(expected.totalPnl),
      position_count: expected.positions.length,
    };
    // The identity, on the exchange's own numbers: value - deposits = realized + unrealized - fees.
    expect(expected.totalValue - expected.deposits).toBe(expected.totalPnl);
    expect(expected.available + expected.reserved).toBe(expected.cash);

    const restPositions = positionsResponseSchema.parse(
      (await server.app.inject({ url: '/api/v1/account/positions', headers: { cookie } })).json(),
    );
    const restPortfolio = portfolioResponseSchema.parse(
      (await server.app.inject({ url: '/api/v1/account/portfolio', headers: { cookie } })).json(),
    );
    expect(restPositions.is_stale).toBe(false);
    const sortPositions = (list: Position[]) =>
      list.map(positionView).sort((a, b) => a.ticker.localeCompare(b.ticker));
    expect(sortPositions(restPositions.positions)).toEqual(wantedPositions);
    expect(portfolioView(restPortfolio)).toEqual(wantedPortfolio);
    // What the browser rebuilt from the stream is the same.
    expect(sortPositions([...fromStream.positions.values()])).toEqual(wantedPositions);
    expect(fromStream.portfolio && portfolioView(fromStream.portfolio)).toEqual(wantedPortfolio);
    expect(
      fromStream.orders.map((o) => ({ orderId: o.order_id, reserved: parseDollars(String(o.reserved)) })),
    ).toEqual(expect.arrayContaining(expected.resting));
    expect(fromStream.orders).toHaveLength(expected.resting.length);
    // The server's own P&L figure obeys the identity too (fresh account: deposits = start).
    expect(restPortfolio.total_pnl).toBe(dollars(expected.totalValue - expected.deposits));
  }, POLL);
}

// ---- the operations ---------------------------------------------------------------------

type Grid = { start: number; end: number; step: number }[];

function snap(price: number, grid: Grid): number | null {
  for (const r of grid) {
    if (price < r.start || price > r.end) continue;
    const snapped = r.start + Math.floor((price - r.start) / r.step) * r.step;
    if (snapped > 0 && snapped < ONE) return snapped;
  }
  return null;
}

describe('the live path as a property (quiet simulator, seeded random operations)', () => {
  it('REST and the SSE stream equal the exchange at every checkpoint, and the account-value identity holds', async () => {
    const random = prng(SEED);
    const pick = <T>(list: readonly T[]): T => {
      const item = list[Math.floor(random() * list.length)];
      if (item === undefined) throw new Error('empty list');
      return item;
    };
    const active = sim.engine.listMarkets().filter((m) => m.status === 'active');
    const fine = active.filter((m) => m.priceRanges.some((r) => r.step < 10_000));
    const markets = [...active.filter((m) => !fine.includes(m)).slice(0, 4), ...fine.slice(0, 2)];
    expect(markets.length).toBeGreaterThanOrEqual(4);
    const open = new Set(markets.map((m) => m.ticker));
    const log: string[] = [];
    const count = () => formatCount(centis(Math.floor(1 + random() * 499)));
    const priceNear = (ticker: string, offsetSteps: number): string | null => {
      const market = sim.engine.getMarket(ticker);
      const top = sim.engine.topOfBook(ticker);
      if (!market) return null;
      const step = market.priceRanges[0]?.step ?? 10_000;
      const base = top.bid > 0 ? top.bid : top.ask < ONE ? top.ask : 500_000;
      const price = snap(base + offsetSteps * step, market.priceRanges);
      return price === null ? null : formatDollars(micros(price));
    };

    const operations: Record<string, () => string> = {
      taker: () => {
        const ticker = pick([...open]);
        const side = random() < 0.5 ? 'bid' : 'ask';
        // Through several levels: up to 4 steps past the touch.
        const price = priceNear(
          ticker,
          side === 'bid' ? 2 + Math.floor(random() * 4) : -Math.floor(random() * 4),
        );
        if (!price) return `taker ${ticker}: no price`;
        const n = count();
        const r = sim.control.placeOrder({
          userId,
          ticker,
          side,
          price,
          count: n,
          timeInForce: 'immediate_or_cancel',
        });
        return `taker ${side} ${n} ${ticker} @${price} -> ${JSON.stringify(r).slice(0, 80)}`;
      },
      rest: () => {
        const ticker = pick([...open]);
        const side = random() < 0.5 ? 'bid' : 'ask';
        const behind = Math.floor(random() * 3); // at the touch or behind it
        const price = priceNear(ticker, side === 'bid' ? -behind : 1 + behind);
        if (!price) return `rest ${ticker}: no price`;
        const n = count();
        try {
          sim.control.placeOrder({ userId, ticker, side, price, count: n, postOnly: true });
          return `rest ${side} ${n} ${ticker} @${price}`;
        } catch (error) {
          return `rest ${side} ${ticker} @${price} refused: ${(error as Error).message}`;
        }
      },
      fillMine: () => {
        const mine = sim.control.getAccount({ userId }).resting.filter((r) => open.has(r.ticker));
        if (mine.length === 0) return 'fillMine: nothing resting';
        const order = pick(mine);
        const n = count();
        sim.control.trade({
          ticker: order.ticker,
          side: order.side === 'bid' ? 'ask' : 'bid',
          count: n,
          price: order.price,
        });
        return `another participant trades ${n} against ${order.side} @${order.price} ${order.ticker}`;
      },
      flip: () => {
        const held = sim.control
          .getAccount({ userId })
          .markets.filter((m) => open.has(m.ticker) && parseCount(m.position) !== 0);
        if (held.length === 0) return 'flip: nothing held';
        const m = pick(held);
        const position = parseCount(m.position);
        const side = position > 0 ? 'ask' : 'bid';
        const n = formatCount(centis(Math.abs(position) + Math.floor(1 + random() * 300)));
        const price = priceNear(m.ticker, side === 'bid' ? 6 : -6);
        if (!price) return `flip ${m.ticker}: no price`;
        sim.control.placeOrder({
          userId,
          ticker: m.ticker,
          side,
          price,
          count: n,
          timeInForce: 'immediate_or_cancel',
        });
        return `flip ${m.ticker} (${m.position}) with ${side} ${n} @${price}`;
      },
      move: () => {
        const ticker = pick([...open]);
        const price = priceNear(ticker, Math.floor(random() * 7) - 3);
        if (!price) return `move ${ticker}: no price`;
        if (random() < 0.5) sim.control.movePrice({ ticker, price });
        else sim.control.jumpPrice({ ticker, price });
        return `price of ${ticker} -> ${price}`;
      },
      cancel: () => {
        const mine = sim.control.getAccount({ userId }).resting;
        if (mine.length === 0) return 'cancel: nothing resting';
        const order = pick(mine);
        sim.control.cancelOrder({ userId, orderId: order.orderId });
        return `cancel ${order.orderId}`;
      },
      settle: () => {
        if (open.size <= 3) return 'settle: keep some markets';
        const ticker = pick([...open]);
        open.delete(ticker);
        sim.control.closeMarket({ ticker });
        const result = random() < 0.5 ? 'yes' : 'no';
        sim.control.settleMarket({ ticker, result });
        return `settle ${ticker} ${result}`;
      },
    };
    const weights: [string, number][] = [
      ['taker', 5],
      ['rest', 5],
      ['fillMine', 4],
      ['flip', 2],
      ['move', 3],
      ['cancel', 2],
      ['settle', 0.3],
    ];
    const totalWeight = weights.reduce((sum, [, w]) => sum + w, 0);
    try {
      await checkpoint();
      for (let i = 1; i <= OPERATIONS; i++) {
        let roll = random() * totalWeight;
        const name = weights.find(([, w]) => (roll -= w) < 0)?.[0] ?? 'taker';
        const operation = operations[name];
        if (!operation) throw new Error(`no operation ${name}`);
        log.push(`${i}: ${operation()}`);
        if (i % CHECK_EVERY === 0) await checkpoint();
      }
      await checkpoint();
    } catch (error) {
      throw new Error(
        `live-path property failed with PROPERTY_SEED=${SEED}\n${log.slice(-30).join('\n')}\n${String(error)}`,
        { cause: error },
      );
    }
    // The sequence really exercised what it claims to (a guard against a generator that drifts).
    const did = (prefix: string) => log.filter((line) => line.split(': ')[1]?.startsWith(prefix)).length;
    expect(did('settle KX')).toBeGreaterThanOrEqual(1);
    expect(did('flip KX')).toBeGreaterThanOrEqual(3);
    expect(did('another participant')).toBeGreaterThanOrEqual(10);
    expect(did('rest ')).toBeGreaterThanOrEqual(10);
    expect(did('cancel ')).toBeGreaterThanOrEqual(3);
  }, 240_000);
});
