import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestClock } from '../../shared/clock.js';
import type { Database } from '../../shared/db/database.js';
import { createTestDatabase } from '../../shared/db/testing.js';
import { users } from '../users/users.tables.js';
import { PositionsRepository } from '../positions/positions.repository.js';
import { kalshiMarket, kalshiPosition } from '../positions/testing/kalshi-fixtures.js';
import { InProcessEventBus } from '../stream/stream.bus.js';
import { LiveAccounts } from './exchange.live-accounts.js';
import { silentLogger, type ExchangeConnector, type ExchangeRest } from './exchange.ports.js';
import { FakeFeed, FakeRest, ManualScheduler } from './testing/fake-exchange.js';

const USER = '00000000-0000-4000-8000-0000000000c1';
const CREDENTIALS = { keyId: 'key-1', privateKeyPem: 'unused' };
const clock = createTestClock();
let database: Database;

beforeAll(async () => {
  database = await createTestDatabase();
  await database.db
    .insert(users)
    .values({ id: USER, exchangeUrl: 'sim', keyId: 'key-1', createdAt: new Date(), lastLoginAt: new Date() });
});
afterAll(async () => {
  await database.close();
});

function exchange(): FakeRest {
  const rest = new FakeRest();
  rest.balanceDollars = '25.0000';
  rest.positions = [kalshiPosition('KXA-1', '4.00', '2.000000')];
  rest.markets.set('KXA-1', kalshiMarket({ ticker: 'KXA-1', yes_bid_dollars: '0.6000' }));
  return rest;
}

function liveAccounts(connect: ExchangeConnector, scheduler = new ManualScheduler()): LiveAccounts {
  return new LiveAccounts({
    connect,
    bus: new InProcessEventBus(),
    repository: new PositionsRepository(database.db),
    clock,
    scheduler,
    logger: silentLogger,
    loadCredentials: () => Promise.resolve(CREDENTIALS),
    timings: { cacheFlushMs: 0 },
  });
}

describe('LiveAccounts', () => {
  it('keeps one upstream session per account however many sessions join it', async () => {
    let connections = 0;
    const rest = exchange();
    const live = liveAccounts(() => {
      connections += 1;
      return { rest: rest.asPort(), feed: new FakeFeed() };
    });
    await Promise.all([live.ensureSession(USER, CREDENTIALS), live.ensureSession(USER, CREDENTIALS)]);
    await live.ensureSession(USER, CREDENTIALS);
    expect(connections).toBe(1);
    expect(live.sessionCount).toBe(1);
    await live.stopAll();
  });

  it('a restarted server serves the cached positions at once, stale, while the exchange does not answer', async () => {
    const first = liveAccounts(() => ({ rest: exchange().asPort(), feed: new FakeFeed() }));
    await first.ensureSession(USER, CREDENTIALS);
    await (await first.session(USER)).settled();
    await first.stopAll();

    const hanging = new Promise<never>(() => undefined);
    // Every call the session can make waits forever: the exchange does not answer.
    const never = () => ({
      [Symbol.asyncIterator]: () => ({ next: () => hanging }),
    });
    const silentRest: ExchangeRest = {
      getBalance: () => hanging,
      getMarkets: () => hanging,
      iteratePositions: never,
      iterateOrders: never,
      iterateFills: never,
    } as unknown as ExchangeRest;
    const restarted = liveAccounts(() => ({ rest: silentRest, feed: new FakeFeed() }));
    const served = await restarted.positions(USER, 'bid');
    expect(served).toMatchObject({ connection: 'connecting', is_stale: true });
    expect(served.as_of).not.toBeNull();
    expect(served.positions.map((p) => [p.ticker, p.quantity, p.current_price])).toEqual([['KXA-1', 4, 60]]);
    expect((await restarted.portfolio(USER)).cash_balance).toBe(25);
    await restarted.stopAll();
  });

  it('stopping the session forgets the cached state and closes the streams', async () => {
    const live = liveAccounts(() => ({ rest: exchange().asPort(), feed: new FakeFeed() }));
    await live.ensureSession(USER, CREDENTIALS);
    await live.stopSession(USER);
    expect(live.isRunning(USER)).toBe(false);
    expect((await new PositionsRepository(database.db).loadPositions(USER)).positions).toEqual([]);
  });

  it('stores an equity point every minute while live, and none while the feed is down', async () => {
    const scheduler = new ManualScheduler();
    const feed = new FakeFeed();
    const live = liveAccounts(() => ({ rest: exchange().asPort(), feed }), scheduler);
    const from = clock.now();
    await live.ensureSession(USER, CREDENTIALS);
    feed.setState('live', 'subscribed');
    const session = await live.session(USER);
    await session.settled();
    const count = async () => (await live.equityCurve({ userId: USER, from, to: from + 86_400_000 })).length;
    const first = await count();
    expect(first).toBeGreaterThanOrEqual(1);
    clock.advanceBy(60_000);
    scheduler.advanceBy(60_000);
    await session.settled();
    expect(await count()).toBe(first + 1);
    feed.setState('backoff', 'connection lost');
    clock.advanceBy(60_000);
    scheduler.advanceBy(60_000);
    await session.settled();
    expect(await count()).toBe(first + 1);
    await live.stopAll();
  });
});
