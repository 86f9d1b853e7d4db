/**
 * Kalshi's wire shapes -> the values the position tracker keeps. Kalshi describes the same
 * thing twice, once in a REST response and once in a WS message, with different field names
 * and time units; each pair is mapped here side by side, through shared helpers, so the two
 * cannot drift apart. Payloads arrive already validated by the protocol schemas; this file
 * only converts (exact strings -> integers, seconds or RFC 3339 -> ms) and keeps no state.
 */
import {
  parseCount,
  parseDollars,
  type CentiContracts,
  type Fill,
  type FillMessage,
  type GetBalanceResponse,
  type Market,
  type MarketLifecycleEventType,
  type MarketLifecycleV2Message,
  type MarketPosition,
  type MarketPositionMessage,
  type MicroDollars,
  type Order,
  type TickerMessage,
  type UserOrderMessage,
} from '@kalshi-desk/kalshi/protocol';
import {
  normalizeQuote,
  type MarketQuote,
  type PositionAmounts,
  type RestingOrderAmounts,
} from './pnl.models.js';

/** What we track about a market. */
export interface MarketInfo {
  ticker: string;
  eventTicker: string;
  title: string;
  /** Kalshi object status (active, closed, determined, finalized, ...). */
  status: string;
  quote: MarketQuote;
  closeTime: number | null;
  expirationTime: number | null;
  /** 'yes' | 'no' | 'scalar' once determined. */
  result: string | null;
  /** YES payout per contract once determined (scalar markets pay between 0 and $1). */
  settlementValue: MicroDollars | null;
}

/** One of our own fills, as recorded for the audit trail. */
export interface TrackedFill {
  tradeId: string;
  orderId: string;
  ticker: string;
  outcomeSide: 'yes' | 'no';
  bookSide: 'bid' | 'ask';
  count: CentiContracts;
  yesPrice: MicroDollars;
  fee: MicroDollars;
  isTaker: boolean;
  /** Signed position after the fill, when the exchange says so. */
  postPosition: CentiContracts | null;
  ts: number;
}

/** An order as one REST row or WS message describes it. */
export interface OrderState {
  orderId: string;
  ticker: string;
  bookSide: 'bid' | 'ask';
  yesPrice: MicroDollars;
  remaining: CentiContracts;
  /** Still on the book with contracts left; otherwise it ended (filled or canceled). */
  isResting: boolean;
  /** ms; null when the payload does not say. */
  createdMs: number | null;
  /** ms; null when the payload does not say. */
  updatedMs: number | null;
}

/** A `market_lifecycle_v2` message, in our units. */
export interface LifecycleEvent {
  ticker: string;
  eventType: MarketLifecycleEventType;
  /** ms; set by `close_date_updated`. */
  closeTime: number | null;
  result: string | null;
  settlementValue: MicroDollars | null;
}

// ---- market positions: REST /portfolio/positions row | WS market_position ------------------

export function amountsFromRest(row: MarketPosition): PositionAmounts {
  return positionAmounts({
    position: row.position_fp,
    cost: row.market_exposure_dollars,
    realizedPnl: row.realized_pnl_dollars,
    feesPaid: row.fees_paid_dollars,
  });
}

export function amountsFromWs(msg: MarketPositionMessage['msg']): PositionAmounts {
  return positionAmounts({
    position: msg.position_fp,
    cost: msg.position_cost_dollars,
    realizedPnl: msg.realized_pnl_dollars,
    feesPaid: msg.fees_paid_dollars,
  });
}

/** When the exchange last changed the row (ms); the WS message carries no such time. */
export function lastUpdatedFromRest(row: MarketPosition): number | null {
  return timeOrNull(row.last_updated_ts);
}

function positionAmounts(fields: {
  position: string;
  cost: string;
  realizedPnl: string;
  feesPaid: string;
}): PositionAmounts {
  return {
    position: parseCount(fields.position),
    exposure: parseDollars(fields.cost),
    realizedPnl: parseDollars(fields.realizedPnl),
    feesPaid: parseDollars(fields.feesPaid),
  };
}

// ---- fills: REST /portfolio/fills | WS fill ------------------------------------------------

/** REST fills do not say what the position became, and time themselves in seconds. */
export function fillFromRest(fill: Fill): TrackedFill {
  return trackedFill(fill, {
    ticker: fill.ticker,
    postPosition: null,
    ts: fill.ts !== undefined ? fill.ts * 1000 : (timeOrNull(fill.created_time) ?? 0),
  });
}

export function fillFromWs(msg: FillMessage['msg']): TrackedFill {
  return trackedFill(msg, {
    ticker: msg.market_ticker,
    postPosition: parseCount(msg.post_position_fp),
    ts: msg.ts_ms,
  });
}

