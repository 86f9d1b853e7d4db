import type { Fill, WsDataMessage } from '@kalshi-desk/kalshi/protocol';
import { describe, expect, it } from 'vitest';
import {
  amountsFromRest,
  amountsFromWs,
  availableCashFromRest,
  fillFromRest,
  fillFromWs,
  lastUpdatedFromRest,
  lifecycleFromWs,
  marketInfoFromRest,
  orderFromRest,
  orderFromWs,
  quoteFromWs,
  restingOrderFromRest,
} from './positions.wire.js';
import {
  fillMessage,
  kalshiBalance,
  kalshiMarket,
  kalshiOrder,
  kalshiPosition,
  lifecycleMessage,
  marketPositionMessage,
  tickerMessage,
  userOrderMessage,
} from './testing/kalshi-fixtures.js';

const T0 = Date.parse('2026-11-24T12:00:00Z');

type MsgByType = { [M in WsDataMessage as M['type']]: M['msg'] };

/** The `msg` of a WS message of one type (the fixtures build whole messages). */
function msgOf<T extends keyof MsgByType>(message: WsDataMessage, type: T): MsgByType[T] {
  if (message.type !== type) throw new Error(`expected a ${type} message, got ${message.type}`);
  return message.msg as MsgByType[T];
}

function restFill(overrides: Partial<Fill> = {}): Fill {
  return {
    fill_id: 'f-1',
    trade_id: 't-1',
    order_id: 'o-1',
    ticker: 'KXA-1',
    outcome_side: 'no',
    book_side: 'ask',
    count_fp: '2.50',
    yes_price_dollars: '0.6100',
    no_price_dollars: '0.3900',
    is_taker: true,
    fee_cost: '0.0100',
    ts: T0 / 1000,
    ...overrides,
  };
}

