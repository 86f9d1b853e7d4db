/**
 * The live engine end to end against the simulator: real REST and WebSocket, real Kalshi
 * wire formats, the position cache and fills in PGlite. The simulator's clock is manual (no
 * background trading), so every change comes from the test; reconnect and liveness timings
 * are shortened so nothing waits for seconds.
 */
import { randomUUID } from 'node:crypto';
import { KalshiRestClient } from '@kalshi-desk/kalshi';
import { formatDollars, notional, parseCount, parseDollars, type Fill } from '@kalshi-desk/kalshi/protocol';
import { ManualClock, startSimulator, type RunningSimulator } from '@kalshi-desk/simulator';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../shared/clock.js';
import type { Database } from '../../shared/db/database.js';
import { createTestDatabase } from '../../shared/db/testing.js';
import { users } from '../users/users.tables.js';
import { PositionsRepository } from '../positions/positions.repository.js';
import { InProcessEventBus, type AccountEvent } from '../stream/stream.bus.js';
import { kalshiConnector } from './exchange.feed.js';
import { LiveAccounts } from './exchange.live-accounts.js';
import { nodeScheduler, silentLogger } from './exchange.ports.js';

/** Generous: these run against real sockets on a shared machine. */
const POLL = { timeout: 10_000 };

const USER = randomUUID();
let sim: RunningSimulator;
let database: Database;
let repository: PositionsRepository;
let live: LiveAccounts;
let kalshi: KalshiRestClient;
const events: AccountEvent[] = [];

beforeAll(async () => {
  sim = await startSimulator({
    scenario: 'demo',
    seed: 11,
    clock: new ManualClock(Date.now()),
    heartbeatMs: 100,
  });
  database = await createTestDatabase();
  await database.db.insert(users).values({
    id: USER,
    exchangeUrl: sim.restBaseUrl,
    keyId: sim.demoAccount.keyId,
    createdAt: new Date(),
    lastLoginAt: new Date(),
  });
  repository = new PositionsRepository(database.db);
  const bus = new InProcessEventBus();
  bus.subscribe(USER, (envelope) => events.push(envelope.event));
  live = new LiveAccounts({
    connect: kalshiConnector({
      restBaseUrl: sim.restBaseUrl,
      wsUrl: sim.wsUrl,
      logger: silentLogger,
      ws: { livenessTimeoutMs: 400, backoff: { initialMs: 50, maxMs: 100 } },
    }),
    bus,
    repository,
    clock: systemClock,
    scheduler: nodeScheduler,
    logger: silentLogger,
    timings: { balanceDebounceMs: 10, cacheFlushMs: 10 },
  });
  const credentials = { keyId: sim.demoAccount.keyId, privateKeyPem: sim.demoAccount.privateKeyPem };
  kalshi = new KalshiRestClient({ baseUrl: sim.restBaseUrl, credentials });
  await live.ensureSession(USER, credentials);
  await vi.waitFor(async () => expect((await live.session(USER)).connection).toBe('live'), {
    timeout: 10_000,
  });
});

afterAll(async () => {
  await live?.stopAll();
  await sim?.close();
  await database?.close();
});

async function exchangePositions() {
  const response = await kalshi.getPositions({ count_filter: 'position', limit: 1000 });
  return response.market_positions.filter((p) => parseCount(p.position_fp) !== 0);
}

async function allExchangeFills(): Promise<Fill[]> {
  const fills: Fill[] = [];
  for await (const fill of kalshi.iterateFills({ limit: 1000 })) fills.push(fill);
  return fills;
}

/** The markets of our server's upstream `ticker` subscription, as the simulator sees it. */
function tickerSubscription(): string[] | null {
  const connection = sim.control.connections().find((c) => c.userId === sim.demoAccount.userId);
  const ticker = connection?.subscriptions.find((s) => s.channel === 'ticker');
  return ticker?.marketTickers ? [...ticker.marketTickers].sort() : null;
}

const statuses = (from: number) =>
  events.slice(from).flatMap((e) => (e.type === 'connection_status' ? [e.data.status] : []));

/** Buys YES (bid) or NO (ask) for the demo account at the top of the book, as a taker. */
function takeForDemo(ticker: string, side: 'bid' | 'ask', count: string): void {
  const top = sim.engine.topOfBook(ticker);
  sim.control.placeOrder({
    userId: sim.demoAccount.userId,
    ticker,
    side,
    price: formatDollars(side === 'bid' ? top.ask : top.bid),
    count,
    timeInForce: 'immediate_or_cancel',
  });
}

