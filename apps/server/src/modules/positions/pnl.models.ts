/**
 * THE profit-and-loss module (docs/design.md §5): every P&L number the server shows comes from here.
 *
 * Pure and exact. Money is integer MicroDollars (1e-6 USD), quantities integer CentiContracts
 * (0.01 contract), both from `@kalshi-desk/kalshi/protocol`. Floating point appears only in
 * the percentages and at the very edge (`toPositionDto` / `toPortfolioDto`), where integers
 * become the JSON numbers of our contracts through shared/money-edge.ts.
 *
 * Rounding rule (the only one): a price times a quantity is rounded half away from zero to
 * the micro-dollar (`notional`). Kalshi prices have at most 4 decimals and quantities 2, so
 * in practice no rounding ever happens; the rule exists so that the arithmetic is total.
 */
import type { Mark, Portfolio, Position, RestingOrder, Side } from '@kalshi-desk/contracts';
import {
  abs,
  add,
  averagePrice,
  centis,
  divideRounded,
  floorToCashGrid,
  max,
  micros,
  min,
  negate,
  notional,
  ONE_DOLLAR,
  subtract,
  type CentiContracts,
  type MicroDollars,
} from '@kalshi-desk/kalshi/protocol';
import {
  centisToContracts,
  centsOrNull,
  microsToCents,
  microsToDollars,
  quoteToCents,
  type MarketQuote,
} from '../../shared/money-edge.js';

/** $1: what one winning contract pays, and the sum of a YES and a NO price. */
export { ONE_DOLLAR };

/**
 * Quotes (with Kalshi's empty-book rule) and the integer -> JSON number conversions live in
 * shared/money-edge.ts, the server's one API edge for money; the P&L API re-exports them.
 */
export {
  centisToContracts,
  EMPTY_QUOTE,
  microsToCents,
  microsToDollars,
  normalizeQuote,
  type MarketQuote,
} from '../../shared/money-edge.js';

/** Kalshi's own per-market numbers (REST MarketPosition / WS market_position). */
export interface PositionAmounts {
  /** Signed net position: > 0 YES contracts, < 0 NO contracts. */
  position: CentiContracts;
  /** Cost basis of the contracts held (fees excluded), always >= 0. */
  exposure: MicroDollars;
  realizedPnl: MicroDollars;
  feesPaid: MicroDollars;
}

export interface PositionPnl {
  side: Side;
  quantity: CentiContracts;
  /** Held side's average price: exposure / quantity, rounded half away from zero to the micro. */
  avgEntryPrice: MicroDollars;
  /** Held side's price per the mark; null when the market has no such price. */
  currentPrice: MicroDollars | null;
  /** currentPrice x quantity (what the position is worth at the mark); null without a price. */
  markValue: MicroDollars | null;
  /** markValue - exposure, i.e. (current - avg) x quantity without rounding avg first. */
  unrealizedPnl: MicroDollars | null;
  /** unrealized / exposure x 100, rounded to 2 decimals; null without a price or with no cost. */
  unrealizedPnlPercent: number | null;
  /** What settlement in our favour adds: quantity x $1 - exposure. */
  maxPayout: MicroDollars;
  /** What settlement against us loses: the exposure. */
  maxLoss: MicroDollars;
  exposure: MicroDollars;
  realizedPnl: MicroDollars;
  feesPaid: MicroDollars;
}

export function sideOf(position: CentiContracts): Side {
  return position < 0 ? 'NO' : 'YES';
}

/** Re-exported: the one exact rounded division lives with the fixed-point helpers. */
export { divideRounded };

/**
 * The held side's price under a mark.
 * - bid (default, liquidation value): YES sells at yes_bid; NO sells at no_bid = $1 - yes_ask.
 * - mid: YES at (yes_bid + yes_ask) / 2, NO at $1 - that; needs both sides of the book.
 *   The halving is exact for prices with up to 5 decimals; beyond that it rounds half up.
 * - last: YES at the last trade, NO at $1 - last.
 */
