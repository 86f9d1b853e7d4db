import { portfolioSchema, positionSchema } from '@kalshi-desk/contracts';
import {
  ceilToCashGrid,
  abs,
  add,
  centis,
  micros,
  min,
  negate,
  notional,
  parseCount,
  parseDollars,
  proRata,
  subtract,
  type CentiContracts,
  type MicroDollars,
} from '@kalshi-desk/kalshi/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  carryingValue,
  fillCashFlow,
  ONE_DOLLAR,
  orderReservations,
  settlementPayout,
  type RestingOrderAmounts,
  divideRounded,
  EMPTY_QUOTE,
  heldSidePrice,
  normalizeQuote,
  portfolioTotals,
  positionPnl,
  startOfDay,
  toPortfolioDto,
  toPositionDto,
  type MarketQuote,
  type PositionAmounts,
} from './pnl.models.js';

const $ = parseDollars;
const qty = parseCount;

function amounts(position: string, exposure: string, realized = '0', fees = '0'): PositionAmounts {
  return { position: qty(position), exposure: $(exposure), realizedPnl: $(realized), feesPaid: $(fees) };
}
function quote(yesBid: string | null, yesAsk: string | null, last: string | null = null): MarketQuote {
  return {
    yesBid: yesBid === null ? null : $(yesBid),
    yesAsk: yesAsk === null ? null : $(yesAsk),
    last: last === null ? null : $(last),
  };
}

