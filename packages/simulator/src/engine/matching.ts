/**
 * Order entry and price-time matching: checking an order, walking the opposite side of the
 * book, printing each trade at the resting price, resting or cancelling what is left, and
 * the book deltas, trades, orders and tickers that follow. Cash and positions move in
 * ledger.ts; this file decides what trades.
 */
import { add, averagePrice, centis, max, micros, min, negate, subtract } from '@kalshi-desk/kalshi/protocol';
import { topOfBook, type OrderBook } from './book.js';
import {
  applyFill,
  availableCash,
  positiveHolding,
  releaseReservation,
  reserveResting,
  restingCount,
} from './ledger.js';
import { isOnGrid, notional, ONE_DOLLAR, tradeFee } from './money.js';
import { fail } from './result.js';
import type {
  Account,
  BookSide,
  CancelOrderResult,
  Centis,
  CreateOrderInput,
  CreateOrderResult,
  EngineEvent,
  EngineResult,
  EpochMs,
  Fill,
  Market,
  Micros,
  Order,
  Series,
  Trade,
} from './types.js';

/** The part of the engine's state that order entry and matching read and change. */
export interface MatchingState {
  readonly series: ReadonlyMap<string, Series>;
  readonly markets: ReadonlyMap<string, Market>;
  readonly books: ReadonlyMap<string, OrderBook>;
  readonly accounts: ReadonlyMap<string, Account>;
  /** Public trades, oldest first. */
  readonly trades: Trade[];
  /** Resting orders that carry an expiration time. */
  readonly expiring: Set<Order>;
  /** Per market, the last ticker numbers sent (top of book, last price, volume, open interest). */
  readonly tickerState: Map<string, number[]>;
  now(): EpochMs;
  /** The next global arrival number (orders, trades, fills, settlements share one sequence). */
  nextSeq(): number;
  newId(): string;
  emit(event: EngineEvent): void;
}

const MAX_TRADES_KEPT = 50_000;
/**
 * One billion contracts. Far above any real order, and small enough that every money product
 * stays a safe integer (a larger count made notional() throw: a 500 instead of a 400).
 */
const MAX_ORDER_COUNT = centis(100_000_000_000);

