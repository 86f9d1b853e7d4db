/**
 * The exchange engine: owns the listings, books, accounts and event listeners, and is the one
 * API callers use. The work is done elsewhere: order entry and matching in matching.ts, cash,
 * positions, fees and reservations in ledger.ts, market lifecycle in lifecycle.ts, price
 * controls in controls.ts, simulated participants in activity.ts. Pure and deterministic: time
 * comes from the injected clock, randomness from the seeded Prng, and everything observable is
 * pushed to listeners as EngineEvents (the server turns them into Kalshi messages). No I/O.
 */
import { add, micros } from '@kalshi-desk/kalshi/protocol';
import { Activity, type ActivityOptions } from './activity.js';
import { OrderBook, topOfBook, type TopOfBook } from './book.js';
import { buildCatalog, type CatalogOptions } from './catalog.js';
import { jumpPrice, movePrice } from './controls.js';
import * as ledger from './ledger.js';
import * as lifecycle from './lifecycle.js';
import * as matching from './matching.js';
import { ONE_DOLLAR } from './money.js';
import { Prng } from './prng.js';
import { fail } from './result.js';
import type {
  Account,
  BookSide,
  CancelOrderResult,
  Centis,
  Clock,
  CreateOrderInput,
  CreateOrderResult,
  EngineEvent,
  EngineResult,
  EpochMs,
  EventData,
  Market,
  Micros,
  Order,
  Series,
  Trade,
} from './types.js';

/** What each house account (the simulated maker and taker) starts with: $1 billion. */
const HOUSE_CASH = micros(1_000_000_000 * ONE_DOLLAR);

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

/**
 * Everything the engine keeps. Matching and the lifecycle are handed this object typed as
 * their own narrow state interface, so each sees only the maps and operations it needs.
 */
class ExchangeState implements matching.MatchingState, lifecycle.LifecycleState {
  readonly series = new Map<string, Series>();
  readonly events = new Map<string, EventData>();
  readonly markets = new Map<string, Market>();
  readonly marketList: Market[] = [];
  readonly books = new Map<string, OrderBook>();
  readonly accounts = new Map<string, Account>();
  readonly listeners: ((event: EngineEvent) => void)[] = [];
  readonly trades: Trade[] = [];
  readonly expiring = new Set<Order>();
  readonly tickerState = new Map<string, number[]>();
  houseMakerId = '';
  /** Settlement payouts floored off to keep balances on the $0.0001 grid (credited to the house maker). */
  settlementRounding = micros(0);
  private seq = 0;

  constructor(
    readonly seed: number | string,
    private readonly clock: Clock,
    private readonly ids: Prng,
    readonly autoDetermineAfterMs: number | null,
  ) {}

  now(): EpochMs {
    return this.clock.now();
  }

  nextSeq(): number {
    this.seq += 1;
    return this.seq;
  }

  newId(): string {
    return this.ids.uuid();
  }

  emit(event: EngineEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  cancelResting(order: Order, now: EpochMs): void {
    matching.cancelResting(this, order, now);
  }

  keepSettlementRounding(amount: Micros): void {
    this.settlementRounding = add(this.settlementRounding, amount);
  }
}

export class Engine {
  readonly seed: number | string;
  readonly clock: Clock;
  readonly houseMakerId: string;
  readonly houseTakerId: string;
  private readonly state: ExchangeState;
  private readonly activity: Activity | null;
  private lastTickMs: EpochMs;

  constructor(options: EngineOptions) {
    this.seed = options.seed;
    this.clock = options.clock;
    const startMs = options.clock.now();
    this.lastTickMs = startMs;
    this.state = new ExchangeState(
      options.seed,
      options.clock,
      new Prng(`${String(options.seed)}:ids`),
      options.autoDetermineAfterMs === undefined ? 30_000 : options.autoDetermineAfterMs,
    );
    const catalog = buildCatalog({
      startMs,
      prng: new Prng(`${String(options.seed)}:catalog`),
      ...(options.catalog ? { options: options.catalog } : {}),
    });
    for (const s of catalog.series) this.state.series.set(s.ticker, s);
    for (const e of catalog.events) this.state.events.set(e.eventTicker, e);
    for (const m of catalog.markets) {
      this.state.markets.set(m.ticker, m);
      this.state.marketList.push(m);
      this.state.books.set(m.ticker, new OrderBook());
    }
    this.houseMakerId = this.createAccount({ cash: HOUSE_CASH, isHouse: true }).userId;
    this.houseTakerId = this.createAccount({ cash: HOUSE_CASH, isHouse: true }).userId;
    this.state.houseMakerId = this.houseMakerId;
    this.activity = new Activity(
      this,
      new Prng(`${String(options.seed)}:activity`),
      options.activity ?? null,
    );
    if (options.initialQuotes !== false) this.activity.quoteAll();
  }

  // ---------------------------------------------------------------- events

  on(listener: (event: EngineEvent) => void): () => void {
    const listeners = this.state.listeners;
    listeners.push(listener);
    return () => {
      const i = listeners.indexOf(listener);
      if (i !== -1) listeners.splice(i, 1);
    };
  }

  now(): EpochMs {
    return this.clock.now();
  }

  // ---------------------------------------------------------------- reads

