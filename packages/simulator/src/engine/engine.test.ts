import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import { Engine } from './engine.js';
import { centis, micros, parseDollars } from '@kalshi-desk/kalshi/protocol';
import { balanceJson } from '../server/wire.js';
import { roundingFee, tradeFee } from './money.js';
import type { Account, CreateOrderInput, Market } from './types.js';

const START = Date.UTC(2026, 10, 24, 12, 0, 0);
const D = 1_000_000; // one dollar in micro-dollars

function setup(): { engine: Engine; clock: ManualClock; market: Market; alice: Account; bob: Account } {
  const clock = new ManualClock(START);
  const engine = new Engine({ seed: 7, clock, initialQuotes: false });
  const market = engine
    .listMarkets()
    .find(
      (m) =>
        m.status === 'active' &&
        m.priceLevelStructure === 'linear_cent' &&
        m.seriesTicker.startsWith('KXHIGH'),
    );
  if (!market) throw new Error('no market');
  const alice = engine.createAccount({ cash: micros(1_000 * D) });
  const bob = engine.createAccount({ cash: micros(1_000 * D) });
  return { engine, clock, market, alice, bob };
}

/** An order input; `price` in micro-dollars and `count` in centi-contracts as plain literals. */
function order(
  market: Market,
  over: Omit<Partial<CreateOrderInput>, 'price' | 'count'> & { price?: number; count?: number },
): CreateOrderInput {
  const { price = 500_000, count = 100, ...rest } = over;
  return {
    ticker: market.ticker,
    side: 'bid',
    timeInForce: 'good_till_canceled',
    selfTradePrevention: 'taker_at_cross',
    ...rest,
    price: micros(price),
    count: centis(count),
  };
}

function place(engine: Engine, userId: string, input: CreateOrderInput) {
  const result = engine.placeOrder(userId, input);
  if (!result.ok) throw new Error(`order rejected: ${result.error.code}`);
  return result.value;
}