export function placeOrder(
  state: MatchingState,
  userId: string,
  input: CreateOrderInput,
): EngineResult<CreateOrderResult> {
  const now = state.now();
  const account = state.accounts.get(userId);
  if (!account) return fail('not_found');
  const market = state.markets.get(input.ticker);
  const book = state.books.get(input.ticker);
  if (!market || !book) return fail('market_not_found');
  if (market.status !== 'active') return fail('market_inactive');
  if (!Number.isSafeInteger(input.count) || input.count <= 0 || input.count > MAX_ORDER_COUNT)
    return fail('invalid_order_size');
  if (!isOnGrid(input.price, market.priceRanges)) return fail('invalid_price');
  const clientOrderId = input.clientOrderId ?? '';
  if (clientOrderId !== '' && account.clientOrderIds.has(clientOrderId)) return fail('order_already_exists');
  const expirationMs = input.expirationMs ?? null;
  if (expirationMs !== null) {
    if (input.timeInForce !== 'good_till_canceled')
      return fail('invalid_order', 'expiration_time requires good_till_canceled');
    if (expirationMs <= now) return fail('invalid_order', 'expiration_time is in the past');
  }
  const opposite = input.side === 'bid' ? book.bestAsk() : book.bestBid();
  const crosses =
    opposite !== undefined &&
    (input.side === 'bid' ? opposite.price <= input.price : opposite.price >= input.price);
  if (input.postOnly && crosses) return fail('invalid_order', 'post only cross');

  let count = input.count;
  const held = account.positions.get(market.ticker)?.position ?? centis(0);
  // Held contracts this order would close (a bid closes NO, an ask YES); <= 0 when none.
  const closesUpTo = input.side === 'bid' ? negate(held) : held;
  if (input.reduceOnly) {
    const reducible = max(0, closesUpTo);
    if (reducible === 0) return fail('invalid_order', 'reduce only order would increase position');
    count = min(count, reducible);
  }
  if (!account.isHouse) {
    // The part of the position already promised to this account's resting orders on the same
    // side cannot be closed again: counting it twice let cash go negative.
    const closable = max(0, subtract(closesUpTo, restingCount(account, book, input.side)));
    const opening = max(0, subtract(count, closable));
    const sidePrice = input.side === 'bid' ? input.price : subtract(ONE_DOLLAR, input.price);
    const required = add(
      notional(sidePrice, opening),
      tradeFee({ price: input.price, count, isTaker: true }),
    );
    if (availableCash(account) < required) return fail('insufficient_balance');
  }
  if (
    input.timeInForce === 'fill_or_kill' &&
    matchable(book, userId, input.side, input.price, input.selfTradePrevention) < count
  ) {
    const order = newOrder(state, account, input, count, clientOrderId, now);
    order.status = 'canceled';
    order.remaining = centis(0);
    recordOrder(account, order);
    state.emit({ kind: 'order', userId, order });
    return {
      ok: true,
      value: {
        order,
        fillCount: centis(0),
        remainingCount: centis(0),
        averageFillPrice: null,
        averageFeePaid: null,
        tsMs: now,
      },
    };
  }

  const order = newOrder(state, account, input, count, clientOrderId, now);
  recordOrder(account, order);
  let fillNotional = micros(0); // what the fills cost on the YES scale, for the average price
  let feeTotal = micros(0);
  let stopped = false;
  const half = book.half(input.side === 'bid' ? 'ask' : 'bid');
  while (order.remaining > 0 && !stopped) {
    const level = half.best();
    if (!level) break;
    if (input.side === 'bid' ? level.price > order.price : level.price < order.price) break;
    const resting = level.orders[0];
    if (!resting) break;
    if (resting.userId === userId) {
      if (order.selfTradePrevention === 'taker_at_cross') {
        stopped = true;
        break;
      }
      cancelResting(state, resting, now);
      continue;
    }
    const q = min(order.remaining, resting.remaining);
    const fee = executeTrade(state, { market, book, taker: order, maker: resting, count: q, now });
    fillNotional = add(fillNotional, notional(resting.price, q));
    feeTotal = add(feeTotal, fee);
  }

  const filled = order.filled;
  if (order.remaining > 0 && !stopped && order.timeInForce === 'good_till_canceled') {
    book.half(order.side).add(order);
    reserveResting(account, market.ticker, book);
    if (order.expirationMs !== null) state.expiring.add(order);
    state.emit({
      kind: 'book_delta',
      market,
      side: order.side,
      price: order.price,
      delta: order.remaining,
      tsMs: now,
      order,
    });
  } else {
    order.status = order.remaining === 0 && !stopped ? 'executed' : 'canceled';
    order.remaining = centis(0);
    forgetIfHouse(account, order);
  }
  order.updatedMs = now;
  state.emit({ kind: 'order', userId, order });
  emitTickerIfChanged(state, market, now);
  return {
    ok: true,
    value: {
      order,
      fillCount: filled,
      remainingCount: order.remaining,
      averageFillPrice: filled > 0 ? averagePrice(fillNotional, filled) : null,
      averageFeePaid: filled > 0 ? averagePrice(feeTotal, filled) : null,
      tsMs: now,
    },
  };
}

export function cancelOrder(
  state: MatchingState,
  userId: string,
  orderId: string,
): EngineResult<CancelOrderResult> {
  const account = state.accounts.get(userId);
  const order = account?.ordersById.get(orderId);
  if (!account || !order) return fail('not_found');
  // After close every order operation, cancel included, is MARKET_INACTIVE (docs/kalshi-protocol.md §5.2).
  // Checked before the order's status: closing cancels every resting order, so the status check
  // first made this answer unreachable.
  const market = state.markets.get(order.ticker);
  if (market && market.status !== 'active' && market.status !== 'inactive') return fail('market_inactive');
  if (order.status !== 'resting') return fail('not_found');
  const now = state.now();
  const reducedBy = order.remaining;
  cancelResting(state, order, now);
  return { ok: true, value: { order, reducedBy, tsMs: now } };
}

