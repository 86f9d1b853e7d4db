import { centis, micros } from '@kalshi-desk/kalshi/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import { Engine } from './engine.js';
import type { BookSide, TimeInForce } from './types.js';

const START = Date.UTC(2026, 10, 24, 12, 0, 0);
const D = 1_000_000;

const commandArb = fc.record({
  trader: fc.integer({ min: 0, max: 2 }),
  side: fc.constantFrom<BookSide>('bid', 'ask'),
  cents: fc.integer({ min: 1, max: 99 }),
  count: fc.integer({ min: 1, max: 2_000 }),
  tif: fc.constantFrom<TimeInForce>('good_till_canceled', 'immediate_or_cancel', 'fill_or_kill'),
  cancel: fc.boolean(),
});

describe('accounting', () => {
  it('keeps cash + exposure - realized + fees = deposits per account, and cash + fees + open interest = deposits overall, to the micro-dollar', () => {
    fc.assert(
      fc.property(
        fc.array(commandArb, { minLength: 1, maxLength: 60 }),
        fc.constantFrom<'yes' | 'no' | null>('yes', 'no', null),
        (commands, result) => {
          const engine = new Engine({ seed: 3, clock: new ManualClock(START), initialQuotes: false });
          const market = engine
            .listMarkets()
            .find((m) => m.status === 'active' && m.priceLevelStructure === 'linear_cent');
          if (!market) throw new Error('no market');
          const traders = [0, 1, 2].map(() => engine.createAccount({ cash: micros(10_000 * D) }));
          for (const c of commands) {
            const trader = traders[c.trader];
            if (!trader) continue;
            const placed = engine.placeOrder(trader.userId, {
              ticker: market.ticker,
              side: c.side,
              price: micros(c.cents * 10_000),
              count: centis(c.count),
              timeInForce: c.tif,
              selfTradePrevention: 'taker_at_cross',
            });
            if (c.cancel && placed.ok && placed.value.order.status === 'resting')
              engine.cancelOrder(trader.userId, placed.value.order.orderId);
          }
          if (result) engine.settleMarket(market.ticker, result);
          let cash = 0;
          let fees = 0;
          let deposits = 0;
          let net = 0;
          for (const t of traders) {
            let exposure = 0;
            for (const p of t.positions.values()) {
              exposure += p.exposure;
              net += p.position;
              expect(p.exposure).toBeGreaterThanOrEqual(0);
            }
            expect(t.cash + exposure - t.realizedTotal + t.feesTotal).toBe(t.deposits);
            const reserved = t.orders
              .filter((o) => o.status === 'resting')
              .reduce((s, o) => s + o.reserved, 0);
            expect(t.reserved).toBe(reserved);
            cash += t.cash;
            fees += t.feesTotal;
            deposits += t.deposits;
          }
          expect(net).toBe(0);
          expect(cash + fees + engine.openInterestTotal() * 10_000).toBe(deposits);
          if (result) expect(engine.openInterestTotal()).toBe(0);
        },
      ),
      { numRuns: 150, seed: 42 },
    );
  });
});