export function heldSidePrice(args: { side: Side; mark: Mark; quote: MarketQuote }): MicroDollars | null {
  const { side, mark, quote } = args;
  let yesPrice: MicroDollars | null;
  switch (mark) {
    case 'bid':
      if (side === 'YES') return quote.yesBid;
      return quote.yesAsk === null ? null : subtract(ONE_DOLLAR, quote.yesAsk);
    case 'mid':
      yesPrice =
        quote.yesBid === null || quote.yesAsk === null
          ? null
          : micros(divideRounded(add(quote.yesBid, quote.yesAsk), 2));
      break;
    case 'last':
      yesPrice = quote.last;
      break;
  }
  if (yesPrice === null) return null;
  return side === 'YES' ? yesPrice : subtract(ONE_DOLLAR, yesPrice);
}

/** Percent of `part` over `whole`, rounded to 2 decimals; null when `whole` is 0. */
export function percentOf(part: MicroDollars, whole: MicroDollars): number | null {
  if (whole === 0) return null;
  // Basis points of a percent, computed exactly in integers, then scaled once.
  return divideRounded(part * 10_000, whole) / 100;
}

export function positionPnl(args: { amounts: PositionAmounts; quote: MarketQuote; mark: Mark }): PositionPnl {
  const { amounts, quote, mark } = args;
  const side = sideOf(amounts.position);
  const quantity = abs(amounts.position);
  const avgEntryPrice = quantity === 0 ? micros(0) : averagePrice(amounts.exposure, quantity);
  const currentPrice = heldSidePrice({ side, mark, quote });
  const markValue = currentPrice === null ? null : notional(currentPrice, quantity);
  const unrealizedPnl = markValue === null ? null : subtract(markValue, amounts.exposure);
  return {
    side,
    quantity,
    avgEntryPrice,
    currentPrice,
    markValue,
    unrealizedPnl,
    unrealizedPnlPercent: unrealizedPnl === null ? null : percentOf(unrealizedPnl, amounts.exposure),
    maxPayout: subtract(notional(ONE_DOLLAR, quantity), amounts.exposure),
    maxLoss: amounts.exposure,
    exposure: amounts.exposure,
    realizedPnl: amounts.realizedPnl,
    feesPaid: amounts.feesPaid,
  };
}

/**
 * Value a position contributes to the portfolio: its mark value, or its cost (exposure) when
 * the mark has no price, so that an empty book does not read as a total loss.
 */
export function carryingValue(pnl: PositionPnl): MicroDollars {
  return pnl.markValue ?? pnl.exposure;
}

/**
 * Lifetime P&L of one market as Kalshi reports it plus our mark: realized + unrealized - fees.
 * Without a mark price the unrealized part counts as 0 (the position is carried at cost).
 */
export function marketTotalPnl(pnl: PositionPnl): MicroDollars {
  return subtract(add(pnl.realizedPnl, pnl.unrealizedPnl ?? 0), pnl.feesPaid);
}

// ---- money held by resting orders ----------------------------------------------------

/** One resting order, on the YES book as Kalshi's V2 orders are. */
export interface RestingOrderAmounts {
  orderId: string;
  ticker: string;
  /** bid buys YES, ask buys NO (sells YES). */
  bookSide: 'bid' | 'ask';
  yesPrice: MicroDollars;
  remaining: CentiContracts;
  /** ms; orders of one price level are served in this order, then by id. */
  createdMs: number;
}

/** Price the order pays per contract of the side it buys: YES price for a bid, $1 - it for an ask. */
export function orderSidePrice(order: Pick<RestingOrderAmounts, 'bookSide' | 'yesPrice'>): MicroDollars {
  return order.bookSide === 'bid' ? order.yesPrice : subtract(ONE_DOLLAR, order.yesPrice);
}

/**
 * What each resting order of ONE market holds back, by the rule the exchange applies (and the
 * simulator implements, docs/decisions/005-simulator.md):
 * - the part of an order that closes the held position reserves nothing (each YES+NO pair nets
 *   to $1): a bid closes a NO position, an ask closes a YES position;
 * - the closing capacity (the held contracts of the opposite side) goes to the orders in book
 *   priority: best price first (highest YES price for bids, lowest for asks), then the oldest,
 *   then by order id; each contract of it is used once;
 * - the rest of each order opens contracts and reserves their cost at the order's side price.
 * Fees are not reserved: a resting order fills as a maker.
 */