/** Take a resting order off its book (a cancel, an expiry, a self-trade, a market closing). */
export function cancelResting(state: MatchingState, order: Order, now: EpochMs): void {
  const account = state.accounts.get(order.userId);
  const market = state.markets.get(order.ticker);
  const book = state.books.get(order.ticker);
  if (!account || !market || !book || order.status !== 'resting') return;
  const removed = order.remaining;
  book.half(order.side).reduce(order, removed, true);
  releaseReservation(account, order);
  order.remaining = centis(0);
  order.status = 'canceled';
  order.updatedMs = now;
  state.expiring.delete(order);
  forgetIfHouse(account, order);
  reserveResting(account, market.ticker, book);
  state.emit({
    kind: 'book_delta',
    market,
    side: order.side,
    price: order.price,
    delta: negate(removed),
    tsMs: now,
    order,
  });
  state.emit({ kind: 'order', userId: order.userId, order });
  emitTickerIfChanged(state, market, now);
}

function newOrder(
  state: MatchingState,
  account: Account,
  input: CreateOrderInput,
  count: Centis,
  clientOrderId: string,
  now: EpochMs,
): Order {
  const seq = state.nextSeq();
  return {
    orderId: state.newId(),
    userId: account.userId,
    clientOrderId,
    ticker: input.ticker,
    side: input.side,
    price: input.price,
    initial: count,
    remaining: count,
    filled: centis(0),
    status: 'resting',
    timeInForce: input.timeInForce,
    selfTradePrevention: input.selfTradePrevention,
    postOnly: input.postOnly ?? false,
    reduceOnly: input.reduceOnly ?? false,
    createdMs: now,
    updatedMs: now,
    expirationMs: input.expirationMs ?? null,
    takerFillCost: micros(0),
    makerFillCost: micros(0),
    takerFees: micros(0),
    makerFees: micros(0),
    reserved: micros(0),
    seq,
  };
}

function recordOrder(account: Account, order: Order): void {
  account.ordersById.set(order.orderId, order);
  if (account.isHouse) return;
  account.orders.push(order);
  if (order.clientOrderId !== '') account.clientOrderIds.add(order.clientOrderId);
}

/** House accounts keep no history, so long busy runs do not grow memory. */
function forgetIfHouse(account: Account, order: Order): void {
  if (account.isHouse) account.ordersById.delete(order.orderId);
}

/** What an incoming order could fill; taker_at_cross matching stops at the account's own first resting order. */
function matchable(
  book: OrderBook,
  userId: string,
  side: BookSide,
  price: Micros,
  selfTradePrevention: Order['selfTradePrevention'],
): Centis {
  let total = centis(0);
  for (const level of book.half(side === 'bid' ? 'ask' : 'bid').bestFirst()) {
    if (side === 'bid' ? level.price > price : level.price < price) break;
    for (const o of level.orders) {
      if (o.userId !== userId) total = add(total, o.remaining);
      else if (selfTradePrevention === 'taker_at_cross') return total;
    }
  }
  return total;
}