  listSeries(): readonly Series[] {
    return [...this.state.series.values()];
  }
  getSeries(ticker: string): Series | undefined {
    return this.state.series.get(ticker);
  }
  listEvents(): readonly EventData[] {
    return [...this.state.events.values()];
  }
  getEvent(eventTicker: string): EventData | undefined {
    return this.state.events.get(eventTicker);
  }
  listMarkets(): readonly Market[] {
    return this.state.marketList;
  }
  getMarket(ticker: string): Market | undefined {
    return this.state.markets.get(ticker);
  }
  getMarketById(marketId: string): Market | undefined {
    for (const m of this.state.marketList) if (m.marketId === marketId) return m;
    return undefined;
  }
  getBook(ticker: string): OrderBook | undefined {
    return this.state.books.get(ticker);
  }
  /** Public trades, oldest first (the most recent 50,000 or so). */
  listTrades(): readonly Trade[] {
    return this.state.trades;
  }
  getAccount(userId: string): Account | undefined {
    return this.state.accounts.get(userId);
  }
  listAccounts(): readonly Account[] {
    return [...this.state.accounts.values()];
  }

  /** Best YES bid / ask with sizes; 0 / $1 when the side is empty (Kalshi's convention). */
  topOfBook(ticker: string): TopOfBook {
    return topOfBook(this.state.books.get(ticker));
  }

  // ---------------------------------------------------------------- accounts

  /** `cash` must be a whole number of $0.0001: balances live on that grid. */
  createAccount(args: { cash?: Micros; isHouse?: boolean; userId?: string } = {}): Account {
    const account = ledger.openAccount({
      cash: args.cash ?? micros(0),
      isHouse: args.isHouse ?? false,
      userId: args.userId,
      newId: () => this.state.newId(),
      now: this.now(),
    });
    this.state.accounts.set(account.userId, account);
    return account;
  }

  fund(userId: string, amount: Micros): EngineResult<Account> {
    const account = this.state.accounts.get(userId);
    if (!account) return fail('not_found');
    return ledger.deposit(account, amount, this.now());
  }

  /** What the balance holds back for resting orders: their exact reservations, rounded up to $0.0001. */
  reservedOnGrid(account: Account): Micros {
    return ledger.reservedOnGrid(account);
  }

  /**
   * Available cash (`balance_dollars`): cash minus the reservation on the grid. Exact on the
   * $0.0001 grid because cash is. New orders are checked against this same figure.
   */
  availableCash(account: Account): Micros {
    return ledger.availableCash(account);
  }

  /**
   * This account's resting orders on one side of a market in reservation priority: best price
   * first, then creation time, then order id (the walk that decides what each order holds back).
   */
  restingInPriority(account: Account, ticker: string, side: BookSide): Order[] {
    return ledger.restingInPriority(account, this.state.books.get(ticker), side);
  }

  // ---------------------------------------------------------------- orders

  placeOrder(userId: string, input: CreateOrderInput): EngineResult<CreateOrderResult> {
    return matching.placeOrder(this.state, userId, input);
  }

  cancelOrder(userId: string, orderId: string): EngineResult<CancelOrderResult> {
    return matching.cancelOrder(this.state, userId, orderId);
  }

  // ---------------------------------------------------------------- lifecycle

  /** Run time-driven work (expirations, lifecycle, background activity) up to clock.now(). */
  tick(): void {
    const now = this.now();
    if (now < this.lastTickMs) return;
    this.lastTickMs = now;
    lifecycle.expireOrders(this.state, now);
    lifecycle.advanceMarkets(this.state, now);
    this.activity?.runUntil(now);
  }

  setCloseTime(ticker: string, closeMs: EpochMs): EngineResult<Market> {
    return lifecycle.setCloseTime(this.state, ticker, closeMs);
  }

  closeMarket(ticker: string): EngineResult<Market> {
    return lifecycle.closeMarket(this.state, ticker);
  }

  pauseMarket(ticker: string, isPaused: boolean): EngineResult<Market> {
    const market = this.state.markets.get(ticker);
    if (!market) return fail('market_not_found');
    if (lifecycle.setPaused(this.state, market, isPaused) === 'reactivated') this.activity?.requote(market);
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
    return lifecycle.determineMarket(this.state, ticker, result, settlementValue);
  }

  /** Settle now (normally this happens settlement_timer_seconds after determination). */
  settleMarket(
    ticker: string,
    result?: 'yes' | 'no' | 'scalar',
    settlementValue?: Micros,
  ): EngineResult<Market> {
    return lifecycle.settleMarket(this.state, ticker, result, settlementValue);
  }

  // ---------------------------------------------------------------- prices

  /** Re-quote the house market maker around `price` (the book's mid moves; no trade). */
  movePrice(ticker: string, price: Micros): EngineResult<Market> {
    return movePrice({ market: this.state.markets.get(ticker), maker: this.activity, price });
  }

  /**
   * Jump: everything resting between the current price and `price` fills (against the house
   * taker), the makers re-quote around `price`, and a one-contract trade prints at `price`.
   */
  jumpPrice(ticker: string, price: Micros): EngineResult<Market> {
    return jumpPrice({ market: this.state.markets.get(ticker), maker: this.activity, price });
  }

  /** Point the background taker at an account whose resting orders it fills now and then. */
  setActivityTarget(userId: string | null): void {
    this.activity?.setTarget(userId);
  }

  // ---------------------------------------------------------------- invariants

  /**
   * What settlements floored off payouts to keep balances on the $0.0001 grid, in total. Zero
   * unless a market settled at a scalar value with fractional counts. The exchange keeps it: it
   * went to the house maker's cash (as realized income), so over all accounts
   *   sum(cash) + sum(fees) + open interest x $1 = sum(deposits)  stays exact.
   */
  settlementRoundingTotal(): Micros {
    return this.state.settlementRounding;
  }

  /** The total cash owed to traders if every open contract were paid out (for invariant checks). */
  openInterestTotal(): Centis {
    return add(...this.state.marketList.map((m) => m.openInterest));
  }
}
