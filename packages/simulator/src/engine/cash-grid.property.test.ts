/**
 * Property tests for the cash grid and the reservation of resting orders, over random command
 * sequences in four kinds of market (cent grid, cent grid with maker fees, deci-cent grid,
 * tapered deci-cent grid) with fractional counts, expirations, pauses (reactivation cancels),
 * closes and yes / no / scalar settlements.
 *
 * After every command, for every account:
 * - cash is a whole number of $0.0001, and `balance_dollars` parses back to exactly
 *   cash - ceil_0.0001(sum of the resting orders' exact reservations);
 * - `account.reserved` and each order's reservation equal the rule recomputed here from scratch
 *   (independently of the engine: from the account's order list, not from the book);
 * - the orders resting in the books are exactly the account's orders with status resting;
 * - the accounting invariants hold to the micro-dollar.
 * After each sequence: each fill's fee_cost is its trade fee plus a rounding fee below $0.0001
 * and each order's fee totals add up its fills; a settlement credits every payout floored to
 * $0.0001 and realizes exactly what it credited. The fast-check seed is in the test name.
 */
import { centis, micros, parseDollars } from '@kalshi-desk/kalshi/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { balanceJson } from '../server/wire.js';
import { ManualClock } from './clock.js';
import { Engine } from './engine.js';
import { tradeFee } from './money.js';
import type { Account, BookSide, Market, Order, TimeInForce } from './types.js';

const SEED = 20_261_124;
const START = Date.UTC(2026, 10, 24, 12, 0, 0);
const D = 1_000_000;

/** Prices where the traders meet, per market kind (sub-cent ones leave cash off the grid before rounding). */
const HOT: Record<string, number[]> = {
  linear: [480_000, 490_000, 500_000, 510_000, 520_000],
  fed: [480_000, 490_000, 500_000, 510_000, 520_000],
  deci: [497_000, 498_000, 499_000, 500_000, 501_000, 502_000, 503_000],
  tapered: [3_000, 4_000, 5_000, 6_000, 7_000, 8_000, 9_000],
};
const KINDS = ['linear', 'fed', 'deci', 'tapered'] as const;

type Command =
  | {
      kind: 'place';
      trader: number;
      market: number;
      side: BookSide;
      price: number;
      count: number;
      tif: TimeInForce;
      postOnly: boolean;
      reduceOnly: boolean;
      expiresInMs: number | null;
    }
  | { kind: 'cancel'; trader: number; pick: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'pause-cycle'; market: number };

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('place' as const),
      trader: fc.integer({ min: 0, max: 2 }),
      market: fc.integer({ min: 0, max: 3 }),
      side: fc.constantFrom<BookSide>('bid', 'ask'),
      price: fc.nat({ max: 6 }),
      count: fc.oneof(fc.integer({ min: 1, max: 99 }), fc.integer({ min: 1, max: 3_000 })),
      tif: fc.constantFrom<TimeInForce>(
        'good_till_canceled',
        'good_till_canceled',
        'immediate_or_cancel',
        'fill_or_kill',
      ),
      postOnly: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
      reduceOnly: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
      expiresInMs: fc.option(fc.integer({ min: 1_000, max: 20_000 }), { freq: 3 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('cancel' as const),
      trader: fc.integer({ min: 0, max: 2 }),
      pick: fc.nat(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 15_000 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('pause-cycle' as const),
      market: fc.integer({ min: 0, max: 3 }),
    }),
  },
);

const endingArb = fc.record({
  market: fc.integer({ min: 0, max: 3 }),
  result: fc.constantFrom<'yes' | 'no' | 'scalar' | null>('yes', 'no', 'scalar', null),
  /** Scalar value in $0.0001 steps. */
  value: fc.integer({ min: 0, max: 10_000 }),
  closeAnother: fc.boolean(),
});

