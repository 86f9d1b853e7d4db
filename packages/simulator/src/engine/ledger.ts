/**
 * The ledger: accounts and their cash, fills booked into signed positions (YES/NO netting,
 * exposure at average cost, realized P&L, fees), what resting orders hold back, and settlement
 * payouts. Plain functions over the accounts and books they are handed. Invariant per account:
 *   cash + sum(exposure) - realizedTotal + feesTotal = deposits.
 */
import { abs, add, centis, max, micros, min, negate, proRata, subtract } from '@kalshi-desk/kalshi/protocol';
import type { OrderBook } from './book.js';
import { ceilToCashGrid, floorToCashGrid, isOnCashGrid, notional, ONE_DOLLAR, roundingFee } from './money.js';
import { fail } from './result.js';
import type {
  Account,
  BookSide,
  Centis,
  EngineEvent,
  EngineResult,
  EpochMs,
  Fill,
  Market,
  Micros,
  Order,
  Settlement,
} from './types.js';

const MICROS_PER_CENT = 10_000;

// ---------------------------------------------------------------- accounts

/**
 * A new account holding `cash`, which must be a whole number of $0.0001 (balances live on that
 * grid). The id is drawn only once the cash is known to be valid.
 */
export function openAccount(args: {
  cash: Micros;
  isHouse: boolean;
  userId: string | undefined;
  newId: () => string;
  now: EpochMs;
}): Account {
  const { cash } = args;
  if (!isOnCashGrid(cash)) throw new RangeError(`starting cash ${cash} is not a multiple of $0.0001`);
  return {
    userId: args.userId ?? args.newId(),
    isHouse: args.isHouse,
    cash,
    reserved: micros(0),
    deposits: cash,
    positions: new Map(),
    orders: [],
    ordersById: new Map(),
    clientOrderIds: new Set(),
    fills: [],
    settlements: [],
    realizedTotal: micros(0),
    feesTotal: micros(0),
    updatedMs: args.now,
  };
}

export function deposit(account: Account, amount: Micros, now: EpochMs): EngineResult<Account> {
  if (!isOnCashGrid(amount)) return fail('invalid_order', 'amount must be a multiple of $0.0001');
  account.cash = add(account.cash, amount);
  account.deposits = add(account.deposits, amount);
  account.updatedMs = now;
  return { ok: true, value: account };
}

/** What the balance holds back for resting orders: their exact reservations, rounded up to $0.0001. */
export function reservedOnGrid(account: Account): Micros {
  return ceilToCashGrid(account.reserved);
}

/**
 * Available cash (`balance_dollars`): cash minus the reservation on the grid. Exact on the
 * $0.0001 grid because cash is. New orders are checked against this same figure.
 */
export function availableCash(account: Account): Micros {
  return subtract(account.cash, reservedOnGrid(account));
}

/** Contracts held long on the YES side (what one account adds to open interest). */
export function positiveHolding(account: Account, ticker: string): Centis {
  return max(0, account.positions.get(ticker)?.position ?? 0);
}

// ---------------------------------------------------------------- reservations

/** Contracts this account has resting on `side` of `book`. */
export function restingCount(account: Account, book: OrderBook, side: BookSide): Centis {
  let total = centis(0);
  for (const level of book.half(side).bestFirst())
    for (const o of level.orders) if (o.userId === account.userId) total = add(total, o.remaining);
  return total;
}

function byCreationThenId(a: Order, b: Order): number {
  if (a.createdMs !== b.createdMs) return a.createdMs - b.createdMs;
  return a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0;
}

/**
 * This account's resting orders on one side of a market in reservation priority: best price
 * first, then creation time, then order id. Within a level the book's FIFO agrees with that
 * except between orders created in the same millisecond; ties go by order id so that a client
 * that sees only prices, creation times and ids can repeat the walk exactly.
 */
export function restingInPriority(account: Account, book: OrderBook | undefined, side: BookSide): Order[] {
  if (!book) return [];
  const mine: Order[] = [];
  for (const level of book.half(side).bestFirst()) {
    const from = mine.length;
    for (const o of level.orders) if (o.userId === account.userId) mine.push(o);
    if (mine.length - from > 1) mine.push(...mine.splice(from).sort(byCreationThenId));
  }
  return mine;
}