describe('ids', () => {
  it('draws RFC 4122 version-4 UUIDs from the seed', () => {
    const { engine } = setup();
    const account = engine.createAccount();
    expect(account.userId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('fees', () => {
  it('charges the recorded taker fee: 1 contract at 0.52 costs 0.0175 and at 0.99 costs 0.0007', () => {
    expect(tradeFee({ price: micros(520_000), count: centis(100), isTaker: true })).toBe(17_500);
    expect(tradeFee({ price: micros(990_000), count: centis(100), isTaker: true })).toBe(700);
  });

  it('rounds fractional-contract fees up to $0.0001 and charges makers a quarter of the rate', () => {
    // 0.07 * 0.01 * 0.5 * 0.5 = 0.000175 -> 0.0002
    expect(tradeFee({ price: micros(500_000), count: centis(1), isTaker: true })).toBe(200);
    // 0.0175 * 100 * 0.25 = 0.4375 -> 0.4375 exactly
    expect(tradeFee({ price: micros(500_000), count: centis(10_000), isTaker: false })).toBe(437_500);
  });
});

describe('matching', () => {
  it('fills a taker at the resting price with price-time priority', () => {
    const { engine, market, alice, bob } = setup();
    const carol = engine.createAccount({ cash: micros(100 * D) });
    const first = place(engine, bob.userId, order(market, { side: 'ask', price: 520_000, count: 100 }));
    place(engine, carol.userId, order(market, { side: 'ask', price: 520_000, count: 100 }));
    const taker = place(
      engine,
      alice.userId,
      order(market, { side: 'bid', price: 990_000, count: 100, timeInForce: 'immediate_or_cancel' }),
    );
    expect(taker.fillCount).toBe(100);
    expect(taker.averageFillPrice).toBe(520_000);
    expect(taker.averageFeePaid).toBe(17_500);
    expect(taker.order.status).toBe('executed');
    expect(first.order.status).toBe('executed');
    expect(engine.getAccount(carol.userId)?.orders[0]?.status).toBe('resting');
    const pos = alice.positions.get(market.ticker);
    expect(pos?.position).toBe(100);
    expect(pos?.exposure).toBe(520_000);
    expect(alice.cash).toBe(1_000 * D - 520_000 - 17_500);
  });

  it('rests the unfilled part of a good-till-canceled order and cancels the rest of an IOC', () => {
    const { engine, market, alice, bob } = setup();
    place(engine, bob.userId, order(market, { side: 'ask', price: 600_000, count: 150 }));
    const gtc = place(engine, alice.userId, order(market, { side: 'bid', price: 600_000, count: 400 }));
    expect(gtc.fillCount).toBe(150);
    expect(gtc.remainingCount).toBe(250);
    expect(engine.topOfBook(market.ticker).bid).toBe(600_000);
    const ioc = place(
      engine,
      bob.userId,
      order(market, { side: 'ask', price: 610_000, count: 100, timeInForce: 'immediate_or_cancel' }),
    );
    expect(ioc.fillCount).toBe(0);
    expect(ioc.order.status).toBe('canceled');
  });

  it('rejects off-grid prices, accepts sub-cent prices on a deci-cent market', () => {
    const { engine, market, alice } = setup();
    const offGrid = engine.placeOrder(alice.userId, order(market, { price: 505_000 }));
    expect(offGrid).toEqual({ ok: false, error: { code: 'invalid_price' } });
    const deci = engine.listMarkets().find((m) => m.priceLevelStructure === 'tapered_deci_cent');
    if (!deci) throw new Error('no deci-cent market');
    expect(engine.placeOrder(alice.userId, order(deci, { price: 23_000 })).ok).toBe(true);
    expect(engine.placeOrder(alice.userId, order(deci, { price: 505_000 })).ok).toBe(false);
    expect(engine.placeOrder(alice.userId, order(deci, { price: 950_000 })).ok).toBe(true);
  });

  it('rejects a post-only order that would cross with invalid_order "post only cross"', () => {
    const { engine, market, alice, bob } = setup();
    place(engine, bob.userId, order(market, { side: 'ask', price: 520_000 }));
    expect(engine.placeOrder(alice.userId, order(market, { price: 520_000, postOnly: true }))).toEqual({
      ok: false,
      error: { code: 'invalid_order', details: 'post only cross' },
    });
  });

  it('refuses a reused client_order_id, also after the first order was canceled', () => {
    const { engine, market, alice } = setup();
    const first = place(engine, alice.userId, order(market, { price: 10_000, clientOrderId: 'abc' }));
    expect(engine.placeOrder(alice.userId, order(market, { price: 10_000, clientOrderId: 'abc' }))).toEqual({
      ok: false,
      error: { code: 'order_already_exists' },
    });
    expect(engine.cancelOrder(alice.userId, first.order.orderId).ok).toBe(true);
    expect(engine.cancelOrder(alice.userId, first.order.orderId)).toEqual({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(engine.placeOrder(alice.userId, order(market, { price: 10_000, clientOrderId: 'abc' })).ok).toBe(
      false,
    );
  });

  it('self-trade prevention taker_at_cross cancels the taker: fill 0, remaining 0, resting order kept', () => {
    const { engine, market, alice } = setup();
    const resting = place(engine, alice.userId, order(market, { side: 'ask', price: 480_000 }));
    const cross = place(engine, alice.userId, order(market, { side: 'bid', price: 520_000 }));
    expect(cross.fillCount).toBe(0);
    expect(cross.remainingCount).toBe(0);
    expect(cross.order.status).toBe('canceled');
    expect(resting.order.status).toBe('resting');
  });

  it('rejects an absurdly large count with invalid_order_size instead of throwing', () => {
    const { engine, market, alice } = setup();
    expect(engine.placeOrder(alice.userId, order(market, { count: 9_000_000_000_000_000 }))).toEqual({
      ok: false,
      error: { code: 'invalid_order_size' },
    });
  });

  it('rejects an order the balance cannot pay for with insufficient_balance', () => {
    const { engine, market } = setup();
    const poor = engine.createAccount({ cash: micros(1 * D) });
    expect(engine.placeOrder(poor.userId, order(market, { price: 500_000, count: 300 }))).toEqual({
      ok: false,
      error: { code: 'insufficient_balance' },
    });
  });

  it('fill-or-kill without enough liquidity fills nothing', () => {
    const { engine, market, alice, bob } = setup();
    place(engine, bob.userId, order(market, { side: 'ask', price: 500_000, count: 100 }));
    const fok = place(
      engine,
      alice.userId,
      order(market, { price: 500_000, count: 200, timeInForce: 'fill_or_kill' }),
    );
    expect(fok.fillCount).toBe(0);
    expect(fok.order.status).toBe('canceled');
  });
});

describe('fill-or-kill and self-trade prevention', () => {
  it('fill-or-kill fills nothing when taker_at_cross would stop it at its own resting order', () => {
    const { engine, market, alice, bob } = setup();
    place(engine, bob.userId, order(market, { side: 'ask', price: 400_000, count: 100 }));
    place(engine, alice.userId, order(market, { side: 'ask', price: 450_000, count: 100 }));
    place(engine, bob.userId, order(market, { side: 'ask', price: 500_000, count: 100 }));
    const fok = place(
      engine,
      alice.userId,
      order(market, { price: 500_000, count: 200, timeInForce: 'fill_or_kill' }),
    );
    expect(fok.fillCount).toBe(0);
    expect(fok.order.status).toBe('canceled');
    expect(alice.positions.get(market.ticker)?.position ?? 0).toBe(0);
  });
});

describe('pause', () => {
  it('reactivating a paused market cancels every resting order, as Kalshi does', () => {
    const { engine, market, alice } = setup();
    const resting = place(engine, alice.userId, order(market, { price: 100_000 }));
    expect(alice.reserved).toBe(100_000);
    expect(engine.pauseMarket(market.ticker, true).ok).toBe(true);
    expect(engine.placeOrder(alice.userId, order(market, { price: 100_000 }))).toMatchObject({
      ok: false,
      error: { code: 'market_inactive' },
    });
    expect(resting.order.status).toBe('resting');
    expect(engine.pauseMarket(market.ticker, false).ok).toBe(true);
    expect(market.status).toBe('active');
    expect(resting.order.status).toBe('canceled');
    expect(alice.reserved).toBe(0);
  });
});

describe('order options', () => {
  it('caps a reduce-only order at the position and refuses one that would grow it', () => {
    const { engine, market, alice, bob } = setup();
    place(engine, bob.userId, order(market, { side: 'ask', price: 400_000, count: 300 }));
    place(engine, alice.userId, order(market, { side: 'bid', price: 400_000, count: 300 }));
    expect(
      engine.placeOrder(alice.userId, order(market, { side: 'bid', price: 100_000, reduceOnly: true })),
    ).toEqual({
      ok: false,
      error: { code: 'invalid_order', details: 'reduce only order would increase position' },
    });
    const reducing = place(
      engine,
      alice.userId,
      order(market, { side: 'ask', price: 900_000, count: 1_000, reduceOnly: true }),
    );
    expect(reducing.order.initial).toBe(300);
  });

  it('expires a good-till-canceled order at its expiration time', () => {
    const { engine, clock, market, alice } = setup();
    const resting = place(
      engine,
      alice.userId,
      order(market, { price: 10_000, expirationMs: START + 60_000 }),
    );
    clock.advance(59_000);
    engine.tick();
    expect(resting.order.status).toBe('resting');
    clock.advance(1_000);
    engine.tick();
    expect(resting.order.status).toBe('canceled');
    expect(alice.reserved).toBe(0);
    expect(
      engine.placeOrder(alice.userId, order(market, { price: 10_000, expirationMs: START })),
    ).toMatchObject({ ok: false, error: { code: 'invalid_order' } });
  });

  it('charges makers on a quadratic_with_maker_fees series', () => {
    const { engine, alice, bob } = setup();
    const fed = engine.listMarkets().find((m) => m.seriesTicker === 'KXFED' && m.status === 'active');
    if (!fed) throw new Error('no KXFED market');
    place(engine, bob.userId, order(fed, { side: 'ask', price: 500_000, count: 10_000 }));
    place(engine, alice.userId, order(fed, { side: 'bid', price: 500_000, count: 10_000 }));
    expect(bob.feesTotal).toBe(437_500);
    expect(alice.feesTotal).toBe(1_750_000);
  });

  it('refuses orders once the market has closed', () => {
    const { engine, market, alice } = setup();
    const resting = place(engine, alice.userId, order(market, { price: 10_000 }));
    engine.closeMarket(market.ticker);
    expect(resting.order.status).toBe('canceled');
    expect(engine.placeOrder(alice.userId, order(market, { price: 10_000 }))).toEqual({
      ok: false,
      error: { code: 'market_inactive' },
    });
  });

  it('answers a cancel after close with market_inactive, not not_found', () => {
    const { engine, market, alice } = setup();
    const resting = place(engine, alice.userId, order(market, { price: 10_000 }));
    engine.closeMarket(market.ticker);
    expect(engine.cancelOrder(alice.userId, resting.order.orderId)).toEqual({
      ok: false,
      error: { code: 'market_inactive' },
    });
    expect(engine.cancelOrder(alice.userId, 'no-such-order')).toEqual({
      ok: false,
      error: { code: 'not_found' },
    });
  });
});

describe('price moves', () => {
  it('a jump fills resting orders it passes through and prints the last trade at the new price', () => {
    const clock = new ManualClock(START);
    const engine = new Engine({ seed: 7, clock });
    const market = engine
      .listMarkets()
      .find(
        (m) =>
          m.status === 'active' &&
          m.priceLevelStructure === 'linear_cent' &&
          m.latent > 200_000 &&
          m.latent < 600_000,
      );
    if (!market) throw new Error('no market');
    const alice = engine.createAccount({ cash: micros(1_000 * D) });
    const top = engine.topOfBook(market.ticker);
    const ask = place(engine, alice.userId, order(market, { side: 'ask', price: top.ask, count: 200 }));
    expect(ask.order.status).toBe('resting');
    expect(engine.jumpPrice(market.ticker, micros(800_000)).ok).toBe(true);
    expect(ask.order.status).toBe('executed');
    expect(market.lastPrice).toBe(800_000);
    const after = engine.topOfBook(market.ticker);
    expect(after.bid).toBeLessThan(800_000);
    expect(after.ask).toBeGreaterThan(800_000);
  });
});

describe('positions', () => {
  it('selling YES against a long YES position nets and realizes at average cost', () => {
    const { engine, market, alice, bob } = setup();
    place(engine, bob.userId, order(market, { side: 'ask', price: 400_000, count: 1_000 }));
    place(engine, alice.userId, order(market, { side: 'bid', price: 400_000, count: 1_000 }));
    place(engine, bob.userId, order(market, { side: 'bid', price: 600_000, count: 400 }));
    place(engine, alice.userId, order(market, { side: 'ask', price: 600_000, count: 400 }));
    const pos = alice.positions.get(market.ticker);
    expect(pos?.position).toBe(600);
    expect(pos?.exposure).toBe(2_400_000);
    expect(pos?.realizedPnl).toBe(800_000);
  });

  it('a fill that flips YES to NO realizes the YES leg and opens NO at the NO price', () => {
    const { engine, market, alice, bob } = setup();
    place(engine, bob.userId, order(market, { side: 'ask', price: 400_000, count: 500 }));
    place(engine, alice.userId, order(market, { side: 'bid', price: 400_000, count: 500 }));
    place(engine, bob.userId, order(market, { side: 'bid', price: 300_000, count: 800 }));
    place(engine, alice.userId, order(market, { side: 'ask', price: 300_000, count: 800 }));
    const pos = alice.positions.get(market.ticker);
    expect(pos?.position).toBe(-300);
    expect(pos?.realizedPnl).toBe(-500_000); // sold 5 at 0.30 bought at 0.40
    expect(pos?.exposure).toBe(2_100_000); // 3 NO at 0.70
  });

  it('two resting asks cannot both count on closing the same long YES: the second pays to open NO', () => {
    const { engine, market, alice, bob } = setup();
    place(engine, bob.userId, order(market, { side: 'ask', price: 500_000, count: 1_000 }));
    place(engine, alice.userId, order(market, { side: 'bid', price: 500_000, count: 1_000 }));
    alice.cash = micros(5 * D); // 10 YES held, $5 cash
    place(engine, alice.userId, order(market, { side: 'ask', price: 950_000, count: 1_000 })); // closes: free
    expect(alice.reserved).toBe(0);
    // A second ask of 10 would open 10 NO at 0.90 = $9: more than the $5 there is.
    expect(
      engine.placeOrder(alice.userId, order(market, { side: 'ask', price: 100_000, count: 1_000 })),
    ).toMatchObject({ ok: false, error: { code: 'insufficient_balance' } });
    // At 0.60 it opens 10 NO at 0.40 = $4. Being the better ask, it now takes the closing role,
    // and the 0.95 ask holds back 10 x 0.05 for the NO it would open.
    place(engine, alice.userId, order(market, { side: 'ask', price: 600_000, count: 1_000 }));
    expect(alice.reserved).toBe(500_000);
    place(
      engine,
      bob.userId,
      order(market, { side: 'bid', price: 950_000, count: 2_000, timeInForce: 'immediate_or_cancel' }),
    );
    expect(alice.positions.get(market.ticker)?.position).toBe(-1_000);
    expect(alice.reserved).toBe(0);
    expect(alice.cash).toBe(5 * D + 6 * D - 500_000);
  });

  it('when a taker order uses up the closable position, the resting order that now opens reserves cash for it', () => {
    const { engine, market, alice, bob } = setup();
    place(engine, bob.userId, order(market, { side: 'ask', price: 500_000, count: 1_000 }));
    place(engine, alice.userId, order(market, { side: 'bid', price: 500_000, count: 1_000 }));
    const resting = place(engine, alice.userId, order(market, { side: 'ask', price: 900_000, count: 1_000 }));
    expect(resting.order.reserved).toBe(0);
    place(engine, bob.userId, order(market, { side: 'bid', price: 400_000, count: 1_000 }));
    place(
      engine,
      alice.userId,
      order(market, { side: 'ask', price: 400_000, count: 1_000, timeInForce: 'immediate_or_cancel' }),
    );
    expect(alice.positions.get(market.ticker)?.position).toBe(0);
    expect(resting.order.reserved).toBe(1 * D); // 10 NO at 0.10 if it fills now
    expect(alice.reserved).toBe(1 * D);
    expect(engine.cancelOrder(alice.userId, resting.order.orderId).ok).toBe(true);
    expect(alice.reserved).toBe(0);
  });

  it('settlement pays $1 per winning contract, writes a Settlement in cents and removes the position', () => {
    const { engine, market, alice, bob } = setup();
    place(engine, bob.userId, order(market, { side: 'bid', price: 300_000, count: 350 }));
    place(engine, alice.userId, order(market, { side: 'ask', price: 300_000, count: 350 }));
    const cashBefore = alice.cash;
    expect(engine.settleMarket(market.ticker, 'no').ok).toBe(true);
    expect(alice.positions.has(market.ticker)).toBe(false);
    expect(alice.cash - cashBefore).toBe(3_500_000);
    expect(alice.settlements[0]).toMatchObject({
      marketResult: 'no',
      noCount: 350,
      noTotalCost: 2_450_000,
      revenueCents: 350,
      valueCents: 0,
    });
    expect(bob.settlements[0]).toMatchObject({ yesCount: 350, revenueCents: 0 });
    expect(engine.getMarket(market.ticker)?.status).toBe('finalized');
  });

  it('closes, determines and settles markets as the clock passes their times', () => {
    const { engine, clock, market } = setup();
    clock.set(market.closeMs);
    engine.tick();
    expect(market.status).toBe('closed');
    clock.advance(30_000);
    engine.tick();
    expect(market.status).toBe('determined');
    clock.advance(60_000);
    engine.tick();
    expect(market.status).toBe('finalized');
    const event = engine.getEvent(market.eventTicker);
    const results = event?.marketTickers.map((t) => engine.getMarket(t)?.result);
    expect(results?.filter((r) => r === 'yes')).toHaveLength(1);
  });
});

describe('the $0.0001 cash grid', () => {
  function deciMarket(engine: Engine): Market {
    const deci = engine
      .listMarkets()
      .find((m) => m.status === 'active' && m.priceLevelStructure === 'deci_cent');
    if (!deci) throw new Error('no deci-cent market');
    return deci;
  }

  it('the rounding fee is what rounds a cash change down onto the grid', () => {
    expect(roundingFee(micros(-330))).toBe(70);
    expect(roundingFee(micros(-9_770))).toBe(30);
    expect(roundingFee(micros(-400))).toBe(0);
    expect(roundingFee(micros(4_537))).toBe(37);
    expect(roundingFee(micros(0))).toBe(0);
  });

  it('charges taker and maker a rounding fee on a sub-cent fill of 0.01 contract, so both balances stay on the grid', () => {
    const { engine, alice, bob } = setup();
    const deci = deciMarket(engine);
    // Bob rests 0.01 NO (ask at YES 0.023): 0.01 x 0.977 = $0.00977 held back, $0.0098 on the grid.
    const ask = place(engine, bob.userId, order(deci, { side: 'ask', price: 23_000, count: 1 }));
    expect(ask.order.reserved).toBe(9_770);
    expect(engine.reservedOnGrid(bob)).toBe(9_800);
    expect(balanceJson(engine, bob).balance_dollars).toBe('999.9902');
    const taker = place(
      engine,
      alice.userId,
      order(deci, { side: 'bid', price: 23_000, count: 1, timeInForce: 'immediate_or_cancel' }),
    );
    // Alice pays 0.01 x 0.023 = $0.00023 + the trade fee ceil(0.07 x 0.01 x 0.023 x 0.977) = $0.0001,
    // -$0.00033 in all, rounded down to -$0.0004: a rounding fee of $0.00007.
    expect(alice.fills[0]?.fee).toBe(170);
    expect(taker.order.takerFees).toBe(170);
    expect(taker.averageFeePaid).toBe(17_000);
    expect(alice.cash).toBe(1_000 * D - 400);
    expect(alice.feesTotal).toBe(170);
    expect(alice.positions.get(deci.ticker)?.exposure).toBe(230);
    // Bob pays $0.00977 and no trade fee (quadratic series): rounding fee $0.00003.
    expect(bob.fills[0]?.fee).toBe(30);
    expect(ask.order.makerFees).toBe(30);
    expect(bob.cash).toBe(1_000 * D - 9_800);
    expect(bob.reserved).toBe(0);
    expect(balanceJson(engine, bob).balance_dollars).toBe('999.9902');
    for (const a of [alice, bob]) {
      const exposure = a.positions.get(deci.ticker)?.exposure ?? 0;
      expect(a.cash + exposure - a.realizedTotal + a.feesTotal).toBe(a.deposits);
    }
  });

  it('balance_dollars is cash minus the reservation rounded up to $0.0001, and the balance check uses that figure', () => {
    const { engine } = setup();
    const deci = deciMarket(engine);
    const carol = engine.createAccount({ cash: micros(1 * D) });
    place(engine, carol.userId, order(deci, { side: 'bid', price: 23_000, count: 1 })); // $0.00023 exact
    expect(carol.reserved).toBe(230);
    expect(engine.availableCash(carol)).toBe(999_700);
    const balance = balanceJson(engine, carol);
    expect(balance.balance_dollars).toBe('0.9997');
    expect(parseDollars(balance.balance_dollars)).toBe(carol.cash - 300);
    // 1.68 at 0.578 needs $0.97104 + fee $0.0287 = $0.99974: more than the $0.9997 available
    // (it would pass against the exact $0.99977).
    expect(engine.placeOrder(carol.userId, order(deci, { side: 'bid', price: 578_000, count: 168 }))).toEqual(
      {
        ok: false,
        error: { code: 'insufficient_balance' },
      },
    );
    expect(engine.placeOrder(carol.userId, order(deci, { side: 'bid', price: 578_000, count: 167 })).ok).toBe(
      true,
    );
  });

  it('refuses deposits off the grid', () => {
    const { engine, alice } = setup();
    expect(engine.fund(alice.userId, micros(50))).toMatchObject({
      ok: false,
      error: { code: 'invalid_order' },
    });
    expect(() => engine.createAccount({ cash: micros(1_000_050) })).toThrow(RangeError);
  });

  it('floors a scalar settlement payout to $0.0001 and realizes what was credited; the exchange keeps the remainder', () => {
    const { engine, alice, bob } = setup();
    const deci = deciMarket(engine);
    place(engine, bob.userId, order(deci, { side: 'ask', price: 23_000, count: 1 }));
    place(engine, alice.userId, order(deci, { side: 'bid', price: 23_000, count: 1 }));
    const aliceCash = alice.cash;
    const bobCash = bob.cash;
    const exchange = engine.getAccount(engine.houseMakerId);
    const exchangeCash = exchange?.cash ?? 0;
    expect(engine.settleMarket(deci.ticker, 'scalar', micros(453_700)).ok).toBe(true);
    // 0.01 YES x 0.4537 = $0.004537 -> $0.0045; 0.01 NO x 0.5463 = $0.005463 -> $0.0054.
    expect(alice.cash - aliceCash).toBe(4_500);
    expect(bob.cash - bobCash).toBe(5_400);
    expect(alice.realizedTotal).toBe(4_500 - 230);
    expect(bob.realizedTotal).toBe(5_400 - 9_770);
    // $0.000037 + $0.000063 floored off: the exchange keeps it (the house maker, as realized income).
    expect(engine.settlementRoundingTotal()).toBe(100);
    expect((exchange?.cash ?? 0) - exchangeCash).toBe(100);
    expect(alice.settlements[0]).toMatchObject({
      marketResult: 'scalar',
      yesCount: 1,
      revenue: 4_500,
      revenueCents: 0,
      valueCents: 45,
    });
    expect(deci.result).toBe('scalar');
    expect(deci.settlementValue).toBe(453_700);
    expect(engine.settleMarket(deci.ticker).ok).toBe(true); // already finalized: no second payout
    expect(alice.cash - aliceCash).toBe(4_500);
  });

  it('refuses a scalar result without a value on the $0.0001 grid', () => {
    const { engine, market } = setup();
    expect(engine.determineMarket(market.ticker, 'scalar')).toMatchObject({ ok: false });
    expect(engine.determineMarket(market.ticker, 'scalar', micros(450_050))).toMatchObject({ ok: false });
    expect(engine.determineMarket(market.ticker, 'scalar', micros(1_000_100))).toMatchObject({ ok: false });
    expect(engine.determineMarket(market.ticker, 'scalar', micros(450_000)).ok).toBe(true);
  });
});

describe('reservation priority', () => {
  it('walks a side best price first, then creation time, then order id, giving the held position to the first', () => {
    const { engine, clock, market, alice, bob } = setup();
    place(engine, bob.userId, order(market, { side: 'ask', price: 500_000, count: 300 }));
    place(engine, alice.userId, order(market, { side: 'bid', price: 500_000, count: 300 })); // 3 YES held
    const late = place(engine, alice.userId, order(market, { side: 'ask', price: 700_000, count: 200 }));
    clock.advance(1);
    const later = place(engine, alice.userId, order(market, { side: 'ask', price: 700_000, count: 200 }));
    // The earlier of the two 0.70 asks closes 2 YES, the later closes the last 1 and opens 1 NO at 0.30.
    expect(late.order.reserved).toBe(0);
    expect(later.order.reserved).toBe(300_000);
    const better = place(engine, alice.userId, order(market, { side: 'ask', price: 600_000, count: 200 }));
    // A better price comes first: it closes 2, the earlier 0.70 closes 1 and opens 1, the later opens 2.
    expect(better.order.reserved).toBe(0);
    expect(late.order.reserved).toBe(300_000);
    expect(later.order.reserved).toBe(600_000);
    expect(alice.reserved).toBe(900_000);
    expect(engine.restingInPriority(alice, market.ticker, 'ask').map((o) => o.orderId)).toEqual([
      better.order.orderId,
      late.order.orderId,
      later.order.orderId,
    ]);
    // Partial fill of the best ask: the position shrinks with it, so nothing changes for the others.
    place(
      engine,
      bob.userId,
      order(market, { side: 'bid', price: 600_000, count: 100, timeInForce: 'immediate_or_cancel' }),
    );
    expect(better.order.remaining).toBe(100);
    expect(alice.positions.get(market.ticker)?.position).toBe(200);
    expect(better.order.reserved).toBe(0);
    expect(late.order.reserved).toBe(300_000); // closes 1, opens 1
    expect(alice.reserved).toBe(300_000 + 600_000);
    // Cancelling the best ask hands its closing capacity to the next one.
    expect(engine.cancelOrder(alice.userId, better.order.orderId).ok).toBe(true);
    expect(late.order.reserved).toBe(0);
    expect(later.order.reserved).toBe(600_000);
    expect(alice.reserved).toBe(600_000);
  });
});