function pickMarkets(engine: Engine): Market[] {
  const find = (predicate: (m: Market) => boolean): Market => {
    const market = engine.listMarkets().find((m) => m.status === 'active' && predicate(m));
    if (!market) throw new Error('no market');
    return market;
  };
  return [
    find((m) => m.priceLevelStructure === 'linear_cent' && m.seriesTicker.startsWith('KXHIGH')),
    find((m) => m.seriesTicker === 'KXFED'),
    find((m) => m.priceLevelStructure === 'deci_cent'),
    find((m) => m.priceLevelStructure === 'tapered_deci_cent'),
  ];
}

const byPriority = (side: BookSide) => (a: Order, b: Order) => {
  if (a.price !== b.price) return side === 'bid' ? b.price - a.price : a.price - b.price;
  if (a.createdMs !== b.createdMs) return a.createdMs - b.createdMs;
  return a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0;
};

/** The reservation rule, from scratch: per market and side, in priority, close what is held first, reserve the rest. */
function expectedReservations(account: Account): { total: number; byOrder: Map<string, number> } {
  const byOrder = new Map<string, number>();
  let total = 0;
  if (account.isHouse) return { total, byOrder };
  const resting = account.orders.filter((o) => o.status === 'resting');
  const tickers = new Set(resting.map((o) => o.ticker));
  for (const ticker of tickers) {
    const held: number = account.positions.get(ticker)?.position ?? 0;
    for (const side of ['bid', 'ask'] as const) {
      let closable = side === 'bid' ? Math.max(0, -held) : Math.max(0, held);
      const orders = resting.filter((o) => o.ticker === ticker && o.side === side).sort(byPriority(side));
      for (const o of orders) {
        const closing = Math.min(closable, o.remaining);
        closable -= closing;
        const sidePrice = side === 'bid' ? o.price : D - o.price;
        const product = sidePrice * (o.remaining - closing);
        // Every grid price is a multiple of $0.001, so the notional is a whole micro-dollar.
        expect(product % 100).toBe(0);
        byOrder.set(o.orderId, product / 100);
        total += product / 100;
      }
    }
  }
  return { total, byOrder };
}

const ceil100 = (v: number): number => Math.ceil(v / 100) * 100;

interface Stats {
  roundingFees: number;
  offGridFills: number;
  scalarRounding: number;
  fills: number;
  scalarSettlements: number;
  outcomes: Record<string, number>;
}

/** Checked after every command. Mismatches are collected and compared once (expect is slow in a hot loop). */
function checkEverything(engine: Engine, markets: Market[], traders: Account[]): void {
  const problems: string[] = [];
  let cash = 0;
  let fees = 0;
  let deposits = 0;
  for (const account of engine.listAccounts()) {
    const who = account.isHouse ? 'house' : account.userId.slice(0, 8);
    if (account.cash % 100 !== 0) problems.push(`${who}: cash ${account.cash} is off the $0.0001 grid`);
    const reservedOnGrid = ceil100(account.reserved);
    const balance = balanceJson(engine, account);
    const shown = parseDollars(balance.balance_dollars);
    if (shown !== account.cash - reservedOnGrid)
      problems.push(`${who}: balance_dollars ${String(balance.balance_dollars)} != cash - reserved`);
    if (engine.availableCash(account) !== account.cash - reservedOnGrid)
      problems.push(`${who}: availableCash ${engine.availableCash(account)}`);

    const expected = expectedReservations(account);
    if (account.reserved !== expected.total)
      problems.push(`${who}: reserved ${account.reserved}, the rule gives ${expected.total}`);
    for (const o of account.orders) {
      const want = o.status === 'resting' ? expected.byOrder.get(o.orderId) : 0;
      if (o.reserved !== want)
        problems.push(`${who}: order ${o.orderId} reserves ${o.reserved}, want ${want}`);
    }

    let exposure = 0;
    for (const p of account.positions.values()) exposure += p.exposure;
    if (account.cash + exposure - account.realizedTotal + account.feesTotal !== account.deposits)
      problems.push(`${who}: cash + exposure - realized + fees != deposits`);
    cash += account.cash;
    fees += account.feesTotal;
    deposits += account.deposits;
  }
  if (cash + fees + engine.openInterestTotal() * 10_000 !== deposits)
    problems.push('overall: cash + fees + open interest x $1 != deposits');

  for (const trader of traders) {
    const inBooks: string[] = [];
    for (const m of markets) {
      const book = engine.getBook(m.ticker);
      for (const side of ['bid', 'ask'] as const)
        for (const level of book?.half(side).bestFirst() ?? [])
          for (const o of level.orders) if (o.userId === trader.userId) inBooks.push(o.orderId);
    }
    const resting = trader.orders.filter((o) => o.status === 'resting').map((o) => o.orderId);
    if ([...resting].sort().join() !== [...inBooks].sort().join())
      problems.push(`${trader.userId.slice(0, 8)}: resting orders and book differ`);
    for (const o of trader.orders)
      if ((o.status === 'resting') !== o.remaining > 0)
        problems.push(
          `${trader.userId.slice(0, 8)}: order ${o.orderId} ${o.status} with ${o.remaining} left`,
        );
  }
  expect(problems).toEqual([]);
}

