/**
 * Market research reads, proxied from the exchange's public REST API and cached briefly in
 * memory. Kalshi's markets carry no category (it lives on the series), so the list is built
 * from events with their nested markets plus the series list, and filtered/sorted here.
 *
 * Every read here spends the server's own Kalshi rate budget and the routes are public, so
 * each kind of answer is cached for a few seconds (an order book for one), concurrent identical
 * reads share one upstream request, and "no such market" is remembered as briefly as an answer.
 * Each cache holds a bounded number of entries.
 */
import type {
  EventDetail,
  MarketDetail,
  MarketListQuery,
  MarketSummary,
  OrderBook,
} from '@kalshi-desk/contracts';
import { LocalOrderBook, type KalshiRestClient } from '@kalshi-desk/kalshi';
import type { Clock } from '../../shared/clock.js';
import { appError, isAppError, type AppError } from '../../shared/errors.js';
import { exchangeFailure, type ExchangeFactory } from '../../shared/exchange.js';
import {
  catalogEntry,
  selectMarkets,
  toEventDetail,
  toMarketDetail,
  toMarketSummary,
  toOrderBook,
  type CatalogEntry,
} from './markets.models.js';

export interface MarketsUsecasesOptions {
  exchange: ExchangeFactory;
  clock: Clock;
  /** How long a fetched market list stays fresh. Default 15 s. */
  listTtlMs?: number;
  /** Series (categories) change rarely. Default 5 min. */
  seriesTtlMs?: number;
  /** Upper bound on events fetched for one list (pages of 200). Default 2,000. */
  maxEvents?: number;
  /** How long one market or event stays fresh. Default 5 s. */
  detailTtlMs?: number;
  /** How long an order book stays fresh. Default 1 s. */
  orderBookTtlMs?: number;
  /** Entries kept per kind of answer (markets, events, order books). Default 1,000. */
  maxCacheEntries?: number;
}

interface Cached<T> {
  value: T;
  at: number;
}

type KalshiMarketResponse = Awaited<ReturnType<KalshiRestClient['getMarket']>>;
type KalshiEventResponse = Awaited<ReturnType<KalshiRestClient['getEvent']>>;

/**
 * Answers of one kind by key: fresh for `ttlMs`, one load shared by concurrent readers, a
 * not-found kept like an answer (other failures are not kept), oldest entries dropped first.
 */
class ShortCache<T> {
  private readonly fresh = new Map<string, { at: number; result: { value: T } | { error: AppError } }>();
  private readonly loading = new Map<string, Promise<T>>();

  constructor(private readonly options: { clock: Clock; ttlMs: number; maxEntries: number }) {}

  get size(): number {
    return this.fresh.size;
  }

  async get(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.fresh.get(key);
    if (hit !== undefined && this.options.clock.now() - hit.at < this.options.ttlMs) {
      if ('error' in hit.result) throw hit.result.error;
      return hit.result.value;
    }
    const pending = this.loading.get(key);
    if (pending !== undefined) return pending;
    const loaded = this.load(key, load);
    this.loading.set(key, loaded);
    try {
      return await loaded;
    } finally {
      this.loading.delete(key);
    }
  }

  private async load(key: string, load: () => Promise<T>): Promise<T> {
    try {
      const value = await load();
      this.remember(key, { value });
      return value;
    } catch (error) {
      if (isAppError(error) && error.code === 'not_found') this.remember(key, { error });
      throw error;
    }
  }

  private remember(key: string, result: { value: T } | { error: AppError }): void {
    this.fresh.delete(key);
    for (const oldest of this.fresh.keys()) {
      if (this.fresh.size < this.options.maxEntries) break;
      this.fresh.delete(oldest);
    }
    this.fresh.set(key, { at: this.options.clock.now(), result });
  }
}

export class MarketsUsecases {
  private readonly rest: KalshiRestClient;
  private readonly lists = new Map<string, Cached<CatalogEntry[]>>();
  private series: Cached<Map<string, string>> | null = null;
  private seriesPending: Promise<Map<string, string>> | null = null;
  private readonly listPending = new Map<string, Promise<CatalogEntry[]>>();
  private readonly markets: ShortCache<KalshiMarketResponse>;
  private readonly events: ShortCache<KalshiEventResponse>;
  private readonly orderBooks: ShortCache<OrderBook>;

  constructor(private readonly options: MarketsUsecasesOptions) {
    // Public market data needs no key (docs/kalshi-protocol.md §2.4).
    this.rest = options.exchange.rest();
    const maxEntries = options.maxCacheEntries ?? 1_000;
    const detail = { clock: options.clock, ttlMs: options.detailTtlMs ?? 5_000, maxEntries };
    this.markets = new ShortCache(detail);
    this.events = new ShortCache(detail);
    this.orderBooks = new ShortCache({ ...detail, ttlMs: options.orderBookTtlMs ?? 1_000 });
  }

  /** Answers held in the short caches (diagnostics and tests). */
  get cachedEntries(): number {
    return this.markets.size + this.events.size + this.orderBooks.size;
  }