/**
 * Re-derive what this account's resting orders in one market hold back. Per book side, in
 * reservation priority, each order first takes what is left of the opposite position as
 * closing capacity (a bid closes NO, an ask closes YES; a closed YES+NO pair returns $1, so
 * closing needs no cash) and reserves notional(side price, the rest), the side price being
 * the YES price for a bid and $1 - YES price for an ask. Exact amounts; the balance rounds the
 * account's total up to $0.0001. Fees are not reserved: a resting order fills as maker. Run
 * whenever the position or the resting orders change, so a closing capacity is never promised
 * to two orders.
 */
export function reserveResting(account: Account, ticker: string, book: OrderBook | undefined): void {
  if (account.isHouse) return;
  const held = account.positions.get(ticker)?.position ?? centis(0);
  for (const side of ['bid', 'ask'] as const) {
    let closable = max(0, side === 'bid' ? negate(held) : held);
    for (const o of restingInPriority(account, book, side)) {
      const closing = min(o.remaining, closable);
      closable = subtract(closable, closing);
      const sidePrice = side === 'bid' ? o.price : subtract(ONE_DOLLAR, o.price);
      const needed = notional(sidePrice, subtract(o.remaining, closing));
      account.reserved = add(account.reserved, subtract(needed, o.reserved));
      o.reserved = needed;
    }
  }
}

/** An order leaves the book: whatever it held back goes back to the account. */
export function releaseReservation(account: Account, order: Order): void {
  account.reserved = subtract(account.reserved, order.reserved);
  order.reserved = micros(0);
}

// ---------------------------------------------------------------- fills

/**
 * Book one fill into the account: YES/NO netting into a signed position, exposure at
 * average cost, realized P&L on the netted part, fees. The fee charged (fee_cost) is the trade
 * fee plus the rounding fee that rounds the fill's cash change down to $0.0001, so cash stays
 * on Kalshi's grid.
 */
export function applyFill(args: {
  account: Account;
  market: Market;
  order: Order;
  yesPrice: Micros;
  count: Centis;
  tradeFee: Micros;
  isTaker: boolean;
  tradeId: string;
  now: EpochMs;
  seq: number;
}): Fill {
  const { account, market, order, yesPrice, count, now } = args;
  let position = account.positions.get(market.ticker);
  if (!position) {
    position = {
      ticker: market.ticker,
      eventTicker: market.eventTicker,
      position: centis(0),
      exposure: micros(0),
      realizedPnl: micros(0),
      feesPaid: micros(0),
      positionFeeCost: micros(0),
      totalTraded: micros(0),
      volume: centis(0),
      lastUpdatedMs: now,
    };
    account.positions.set(market.ticker, position);
  }
  const direction = order.side === 'bid' ? 1 : -1;
  // A bid adds YES contracts (position up), an ask adds NO contracts (position down).
  const signed = (contracts: Centis): Centis => (direction === 1 ? contracts : negate(contracts));
  const sidePrice = order.side === 'bid' ? yesPrice : subtract(ONE_DOLLAR, yesPrice);
  const held = abs(position.position);
  const isNetting = position.position * direction < 0;
  const closeCount = isNetting ? min(count, held) : centis(0);
  const openCount = subtract(count, closeCount);
  // Each netted YES+NO pair returns $1; the contracts bought here cost sidePrice.
  const proceeds =
    closeCount > 0 ? subtract(notional(ONE_DOLLAR, closeCount), notional(sidePrice, closeCount)) : micros(0);
  const cost = openCount > 0 ? notional(sidePrice, openCount) : micros(0);
  const fee = add(args.tradeFee, roundingFee(subtract(proceeds, add(cost, args.tradeFee))));

  if (closeCount > 0) {
    const removed = closeCount === held ? position.exposure : proRata(position.exposure, closeCount, held);
    const feeRemoved =
      closeCount === held ? position.positionFeeCost : proRata(position.positionFeeCost, closeCount, held);
    position.exposure = subtract(position.exposure, removed);
    position.positionFeeCost = subtract(position.positionFeeCost, feeRemoved);
    position.realizedPnl = add(position.realizedPnl, subtract(proceeds, removed));
    account.realizedTotal = add(account.realizedTotal, subtract(proceeds, removed));
    account.cash = add(account.cash, proceeds);
    position.position = add(position.position, signed(closeCount));
  }
  if (openCount > 0) {
    position.exposure = add(position.exposure, cost);
    account.cash = subtract(account.cash, cost);
    position.position = add(position.position, signed(openCount));
    position.positionFeeCost = add(
      position.positionFeeCost,
      openCount === count ? fee : proRata(fee, openCount, count),
    );
  }
  account.cash = subtract(account.cash, fee);
  account.feesTotal = add(account.feesTotal, fee);
  position.feesPaid = add(position.feesPaid, fee);
  position.totalTraded = add(position.totalTraded, notional(sidePrice, count));
  position.volume = add(position.volume, count);
  position.lastUpdatedMs = now;
  account.updatedMs = now;

  const fill: Fill = {
    tradeId: args.tradeId,
    orderId: order.orderId,
    userId: account.userId,
    clientOrderId: order.clientOrderId,
    ticker: market.ticker,
    side: order.side,
    yesPrice,
    count,
    isTaker: args.isTaker,
    fee,
    createdMs: now,
    postPosition: position.position,
    seq: args.seq,
  };
  if (!account.isHouse) account.fills.push(fill);
  return fill;
}

