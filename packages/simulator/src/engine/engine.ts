/**
 * The exchange engine: listings, order books, matching, accounts, positions, fees,
 * lifecycle and settlement. Pure and deterministic: time comes from the injected clock,
 * randomness from the seeded Prng, and everything observable is pushed to listeners as
 * EngineEvents (the server turns them into Kalshi messages). No I/O.
 */
import { Activity, type ActivityOptions } from './activity.js';
import { OrderBook } from './book.js';
import { buildCatalog, type CatalogOptions } from './catalog.js';
import {
  ceilToCashGrid,
  floorToCashGrid,
  isOnCashGrid,
  isOnGrid,
  mulDivRound,
  notional,
  ONE_DOLLAR,
  roundingFee,
  tradeFee,
} from './money.js';
import { Prng } from './prng.js';
import type {
  Account,
  BookSide,
  CancelOrderResult,
  Centis,
  Clock,
  CreateOrderInput,
  CreateOrderResult,
  EngineError,
  EngineEvent,
  EngineResult,
  EpochMs,
  EventData,
  Fill,
  Market,
  MarketResult,
  Micros,
  Order,
  Series,
  Settlement,
  Trade,
} from './types.js';

export interface EngineOptions {
  seed: number | string;
  clock: Clock;
  catalog?: CatalogOptions;
  /** Background participants; null/undefined = none (a quiet, fully scripted exchange). */
  activity?: ActivityOptions | null;
  /** Quote every active market once at start so there is depth to trade against. */
  initialQuotes?: boolean;
  /** Determine markets automatically this long after close (null = only by command). */
  autoDetermineAfterMs?: number | null;
}

/** $1 paid per contract = 10,000 micro-dollars per centi-contract. */
const MICROS_PER_CENTI_PAYOUT = 10_000;
const MICROS_PER_CENT = 10_000;
const MAX_TRADES_KEPT = 50_000;
/**
 * One billion contracts. Far above any real order, and small enough that every money product
 * stays a safe integer (a larger count made notional() throw: a 500 instead of a 400).
 */
const MAX_ORDER_COUNT: Centis = 100_000_000_000;

function byCreationThenId(a: Order, b: Order): number {
  if (a.createdMs !== b.createdMs) return a.createdMs - b.createdMs;
  return a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0;
}

function fail<T>(code: EngineError['code'], details?: string): EngineResult<T> {
  return { ok: false, error: details === undefined ? { code } : { code, details } };
}

export class Engine {
  readonly seed: number | string;
  readonly clock: Clock;
  readonly houseMakerId: string;
  readonly houseTakerId: string;
  private readonly ids: Prng;
  private readonly series = new Map<string, Series>();
  private readonly events = new Map<string, EventData>();
  private readonly markets = new Map<string, Market>();
  private readonly marketList: Market[] = [];
  private readonly books = new Map<string, OrderBook>();
  private readonly accounts = new Map<string, Account>();
  private readonly listeners: ((event: EngineEvent) => void)[] = [];
  private readonly trades: Trade[] = [];
  private readonly expiring = new Set<Order>();
  private readonly tickerState = new Map<string, number[]>();
  private readonly activity: Activity | null;
  private readonly autoDetermineAfterMs: number | null;
  private seq = 0;
  private lastTickMs: EpochMs;
  /** Settlement payouts floored off to keep balances on the $0.0001 grid (credited to the house maker). */
  private settlementRounding: Micros = 0;

  constructor(options: EngineOptions) {
    this.seed = options.seed;
    this.clock = options.clock;
    this.ids = new Prng(`${String(options.seed)}:ids`);
    const startMs = options.clock.now();
    this.lastTickMs = startMs;
    this.autoDetermineAfterMs =
      options.autoDetermineAfterMs === undefined ? 30_000 : options.autoDetermineAfterMs;
    const catalog = buildCatalog({
      startMs,
      prng: new Prng(`${String(options.seed)}:catalog`),
      ...(options.catalog ? { options: options.catalog } : {}),
    });
    for (const s of catalog.series) this.series.set(s.ticker, s);
    for (const e of catalog.events) this.events.set(e.eventTicker, e);
    for (const m of catalog.markets) {
      this.markets.set(m.ticker, m);
      this.marketList.push(m);
      this.books.set(m.ticker, new OrderBook());
    }
    this.houseMakerId = this.createAccount({ cash: 1_000_000_000 * ONE_DOLLAR, isHouse: true }).userId;
    this.houseTakerId = this.createAccount({ cash: 1_000_000_000 * ONE_DOLLAR, isHouse: true }).userId;
    this.activity = new Activity(
      this,
      new Prng(`${String(options.seed)}:activity`),
      options.activity ?? null,
    );
    if (options.initialQuotes !== false) this.activity.quoteAll();
  }