/** Each fill's fee_cost = its trade fee + a rounding fee below $0.0001; order fee totals add up their fills. */
function checkFills(engine: Engine, traders: Account[], stats: Stats): void {
  const problems: string[] = [];
  for (const trader of traders) {
    const feesByOrder = new Map<string, number>();
    for (const f of trader.fills) {
      stats.fills += 1;
      const market = engine.getMarket(f.ticker);
      const series = market ? engine.getSeries(market.seriesTicker) : undefined;
      const charged = f.isTaker || series?.feeType === 'quadratic_with_maker_fees';
      const trade = charged ? tradeFee({ price: f.yesPrice, count: f.count, isTaker: f.isTaker }) : 0;
      const rounding = f.fee - trade;
      if (rounding < 0 || rounding >= 100) problems.push(`fill ${f.tradeId}: rounding fee ${rounding}`);
      if (rounding > 0) stats.roundingFees += 1;
      if (((f.yesPrice * f.count) / 100) % 100 !== 0) stats.offGridFills += 1;
      feesByOrder.set(f.orderId, (feesByOrder.get(f.orderId) ?? 0) + f.fee);
    }
    for (const o of trader.orders)
      if (o.takerFees + o.makerFees !== (feesByOrder.get(o.orderId) ?? 0))
        problems.push(`order ${o.orderId}: fee totals do not add up its fills`);
  }
  expect(problems).toEqual([]);
}