// ---------------------------------------------------------------- settlement

/**
 * Pay out and remove every position in `market`: YES contracts get `yesValue`, NO contracts $1
 * minus it. What is credited is floored to $0.0001 (balances stay on Kalshi's grid; only a
 * scalar value with a fractional count can leave anything below it) and realized P&L is
 * credited - exposure. The floored-off remainder stays with the exchange: it is credited to
 * `exchange` (the house maker) as realized income, so every account's invariant and the overall
 * cash + fees + open interest x $1 = deposits stay exact. Returns that remainder.
 */
export function payOutSettlement(args: {
  market: Market;
  yesValue: Micros;
  accounts: Iterable<Account>;
  exchange: Account | undefined;
  book: OrderBook | undefined;
  now: EpochMs;
  nextSeq: () => number;
  emit: (event: EngineEvent) => void;
}): Micros {
  const { market, yesValue, now } = args;
  const result = market.result;
  let kept = micros(0);
  for (const account of args.accounts) {
    const position = account.positions.get(market.ticker);
    if (!position) continue;
    const yesCount = max(0, position.position);
    const noCount = max(0, negate(position.position));
    const payout = add(notional(yesValue, yesCount), notional(subtract(ONE_DOLLAR, yesValue), noCount));
    const revenue = floorToCashGrid(payout);
    kept = add(kept, subtract(payout, revenue));
    account.cash = add(account.cash, revenue);
    account.realizedTotal = add(account.realizedTotal, subtract(revenue, position.exposure));
    position.realizedPnl = add(position.realizedPnl, subtract(revenue, position.exposure));
    const settlement: Settlement = {
      ticker: market.ticker,
      eventTicker: market.eventTicker,
      marketResult: result === 'yes' || result === 'scalar' ? result : 'no',
      yesCount,
      yesTotalCost: position.position > 0 ? position.exposure : micros(0),
      noCount,
      noTotalCost: position.position < 0 ? position.exposure : micros(0),
      revenueCents: Math.floor(revenue / MICROS_PER_CENT),
      revenue,
      settledMs: now,
      feeCost: position.feesPaid,
      valueCents: Math.floor(yesValue / MICROS_PER_CENT),
      seq: args.nextSeq(),
    };
    if (!account.isHouse) account.settlements.push(settlement);
    position.position = centis(0);
    position.exposure = micros(0);
    position.positionFeeCost = micros(0);
    position.lastUpdatedMs = now;
    account.updatedMs = now;
    args.emit({ kind: 'position', userId: account.userId, market, position, tsMs: now });
    account.positions.delete(market.ticker);
    // Closing cancelled every resting order, so this releases nothing; it keeps the rule
    // "re-derive on every position change" without exceptions.
    reserveResting(account, market.ticker, args.book);
  }
  if (args.exchange && kept > 0) {
    args.exchange.cash = add(args.exchange.cash, kept);
    args.exchange.realizedTotal = add(args.exchange.realizedTotal, kept);
  }
  return kept;
}