  // ---------------------------------------------------------------- events

  on(listener: (event: EngineEvent) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i !== -1) this.listeners.splice(i, 1);
    };
  }

  private emit(event: EngineEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  now(): EpochMs {
    return this.clock.now();
  }

  // ---------------------------------------------------------------- reads

  listSeries(): readonly Series[] {
    return [...this.series.values()];
  }
  getSeries(ticker: string): Series | undefined {
    return this.series.get(ticker);
  }
  listEvents(): readonly EventData[] {
    return [...this.events.values()];
  }
  getEvent(eventTicker: string): EventData | undefined {
    return this.events.get(eventTicker);
  }
  listMarkets(): readonly Market[] {
    return this.marketList;
  }
  getMarket(ticker: string): Market | undefined {
    return this.markets.get(ticker);
  }
  getMarketById(marketId: string): Market | undefined {
    for (const m of this.marketList) if (m.marketId === marketId) return m;
    return undefined;
  }
  getBook(ticker: string): OrderBook | undefined {
    return this.books.get(ticker);
  }
  /** Public trades, oldest first (the most recent MAX_TRADES_KEPT). */
  listTrades(): readonly Trade[] {
    return this.trades;
  }
  getAccount(userId: string): Account | undefined {
    return this.accounts.get(userId);
  }
  listAccounts(): readonly Account[] {
    return [...this.accounts.values()];
  }

  /** Best YES bid / ask with sizes; 0 / $1 when the side is empty (Kalshi's convention). */
  topOfBook(ticker: string): { bid: Micros; bidSize: Centis; ask: Micros; askSize: Centis } {
    const book = this.books.get(ticker);
    const bid = book?.bestBid();
    const ask = book?.bestAsk();
    return {
      bid: bid?.price ?? 0,
      bidSize: bid?.total ?? 0,
      ask: ask?.price ?? ONE_DOLLAR,
      askSize: ask?.total ?? 0,
    };
  }

  // ---------------------------------------------------------------- accounts

  /** `cash` must be a whole number of $0.0001: balances live on that grid. */
  createAccount(args: { cash?: Micros; isHouse?: boolean; userId?: string } = {}): Account {
    const cash = args.cash ?? 0;
    if (!isOnCashGrid(cash)) throw new RangeError(`starting cash ${cash} is not a multiple of $0.0001`);
    const account: Account = {
      userId: args.userId ?? this.ids.uuid(),
      isHouse: args.isHouse ?? false,
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
      updatedMs: this.now(),
    };
    this.accounts.set(account.userId, account);
    return account;
  }

  fund(userId: string, amount: Micros): EngineResult<Account> {
    const account = this.accounts.get(userId);
    if (!account) return fail('not_found');
    if (!isOnCashGrid(amount)) return fail('invalid_order', 'amount must be a multiple of $0.0001');
    account.cash += amount;
    account.deposits += amount;
    account.updatedMs = this.now();
    return { ok: true, value: account };
  }

  /** What the balance holds back for resting orders: their exact reservations, rounded up to $0.0001. */
  reservedOnGrid(account: Account): Micros {
    return ceilToCashGrid(account.reserved);
  }

  /**
   * Available cash (`balance_dollars`): cash minus the reservation on the grid. Exact on the
   * $0.0001 grid because cash is. New orders are checked against this same figure.
   */
  availableCash(account: Account): Micros {
    return account.cash - this.reservedOnGrid(account);
  }

  // ---------------------------------------------------------------- orders

  placeOrder(userId: string, input: CreateOrderInput): EngineResult<CreateOrderResult> {
    const now = this.now();
    const account = this.accounts.get(userId);
    if (!account) return fail('not_found');
    const market = this.markets.get(input.ticker);
    const book = this.books.get(input.ticker);
    if (!market || !book) return fail('market_not_found');
    if (market.status !== 'active') return fail('market_inactive');
    if (!Number.isSafeInteger(input.count) || input.count <= 0 || input.count > MAX_ORDER_COUNT)
      return fail('invalid_order_size');
    if (!isOnGrid(input.price, market.priceRanges)) return fail('invalid_price');
    const clientOrderId = input.clientOrderId ?? '';
    if (clientOrderId !== '' && account.clientOrderIds.has(clientOrderId))
      return fail('order_already_exists');
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
    const held = account.positions.get(market.ticker)?.position ?? 0;
    if (input.reduceOnly) {
      const reducible = input.side === 'bid' ? Math.max(0, -held) : Math.max(0, held);
      if (reducible === 0) return fail('invalid_order', 'reduce only order would increase position');
      count = Math.min(count, reducible);
    }
    if (!account.isHouse) {
      // The part of the position already promised to this account's resting orders on the same
      // side cannot be closed again: counting it twice let cash go negative.
      const closable = Math.max(
        0,
        (input.side === 'bid' ? -held : held) - this.restingCount(account, book, input.side),
      );
      const opening = Math.max(0, count - closable);
      const required =
        notional(input.side === 'bid' ? input.price : ONE_DOLLAR - input.price, opening) +
        tradeFee({ price: input.price, count, isTaker: true });
      if (this.availableCash(account) < required) return fail('insufficient_balance');
    }
    if (
      input.timeInForce === 'fill_or_kill' &&
      this.matchable(book, userId, input.side, input.price, input.selfTradePrevention) < count
    ) {
      const order = this.newOrder(account, input, count, clientOrderId, now);
      order.status = 'canceled';
      order.remaining = 0;
      this.recordOrder(account, order);
      this.emit({ kind: 'order', userId, order });
      return {
        ok: true,
        value: {
          order,
          fillCount: 0,
          remainingCount: 0,
          averageFillPrice: null,
          averageFeePaid: null,
          tsMs: now,
        },
      };
    }

    const order = this.newOrder(account, input, count, clientOrderId, now);
    this.recordOrder(account, order);
    let fillValue = 0; // sum of yesPrice * count, for the average
    let feeTotal = 0;
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
        this.cancelResting(resting, now);
        continue;
      }
      const q = Math.min(order.remaining, resting.remaining);
      const fee = this.executeTrade({ market, book, taker: order, maker: resting, count: q, now });
      fillValue += resting.price * q;
      feeTotal += fee;
    }

    const filled = order.filled;
    if (order.remaining > 0 && !stopped && order.timeInForce === 'good_till_canceled') {
      book.half(order.side).add(order);
      this.reserveResting(account, market.ticker);
      if (order.expirationMs !== null) this.expiring.add(order);
      this.emit({
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
      order.remaining = 0;
      this.forgetIfHouse(account, order);
    }
    order.updatedMs = now;
    this.emit({ kind: 'order', userId, order });
    this.maybeEmitTicker(market, now);
    return {
      ok: true,
      value: {
        order,
        fillCount: filled,
        remainingCount: order.remaining,
        averageFillPrice: filled > 0 ? Math.round(fillValue / filled) : null,
        averageFeePaid: filled > 0 ? mulDivRound(feeTotal, 100, filled) : null,
        tsMs: now,
      },
    };
  }

  cancelOrder(userId: string, orderId: string): EngineResult<CancelOrderResult> {
    const account = this.accounts.get(userId);
    const order = account?.ordersById.get(orderId);
    if (!account || !order) return fail('not_found');
    // After close every order operation, cancel included, is MARKET_INACTIVE (docs/kalshi-protocol.md §5.2).
    // Checked before the order's status: closing cancels every resting order, so the status check
    // first made this answer unreachable.
    const market = this.markets.get(order.ticker);
    if (market && market.status !== 'active' && market.status !== 'inactive') return fail('market_inactive');
    if (order.status !== 'resting') return fail('not_found');
    const now = this.now();
    const reducedBy = order.remaining;
    this.cancelResting(order, now);
    return { ok: true, value: { order, reducedBy, tsMs: now } };
  }

  private newOrder(
    account: Account,
    input: CreateOrderInput,
    count: Centis,
    clientOrderId: string,
    now: EpochMs,
  ): Order {
    this.seq += 1;
    return {
      orderId: this.ids.uuid(),
      userId: account.userId,
      clientOrderId,
      ticker: input.ticker,
      side: input.side,
      price: input.price,
      initial: count,
      remaining: count,
      filled: 0,
      status: 'resting',
      timeInForce: input.timeInForce,
      selfTradePrevention: input.selfTradePrevention,
      postOnly: input.postOnly ?? false,
      reduceOnly: input.reduceOnly ?? false,
      createdMs: now,
      updatedMs: now,
      expirationMs: input.expirationMs ?? null,
      takerFillCost: 0,
      makerFillCost: 0,
      takerFees: 0,
      makerFees: 0,
      reserved: 0,
      seq: this.seq,
    };
  }

  private recordOrder(account: Account, order: Order): void {
    account.ordersById.set(order.orderId, order);
    if (account.isHouse) return;
    account.orders.push(order);
    if (order.clientOrderId !== '') account.clientOrderIds.add(order.clientOrderId);
  }

  /** House accounts keep no history, so long busy runs do not grow memory. */
  private forgetIfHouse(account: Account, order: Order): void {
    if (account.isHouse) account.ordersById.delete(order.orderId);
  }

  /** Contracts this account has resting on `side` of `book`. */
  private restingCount(account: Account, book: OrderBook, side: BookSide): Centis {
    let total = 0;
    for (const level of book.half(side).bestFirst())
      for (const o of level.orders) if (o.userId === account.userId) total += o.remaining;
    return total;
  }

  /**
   * This account's resting orders on one side of a market in reservation priority: best price
   * first, then creation time, then order id. Within a level the book's FIFO agrees with that
   * except between orders created in the same millisecond; ties go by order id so that a client
   * that sees only prices, creation times and ids can repeat the walk exactly.
   */
  restingInPriority(account: Account, ticker: string, side: BookSide): Order[] {
    const book = this.books.get(ticker);
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
  private reserveResting(account: Account, ticker: string): void {
    if (account.isHouse) return;
    const held = account.positions.get(ticker)?.position ?? 0;
    for (const side of ['bid', 'ask'] as const) {
      let closable = side === 'bid' ? Math.max(0, -held) : Math.max(0, held);
      for (const o of this.restingInPriority(account, ticker, side)) {
        const closing = Math.min(o.remaining, closable);
        closable -= closing;
        const needed = notional(side === 'bid' ? o.price : ONE_DOLLAR - o.price, o.remaining - closing);
        account.reserved += needed - o.reserved;
        o.reserved = needed;
      }
    }
  }

  /** What an incoming order could fill; taker_at_cross matching stops at the account's own first resting order. */
  private matchable(
    book: OrderBook,
    userId: string,
    side: BookSide,
    price: Micros,
    selfTradePrevention: Order['selfTradePrevention'],
  ): Centis {
    let total = 0;
    for (const level of book.half(side === 'bid' ? 'ask' : 'bid').bestFirst()) {
      if (side === 'bid' ? level.price > price : level.price < price) break;
      for (const o of level.orders) {
        if (o.userId !== userId) total += o.remaining;
        else if (selfTradePrevention === 'taker_at_cross') return total;
      }
    }
    return total;
  }

  private cancelResting(order: Order, now: EpochMs): void {
    const account = this.accounts.get(order.userId);
    const market = this.markets.get(order.ticker);
    const book = this.books.get(order.ticker);
    if (!account || !market || !book || order.status !== 'resting') return;
    const removed = order.remaining;
    book.half(order.side).reduce(order, removed, true);
    account.reserved -= order.reserved;
    order.reserved = 0;
    order.remaining = 0;
    order.status = 'canceled';
    order.updatedMs = now;
    this.expiring.delete(order);
    this.forgetIfHouse(account, order);
    this.reserveResting(account, market.ticker);
    this.emit({
      kind: 'book_delta',
      market,
      side: order.side,
      price: order.price,
      delta: -removed,
      tsMs: now,
      order,
    });
    this.emit({ kind: 'order', userId: order.userId, order });
    this.maybeEmitTicker(market, now);
  }

  /** One match between the incoming order and a resting order, at the resting price. Returns the taker's fee_cost. */
  private executeTrade(args: {
    market: Market;
    book: OrderBook;
    taker: Order;
    maker: Order;
    count: Centis;
    now: EpochMs;
  }): Micros {
    const { market, book, taker, maker, count, now } = args;
    const price = maker.price;
    const takerAccount = this.accounts.get(taker.userId);
    const makerAccount = this.accounts.get(maker.userId);
    if (!takerAccount || !makerAccount) throw new Error('order without account');
    const series = this.series.get(market.seriesTicker);
    const multiplier = series?.feeMultiplier ?? 1;
    const takerTradeFee = tradeFee({ price, count, isTaker: true, multiplier });
    const makerTradeFee =
      series?.feeType === 'quadratic_with_maker_fees'
        ? tradeFee({ price, count, isTaker: false, multiplier })
        : 0;

    maker.remaining -= count;
    maker.filled += count;
    maker.updatedMs = now;
    book.half(maker.side).reduce(maker, count, maker.remaining === 0);
    if (maker.remaining === 0) {
      // Off the book: its reservation goes; a partly filled maker is re-derived below.
      makerAccount.reserved -= maker.reserved;
      maker.reserved = 0;
      maker.status = 'executed';
      this.expiring.delete(maker);
    }
    taker.remaining -= count;
    taker.filled += count;

    this.seq += 1;
    const trade: Trade = {
      tradeId: this.ids.uuid(),
      ticker: market.ticker,
      yesPrice: price,
      count,
      takerSide: taker.side,
      createdMs: now,
      seq: this.seq,
    };
    this.trades.push(trade);
    if (this.trades.length > MAX_TRADES_KEPT + 5_000) this.trades.splice(0, 5_000);
    market.volume += count;
    market.volume24h += count;
    market.lastPrice = price;
    market.lastTradeSize = count;
    market.dollarVolume += notional(price, count);
    market.updatedMs = now;

    const oiBefore =
      this.positiveHolding(takerAccount, market.ticker) + this.positiveHolding(makerAccount, market.ticker);
    const takerCost = notional(taker.side === 'bid' ? price : ONE_DOLLAR - price, count);
    const makerCost = notional(maker.side === 'bid' ? price : ONE_DOLLAR - price, count);
    const takerFill = this.applyFill({
      account: takerAccount,
      market,
      order: taker,
      yesPrice: price,
      count,
      tradeFee: takerTradeFee,
      isTaker: true,
      tradeId: trade.tradeId,
      now,
    });
    const makerFill = this.applyFill({
      account: makerAccount,
      market,
      order: maker,
      yesPrice: price,
      count,
      tradeFee: makerTradeFee,
      isTaker: false,
      tradeId: trade.tradeId,
      now,
    });
    // fee_cost of a fill = trade fee + rounding fee; the order's fee totals add up its fills.
    taker.takerFillCost += takerCost;
    taker.takerFees += takerFill.fee;
    maker.makerFillCost += makerCost;
    maker.makerFees += makerFill.fee;
    this.reserveResting(takerAccount, market.ticker);
    this.reserveResting(makerAccount, market.ticker);
    const oiAfter =
      this.positiveHolding(takerAccount, market.ticker) + this.positiveHolding(makerAccount, market.ticker);
    market.openInterest += oiAfter - oiBefore;

    this.emit({
      kind: 'book_delta',
      market,
      side: maker.side,
      price,
      delta: -count,
      tsMs: now,
      order: maker,
    });
    this.emit({ kind: 'trade', market, trade });
    this.emitFillAndPosition(takerAccount, market, takerFill, now);
    this.emitFillAndPosition(makerAccount, market, makerFill, now);
    if (maker.remaining === 0) this.forgetIfHouse(makerAccount, maker);
    this.emit({ kind: 'order', userId: maker.userId, order: maker });
    return takerFill.fee;
  }

  private emitFillAndPosition(account: Account, market: Market, fill: Fill, now: EpochMs): void {
    this.emit({ kind: 'fill', userId: account.userId, market, fill });
    const position = account.positions.get(market.ticker);
    if (position) this.emit({ kind: 'position', userId: account.userId, market, position, tsMs: now });
  }

  private positiveHolding(account: Account, ticker: string): Centis {
    return Math.max(0, account.positions.get(ticker)?.position ?? 0);
  }

  /**
   * Book one fill into the account: YES/NO netting into a signed position, exposure at
   * average cost, realized P&L on the netted part, fees. The fee charged (fee_cost) is the trade
   * fee plus the rounding fee that rounds the fill's cash change down to $0.0001, so cash stays
   * on Kalshi's grid. Invariant per account:
   *   cash + sum(exposure) - realizedTotal + feesTotal = deposits.
   */
  private applyFill(args: {
    account: Account;
    market: Market;
    order: Order;
    yesPrice: Micros;
    count: Centis;
    tradeFee: Micros;
    isTaker: boolean;
    tradeId: string;
    now: EpochMs;
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

    this.seq += 1;
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
      seq: this.seq,
    };
    if (!account.isHouse) account.fills.push(fill);
    return fill;
  }

  // ---------------------------------------------------------------- lifecycle

  /** Run time-driven work (expirations, lifecycle, background activity) up to clock.now(). */
  tick(): void {
    const now = this.now();
    if (now < this.lastTickMs) return;
    this.lastTickMs = now;
    if (this.expiring.size > 0) {
      for (const order of [...this.expiring])
        if (order.expirationMs !== null && order.expirationMs <= now) this.cancelResting(order, now);
    }
    for (const market of this.marketList) {
      switch (market.status) {
        case 'initialized':
          if (now >= market.openMs) {
            market.status = 'active';
            market.updatedMs = now;
          }
          break;
        case 'active':
        case 'inactive':
          if (now >= market.closeMs) this.close(market, now);
          break;
        case 'closed':
          if (this.autoDetermineAfterMs !== null && now >= market.closeMs + this.autoDetermineAfterMs)
            this.autoDetermine(market);
          break;
        case 'determined':
          if (
            market.determinationMs !== null &&
            now >= market.determinationMs + market.settlementTimerSeconds * 1000
          )
            this.settle(market, now);
          break;
        default:
          break;
      }
    }
    this.activity?.runUntil(now);
  }

  private close(market: Market, now: EpochMs): void {
    market.status = 'closed';
    market.updatedMs = now;
    this.cancelAllResting(market, now);
  }

  private cancelAllResting(market: Market, now: EpochMs): void {
    const book = this.books.get(market.ticker);
    if (!book) return;
    for (const side of ['bid', 'ask'] as const) {
      const half = book.half(side);
      for (const level of [...half.bestFirst()])
        for (const order of [...level.orders]) this.cancelResting(order, now);
    }
  }

  /** The result follows the latent probability; in a mutually exclusive event exactly one market wins. */
  private autoDetermine(market: Market): void {
    const event = this.events.get(market.eventTicker);
    const rng = new Prng(`${String(this.seed)}:result:${market.eventTicker}`);
    if (event?.mutuallyExclusive) {
      const siblings = event.marketTickers
        .map((t) => this.markets.get(t))
        .filter((m): m is Market => m !== undefined);
      if (
        siblings.some((m) => m.status === 'active' || m.status === 'inactive' || m.status === 'initialized')
      )
        return;
      const undetermined = siblings.filter((m) => m.status === 'closed');
      const alreadyWon = siblings.some((m) => m.result === 'yes');
      let winner: Market | undefined;
      if (!alreadyWon) {
        const total = undetermined.reduce((sum, m) => sum + m.latent, 0);
        let draw = rng.next() * total;
        for (const m of undetermined) {
          draw -= m.latent;
          if (draw < 0) {
            winner = m;
            break;
          }
        }
        winner ??= undetermined[undetermined.length - 1];
      }
      for (const m of undetermined) this.determineMarket(m.ticker, m === winner ? 'yes' : 'no');
      return;
    }
    this.determineMarket(market.ticker, rng.next() * ONE_DOLLAR < market.latent ? 'yes' : 'no');
  }

  setCloseTime(ticker: string, closeMs: EpochMs): EngineResult<Market> {
    const market = this.markets.get(ticker);
    if (!market) return fail('market_not_found');
    market.closeMs = closeMs;
    market.expectedExpirationMs = closeMs;
    market.latestExpirationMs = Math.max(market.latestExpirationMs, closeMs);
    const now = this.now();
    market.updatedMs = now;
    this.emit({ kind: 'lifecycle', market, eventType: 'close_date_updated', tsMs: now });
    return { ok: true, value: market };
  }

  closeMarket(ticker: string): EngineResult<Market> {
    const market = this.markets.get(ticker);
    if (!market) return fail('market_not_found');
    if (market.status === 'closed' || market.status === 'determined' || market.status === 'finalized')
      return { ok: true, value: market };
    const now = this.now();
    market.closeMs = now;
    this.emit({ kind: 'lifecycle', market, eventType: 'close_date_updated', tsMs: now });
    this.close(market, now);
    return { ok: true, value: market };
  }

  pauseMarket(ticker: string, isPaused: boolean): EngineResult<Market> {
    const market = this.markets.get(ticker);
    if (!market) return fail('market_not_found');
    const now = this.now();
    if (isPaused && market.status === 'active') {
      market.status = 'inactive';
      market.updatedMs = now;
      this.emit({ kind: 'lifecycle', market, eventType: 'deactivated', tsMs: now });
    } else if (!isPaused && market.status === 'inactive') {
      market.status = 'active';
      market.updatedMs = now;
      // Kalshi cancels all resting orders when a paused market is reactivated (docs/kalshi-protocol.md §5.2).
      this.cancelAllResting(market, now);
      this.emit({ kind: 'lifecycle', market, eventType: 'activated', tsMs: now });
      this.activity?.requote(market);
    }
    return { ok: true, value: market };
  }

  /**
   * Fix the result. `scalar` settles at `settlementValue` per YES contract ($1 minus that per
   * NO), a multiple of $0.0001 from 0 to $1; yes/no pay $1 / 0 per YES contract.
   */
  determineMarket(
    ticker: string,
    result: 'yes' | 'no' | 'scalar',
    settlementValue?: Micros,
  ): EngineResult<Market> {
    const market = this.markets.get(ticker);
    if (!market) return fail('market_not_found');
    if (market.status === 'determined' || market.status === 'finalized')
      return fail('invalid_order', 'market already determined');
    let value: Micros = result === 'yes' ? ONE_DOLLAR : 0;
    if (result === 'scalar') {
      if (
        settlementValue === undefined ||
        !isOnCashGrid(settlementValue) ||
        settlementValue < 0 ||
        settlementValue > ONE_DOLLAR
      )
        return fail(
          'invalid_order',
          'a scalar result needs a settlement value from 0 to 1 in steps of 0.0001',
        );
      value = settlementValue;
    }
    const now = this.now();
    if (market.status !== 'closed') {
      market.closeMs = Math.min(market.closeMs, now);
      this.close(market, now);
    }
    market.status = 'determined';
    market.result = result;
    market.determinationMs = now;
    market.settlementValue = value;
    market.updatedMs = now;
    this.emit({ kind: 'lifecycle', market, eventType: 'determined', tsMs: now });
    return { ok: true, value: market };
  }

  /** Settle now (normally this happens settlement_timer_seconds after determination). */
  settleMarket(
    ticker: string,
    result?: 'yes' | 'no' | 'scalar',
    settlementValue?: Micros,
  ): EngineResult<Market> {
    const market = this.markets.get(ticker);
    if (!market) return fail('market_not_found');
    if (market.status === 'finalized') return { ok: true, value: market };
    if (market.status !== 'determined') {
      if (!result) return fail('invalid_order', 'market is not determined; pass a result');
      const determined = this.determineMarket(ticker, result, settlementValue);
      if (!determined.ok) return determined;
    }
    this.settle(market, this.now());
    return { ok: true, value: market };
  }

  /**
   * Pay out and remove every position: YES contracts get the settlement value, NO contracts $1
   * minus it. What is credited is floored to $0.0001 (balances stay on Kalshi's grid; only a
   * scalar value with a fractional count can leave anything below it) and realized P&L is
   * credited - exposure. The floored-off remainder stays with the exchange: it is credited to
   * the house maker as realized income, so every account's invariant and the overall
   * cash + fees + open interest x $1 = deposits stay exact.
   */
  private settle(market: Market, now: EpochMs): void {
    const result: MarketResult = market.result;
    const yesValue = market.settlementValue ?? (result === 'yes' ? ONE_DOLLAR : 0);
    const roundingBefore = this.settlementRounding;
    market.status = 'finalized';
    market.settledMs = now;
    market.updatedMs = now;
    for (const account of this.accounts.values()) {
      const position = account.positions.get(market.ticker);
      if (!position) continue;
      const yesCount = Math.max(0, position.position);
      const noCount = Math.max(0, -position.position);
      const payout = notional(yesValue, yesCount) + notional(ONE_DOLLAR - yesValue, noCount);
      const revenue = floorToCashGrid(payout);
      this.settlementRounding += payout - revenue;
      account.cash += revenue;
      account.realizedTotal += revenue - position.exposure;
      position.realizedPnl += revenue - position.exposure;
      this.seq += 1;
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
        seq: this.seq,
      };
      if (!account.isHouse) account.settlements.push(settlement);
      position.position = 0;
      position.exposure = 0;
      position.positionFeeCost = 0;
      position.lastUpdatedMs = now;
      account.updatedMs = now;
      this.emit({ kind: 'position', userId: account.userId, market, position, tsMs: now });
      account.positions.delete(market.ticker);
      // Closing cancelled every resting order, so this releases nothing; it keeps the rule
      // "re-derive on every position change" without exceptions.
      this.reserveResting(account, market.ticker);
    }
    const kept = this.settlementRounding - roundingBefore;
    const exchange = this.accounts.get(this.houseMakerId);
    if (exchange && kept > 0) {
      exchange.cash += kept;
      exchange.realizedTotal += kept;
    }
    market.openInterest = 0;
    this.emit({ kind: 'lifecycle', market, eventType: 'settled', tsMs: now });
  }

  // ---------------------------------------------------------------- prices

  /** Re-quote the house market maker around `price` (the book's mid moves; no trade). */
  movePrice(ticker: string, price: Micros): EngineResult<Market> {
    const market = this.markets.get(ticker);
    if (!market) return fail('market_not_found');
    if (market.status !== 'active') return fail('market_inactive');
    if (!isOnGrid(price, market.priceRanges)) return fail('invalid_price');
    market.latent = price;
    market.target = price;
    this.activity?.requote(market);
    return { ok: true, value: market };
  }

  /**
   * Jump: everything resting between the current price and `price` fills (against the house
   * taker), the makers re-quote around `price`, and a one-contract trade prints at `price`.
   */
  jumpPrice(ticker: string, price: Micros): EngineResult<Market> {
    const market = this.markets.get(ticker);
    if (!market) return fail('market_not_found');
    if (market.status !== 'active') return fail('market_inactive');
    if (!isOnGrid(price, market.priceRanges)) return fail('invalid_price');
    market.latent = price;
    market.target = price;
    this.activity?.sweepTo(market, price);
    this.activity?.requote(market);
    this.activity?.printAt(market, price);
    return { ok: true, value: market };
  }

  /** Point the background taker at an account whose resting orders it fills now and then. */
  setActivityTarget(userId: string | null): void {
    this.activity?.setTarget(userId);
  }

  // ---------------------------------------------------------------- ticker

  /** Emit a ticker event when the top of book, last price, volume or open interest changed. */
  private maybeEmitTicker(market: Market, now: EpochMs): void {
    const top = this.topOfBook(market.ticker);
    let state = this.tickerState.get(market.ticker);
    if (!state) {
      state = [-1, -1, -1, -1, -1, -1, -1];
      this.tickerState.set(market.ticker, state);
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
      if (state[i] !== next[i]) {
        state[i] = next[i] ?? 0;
        changed = true;
      }
    }
    if (changed) this.emit({ kind: 'ticker', market, tsMs: now });
  }

  /**
   * What settlements floored off payouts to keep balances on the $0.0001 grid, in total. Zero
   * unless a market settled at a scalar value with fractional counts. The exchange keeps it: it
   * went to the house maker's cash (as realized income), so over all accounts
   *   sum(cash) + sum(fees) + open interest x $1 = sum(deposits)  stays exact.
   */
  settlementRoundingTotal(): Micros {
    return this.settlementRounding;
  }

  /** The total cash owed to traders if every open contract were paid out (for invariant checks). */
  openInterestTotal(): Centis {
    let total = 0;
    for (const m of this.marketList) total += m.openInterest;
    return total;
  }
}