/** One match between the incoming order and a resting order, at the resting price. Returns the taker's fee_cost. */
function executeTrade(
  state: MatchingState,
  args: { market: Market; book: OrderBook; taker: Order; maker: Order; count: Centis; now: EpochMs },
): Micros {
  const { market, book, taker, maker, count, now } = args;
  const price = maker.price;
  const takerAccount = state.accounts.get(taker.userId);
  const makerAccount = state.accounts.get(maker.userId);
  if (!takerAccount || !makerAccount) throw new Error('order without account');
  const series = state.series.get(market.seriesTicker);
  const multiplier = series?.feeMultiplier ?? 1;
  const takerTradeFee = tradeFee({ price, count, isTaker: true, multiplier });
  const makerTradeFee =
    series?.feeType === 'quadratic_with_maker_fees'
      ? tradeFee({ price, count, isTaker: false, multiplier })
      : micros(0);

  maker.remaining = subtract(maker.remaining, count);
  maker.filled = add(maker.filled, count);
  maker.updatedMs = now;
  book.half(maker.side).reduce(maker, count, maker.remaining === 0);
  if (maker.remaining === 0) {
    // Off the book: its reservation goes; a partly filled maker is re-derived below.
    releaseReservation(makerAccount, maker);
    maker.status = 'executed';
    state.expiring.delete(maker);
  }
  taker.remaining = subtract(taker.remaining, count);
  taker.filled = add(taker.filled, count);

  const trade: Trade = {
    tradeId: state.newId(),
    ticker: market.ticker,
    yesPrice: price,
    count,
    takerSide: taker.side,
    createdMs: now,
    seq: state.nextSeq(),
  };
  state.trades.push(trade);
  if (state.trades.length > MAX_TRADES_KEPT + 5_000) state.trades.splice(0, 5_000);
  market.volume = add(market.volume, count);
  market.volume24h = add(market.volume24h, count);
  market.lastPrice = price;
  market.lastTradeSize = count;
  market.dollarVolume = add(market.dollarVolume, notional(price, count));
  market.updatedMs = now;

  const oiBefore = add(
    positiveHolding(takerAccount, market.ticker),
    positiveHolding(makerAccount, market.ticker),
  );
  const takerCost = notional(taker.side === 'bid' ? price : subtract(ONE_DOLLAR, price), count);
  const makerCost = notional(maker.side === 'bid' ? price : subtract(ONE_DOLLAR, price), count);
  const takerFill = applyFill({
    account: takerAccount,
    market,
    order: taker,
    yesPrice: price,
    count,
    tradeFee: takerTradeFee,
    isTaker: true,
    tradeId: trade.tradeId,
    now,
    seq: state.nextSeq(),
  });
  const makerFill = applyFill({
    account: makerAccount,
    market,
    order: maker,
    yesPrice: price,
    count,
    tradeFee: makerTradeFee,
    isTaker: false,
    tradeId: trade.tradeId,
    now,
    seq: state.nextSeq(),
  });
  // fee_cost of a fill = trade fee + rounding fee; the order's fee totals add up its fills.
  taker.takerFillCost = add(taker.takerFillCost, takerCost);
  taker.takerFees = add(taker.takerFees, takerFill.fee);
  maker.makerFillCost = add(maker.makerFillCost, makerCost);
  maker.makerFees = add(maker.makerFees, makerFill.fee);
  reserveResting(takerAccount, market.ticker, book);
  reserveResting(makerAccount, market.ticker, book);
  const oiAfter = add(
    positiveHolding(takerAccount, market.ticker),
    positiveHolding(makerAccount, market.ticker),
  );
  market.openInterest = add(market.openInterest, subtract(oiAfter, oiBefore));

  state.emit({
    kind: 'book_delta',
    market,
    side: maker.side,
    price,
    delta: negate(count),
    tsMs: now,
    order: maker,
  });
  state.emit({ kind: 'trade', market, trade });
  emitFillAndPosition(state, takerAccount, market, takerFill, now);
  emitFillAndPosition(state, makerAccount, market, makerFill, now);
  if (maker.remaining === 0) forgetIfHouse(makerAccount, maker);
  state.emit({ kind: 'order', userId: maker.userId, order: maker });
  return takerFill.fee;
}

function emitFillAndPosition(
  state: MatchingState,
  account: Account,
  market: Market,
  fill: Fill,
  now: EpochMs,
): void {
  state.emit({ kind: 'fill', userId: account.userId, market, fill });
  const position = account.positions.get(market.ticker);
  if (position) state.emit({ kind: 'position', userId: account.userId, market, position, tsMs: now });
}

/** Emit a ticker event when the top of book, last price, volume or open interest changed. */
function emitTickerIfChanged(state: MatchingState, market: Market, now: EpochMs): void {
  const top = topOfBook(state.books.get(market.ticker));
  let last = state.tickerState.get(market.ticker);
  if (!last) {
    last = [-1, -1, -1, -1, -1, -1, -1];
    state.tickerState.set(market.ticker, last);
  }
  const next = [
    top.bid,
    top.bidSize,
    top.ask,
    top.askSize,
    market.lastPrice,
    market.volume,
    market.openInterest,
  ];
  let changed = false;
  for (let i = 0; i < next.length; i += 1) {
    if (last[i] !== next[i]) {
      last[i] = next[i] ?? 0;
      changed = true;
    }
  }
  if (changed) state.emit({ kind: 'ticker', market, tsMs: now });
}