export function orderReservations(args: {
  position: CentiContracts;
  orders: readonly RestingOrderAmounts[];
}): Map<string, MicroDollars> {
  const result = new Map<string, MicroDollars>();
  for (const side of ['bid', 'ask'] as const) {
    let closable = max(0, side === 'bid' ? negate(args.position) : args.position);
    const queue = args.orders
      .filter((o) => o.bookSide === side)
      .sort(
        (a, b) =>
          (side === 'bid' ? b.yesPrice - a.yesPrice : a.yesPrice - b.yesPrice) ||
          a.createdMs - b.createdMs ||
          (a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0),
      );
    for (const order of queue) {
      const closing = min(order.remaining, closable);
      closable = subtract(closable, closing);
      result.set(order.orderId, notional(orderSidePrice(order), subtract(order.remaining, closing)));
    }
  }
  return result;
}

/**
 * Cash a fill moves, from the fill alone: the contracts bought cost their side price, every
 * pair that nets against the position held before returns $1, and the fee is paid.
 * `postPosition` is the signed position after the fill.
 */
export function fillCashFlow(fill: {
  bookSide: 'bid' | 'ask';
  yesPrice: MicroDollars;
  count: CentiContracts;
  fee: MicroDollars;
  postPosition: CentiContracts;
}): MicroDollars {
  const delta = fill.bookSide === 'bid' ? fill.count : negate(fill.count);
  const before = subtract(fill.postPosition, delta);
  const netted = before * delta < 0 ? min(fill.count, abs(before)) : centis(0);
  const sidePrice = fill.bookSide === 'bid' ? fill.yesPrice : subtract(ONE_DOLLAR, fill.yesPrice);
  return subtract(notional(ONE_DOLLAR, netted), add(notional(sidePrice, fill.count), fill.fee));
}

/**
 * What settlement pays a position: per contract $1 to the winning side ("yes" pays YES, "no"
 * pays NO), or for a scalar result the settlement value per YES and $1 minus it per NO;
 * rounded down to the balance grid. Null when the result is not known.
 */
export function settlementPayout(args: {
  position: CentiContracts;
  result: string | null;
  settlementValue: MicroDollars | null;
}): MicroDollars | null {
  const isYes = args.position > 0;
  let perContract: MicroDollars;
  if (args.result === 'yes') perContract = isYes ? ONE_DOLLAR : micros(0);
  else if (args.result === 'no') perContract = isYes ? micros(0) : ONE_DOLLAR;
  else if (args.settlementValue !== null) {
    perContract = isYes ? args.settlementValue : subtract(ONE_DOLLAR, args.settlementValue);
  } else return null;
  return floorToCashGrid(notional(perContract, abs(args.position)));
}

export interface PortfolioTotals {
  /** Available cash: what the exchange lets new orders use. */
  cash: MicroDollars;
  /** Cash held back for resting orders (still the trader's). */
  reserved: MicroDollars;
  positionsValue: MicroDollars;
  /** cash + reserved + positionsValue: unchanged by placing or cancelling an order. */
  totalValue: MicroDollars;
  /** totalValue - the day's baseline; 0 when there is no baseline yet. */
  todayPnl: MicroDollars;
  todayPnlPercent: number;
  /**
   * total_pnl = sum over open positions of (realized + unrealized - fees), plus the realized
   * results (revenue - cost - fees) of markets that settled or were closed out while this
   * server tracked the account (`closedPnl`). It is not an all-time account P&L: markets
   * closed before the server started watching are not included.
   */
  totalPnl: MicroDollars;
  positionCount: number;
}

/**
 * Portfolio totals. `dayBaseline` is the total value of the first equity snapshot recorded
 * after the start of the current day (UTC midnight unless the caller chooses another zone);
 * today_pnl is measured against it. Deposits and withdrawals during the day move today_pnl
 * too (Kalshi gives no transfer feed we subscribe to).
 */
export function portfolioTotals(args: {
  cash: MicroDollars;
  reserved: MicroDollars;
  positions: readonly PositionPnl[];
  closedPnl: MicroDollars;
  dayBaseline: MicroDollars | null;
}): PortfolioTotals {
  let positionsValue = micros(0);
  let openPnl = micros(0);
  for (const p of args.positions) {
    positionsValue = add(positionsValue, carryingValue(p));
    openPnl = add(openPnl, marketTotalPnl(p));
  }
  const totalValue = add(args.cash, args.reserved, positionsValue);
  const todayPnl = args.dayBaseline === null ? micros(0) : subtract(totalValue, args.dayBaseline);
  return {
    cash: args.cash,
    reserved: args.reserved,
    positionsValue,
    totalValue,
    todayPnl,
    todayPnlPercent: args.dayBaseline === null ? 0 : (percentOf(todayPnl, args.dayBaseline) ?? 0),
    totalPnl: add(openPnl, args.closedPnl),
    positionCount: args.positions.length,
  };
}