describe('positionPnl', () => {
  it('a long YES position is marked at yes_bid and gains when the bid is above the average entry', () => {
    const pnl = positionPnl({
      amounts: amounts('10.00', '5.2000'),
      quote: quote('0.60', '0.62'),
      mark: 'bid',
    });
    expect(pnl.side).toBe('YES');
    expect(pnl.quantity).toBe(1000);
    expect(pnl.avgEntryPrice).toBe($('0.52'));
    expect(pnl.currentPrice).toBe($('0.60'));
    expect(pnl.markValue).toBe($('6.00'));
    expect(pnl.unrealizedPnl).toBe($('0.80'));
    expect(pnl.unrealizedPnlPercent).toBe(15.38);
    expect(pnl.maxPayout).toBe($('4.80'));
    expect(pnl.maxLoss).toBe($('5.20'));
  });

  it('a NO position (negative position_fp) is marked at no_bid = $1 - yes_ask', () => {
    const pnl = positionPnl({
      amounts: amounts('-10.00', '4.00'),
      quote: quote('0.50', '0.55'),
      mark: 'bid',
    });
    expect(pnl.side).toBe('NO');
    expect(pnl.quantity).toBe(1000);
    expect(pnl.avgEntryPrice).toBe($('0.40'));
    expect(pnl.currentPrice).toBe($('0.45'));
    expect(pnl.unrealizedPnl).toBe($('0.50'));
    expect(pnl.unrealizedPnlPercent).toBe(12.5);
    expect(pnl.maxPayout).toBe($('6.00'));
    expect(pnl.maxLoss).toBe($('4.00'));
  });

  it('a NO position loses when the YES ask rises', () => {
    const pnl = positionPnl({ amounts: amounts('-2.00', '0.80'), quote: quote('0.70', '0.75'), mark: 'bid' });
    expect(pnl.currentPrice).toBe($('0.25'));
    expect(pnl.unrealizedPnl).toBe($('-0.30'));
    expect(pnl.unrealizedPnlPercent).toBe(-37.5);
  });

  it('an empty book gives no current price and no unrealized P&L, and the position is carried at cost', () => {
    const yes = positionPnl({ amounts: amounts('5.00', '2.50'), quote: EMPTY_QUOTE, mark: 'bid' });
    expect(yes.currentPrice).toBeNull();
    expect(yes.unrealizedPnl).toBeNull();
    expect(yes.unrealizedPnlPercent).toBeNull();
    expect(carryingValue(yes)).toBe($('2.50'));
    const no = positionPnl({ amounts: amounts('-5.00', '2.50'), quote: quote('0.40', null), mark: 'bid' });
    expect(no.currentPrice).toBeNull();
  });

  it('mid marks YES halfway between bid and ask and NO at $1 minus that, exactly', () => {
    const q = quote('0.40', '0.45');
    expect(heldSidePrice({ side: 'YES', mark: 'mid', quote: q })).toBe($('0.425'));
    expect(heldSidePrice({ side: 'NO', mark: 'mid', quote: q })).toBe($('0.575'));
    expect(heldSidePrice({ side: 'YES', mark: 'mid', quote: quote('0.40', null) })).toBeNull();
  });

  it('last marks YES at the last trade and NO at $1 minus the last trade', () => {
    const q = quote('0.40', '0.45', '0.43');
    expect(heldSidePrice({ side: 'YES', mark: 'last', quote: q })).toBe($('0.43'));
    expect(heldSidePrice({ side: 'NO', mark: 'last', quote: q })).toBe($('0.57'));
    expect(heldSidePrice({ side: 'NO', mark: 'last', quote: quote('0.40', '0.45') })).toBeNull();
  });

  it('sub-cent prices stay exact', () => {
    const pnl = positionPnl({
      amounts: amounts('3.00', '0.0300'),
      quote: quote('0.0150', '0.0170'),
      mark: 'bid',
    });
    expect(pnl.avgEntryPrice).toBe($('0.01'));
    expect(pnl.currentPrice).toBe($('0.015'));
    expect(pnl.markValue).toBe($('0.045'));
    expect(pnl.unrealizedPnl).toBe($('0.015'));
    expect(pnl.unrealizedPnlPercent).toBe(50);
  });

  it('fractional contracts are valued to the micro-dollar', () => {
    const pnl = positionPnl({ amounts: amounts('2.50', '1.25'), quote: quote('0.61', '0.63'), mark: 'bid' });
    expect(pnl.quantity).toBe(250);
    expect(pnl.avgEntryPrice).toBe($('0.50'));
    expect(pnl.markValue).toBe($('1.525'));
    expect(pnl.unrealizedPnl).toBe($('0.275'));
    expect(pnl.maxPayout).toBe($('1.25'));
  });

  it('the average entry is rounded for display but unrealized P&L uses the exact exposure', () => {
    // The recorded Kalshi position: 3 YES bought at 0.99, 0.99 and 0.52.
    const pnl = positionPnl({
      amounts: amounts('3.00', '2.500000', '0', '0.018900'),
      quote: quote('0.50', '0.52'),
      mark: 'bid',
    });
    expect(pnl.avgEntryPrice).toBe(833_333);
    expect(pnl.unrealizedPnl).toBe($('-1.00'));
    expect(pnl.feesPaid).toBe($('0.0189'));
  });

  it('normalizeQuote maps Kalshi empty-book conventions to null', () => {
    expect(normalizeQuote({ yesBid: $('0'), yesAsk: $('1.00'), last: $('0') })).toEqual(EMPTY_QUOTE);
    expect(normalizeQuote({ yesBid: $('0.01'), yesAsk: $('0.99'), last: $('0.5') })).toEqual(
      quote('0.01', '0.99', '0.5'),
    );
  });

  it('divideRounded rounds half away from zero', () => {
    expect(divideRounded(5, 2)).toBe(3);
    expect(divideRounded(-5, 2)).toBe(-3);
    expect(divideRounded(4, 3)).toBe(1);
    expect(() => divideRounded(1, 0)).toThrow(RangeError);
  });
});

