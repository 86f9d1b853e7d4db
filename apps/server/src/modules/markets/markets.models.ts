/**
 * Pure market-research logic: Kalshi's market, event and order-book objects mapped into our
 * API's shapes (exact: fixed-point strings -> integers -> one division), plus the list's
 * filter and sort. Prices are cents on the YES scale; counts are contracts.
 */
import type {
  EventDetail,
  MarketDetail,
  MarketListQuery,
  MarketSummary,
  OrderBook,
} from '@kalshi-desk/contracts';
import {
  parseCount,
  parseDollars,
  type KalshiEvent,
  type Market,
  type TickerMessage,
} from '@kalshi-desk/kalshi/protocol';
import type { LocalOrderBook } from '@kalshi-desk/kalshi';
import { centisToContracts, microsToCents, normalizeQuote, quoteToCents } from '../../shared/money-edge.js';
import { isoTime } from '../account/account.models.js';

/** A market's top of book and last trade in cents, null where Kalshi's empty-book rule says "no price". */
export function quoteCents(
  market: Pick<Market, 'yes_bid_dollars' | 'yes_ask_dollars' | 'last_price_dollars'>,
): ReturnType<typeof quoteToCents> {
  return quoteToCents(
    normalizeQuote({
      yesBid: parseDollars(market.yes_bid_dollars),
      yesAsk: parseDollars(market.yes_ask_dollars),
      last: parseDollars(market.last_price_dollars),
    }),
  );
}

export interface MarketContext {
  seriesTicker: string | null;
  category: string | null;
  /** The event's title, used when the market has no (deprecated) title of its own. */
  eventTitle?: string | null;
}

export function toMarketSummary(market: Market, context: MarketContext): MarketSummary {
  return {
    ticker: market.ticker,
    event_ticker: market.event_ticker,
    series_ticker: context.seriesTicker,
    title: market.title ?? context.eventTitle ?? market.yes_sub_title,
    yes_sub_title: market.yes_sub_title,
    category: context.category,
    status: market.status,
    ...quoteCents(market),
    volume: centisToContracts(parseCount(market.volume_fp)),
    volume_24h: centisToContracts(parseCount(market.volume_24h_fp)),
    open_interest: centisToContracts(parseCount(market.open_interest_fp)),
    close_time: isoTime(market.close_time) ?? new Date(0).toISOString(),
    expiration_time: isoTime(market.latest_expiration_time) ?? isoTime(market.expiration_time),
  };
}

export function toMarketDetail(market: Market, context: MarketContext): MarketDetail {
  return {
    ...toMarketSummary(market, context),
    no_sub_title: market.no_sub_title,
    rules_primary: market.rules_primary,
    rules_secondary: market.rules_secondary,
    result: market.result,
    price_level_structure: market.price_level_structure,
    price_ranges: market.price_ranges.map((r) => ({
      start: microsToCents(parseDollars(r.start)),
      end: microsToCents(parseDollars(r.end)),
      step: microsToCents(parseDollars(r.step)),
    })),
    open_time: isoTime(market.open_time) ?? new Date(0).toISOString(),
  };
}

export function toEventDetail(
  event: KalshiEvent,
  markets: readonly Market[],
  category: string | null,
): EventDetail {
  const context = { seriesTicker: event.series_ticker, category, eventTitle: event.title };
  return {
    event_ticker: event.event_ticker,
    series_ticker: event.series_ticker,
    title: event.title,
    sub_title: event.sub_title,
    category,
    mutually_exclusive: event.mutually_exclusive,
    markets: markets.map((m) => toMarketSummary(m, context)),
  };
}

/** Our order book: YES bids and NO bids (NO price scale), best first, [cents, contracts]. */
export function toOrderBook(book: LocalOrderBook, asOfMs: number): OrderBook {
  return {
    ticker: book.marketTicker,
    yes: book.yesBids().map((l) => [microsToCents(l.price), centisToContracts(l.size)] as [number, number]),
    no: book.noBids().map((l) => [microsToCents(l.price), centisToContracts(l.size)] as [number, number]),
    as_of: new Date(asOfMs).toISOString(),
  };
}

export function toTickerEvent(message: TickerMessage['msg'], atMs: number) {
  const quote = quoteCents({
    yes_bid_dollars: message.yes_bid_dollars,
    yes_ask_dollars: message.yes_ask_dollars,
    last_price_dollars: message.price_dollars,
  });
  return {
    ticker: message.market_ticker,
    ...quote,
    volume: centisToContracts(parseCount(message.volume_fp)),
    open_interest: centisToContracts(parseCount(message.open_interest_fp)),
    at: new Date(message.ts_ms ?? (message.ts !== undefined ? message.ts * 1000 : atMs)).toISOString(),
  };
}

/**
 * Kalshi's status FILTER vocabulary against the object statuses it stands for
 * (docs/kalshi-protocol.md §5.2: the two differ).
 */
const STATUS_FILTER: Record<NonNullable<MarketListQuery['status']>, readonly string[]> = {
  unopened: ['initialized', 'unopened'],
  open: ['active', 'open'],
  paused: ['inactive', 'paused'],
  closed: ['closed', 'determined', 'disputed', 'amended'],
  settled: ['finalized', 'settled'],
};

export function matchesStatus(status: string, filter: MarketListQuery['status']): boolean {
  return filter === undefined || STATUS_FILTER[filter].includes(status);
}

export interface CatalogEntry {
  summary: MarketSummary;
  /** Lower-case text searched by `search`. */
  haystack: string;
}

export function catalogEntry(summary: MarketSummary, eventTitle: string): CatalogEntry {
  return {
    summary,
    haystack: [
      summary.ticker,
      summary.event_ticker,
      summary.title,
      summary.yes_sub_title,
      eventTitle,
      summary.category ?? '',
    ]
      .join('\n')
      .toLowerCase(),
  };
}

export function selectMarkets(entries: readonly CatalogEntry[], query: MarketListQuery): MarketSummary[] {
  const category = query.category?.trim().toLowerCase();
  const terms = (query.search ?? '')
    .toLowerCase()
    .split(/\s+/)
    .filter((t) => t !== '');
  const selected = entries.filter(
    (e) =>
      matchesStatus(e.summary.status, query.status) &&
      (category === undefined || category === '' || (e.summary.category ?? '').toLowerCase() === category) &&
      terms.every((t) => e.haystack.includes(t)),
  );
  const byTicker = (a: CatalogEntry, b: CatalogEntry) =>
    a.summary.ticker < b.summary.ticker ? -1 : a.summary.ticker > b.summary.ticker ? 1 : 0;
  selected.sort(
    query.sort === 'close_time'
      ? (a, b) => Date.parse(a.summary.close_time) - Date.parse(b.summary.close_time) || byTicker(a, b)
      : (a, b) => b.summary.volume - a.summary.volume || byTicker(a, b),
  );
  return selected.slice(0, query.limit).map((e) => e.summary);
}