/** Start of the day containing `nowMs`, in UTC, or shifted by a fixed offset in minutes. */
export function startOfDay(nowMs: number, utcOffsetMinutes = 0): number {
  const shift = utcOffsetMinutes * 60_000;
  const day = 86_400_000;
  return Math.floor((nowMs + shift) / day) * day - shift;
}

// ---- the edge: computed positions -> the contracts' shapes (conversions: shared/money-edge.ts) ----

export interface PositionContext {
  ticker: string;
  eventTicker: string;
  marketTitle: string;
  marketStatus: string;
  quote: MarketQuote;
  /** ms since epoch */
  entryTime: number;
  expirationTime: number | null;
  lastUpdated: number;
  now: number;
}

/** The one mapper from a computed position to the contracts' `Position`. */
export function toPositionDto(pnl: PositionPnl, ctx: PositionContext, mark: Mark): Position {
  return {
    id: ctx.ticker,
    ticker: ctx.ticker,
    event_ticker: ctx.eventTicker,
    market_title: ctx.marketTitle,
    side: pnl.side,
    quantity: centisToContracts(pnl.quantity),
    avg_entry_price: microsToCents(pnl.avgEntryPrice),
    current_price: centsOrNull(pnl.currentPrice),
    mark,
    unrealized_pnl: pnl.unrealizedPnl === null ? null : microsToDollars(pnl.unrealizedPnl),
    unrealized_pnl_percent: pnl.unrealizedPnlPercent,
    realized_pnl: microsToDollars(pnl.realizedPnl),
    fees_paid: microsToDollars(pnl.feesPaid),
    market_exposure: microsToDollars(pnl.exposure),
    max_payout: microsToDollars(pnl.maxPayout),
    max_loss: microsToDollars(pnl.maxLoss),
    ...quoteToCents(ctx.quote),
    market_status: ctx.marketStatus,
    duration_held: Math.max(0, Math.floor((ctx.now - ctx.entryTime) / 1000)),
    entry_time: new Date(ctx.entryTime).toISOString(),
    expiration_date: ctx.expirationTime === null ? null : new Date(ctx.expirationTime).toISOString(),
    last_updated: new Date(ctx.lastUpdated).toISOString(),
  };
}

/** The one mapper from a resting order and its reservation to the contracts' `RestingOrder`. */
export function toRestingOrderDto(order: RestingOrderAmounts, reserved: MicroDollars): RestingOrder {
  return {
    order_id: order.orderId,
    ticker: order.ticker,
    side: order.bookSide === 'bid' ? 'YES' : 'NO',
    book_side: order.bookSide,
    price: microsToCents(orderSidePrice(order)),
    yes_price: microsToCents(order.yesPrice),
    remaining_count: centisToContracts(order.remaining),
    reserved: microsToDollars(reserved),
    created_time: order.createdMs > 0 ? new Date(order.createdMs).toISOString() : null,
  };
}

/**
 * Final result of a settled position: Kalshi's realized P&L so far, plus the payout, minus the
 * cost still open, minus all fees. Without a known result the payout counts as 0.
 */
export function settlementResult(
  amounts: PositionAmounts,
  market: { result: string | null; settlementValue: MicroDollars | null },
): MicroDollars {
  const payout =
    settlementPayout({
      position: amounts.position,
      result: market.result,
      settlementValue: market.settlementValue,
    }) ?? micros(0);
  return subtract(add(amounts.realizedPnl, payout), add(amounts.exposure, amounts.feesPaid));
}

export function toPortfolioDto(totals: PortfolioTotals, lastUpdated: number): Portfolio {
  return {
    total_value: microsToDollars(totals.totalValue),
    cash_balance: microsToDollars(totals.cash),
    reserved_for_orders: microsToDollars(totals.reserved),
    positions_value: microsToDollars(totals.positionsValue),
    today_pnl: microsToDollars(totals.todayPnl),
    today_pnl_percent: totals.todayPnlPercent,
    total_pnl: microsToDollars(totals.totalPnl),
    position_count: totals.positionCount,
    last_updated: new Date(lastUpdated).toISOString(),
  };
}
