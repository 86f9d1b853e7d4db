/**
 * Simulated participants: a market maker quoting a few levels around each market's latent
 * probability (so depth keeps changing), takers crossing the spread (so trades print), and a
 * latent probability that drifts and jumps. Steps on a fixed grid of simulated time so the
 * outcome depends only on the seed and the clock readings, never on wall time.
 */
import { centis, CENTIS_PER_CONTRACT, max, micros, min } from '@kalshi-desk/kalshi/protocol';
import type { OrderBook, TopOfBook } from './book.js';
import { nextGridPrice, ONE_DOLLAR, snapToGrid } from './money.js';
import type { Prng } from './prng.js';
import type {
  Account,
  BookSide,
  CancelOrderResult,
  Centis,
  CreateOrderInput,
  CreateOrderResult,
  EngineResult,
  EpochMs,
  EventData,
  Market,
  Micros,
  Order,
} from './types.js';

/**
 * The exchange as the background participants see it: the few reads and orders they use. The
 * Engine provides it; depending on this port instead of the Engine keeps the two files acyclic.
 */
export interface ActivityExchange {
  readonly houseMakerId: string;
  readonly houseTakerId: string;
  now(): EpochMs;
  listMarkets(): readonly Market[];
  getMarket(ticker: string): Market | undefined;
  getEvent(eventTicker: string): EventData | undefined;
  getBook(ticker: string): Pick<OrderBook, 'bestBid' | 'bestAsk'> | undefined;
  topOfBook(ticker: string): TopOfBook;
  getAccount(userId: string): Account | undefined;
  placeOrder(userId: string, input: CreateOrderInput): EngineResult<CreateOrderResult>;
  cancelOrder(userId: string, orderId: string): EngineResult<CancelOrderResult>;
  setCloseTime(ticker: string, closeMs: EpochMs): EngineResult<Market>;
}

export interface ActivityOptions {
  /** How many market updates (latent move + one re-quote) per simulated second, over all markets. */
  updatesPerSecond: number;
  /** Probability that an update also sends a taker order. */
  tradeProbability?: number;
  /** Simulated step length. */
  stepMs?: number;
  /** An account whose resting orders a taker hits now and then (the demo account). */
  targetUserId?: string | null;
  /** Probability per step that one of the target's resting orders gets (partly) filled. */
  targetFillProbability?: number;
  /** Probability per step that the target places a new small resting order (while it has few). */
  targetOrderProbability?: number;
  /** Every this often, an event the target holds closes three minutes later (then settles). */
  targetCloseEveryMs?: number | null;
}

const LEVELS_PER_SIDE = 4;
const MAX_STEPS_PER_TICK = 200;

/** `n` whole contracts (the participants' sizes are drawn as plain integers). */
function contracts(n: number): Centis {
  return centis(n * CENTIS_PER_CONTRACT);
}

export class Activity {
  private readonly quotes = new Map<string, Order[]>();
  private nextStepMs: EpochMs;
  private nextCloseMs: EpochMs | null;
  private budget = 0;

  constructor(
    private readonly engine: ActivityExchange,
    private readonly prng: Prng,
    private readonly options: ActivityOptions | null,
  ) {
    this.nextStepMs = engine.now() + (options?.stepMs ?? 100);
    this.nextCloseMs = options?.targetCloseEveryMs ? engine.now() + options.targetCloseEveryMs : null;
  }

  setTarget(userId: string | null): void {
    if (this.options) this.options.targetUserId = userId;
  }

  /** Give every active market a few levels of depth on both sides. */
  quoteAll(): void {
    for (const market of this.engine.listMarkets()) if (market.status === 'active') this.requote(market);
  }

  /** Replace the house quotes of a market with fresh ones around its latent probability. */
  requote(market: Market): void {
    for (const order of this.liveQuotes(market.ticker))
      this.engine.cancelOrder(this.engine.houseMakerId, order.orderId);
    this.quotes.set(market.ticker, []);
    for (let level = 1; level <= LEVELS_PER_SIDE; level += 1) {
      this.quote(market, 'bid', level);
      this.quote(market, 'ask', level);
    }
  }