describe('portfolioTotals', () => {
  const yes = positionPnl({
    amounts: amounts('10.00', '5.20', '1.00', '0.10'),
    quote: quote('0.60', '0.62'),
    mark: 'bid',
  });
  const noBook = positionPnl({
    amounts: amounts('-4.00', '2.00', '0', '0.05'),
    quote: EMPTY_QUOTE,
    mark: 'bid',
  });

  it('total value is cash plus the mark value of every position (cost when unpriced)', () => {
    const totals = portfolioTotals({
      cash: $('100.00'),
      reserved: micros(0),
      positions: [yes, noBook],
      closedPnl: micros(0),
      dayBaseline: null,
    });
    expect(totals.positionsValue).toBe($('8.00'));
    expect(totals.totalValue).toBe($('108.00'));
    expect(totals.positionCount).toBe(2);
    expect(totals.todayPnl).toBe(0);
    expect(totals.todayPnlPercent).toBe(0);
  });

  it("today's P&L is measured against the day's first equity snapshot", () => {
    const totals = portfolioTotals({
      cash: $('100.00'),
      reserved: micros(0),
      positions: [yes],
      closedPnl: micros(0),
      dayBaseline: $('104.00'),
    });
    expect(totals.todayPnl).toBe($('2.00'));
    expect(totals.todayPnlPercent).toBe(1.92);
  });

  it('total P&L is realized + unrealized - fees over open positions plus closed results', () => {
    const totals = portfolioTotals({
      cash: micros(0),
      reserved: micros(0),
      positions: [yes, noBook],
      closedPnl: $('3.00'),
      dayBaseline: null,
    });
    // yes: 1.00 + 0.80 - 0.10 = 1.70; noBook: 0 + 0 - 0.05; closed 3.00
    expect(totals.totalPnl).toBe($('4.65'));
  });
});

describe('startOfDay', () => {
  it('is UTC midnight by default and honours a fixed offset', () => {
    const now = Date.parse('2026-11-24T21:30:00Z');
    expect(new Date(startOfDay(now)).toISOString()).toBe('2026-11-24T00:00:00.000Z');
    expect(new Date(startOfDay(now, 120)).toISOString()).toBe('2026-11-23T22:00:00.000Z');
    expect(new Date(startOfDay(now, -300)).toISOString()).toBe('2026-11-24T05:00:00.000Z');
  });
});

describe('the contract mapper', () => {
  it('converts micro-dollars to dollars and cents and the result satisfies positionSchema', () => {
    const q = quote('0.56', '0.58', '0.57');
    const pnl = positionPnl({ amounts: amounts('-2.50', '1.05', '0.2', '0.0175'), quote: q, mark: 'bid' });
    const now = Date.parse('2026-11-24T12:00:00Z');
    const dto = toPositionDto(
      pnl,
      {
        ticker: 'KXA-1',
        eventTicker: 'KXA',
        marketTitle: 'A?',
        marketStatus: 'active',
        quote: q,
        entryTime: now - 90_500,
        expirationTime: Date.parse('2026-12-01T00:00:00Z'),
        lastUpdated: now,
        now,
      },
      'bid',
    );
    expect(positionSchema.parse(dto)).toEqual(dto);
    expect(dto).toMatchObject({
      side: 'NO',
      quantity: 2.5,
      avg_entry_price: 42,
      current_price: 42,
      unrealized_pnl: 0,
      market_exposure: 1.05,
      realized_pnl: 0.2,
      fees_paid: 0.0175,
      max_payout: 1.45,
      yes_bid: 56,
      yes_ask: 58,
      last_price: 57,
      duration_held: 90,
      expiration_date: '2026-12-01T00:00:00.000Z',
    });
  });

  it('portfolio numbers are dollars', () => {
    const dto = toPortfolioDto(
      portfolioTotals({
        cash: $('12.3456'),
        reserved: $('0'),
        positions: [],
        closedPnl: $('0'),
        dayBaseline: $('10'),
      }),
      0,
    );
    expect(portfolioSchema.parse(dto)).toEqual(dto);
    expect(dto.cash_balance).toBe(12.3456);
    expect(dto.today_pnl).toBe(2.3456);
  });
});

function order(
  id: string,
  bookSide: 'bid' | 'ask',
  yesPrice: string,
  remaining: string,
  createdMs = 0,
): RestingOrderAmounts {
  return {
    orderId: id,
    ticker: 'KXT-1',
    bookSide,
    yesPrice: $(yesPrice),
    remaining: qty(remaining),
    createdMs,
  };
}

