/**
 * Scenarios: what the exchange looks like at start and how busy it is.
 *   quiet - a few dozen markets with static depth, no background activity (deterministic tests)
 *   demo  - the same listings, a funded demo account holding YES and NO positions (some
 *           fractional, one market about to close and settle), and background traders that
 *           move prices and now and then fill the demo account's resting orders; the demo
 *           account keeps placing small orders, and every 15 minutes one held event closes
 *           (and settles ~1.5 minutes later), so a long-running demo keeps moving
 *   busy  - ~1,000 markets and ~4,000 market updates (~2,000 ticker changes) per simulated second
 */
import type { EngineOptions } from '../engine/engine.js';
import type { Engine } from '../engine/engine.js';
import { centis, micros } from '@kalshi-desk/kalshi/protocol';
import { ONE_DOLLAR } from '../engine/money.js';
import type { BookSide, Market } from '../engine/types.js';

export type ScenarioName = 'demo' | 'quiet' | 'busy';
export const SCENARIOS: readonly ScenarioName[] = ['demo', 'quiet', 'busy'];

export function scenarioEngineOptions(
  name: ScenarioName,
): Pick<EngineOptions, 'catalog' | 'activity' | 'initialQuotes'> {
  switch (name) {
    case 'busy':
      return {
        catalog: { weatherCities: 12, weatherDays: 14 },
        activity: { updatesPerSecond: 4_000, tradeProbability: 0.2, stepMs: 20 },
        initialQuotes: true,
      };
    case 'demo':
      return {
        catalog: { weatherCities: 3, weatherDays: 2 },
        activity: {
          updatesPerSecond: 25,
          tradeProbability: 0.25,
          targetFillProbability: 0.02,
          targetOrderProbability: 0.01,
          targetCloseEveryMs: 15 * 60_000,
        },
        initialQuotes: true,
      };
    default:
      return { catalog: { weatherCities: 3, weatherDays: 2 }, activity: null, initialQuotes: true };
  }
}

export const DEMO_STARTING_BALANCE = micros(10_000 * ONE_DOLLAR);

function take(
  engine: Engine,
  userId: string,
  market: Market | undefined,
  side: BookSide,
  count: number,
): void {
  if (!market || market.status !== 'active') return;
  const top = engine.topOfBook(market.ticker);
  const price = side === 'bid' ? top.ask : top.bid;
  if ((side === 'bid' && top.askSize === 0) || (side === 'ask' && top.bidSize === 0)) return;
  engine.placeOrder(userId, {
    ticker: market.ticker,
    side,
    price,
    count: centis(count),
    timeInForce: 'immediate_or_cancel',
    selfTradePrevention: 'taker_at_cross',
  });
}

function restNearTop(
  engine: Engine,
  userId: string,
  market: Market | undefined,
  side: BookSide,
  count: number,
): void {
  if (!market || market.status !== 'active') return;
  const top = engine.topOfBook(market.ticker);
  // Join the best level on that side: the background taker will hit it eventually.
  const price = side === 'bid' ? top.bid : top.ask;
  if (price <= 0 || price >= ONE_DOLLAR) return;
  engine.placeOrder(userId, {
    ticker: market.ticker,
    side,
    price,
    count: centis(count),
    timeInForce: 'good_till_canceled',
    selfTradePrevention: 'taker_at_cross',
  });
}

/** Give the demo account its starting portfolio by trading against the simulated makers. */
export function seedDemoPortfolio(engine: Engine, userId: string): void {
  const markets = engine.listMarkets().filter((m) => m.status === 'active');
  const bySeries = (prefix: string): Market[] => markets.filter((m) => m.seriesTicker.startsWith(prefix));
  const weather = bySeries('KXHIGH');
  const fed = bySeries('KXFED');
  const cpi = bySeries('KXCPIYOY');
  const pres = bySeries('KXPRESPARTY');
  const sports = bySeries('KXNBAGAME');

  take(engine, userId, weather[2], 'bid', 1_000); // 10 YES
  take(engine, userId, weather[8], 'ask', 550); // 5.5 NO (fractional)
  take(engine, userId, fed[3], 'ask', 2_000); // 20 NO
  take(engine, userId, fed[1], 'bid', 725); // 7.25 YES
  take(engine, userId, cpi[3], 'bid', 1_500); // 15 YES on the deci-cent grid
  take(engine, userId, pres[1], 'ask', 1_225); // 12.25 NO
  take(engine, userId, sports[0], 'bid', 300); // 3 YES, settles soon (below)
  restNearTop(engine, userId, weather[3], 'bid', 500);
  restNearTop(engine, userId, fed[2], 'ask', 400);
  restNearTop(engine, userId, sports[2], 'bid', 250);

  // One held market closes in three minutes; it is determined 30 s later and settles 60 s after that.
  const soon = sports[0];
  const event = soon ? engine.getEvent(soon.eventTicker) : undefined;
  for (const ticker of event?.marketTickers ?? []) engine.setCloseTime(ticker, engine.now() + 3 * 60_000);
}