  /** Take out every order resting between the current best and `price` (on the side the move goes through). */
  sweepTo(market: Market, price: Micros): void {
    const book = this.engine.getBook(market.ticker);
    if (!book) return;
    const bestAsk = book.bestAsk();
    const bestBid = book.bestBid();
    if (bestAsk && bestAsk.price <= price) this.take(market, 'bid', price, null);
    else if (bestBid && bestBid.price >= price) this.take(market, 'ask', price, null);
  }

  /** Print a one-contract trade at `price` between the house maker and the house taker. */
  printAt(market: Market, price: Micros): void {
    const posted = this.engine.placeOrder(this.engine.houseMakerId, {
      ticker: market.ticker,
      side: 'ask',
      price,
      count: contracts(1),
      timeInForce: 'good_till_canceled',
      selfTradePrevention: 'maker',
    });
    if (!posted.ok || posted.value.order.status !== 'resting') return;
    this.take(market, 'bid', price, contracts(1));
    if (posted.value.order.status === 'resting')
      this.engine.cancelOrder(this.engine.houseMakerId, posted.value.order.orderId);
  }

  runUntil(now: EpochMs): void {
    if (!this.options || this.options.updatesPerSecond <= 0) return;
    const stepMs = this.options.stepMs ?? 100;
    let steps = 0;
    while (this.nextStepMs <= now) {
      steps += 1;
      if (steps > MAX_STEPS_PER_TICK) {
        // A big clock jump: skip ahead rather than replay hours of activity at once.
        this.nextStepMs = now + stepMs;
        break;
      }
      this.step(stepMs);
      this.nextStepMs += stepMs;
    }
  }

  private step(stepMs: number): void {
    const options = this.options;
    if (!options) return;
    const markets = this.engine.listMarkets();
    if (markets.length === 0) return;
    this.budget += (options.updatesPerSecond * stepMs) / 1000;
    while (this.budget >= 1) {
      this.budget -= 1;
      const market = this.prng.pick(markets);
      if (market.status !== 'active') continue;
      this.moveLatent(market);
      this.requoteOne(market);
      if (this.prng.chance(options.tradeProbability ?? 0.15)) this.randomTake(market);
    }
    const target = options.targetUserId;
    if (!target) return;
    if (this.prng.chance(options.targetFillProbability ?? 0)) this.hitTarget(target);
    if (this.prng.chance(options.targetOrderProbability ?? 0)) this.placeForTarget(target);
    if (this.nextCloseMs !== null && options.targetCloseEveryMs && this.engine.now() >= this.nextCloseMs) {
      this.nextCloseMs = this.engine.now() + options.targetCloseEveryMs;
      this.closeHeldEvent(target);
    }
  }

  /** The target keeps trading a little: a small order joining the best level, adding or reducing. */
  private placeForTarget(userId: string): void {
    const account = this.engine.getAccount(userId);
    if (!account || account.orders.filter((o) => o.status === 'resting').length >= 3) return;
    const held = [...account.positions.values()]
      .map((p) => this.engine.getMarket(p.ticker))
      .filter((m): m is Market => m?.status === 'active');
    const active = this.engine.listMarkets().filter((m) => m.status === 'active');
    const market =
      held.length > 0 && this.prng.chance(0.7)
        ? this.prng.pick(held)
        : active.length > 0
          ? this.prng.pick(active)
          : undefined;
    if (!market) return;
    const side: BookSide = this.prng.chance(0.5) ? 'bid' : 'ask';
    const top = this.engine.topOfBook(market.ticker);
    const price = side === 'bid' ? top.bid : top.ask;
    if (price <= 0 || price >= ONE_DOLLAR) return;
    this.engine.placeOrder(userId, {
      ticker: market.ticker,
      side,
      price,
      count: this.prng.chance(0.3) ? centis(this.prng.int(10, 500)) : contracts(this.prng.int(1, 5)),
      timeInForce: 'good_till_canceled',
      selfTradePrevention: 'taker_at_cross',
    });
  }

  /** Bring one held event to its end: all its markets close in three minutes. */
  private closeHeldEvent(userId: string): void {
    const account = this.engine.getAccount(userId);
    if (!account) return;
    const events = [...new Set([...account.positions.values()].map((p) => p.eventTicker))]
      .map((t) => this.engine.getEvent(t))
      .filter(
        (e) => e !== undefined && e.marketTickers.every((t) => this.engine.getMarket(t)?.status === 'active'),
      );
    const event = events.length > 0 ? this.prng.pick(events) : undefined;
    if (!event) return;
    for (const ticker of event.marketTickers)
      this.engine.setCloseTime(ticker, this.engine.now() + 3 * 60_000);
  }

