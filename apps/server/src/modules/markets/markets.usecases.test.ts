/**
 * The public market reads spend the server's own Kalshi rate budget, so they are cached for a
 * few seconds and concurrent identical reads share one upstream request. Counted at the fetch
 * the REST client uses, against the real simulator; time moves on the test clock.
 */
import { getTestRsaKey } from '@kalshi-desk/kalshi/testing';
import { startSimulator, type RunningSimulator } from '@kalshi-desk/simulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestClock } from '../../shared/clock.js';
import { isAppError } from '../../shared/errors.js';
import { createExchangeFactory } from '../../shared/exchange.js';
import { MarketsUsecases } from './markets.usecases.js';

let simulator: RunningSimulator;
const clock = createTestClock();
/** Upstream requests by path (query string dropped). */
const calls = new Map<string, number>();
let markets: MarketsUsecases;
let ticker: string;
let eventTicker: string;

const countingFetch: typeof fetch = (input, init) => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  calls.set(url.pathname, (calls.get(url.pathname) ?? 0) + 1);
  return fetch(input, init);
};
const callsTo = (suffix: string) =>
  [...calls].filter(([path]) => path.endsWith(suffix)).reduce((sum, [, n]) => sum + n, 0);

beforeAll(async () => {
  simulator = await startSimulator({
    port: 0,
    seed: 4,
    scenario: 'quiet',
    demoKey: { privateKeyPem: getTestRsaKey(0).privateKeyPem },
  });
  const exchange = createExchangeFactory({
    env: 'simulator',
    restBaseUrl: simulator.restBaseUrl,
    wsUrl: simulator.wsUrl,
    fetch: countingFetch,
    maxRetries: 0,
  });
  markets = new MarketsUsecases({ exchange, clock });
  const list = await markets.list({ status: 'open', sort: 'volume', limit: 5 });
  ticker = list.markets[0]?.ticker ?? '';
  eventTicker = list.markets[0]?.event_ticker ?? '';
});

afterAll(async () => {
  await simulator?.close();
});

beforeEach(() => {
  // Past every TTL: each test starts from cold entries.
  clock.advanceBy(10 * 60_000);
  calls.clear();
});

describe('market reads are cached briefly and coalesced', () => {
  it('twenty concurrent reads of one market make one upstream request', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => markets.detail(ticker)));
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(callsTo(`/markets/${ticker}`)).toBe(1);
  });

  it('a market read again within its TTL is not fetched again; after it, it is', async () => {
    await markets.detail(ticker);
    await markets.summary(ticker);
    clock.advanceBy(4_000);
    await markets.detail(ticker);
    await markets.summary(ticker);
    expect(callsTo(`/markets/${ticker}`)).toBe(1);
    clock.advanceBy(2_000);
    await markets.summary(ticker);
    expect(callsTo(`/markets/${ticker}`)).toBe(2);
  });

  it('the order book is cached for a second, and concurrent reads share one fetch', async () => {
    await Promise.all(Array.from({ length: 10 }, () => markets.orderBook(ticker)));
    expect(callsTo(`/markets/${ticker}/orderbook`)).toBe(1);
    clock.advanceBy(999);
    await markets.orderBook(ticker);
    expect(callsTo(`/markets/${ticker}/orderbook`)).toBe(1);
    clock.advanceBy(1);
    await markets.orderBook(ticker);
    expect(callsTo(`/markets/${ticker}/orderbook`)).toBe(2);
  });

  it('an event is cached too', async () => {
    await Promise.all([markets.event(eventTicker), markets.event(eventTicker)]);
    await markets.event(eventTicker);
    expect(callsTo(`/events/${eventTicker}`)).toBe(1);
  });

  it('an unknown market is answered 404 from the cache while it is fresh', async () => {
    for (let i = 0; i < 3; i++) {
      const error = await markets.detail('NOPE-404').catch((e: unknown) => e);
      expect(isAppError(error) && error.statusCode === 404).toBe(true);
    }
    expect(callsTo('/markets/NOPE-404')).toBe(1);
  });

  it('a failure other than not-found is not kept: the next read asks again', async () => {
    simulator.control.failNext({ status: 503 });
    const error = await markets.orderBook(ticker).catch((e: unknown) => e);
    expect(isAppError(error)).toBe(true);
    const book = await markets.orderBook(ticker);
    expect(book.ticker).toBe(ticker);
    expect(callsTo(`/markets/${ticker}/orderbook`)).toBe(2);
  });

  it('holds a bounded number of entries', async () => {
    const small = new MarketsUsecases({
      exchange: createExchangeFactory({
        env: 'simulator',
        restBaseUrl: simulator.restBaseUrl,
        wsUrl: simulator.wsUrl,
        fetch: countingFetch,
        maxRetries: 0,
      }),
      clock,
      maxCacheEntries: 3,
    });
    for (let i = 0; i < 10; i++) await small.detail(`NOPE-${i}`).catch(() => undefined);
    expect(small.cachedEntries).toBeLessThanOrEqual(3);
  });
});