  async list(query: MarketListQuery): Promise<{ markets: MarketSummary[]; categories: string[] }> {
    const entries = await this.catalog(query.status);
    const categories = [
      ...new Set(entries.map((e) => e.summary.category).filter((c): c is string => c !== null)),
    ].sort();
    return { markets: selectMarkets(entries, query), categories };
  }

  async detail(ticker: string): Promise<MarketDetail> {
    const market = await this.market(ticker);
    const [event, categories] = await Promise.all([
      this.events
        .get(`plain:${market.event_ticker}`, () => this.call(() => this.rest.getEvent(market.event_ticker)))
        .catch(() => null),
      this.categories(),
    ]);
    const seriesTicker = event?.event.series_ticker ?? null;
    return toMarketDetail(market, {
      seriesTicker,
      category:
        (seriesTicker !== null ? categories.get(seriesTicker) : undefined) ?? event?.event.category ?? null,
      eventTitle: event?.event.title ?? null,
    });
  }

  /** The full book; `as_of` is when it was fetched (it may be served for a second). */
  async orderBook(ticker: string): Promise<OrderBook> {
    return this.orderBooks.get(ticker, async () => {
      const response = await this.call(
        () => this.rest.getOrderbook(ticker, { depth: 0 }),
        `No market ${ticker}.`,
      );
      return toOrderBook(LocalOrderBook.fromRest(ticker, response), this.options.clock.now());
    });
  }

  async event(eventTicker: string): Promise<EventDetail> {
    const [response, categories] = await Promise.all([
      this.events.get(`nested:${eventTicker}`, () =>
        this.call(
          () => this.rest.getEvent(eventTicker, { with_nested_markets: true }),
          `No event ${eventTicker}.`,
        ),
      ),
      this.categories(),
    ]);
    const markets = response.event.markets ?? response.markets ?? [];
    const category = categories.get(response.event.series_ticker) ?? response.event.category ?? null;
    return toEventDetail(response.event, markets, category);
  }

  /** One market's summary (for the SSE relay's first ticker event). */
  async summary(ticker: string): Promise<MarketSummary> {
    const market = await this.market(ticker);
    return toMarketSummary(market, { seriesTicker: null, category: null });
  }

  private market(ticker: string): Promise<KalshiMarketResponse> {
    return this.markets.get(ticker, () =>
      this.call(() => this.rest.getMarket(ticker), `No market ${ticker}.`),
    );
  }

  private async call<T>(fn: () => Promise<T>, notFound?: string): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      const failure = exchangeFailure(error);
      if (failure.code === 'not_found' && notFound !== undefined)
        throw appError('not_found', 404, notFound, error);
      throw failure;
    }
  }

  private async catalog(status: MarketListQuery['status']): Promise<CatalogEntry[]> {
    // Kalshi's events `status` has no `paused`; fetch everything for it and filter here.
    const eventStatus = status === 'paused' ? undefined : status;
    const key = eventStatus ?? 'all';
    const now = this.options.clock.now();
    const cached = this.lists.get(key);
    if (cached && now - cached.at < (this.options.listTtlMs ?? 15_000)) return cached.value;
    const pending = this.listPending.get(key);
    if (pending) return pending;
    const load = this.loadCatalog(eventStatus).finally(() => this.listPending.delete(key));
    this.listPending.set(key, load);
    const value = await load;
    this.lists.set(key, { value, at: this.options.clock.now() });
    return value;
  }

  private async loadCatalog(
    status: Exclude<MarketListQuery['status'], 'paused'> | undefined,
  ): Promise<CatalogEntry[]> {
    const categories = await this.categories();
    const entries: CatalogEntry[] = [];
    const maxEvents = this.options.maxEvents ?? 2_000;
    let count = 0;
    await this.call(async () => {
      for await (const event of this.rest.iterateEvents({
        with_nested_markets: true,
        limit: 200,
        ...(status ? { status } : {}),
      })) {
        const category = categories.get(event.series_ticker) ?? event.category ?? null;
        for (const market of event.markets ?? []) {
          const summary = toMarketSummary(market, {
            seriesTicker: event.series_ticker,
            category,
            eventTitle: event.title,
          });
          entries.push(catalogEntry(summary, event.title));
        }
        if (++count >= maxEvents) break;
      }
    });
    return entries;
  }

  /** series ticker -> category. A failure here degrades to "no categories", not an error. */
  private async categories(): Promise<Map<string, string>> {
    const now = this.options.clock.now();
    if (this.series && now - this.series.at < (this.options.seriesTtlMs ?? 300_000)) return this.series.value;
    if (this.seriesPending) return this.seriesPending;
    this.seriesPending = this.rest
      .getSeriesList()
      .then((response) => new Map(response.series.map((s) => [s.ticker, s.category] as const)))
      .then((value) => {
        this.series = { value, at: this.options.clock.now() };
        return value;
      })
      .catch(() => this.series?.value ?? new Map<string, string>())
      .finally(() => {
        this.seriesPending = null;
      });
    return this.seriesPending;
  }
}