  private moveLatent(market: Market): void {
    let latent = market.latent + Math.round(this.prng.normal() * 4_000);
    if (this.prng.chance(0.003)) latent += (this.prng.chance(0.5) ? 1 : -1) * this.prng.int(50_000, 150_000);
    if (market.target !== null) latent += Math.round((market.target - latent) * 0.2);
    market.latent = micros(Math.min(Math.max(latent, 15_000), ONE_DOLLAR - 15_000));
  }

  private liveQuotes(ticker: string): Order[] {
    const list = this.quotes.get(ticker) ?? [];
    const live = list.filter((o) => o.status === 'resting');
    this.quotes.set(ticker, live);
    return live;
  }

  private requoteOne(market: Market): void {
    const side: BookSide = this.prng.chance(0.5) ? 'bid' : 'ask';
    const live = this.liveQuotes(market.ticker).filter((o) => o.side === side);
    if (live.length >= LEVELS_PER_SIDE) {
      // Pull the quote farthest from the latent probability, or a random one.
      let victim = live[0];
      for (const o of live)
        if (victim && Math.abs(o.price - market.latent) > Math.abs(victim.price - market.latent)) victim = o;
      if (this.prng.chance(0.3)) victim = this.prng.pick(live);
      if (victim) this.engine.cancelOrder(this.engine.houseMakerId, victim.orderId);
    }
    this.quote(market, side, this.prng.int(1, LEVELS_PER_SIDE));
  }

  private quote(market: Market, side: BookSide, level: number): void {
    const anchor = snapToGrid(market.latent, market.priceRanges);
    let price: Micros | null = anchor;
    for (let i = 0; i < level && price !== null; i += 1)
      price = nextGridPrice(price, side === 'bid' ? -1 : 1, market.priceRanges);
    if (price === null) return;
    const result = this.engine.placeOrder(this.engine.houseMakerId, {
      ticker: market.ticker,
      side,
      price,
      count: this.size(),
      timeInForce: 'good_till_canceled',
      selfTradePrevention: 'maker',
    });
    if (result.ok && result.value.order.status === 'resting') {
      const list = this.quotes.get(market.ticker) ?? [];
      list.push(result.value.order);
      this.quotes.set(market.ticker, list);
    }
  }

  private size(): Centis {
    return this.prng.chance(0.15) ? centis(this.prng.int(10, 2_500)) : contracts(this.prng.int(1, 50));
  }

  private randomTake(market: Market): void {
    const book = this.engine.getBook(market.ticker);
    if (!book) return;
    const bid = book.bestBid();
    const ask = book.bestAsk();
    const mid = bid && ask ? (bid.price + ask.price) / 2 : market.latent;
    const buyBias = market.latent > mid ? 0.7 : market.latent < mid ? 0.3 : 0.5;
    const side: BookSide = this.prng.chance(buyBias) ? 'bid' : 'ask';
    const best = side === 'bid' ? ask : bid;
    if (!best) return;
    this.take(market, side, best.price, contracts(this.prng.int(1, 20)));
  }

  private take(market: Market, side: BookSide, price: Micros, count: Centis | null): void {
    this.engine.placeOrder(this.engine.houseTakerId, {
      ticker: market.ticker,
      side,
      price,
      count: count ?? contracts(1_000_000),
      timeInForce: 'immediate_or_cancel',
      selfTradePrevention: 'taker_at_cross',
    });
  }

  private hitTarget(userId: string): void {
    const account = this.engine.getAccount(userId);
    if (!account) return;
    const resting = account.orders.filter((o) => o.status === 'resting');
    if (resting.length === 0) return;
    const order = this.prng.pick(resting);
    const market = this.engine.getMarket(order.ticker);
    if (!market || market.status !== 'active') return;
    const count = max(centis(1), min(order.remaining, contracts(this.prng.int(1, 5))));
    // Take the target's level only (IOC at its price); earlier orders at that level fill first.
    this.take(market, order.side === 'bid' ? 'ask' : 'bid', order.price, count);
  }
}
