/**
 * The ledger: accounts and their cash, fills booked into signed positions (YES/NO netting,
 * exposure at average cost, realized P&L, fees), what resting orders hold back, and settlement
 * payouts. Plain functions over the accounts and books they are handed. Invariant per account:
 *   cash + sum(exposure) - realizedTotal + feesTotal = deposits.
 */
import type { OrderBook } from './book.js';
import {
  ceilToCashGrid,
  floorToCashGrid,
  isOnCashGrid,
  mulDivRound,
  notional,
  ONE_DOLLAR,
  roundingFee,
} from './money.js';
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

/** $1 paid per contract = 10,000 micro-dollars per centi-contract. */
const MICROS_PER_CENTI_PAYOUT = 10_000;
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
    reserved: 0,
    deposits: cash,
    positions: new Map(),
    orders: [],
    ordersById: new Map(),
    clientOrderIds: new Set(),
    fills: [],
    settlements: [],
    realizedTotal: 0,
    feesTotal: 0,
    updatedMs: args.now,
  };
}

export function deposit(account: Account, amount: Micros, now: EpochMs): EngineResult<Account> {
  if (!isOnCashGrid(amount)) return fail('invalid_order', 'amount must be a multiple of $0.0001');
  account.cash += amount;
  account.deposits += amount;
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
  return account.cash - reservedOnGrid(account);
}

/** Contracts held long on the YES side (what one account adds to open interest). */
export function positiveHolding(account: Account, ticker: string): Centis {
  return Math.max(0, account.positions.get(ticker)?.position ?? 0);
}

// ---------------------------------------------------------------- reservations

/** Contracts this account has resting on `side` of `book`. */
export function restingCount(account: Account, book: OrderBook, side: BookSide): Centis {
  let total = 0;
  for (const level of book.half(side).bestFirst())
    for (const o of level.orders) if (o.userId === account.userId) total += o.remaining;
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
  const held = account.positions.get(ticker)?.position ?? 0;
  for (const side of ['bid', 'ask'] as const) {
    let closable = side === 'bid' ? Math.max(0, -held) : Math.max(0, held);
    for (const o of restingInPriority(account, book, side)) {
      const closing = Math.min(o.remaining, closable);
      closable -= closing;
      const needed = notional(side === 'bid' ? o.price : ONE_DOLLAR - o.price, o.remaining - closing);
      account.reserved += needed - o.reserved;
      o.reserved = needed;
    }
  }
}

/** An order leaves the book: whatever it held back goes back to the account. */
export function releaseReservation(account: Account, order: Order): void {
  account.reserved -= order.reserved;
  order.reserved = 0;
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
      position: 0,
      exposure: 0,
      realizedPnl: 0,
      feesPaid: 0,
      positionFeeCost: 0,
      totalTraded: 0,
      volume: 0,
      lastUpdatedMs: now,
    };
    account.positions.set(market.ticker, position);
  }
  const direction = order.side === 'bid' ? 1 : -1;
  const sidePrice = order.side === 'bid' ? yesPrice : ONE_DOLLAR - yesPrice;
  const held = Math.abs(position.position);
  const isNetting = position.position * direction < 0;
  const closeCount = isNetting ? Math.min(count, held) : 0;
  const openCount = count - closeCount;
  // Each netted YES+NO pair returns $1; the contracts bought here cost sidePrice.
  const proceeds =
    closeCount > 0 ? closeCount * MICROS_PER_CENTI_PAYOUT - notional(sidePrice, closeCount) : 0;
  const cost = openCount > 0 ? notional(sidePrice, openCount) : 0;
  const fee = args.tradeFee + roundingFee(proceeds - cost - args.tradeFee);

  if (closeCount > 0) {
    const removed =
      closeCount === held ? position.exposure : mulDivRound(position.exposure, closeCount, held);
    const feeRemoved =
      closeCount === held
        ? position.positionFeeCost
        : mulDivRound(position.positionFeeCost, closeCount, held);
    position.exposure -= removed;
    position.positionFeeCost -= feeRemoved;
    position.realizedPnl += proceeds - removed;
    account.realizedTotal += proceeds - removed;
    account.cash += proceeds;
    position.position += direction * closeCount;
  }
  if (openCount > 0) {
    position.exposure += cost;
    account.cash -= cost;
    position.position += direction * openCount;
    position.positionFeeCost += openCount === count ? fee : mulDivRound(fee, openCount, count);
  }
  account.cash -= fee;
  account.feesTotal += fee;
  position.feesPaid += fee;
  position.totalTraded += notional(sidePrice, count);
  position.volume += count;
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
  let kept: Micros = 0;
  for (const account of args.accounts) {
    const position = account.positions.get(market.ticker);
    if (!position) continue;
    const yesCount = Math.max(0, position.position);
    const noCount = Math.max(0, -position.position);
    const payout = notional(yesValue, yesCount) + notional(ONE_DOLLAR - yesValue, noCount);
    const revenue = floorToCashGrid(payout);
    kept += payout - revenue;
    account.cash += revenue;
    account.realizedTotal += revenue - position.exposure;
    position.realizedPnl += revenue - position.exposure;
    const settlement: Settlement = {
      ticker: market.ticker,
      eventTicker: market.eventTicker,
      marketResult: result === 'yes' || result === 'scalar' ? result : 'no',
      yesCount,
      yesTotalCost: position.position > 0 ? position.exposure : 0,
      noCount,
      noTotalCost: position.position < 0 ? position.exposure : 0,
      revenueCents: Math.floor(revenue / MICROS_PER_CENT),
      revenue,
      settledMs: now,
      feeCost: position.feesPaid,
      valueCents: Math.floor(yesValue / MICROS_PER_CENT),
      seq: args.nextSeq(),
    };
    if (!account.isHouse) account.settlements.push(settlement);
    position.position = 0;
    position.exposure = 0;
    position.positionFeeCost = 0;
    position.lastUpdatedMs = now;
    account.updatedMs = now;
    args.emit({ kind: 'position', userId: account.userId, market, position, tsMs: now });
    account.positions.delete(market.ticker);
    // Closing cancelled every resting order, so this releases nothing; it keeps the rule
    // "re-derive on every position change" without exceptions.
    reserveResting(account, market.ticker, args.book);
  }
  if (args.exchange && kept > 0) {
    args.exchange.cash += kept;
    args.exchange.realizedTotal += kept;
  }
  return kept;
}