describe('orderReservations', () => {
  it('a bid holds its YES cost and an ask holds its NO cost when nothing is held', () => {
    const r = orderReservations({
      position: qty('0'),
      orders: [order('b', 'bid', '0.05', '100.00'), order('a', 'ask', '0.70', '10.00')],
    });
    expect(r.get('b')).toBe($('5.00'));
    expect(r.get('a')).toBe($('3.00'));
  });

  it('the part of an order that closes the held position holds nothing', () => {
    // Long 6 YES: an ask for 10 closes 6 and opens 4 NO at $0.40.
    const r = orderReservations({ position: qty('6.00'), orders: [order('a', 'ask', '0.60', '10.00')] });
    expect(r.get('a')).toBe($('1.60'));
    // A bid on a YES position closes nothing.
    const b = orderReservations({ position: qty('6.00'), orders: [order('b', 'bid', '0.60', '1.00')] });
    expect(b.get('b')).toBe($('0.60'));
  });

  it('closing capacity goes to the best-priced order first, then the oldest', () => {
    const r = orderReservations({
      position: qty('10.00'),
      orders: [
        order('late-cheap', 'ask', '0.70', '10.00', 1),
        order('early-good', 'ask', '0.60', '10.00', 5),
      ],
    });
    // The lower ask (better for the book) closes the 10 YES; the other opens 10 NO at $0.30.
    expect(r.get('early-good')).toBe(0);
    expect(r.get('late-cheap')).toBe($('3.00'));
    const tie = orderReservations({
      position: qty('-5.00'),
      orders: [order('second', 'bid', '0.40', '5.00', 20), order('first', 'bid', '0.40', '5.00', 10)],
    });
    expect(tie.get('first')).toBe(0);
    expect(tie.get('second')).toBe($('2.00'));
  });

  it('fractional counts on a deci-cent grid are held to the micro-dollar', () => {
    const r = orderReservations({ position: qty('0'), orders: [order('x', 'bid', '0.123', '0.07')] });
    expect(r.get('x')).toBe(8_610); // 0.123 x 0.07 = $0.00861
    expect(ceilToCashGrid(micros(8_610))).toBe(8_700);
  });
});

describe('fillCashFlow', () => {
  it('opening pays the side price and the fee; netting returns $1 per pair', () => {
    expect(
      fillCashFlow({
        bookSide: 'bid',
        yesPrice: $('0.52'),
        count: qty('1.00'),
        fee: $('0.0175'),
        postPosition: qty('1.00'),
      }),
    ).toBe($('-0.5375'));
    // Long 10 YES, sell 4 YES at 0.70 (an ask: buys 4 NO at 0.30, nets 4 pairs).
    expect(
      fillCashFlow({
        bookSide: 'ask',
        yesPrice: $('0.70'),
        count: qty('4.00'),
        fee: micros(0),
        postPosition: qty('6.00'),
      }),
    ).toBe($('2.80'));
    // Long 2 YES, ask 5: nets 2 pairs, opens 3 NO.
    expect(
      fillCashFlow({
        bookSide: 'ask',
        yesPrice: $('0.70'),
        count: qty('5.00'),
        fee: micros(0),
        postPosition: qty('-3.00'),
      }),
    ).toBe($('2.00') - $('1.50'));
  });
});

describe('settlementPayout', () => {
  it('pays the winning side $1 a contract and scalar values floored to the balance grid', () => {
    expect(settlementPayout({ position: qty('3.00'), result: 'yes', settlementValue: null })).toBe($('3.00'));
    expect(settlementPayout({ position: qty('3.00'), result: 'no', settlementValue: null })).toBe(0);
    expect(settlementPayout({ position: qty('-2.00'), result: 'no', settlementValue: null })).toBe($('2.00'));
    // 0.01 YES at $0.1234 = $0.001234 -> $0.0012
    expect(settlementPayout({ position: centis(1), result: 'scalar', settlementValue: $('0.1234') })).toBe(
      1_200,
    );
    expect(settlementPayout({ position: centis(1), result: null, settlementValue: null })).toBeNull();
  });
});

/**
 * A reference account kept the way the exchange keeps it (cash, one signed position at average
 * cost, realized P&L, fees), for the account-value identity.
 */