describe('live engine against the simulator', () => {
  it("after authenticating, positions equal the simulator's account exactly", async () => {
    const expected = await exchangePositions();
    expect(expected.length).toBeGreaterThan(3);
    const { positions, is_stale } = await live.positions(USER, 'bid');
    expect(is_stale).toBe(false);
    const mine = new Map(positions.map((p) => [p.ticker, p]));
    expect([...mine.keys()].sort()).toEqual(expected.map((p) => p.ticker).sort());
    for (const row of expected) {
      const signed = parseCount(row.position_fp);
      expect(mine.get(row.ticker)).toMatchObject({
        side: signed > 0 ? 'YES' : 'NO',
        quantity: Math.abs(signed) / 100,
        market_exposure: parseDollars(row.market_exposure_dollars) / 1e6,
        realized_pnl: parseDollars(row.realized_pnl_dollars) / 1e6,
        fees_paid: parseDollars(row.fees_paid_dollars) / 1e6,
      });
    }
    const balance = await kalshi.getBalance();
    expect((await live.portfolio(USER)).cash_balance).toBe(parseDollars(balance.balance_dollars) / 1e6);
    await expect.poll(() => tickerSubscription(), POLL).toEqual(expected.map((p) => p.ticker).sort());
  });

  it('a simulated trade reaches the stream as a position_update with the right P&L', async () => {
    const held = (await exchangePositions()).find((p) => parseCount(p.position_fp) > 0);
    if (!held) throw new Error('the demo account should hold a YES position');
    const from = events.length;
    takeForDemo(held.ticker, 'bid', '2.00');
    const after = (await exchangePositions()).find((p) => p.ticker === held.ticker);
    if (!after) throw new Error('position vanished');
    const quantity = parseCount(after.position_fp);
    const market = await kalshi.getMarket(held.ticker);
    const expectedUnrealized =
      notional(parseDollars(market.yes_bid_dollars), quantity) - parseDollars(after.market_exposure_dollars);
    await expect
      .poll(
        () =>
          events
            .slice(from)
            .some(
              (e) =>
                e.type === 'position_update' &&
                e.data.data.ticker === held.ticker &&
                e.data.data.quantity === quantity / 100 &&
                e.data.data.unrealized_pnl === expectedUnrealized / 1e6,
            ),
        POLL,
      )
      .toBe(true);
    // The fill is in the audit trail and the balance followed it.
    await expect
      .poll(async () => (await repository.listFills(USER)).length, POLL)
      .toBe((await allExchangeFills()).length);
    const balance = await kalshi.getBalance();
    await expect
      .poll(async () => (await live.portfolio(USER)).cash_balance, POLL)
      .toBe(parseDollars(balance.balance_dollars) / 1e6);
  });

  it('settlement removes the position from the stream', async () => {
    const held = (await exchangePositions())[0];
    if (!held) throw new Error('no position');
    const from = events.length;
    sim.control.settleMarket({ ticker: held.ticker, result: 'yes' });
    await expect
      .poll(
        () =>
          events.slice(from).find((e) => e.type === 'position_removed' && e.data.ticker === held.ticker)
            ?.data,
        POLL,
      )
      .toEqual({ ticker: held.ticker, reason: 'settled' });
    expect((await live.positions(USER, 'bid')).positions.map((p) => p.ticker)).not.toContain(held.ticker);
    // The ticker subscription follows the held markets exactly.
    const held2 = (await exchangePositions()).map((p) => p.ticker).sort();
    await expect.poll(() => tickerSubscription(), POLL).toEqual(held2);
  });

  it('a dropped connection reports reconnecting then live, and a fill made meanwhile is not lost', async () => {
    const from = events.length;
    const target = (await exchangePositions()).find((p) => parseCount(p.position_fp) < 0);
    if (!target) throw new Error('the demo account should hold a NO position');
    sim.control.dropConnections({ userId: sim.demoAccount.userId });
    takeForDemo(target.ticker, 'ask', '1.00');
    await expect.poll(() => statuses(from).at(-1), POLL).toBe('live');
    expect(statuses(from)).toContain('reconnecting');
    const exchangeFills = (await allExchangeFills()).map((f) => f.trade_id).sort();
    await expect
      .poll(async () => (await repository.listFills(USER)).map((f) => f.tradeId).sort(), POLL)
      .toEqual(exchangeFills);
    const expected = (await exchangePositions()).find((p) => p.ticker === target.ticker);
    const mine = (await live.positions(USER, 'bid')).positions.find((p) => p.ticker === target.ticker);
    expect(mine?.quantity).toBe(Math.abs(parseCount(expected?.position_fp ?? '0')) / 100);
  });

  it('a silent stall is detected by liveness and the session reconnects', async () => {
    const from = events.length;
    sim.control.stallChannel({ userId: sim.demoAccount.userId });
    await expect.poll(() => statuses(from), POLL).toContain('reconnecting');
    await expect.poll(() => statuses(from).at(-1), POLL).toBe('live');
    const session = await live.session(USER);
    expect(session.freshness().is_stale).toBe(false);
  });
});
