import { centis, micros } from '@kalshi-desk/kalshi/protocol';
import { describe, expect, it } from 'vitest';
import { fillJson, orderJson } from '../server/wire.js';
import { ManualClock } from './clock.js';
import { Engine } from './engine.js';

const START = Date.UTC(2026, 10, 24, 12, 0, 0);

function run(seed: number): string {
  const clock = new ManualClock(START);
  const engine = new Engine({ seed, clock, activity: { updatesPerSecond: 200, tradeProbability: 0.3 } });
  const trader = engine.createAccount({ cash: micros(10_000_000_000) });
  const markets = engine.listMarkets().filter((m) => m.status === 'active');
  for (let i = 0; i < 40; i += 1) {
    clock.advance(250);
    engine.tick();
    const market = markets[i % markets.length];
    if (!market) continue;
    const top = engine.topOfBook(market.ticker);
    engine.placeOrder(trader.userId, {
      ticker: market.ticker,
      side: i % 2 === 0 ? 'bid' : 'ask',
      price: i % 2 === 0 ? top.ask : top.bid,
      count: centis(150 + i),
      timeInForce: i % 3 === 0 ? 'good_till_canceled' : 'immediate_or_cancel',
      selfTradePrevention: 'taker_at_cross',
      clientOrderId: `c-${i}`,
    });
  }
  clock.advance(5_000);
  engine.tick();
  return JSON.stringify({
    fills: trader.fills.map(fillJson),
    orders: trader.orders.map(orderJson),
    trades: engine.listTrades().length,
  });
}

describe('determinism', () => {
  it('the same seed and the same commands give byte-identical fills and orders', () => {
    const a = run(11);
    const b = run(11);
    expect(a).toBe(b);
    expect(JSON.parse(a).fills.length).toBeGreaterThan(5);
    expect(run(12)).not.toBe(a);
  });
});