/** The fields both fill shapes share, under the same names. */
type CommonFillFields = Pick<
  Fill & FillMessage['msg'],
  | 'trade_id'
  | 'order_id'
  | 'outcome_side'
  | 'book_side'
  | 'count_fp'
  | 'yes_price_dollars'
  | 'fee_cost'
  | 'is_taker'
>;

function trackedFill(
  fill: CommonFillFields,
  specific: Pick<TrackedFill, 'ticker' | 'postPosition' | 'ts'>,
): TrackedFill {
  return {
    tradeId: fill.trade_id,
    orderId: fill.order_id,
    ticker: specific.ticker,
    outcomeSide: fill.outcome_side,
    bookSide: fill.book_side,
    count: parseCount(fill.count_fp),
    yesPrice: parseDollars(fill.yes_price_dollars),
    fee: parseDollars(fill.fee_cost),
    isTaker: fill.is_taker,
    postPosition: specific.postPosition,
    ts: specific.ts,
  };
}

// ---- orders: REST /portfolio/orders | WS user_order ----------------------------------------

export function orderFromRest(order: Order): OrderState {
  return orderState(order, {
    createdMs: timeOrNull(order.created_time),
    updatedMs: timeOrNull(order.last_update_time),
  });
}

export function orderFromWs(msg: UserOrderMessage['msg']): OrderState {
  return orderState(msg, {
    createdMs: msg.created_ts_ms ?? null,
    updatedMs: msg.last_updated_ts_ms ?? null,
  });
}

/** A REST order as a resting order, or null when it no longer rests. */
export function restingOrderFromRest(order: Order): RestingOrderAmounts | null {
  const state = orderFromRest(order);
  if (!state.isResting) return null;
  return {
    orderId: state.orderId,
    ticker: state.ticker,
    bookSide: state.bookSide,
    yesPrice: state.yesPrice,
    remaining: state.remaining,
    createdMs: state.createdMs ?? 0,
  };
}

/** The fields both order shapes share, under the same names. */
type CommonOrderFields = Pick<
  Order & UserOrderMessage['msg'],
  'order_id' | 'ticker' | 'status' | 'book_side' | 'yes_price_dollars' | 'remaining_count_fp'
>;

function orderState(
  order: CommonOrderFields,
  times: Pick<OrderState, 'createdMs' | 'updatedMs'>,
): OrderState {
  const remaining = parseCount(order.remaining_count_fp);
  return {
    orderId: order.order_id,
    ticker: order.ticker,
    bookSide: order.book_side,
    yesPrice: parseDollars(order.yes_price_dollars),
    remaining,
    isResting: order.status === 'resting' && remaining > 0,
    ...times,
  };
}

// ---- markets: REST Market | WS ticker, market_lifecycle_v2 ----------------------------------

export function marketInfoFromRest(market: Market): MarketInfo {
  return {
    ticker: market.ticker,
    eventTicker: market.event_ticker,
    title: market.title ?? market.yes_sub_title,
    status: market.status,
    quote: quote({
      yesBid: market.yes_bid_dollars,
      yesAsk: market.yes_ask_dollars,
      last: market.last_price_dollars,
    }),
    closeTime: timeOrNull(market.close_time),
    expirationTime: timeOrNull(market.expected_expiration_time) ?? timeOrNull(market.latest_expiration_time),
    result: market.result === '' ? null : market.result,
    settlementValue: market.settlement_value_dollars ? parseDollars(market.settlement_value_dollars) : null,
  };
}

export function quoteFromWs(msg: TickerMessage['msg']): MarketQuote {
  return quote({ yesBid: msg.yes_bid_dollars, yesAsk: msg.yes_ask_dollars, last: msg.price_dollars });
}

export function lifecycleFromWs(msg: MarketLifecycleV2Message['msg']): LifecycleEvent {
  return {
    ticker: msg.market_ticker,
    eventType: msg.event_type,
    closeTime: msg.close_ts !== undefined ? msg.close_ts * 1000 : null,
    result: msg.result ?? null,
    settlementValue: msg.settlement_value ? parseDollars(msg.settlement_value) : null,
  };
}

function quote(dollars: { yesBid: string; yesAsk: string; last: string }): MarketQuote {
  return normalizeQuote({
    yesBid: parseDollars(dollars.yesBid),
    yesAsk: parseDollars(dollars.yesAsk),
    last: parseDollars(dollars.last),
  });
}

// ---- balance: REST /portfolio/balance (no WS channel) ---------------------------------------

/** Available cash: what new orders can use (resting orders' holds already taken out). */
export function availableCashFromRest(balance: GetBalanceResponse): MicroDollars {
  return parseDollars(balance.balance_dollars);
}

// ---- shared ---------------------------------------------------------------------------------

/** RFC 3339 -> ms; absent, empty or unparseable -> null. */
function timeOrNull(text: string | null | undefined): number | null {
  if (!text) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}