describe('cash grid and reservations', () => {
  const stats: Stats = {
    roundingFees: 0,
    offGridFills: 0,
    scalarRounding: 0,

    fills: 0,
    scalarSettlements: 0,
    outcomes: {},
  };

  it(`keeps every balance on the $0.0001 grid and every reservation equal to the rule (fast-check seed ${SEED})`, () => {
    fc.assert(
      fc.property(
        fc.array(commandArb, { minLength: 10, maxLength: 80, size: 'max' }),
        endingArb,
        (commands, ending) => {
          const clock = new ManualClock(START);
          const engine = new Engine({ seed: 5, clock, initialQuotes: false });
          const markets = pickMarkets(engine);
          const traders = [0, 1, 2].map(() => engine.createAccount({ cash: micros(25 * D) }));
          for (const c of commands) {
            if (c.kind === 'place') {
              const trader = traders[c.trader];
              const market = markets[c.market];
              const hot = HOT[KINDS[c.market] ?? 'linear'] ?? [];
              const price = hot[c.price % hot.length];
              if (!trader || !market || price === undefined) continue;
              const placed = engine.placeOrder(trader.userId, {
                ticker: market.ticker,
                side: c.side,
                price: micros(price),
                count: centis(c.count),
                timeInForce: c.tif,
                selfTradePrevention: c.count % 2 === 0 ? 'taker_at_cross' : 'maker',
                postOnly: c.postOnly,
                reduceOnly: c.reduceOnly,
                expirationMs:
                  c.expiresInMs !== null && c.tif === 'good_till_canceled'
                    ? clock.now() + c.expiresInMs
                    : null,
              });
              const why = placed.ok ? 'ok' : placed.error.code;
              stats.outcomes[why] = (stats.outcomes[why] ?? 0) + 1;
            } else if (c.kind === 'cancel') {
              const trader = traders[c.trader];
              const resting = trader?.orders.filter((o) => o.status === 'resting') ?? [];
              const order = resting[c.pick % Math.max(1, resting.length)];
              if (trader && order) expect(engine.cancelOrder(trader.userId, order.orderId).ok).toBe(true);
            } else if (c.kind === 'advance') {
              clock.advance(c.ms);
              engine.tick();
            } else {
              // Pause (orders keep resting), then reactivate (Kalshi cancels every resting order;
              // the house maker re-quotes).
              const market = markets[c.market];
              if (market && market.status === 'active') {
                engine.pauseMarket(market.ticker, true);
                checkEverything(engine, markets, traders);
                engine.pauseMarket(market.ticker, false);
              }
            }
            checkEverything(engine, markets, traders);
          }

          checkFills(engine, traders, stats);

          if (ending.closeAnother) {
            const other = markets[(ending.market + 1) % markets.length];
            if (other) engine.closeMarket(other.ticker);
            checkEverything(engine, markets, traders);
          }
          const market = markets[ending.market];
          if (ending.result && market) {
            const payouts = new Map<string, number>();
            const value = ending.result === 'scalar' ? ending.value * 100 : ending.result === 'yes' ? D : 0;
            for (const a of engine.listAccounts()) {
              const held: number = a.positions.get(market.ticker)?.position ?? 0;
              // Exact payout: YES contracts get the value, NO contracts $1 minus it.
              payouts.set(a.userId, (Math.max(0, held) * value + Math.max(0, -held) * (D - value)) / 100);
            }
            const roundingBefore = engine.settlementRoundingTotal();
            const realizedBefore = new Map(engine.listAccounts().map((a) => [a.userId, a.realizedTotal]));
            const exposureBefore = new Map(
              engine.listAccounts().map((a) => [a.userId, a.positions.get(market.ticker)?.exposure ?? 0]),
            );
            const cashBefore = new Map(engine.listAccounts().map((a) => [a.userId, a.cash]));
            const settled = engine.settleMarket(
              market.ticker,
              ending.result,
              ending.result === 'scalar' ? micros(value) : undefined,
            );
            expect(settled.ok).toBe(true);
            // The exchange keeps what flooring took off, credited to the house maker as realized income.
            const kept = engine.settlementRoundingTotal() - roundingBefore;
            let floored = 0;
            for (const a of engine.listAccounts()) {
              const payout = payouts.get(a.userId) ?? 0;
              const paid = Math.floor(payout / 100) * 100;
              floored += payout - paid;
              const credited = a.cash - (cashBefore.get(a.userId) ?? 0);
              expect(credited).toBe(paid + (a.userId === engine.houseMakerId ? kept : 0));
              expect(a.realizedTotal - (realizedBefore.get(a.userId) ?? 0)).toBe(
                credited - (exposureBefore.get(a.userId) ?? 0),
              );
              expect(a.positions.has(market.ticker)).toBe(false);
              const row = a.settlements.find((s) => s.ticker === market.ticker);
              if (row) {
                expect(row.revenue).toBe(paid);
                expect(row.revenueCents).toBe(Math.floor(paid / 10_000));
              }
            }
            expect(kept).toBe(floored);
            expect(market.openInterest).toBe(0);
            stats.scalarRounding += floored;
            if (ending.result === 'scalar' && [...payouts.values()].some((p) => p > 0))
              stats.scalarSettlements += 1;
            checkEverything(engine, markets, traders);
          }
        },
      ),
      { numRuns: 200, seed: SEED },
    );
  });

  it('the random sequences did exercise fills, rounding fees, the balance check and settlement rounding', () => {
    expect(stats.fills).toBeGreaterThan(500);
    expect(stats.roundingFees).toBeGreaterThan(0);
    expect(stats.offGridFills).toBeGreaterThan(0);
    expect(stats.scalarSettlements).toBeGreaterThan(0);
    expect(stats.scalarRounding).toBeGreaterThan(0);
    expect(stats.outcomes.insufficient_balance ?? 0).toBeGreaterThan(0);
  });
});