describe('positions wire mapping', () => {
  it('a REST position row and a WS market_position with the same numbers give the same amounts', () => {
    const rest = amountsFromRest(
      kalshiPosition('KXA-1', '-4.00', '1.600000', {
        realized_pnl_dollars: '0.500000',
        fees_paid_dollars: '0.020000',
      }),
    );
    const ws = amountsFromWs(
      msgOf(marketPositionMessage('KXA-1', '-4.00', '1.6000', '0.5000', '0.0200'), 'market_position'),
    );
    expect(rest).toEqual({ position: -400, exposure: 1_600_000, realizedPnl: 500_000, feesPaid: 20_000 });
    expect(ws).toEqual(rest);
  });

  it("a REST position row's last update time is read in ms, and a missing one is null", () => {
    expect(lastUpdatedFromRest(kalshiPosition('KXA-1', '1.00', '0.5'))).toBe(
      Date.parse('2026-11-24T10:00:00Z'),
    );
    expect(
      lastUpdatedFromRest(kalshiPosition('KXA-1', '1.00', '0.5', { last_updated_ts: undefined })),
    ).toBeNull();
  });

  it('a REST fill and the WS fill of the same trade agree; only the WS one knows the position after it', () => {
    const ws = fillFromWs(
      msgOf(
        fillMessage({
          ticker: 'KXA-1',
          bookSide: 'ask',
          count: '2.50',
          yesPrice: '0.6100',
          post: '-2.50',
          tsMs: T0,
          tradeId: 't-1',
        }),
        'fill',
      ),
    );
    const rest = fillFromRest(restFill());
    expect(ws).toEqual({
      tradeId: 't-1',
      orderId: 'o-1',
      ticker: 'KXA-1',
      outcomeSide: 'no',
      bookSide: 'ask',
      count: 250,
      yesPrice: 610_000,
      fee: 10_000,
      isTaker: true,
      postPosition: -250,
      ts: T0,
    });
    expect(rest).toEqual({ ...ws, postPosition: null });
  });

  it('a REST fill without ts is timed by created_time, and by 0 when it has neither', () => {
    expect(fillFromRest(restFill({ ts: undefined, created_time: '2026-11-24T12:00:00Z' })).ts).toBe(T0);
    expect(fillFromRest(restFill({ ts: undefined })).ts).toBe(0);
  });

  it('a REST order and the WS user_order of the same order agree on what rests and since when', () => {
    const createdMs = Date.parse('2026-11-24T11:00:00Z');
    const rest = orderFromRest(
      kalshiOrder({
        order_id: 'o1',
        ticker: 'KXA-1',
        book_side: 'ask',
        yes_price_dollars: '0.4500',
        remaining_count_fp: '3.00',
      }),
    );
    const ws = orderFromWs(
      msgOf(
        userOrderMessage({
          orderId: 'o1',
          ticker: 'KXA-1',
          bookSide: 'ask',
          yesPrice: '0.4500',
          remaining: '3.00',
          createdMs,
          updatedMs: createdMs + 5,
        }),
        'user_order',
      ),
    );
    const common = {
      orderId: 'o1',
      ticker: 'KXA-1',
      bookSide: 'ask',
      yesPrice: 450_000,
      remaining: 300,
      isResting: true,
      createdMs,
    };
    expect(rest).toEqual({ ...common, updatedMs: null });
    expect(ws).toEqual({ ...common, updatedMs: createdMs + 5 });
  });

  it('an ended order or one with nothing left does not rest, on either wire', () => {
    const ended = { order_id: 'o1', ticker: 'KXA-1' };
    expect(restingOrderFromRest(kalshiOrder({ ...ended, status: 'canceled' }))).toBeNull();
    expect(restingOrderFromRest(kalshiOrder({ ...ended, remaining_count_fp: '0.00' }))).toBeNull();
    const message = (status: 'resting' | 'executed', remaining: string) =>
      msgOf(
        userOrderMessage({
          orderId: 'o1',
          ticker: 'KXA-1',
          bookSide: 'bid',
          yesPrice: '0.5000',
          remaining,
          status,
        }),
        'user_order',
      );
    expect(orderFromWs(message('executed', '0.00')).isResting).toBe(false);
    expect(orderFromWs(message('resting', '0.00')).isResting).toBe(false);
    expect(orderFromWs(message('resting', '0.01')).isResting).toBe(true);
  });

  it('a resting REST order keeps its creation time for price-time priority (0 when unknown)', () => {
    const order = kalshiOrder({
      order_id: 'o1',
      ticker: 'KXA-1',
      yes_price_dollars: '0.0500',
      remaining_count_fp: '10.00',
    });
    expect(restingOrderFromRest(order)).toEqual({
      orderId: 'o1',
      ticker: 'KXA-1',
      bookSide: 'bid',
      yesPrice: 50_000,
      remaining: 1_000,
      createdMs: Date.parse('2026-11-24T11:00:00Z'),
    });
    expect(restingOrderFromRest({ ...order, created_time: null })?.createdMs).toBe(0);
  });

  it("Kalshi's empty-book prices mean no price in a REST market and a WS ticker alike", () => {
    const empty = { yes_bid_dollars: '0.0000', yes_ask_dollars: '1.0000', last_price_dollars: '0.0000' };
    const none = { yesBid: null, yesAsk: null, last: null };
    expect(marketInfoFromRest(kalshiMarket({ ticker: 'KXA-1', ...empty })).quote).toEqual(none);
    expect(quoteFromWs(msgOf(tickerMessage('KXA-1', '0.0000', '1.0000', '0.0000'), 'ticker'))).toEqual(none);
    const priced = { yesBid: 600_000, yesAsk: 620_000, last: 610_000 };
    expect(
      marketInfoFromRest(
        kalshiMarket({
          ticker: 'KXA-1',
          yes_bid_dollars: '0.6000',
          yes_ask_dollars: '0.6200',
          last_price_dollars: '0.6100',
        }),
      ).quote,
    ).toEqual(priced);
    expect(quoteFromWs(msgOf(tickerMessage('KXA-1', '0.6000', '0.6200', '0.6100'), 'ticker'))).toEqual(
      priced,
    );
  });

  it('a REST market gives its title, times and, once determined, its result and settlement value', () => {
    const open = marketInfoFromRest(kalshiMarket({ ticker: 'KXA-1' }));
    expect(open).toMatchObject({
      ticker: 'KXA-1',
      eventTicker: 'KXA',
      title: 'Will KXA-1 happen?',
      status: 'active',
      closeTime: Date.parse('2026-12-01T00:00:00Z'),
      expirationTime: Date.parse('2026-12-01T12:00:00Z'),
      result: null,
      settlementValue: null,
    });
    const determined = marketInfoFromRest(
      kalshiMarket({
        ticker: 'KXA-1',
        status: 'determined',
        result: 'yes',
        settlement_value_dollars: '1.0000',
        expected_expiration_time: undefined,
      }),
    );
    expect(determined).toMatchObject({
      result: 'yes',
      settlementValue: 1_000_000,
      expirationTime: Date.parse('2026-12-08T00:00:00Z'),
    });
  });

  it('a lifecycle message gives its event in ms and micro-dollars', () => {
    expect(
      lifecycleFromWs(msgOf(lifecycleMessage('KXA-1', 'determined', 'no'), 'market_lifecycle_v2')),
    ).toEqual({
      ticker: 'KXA-1',
      eventType: 'determined',
      closeTime: null,
      result: 'no',
      settlementValue: null,
    });
    const moved = lifecycleFromWs({
      market_ticker: 'KXA-1',
      event_type: 'close_date_updated',
      close_ts: T0 / 1000,
    });
    expect(moved).toMatchObject({ eventType: 'close_date_updated', closeTime: T0 });
    const scalar = lifecycleFromWs({
      market_ticker: 'KXA-1',
      event_type: 'determined',
      result: 'scalar',
      settlement_value: '0.3700',
    });
    expect(scalar).toMatchObject({ result: 'scalar', settlementValue: 370_000 });
  });

  it('the REST balance is the available cash, exactly', () => {
    expect(availableCashFromRest(kalshiBalance('98.0186'))).toBe(98_018_600);
  });
});