class ReferenceAccount {
  cash = micros(0);
  position = centis(0);
  exposure = micros(0);
  realized = micros(0);
  fees = micros(0);
  fill(side: 'bid' | 'ask', yesPrice: MicroDollars, count: CentiContracts, fee: MicroDollars): void {
    const direction = side === 'bid' ? 1 : -1;
    const signed = (contracts: CentiContracts) => (direction === 1 ? contracts : negate(contracts));
    const sidePrice = side === 'bid' ? yesPrice : subtract(ONE_DOLLAR, yesPrice);
    const held = abs(this.position);
    const closing = this.position * direction < 0 ? min(count, held) : centis(0);
    if (closing > 0) {
      const removed = closing === held ? this.exposure : proRata(this.exposure, closing, held);
      const proceeds = subtract(notional(ONE_DOLLAR, closing), notional(sidePrice, closing));
      this.exposure = subtract(this.exposure, removed);
      this.realized = add(this.realized, subtract(proceeds, removed));
      this.cash = add(this.cash, proceeds);
      this.position = add(this.position, signed(closing));
    }
    const opening = subtract(count, closing);
    if (opening > 0) {
      this.cash = subtract(this.cash, notional(sidePrice, opening));
      this.exposure = add(this.exposure, notional(sidePrice, opening));
      this.position = add(this.position, signed(opening));
    }
    this.cash = subtract(this.cash, fee);
    this.fees = add(this.fees, fee);
  }
}

describe('the account-value identity', () => {
  it('with no transfer, the change of total value equals realized + unrealized - fees, to the micro-dollar', () => {
    const step = fc.record({
      side: fc.constantFrom('bid' as const, 'ask' as const),
      yesPrice: fc.integer({ min: 1, max: 999 }).map((p) => micros(p * 1_000)), // deci-cent grid
      count: fc.integer({ min: 1, max: 5_000 }).map(centis),
      fee: fc.integer({ min: 0, max: 500 }).map((f) => micros(f * 100)),
      restingBid: fc.integer({ min: 1, max: 99 }).map((p) => p * 10_000),
      restingCount: fc.integer({ min: 0, max: 2_000 }),
      bid: fc.integer({ min: 1, max: 999 }).map((p) => micros(p * 1_000)),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
        const ref = new ReferenceAccount();
        let predictedCash = micros(0);
        for (const s of steps) {
          ref.fill(s.side, s.yesPrice, s.count, s.fee);
          predictedCash = add(
            predictedCash,
            fillCashFlow({
              bookSide: s.side,
              yesPrice: s.yesPrice,
              count: s.count,
              fee: s.fee,
              postPosition: ref.position,
            }),
          );
          expect(predictedCash).toBe(ref.cash);
          const yesAsk = min(add(s.bid, micros(10_000)), micros(999_000));
          const quote: MarketQuote = { yesBid: s.bid, yesAsk, last: null };
          const pnl = positionPnl({
            amounts: {
              position: ref.position,
              exposure: ref.exposure,
              realizedPnl: ref.realized,
              feesPaid: ref.fees,
            },
            quote,
            mark: 'bid',
          });
          const open = ref.position === 0 ? [] : [pnl];
          // A resting order moves cash from available to reserved: the total does not move.
          const reserved = ceilToCashGrid(
            add(
              ...orderReservations({
                position: ref.position,
                orders: [order('r', 'bid', String(s.restingBid / 1e6), String(s.restingCount / 100))],
              }).values(),
            ),
          );
          const closedPnl = ref.position === 0 ? subtract(ref.realized, ref.fees) : micros(0);
          const withOrder = portfolioTotals({
            cash: subtract(ref.cash, reserved),
            reserved,
            positions: open,
            closedPnl,
            dayBaseline: micros(0),
          });
          const withoutOrder = portfolioTotals({
            cash: ref.cash,
            reserved: micros(0),
            positions: open,
            closedPnl,
            dayBaseline: micros(0),
          });
          expect(withOrder.totalValue).toBe(withoutOrder.totalValue);
          // Started from 0 cash and nothing held: today's P&L against 0 is the whole P&L.
          expect(withOrder.todayPnl).toBe(withOrder.totalPnl);
        }
      }),
      { seed: 20261201, numRuns: 300 },
    );
  });
});
