/**
 * A local order book built from orderbook_snapshot + orderbook_delta (or the REST order book).
 * Kalshi publishes bids only: YES bids and NO bids. A NO bid at p is a YES ask at 1 - p, so
 * asks are derived. Prices are integer micro-dollars, sizes integer centi-contracts.
 */
import {
  add,
  ONE_DOLLAR,
  parseCount,
  parseDollars,
  subtract,
  type CentiContracts,
  type MicroDollars,
} from '../protocol/fixed-point.js';
import type { OrderbookResponse } from '../protocol/markets.js';
import type { PriceLevel } from '../protocol/primitives.js';
import type { OrderbookDeltaMessage, OrderbookSnapshotMessage } from '../protocol/ws.js';

export interface BookLevel {
  price: MicroDollars;
  size: CentiContracts;
}

export class OrderBookError extends Error {
  override readonly name = 'OrderBookError';
}

export interface OrderBookOptions {
  /**
   * True when the subscription used `use_yes_price: true`: NO-side levels then arrive on the
   * YES price scale. The REST order book always uses NO prices for the NO side.
   */
  useYesPrice?: boolean;
}

export class LocalOrderBook {
  /** YES price -> size. */
  private readonly yes = new Map<MicroDollars, CentiContracts>();
  /** NO price (no-leg scale) -> size. */
  private readonly no = new Map<MicroDollars, CentiContracts>();
  private readonly useYesPrice: boolean;

  constructor(
    readonly marketTicker: string,
    options: OrderBookOptions = {},
  ) {
    this.useYesPrice = options.useYesPrice ?? false;
  }

  static fromRest(marketTicker: string, response: OrderbookResponse): LocalOrderBook {
    const book = new LocalOrderBook(marketTicker);
    book.replace(response.orderbook_fp.yes_dollars ?? [], response.orderbook_fp.no_dollars ?? []);
    return book;
  }

  applySnapshot(message: OrderbookSnapshotMessage['msg']): void {
    this.checkTicker(message.market_ticker);
    this.replace(message.yes_dollars_fp ?? [], message.no_dollars_fp ?? []);
  }

  /** Applies a signed size change; a level that would go negative means the book is out of sync. */
  applyDelta(message: OrderbookDeltaMessage['msg']): void {
    this.checkTicker(message.market_ticker);
    const side = message.side === 'yes' ? this.yes : this.no;
    const price =
      message.side === 'yes' ? parseDollars(message.price_dollars) : this.noPrice(message.price_dollars);
    const size = add(side.get(price) ?? 0, parseCount(message.delta_fp));
    if (size < 0) {
      throw new OrderBookError(
        `${this.marketTicker}: delta ${message.delta_fp} at ${message.price_dollars} (${message.side}) leaves a negative size`,
      );
    }
    if (size === 0) side.delete(price);
    else side.set(price, size);
  }

  /** YES bids, best (highest) first. */
  yesBids(): BookLevel[] {
    return sortedLevels(this.yes, 'desc');
  }

  /** NO bids on the NO price scale, best (highest) first. */
  noBids(): BookLevel[] {
    return sortedLevels(this.no, 'desc');
  }

  /** YES asks derived from NO bids (1 - NO price), best (lowest) first. */
  yesAsks(): BookLevel[] {
    return this.noBids().map((l) => ({ price: subtract(ONE_DOLLAR, l.price), size: l.size }));
  }

  /** NO asks derived from YES bids, best (lowest) first. */
  noAsks(): BookLevel[] {
    return this.yesBids().map((l) => ({ price: subtract(ONE_DOLLAR, l.price), size: l.size }));
  }

  bestYesBid(): BookLevel | undefined {
    return this.yesBids()[0];
  }

  bestYesAsk(): BookLevel | undefined {
    return this.yesAsks()[0];
  }

  private replace(yes: readonly PriceLevel[], no: readonly PriceLevel[]): void {
    this.yes.clear();
    this.no.clear();
    for (const [price, size] of yes) addLevel(this.yes, parseDollars(price), parseCount(size));
    for (const [price, size] of no) addLevel(this.no, this.noPrice(price), parseCount(size));
  }

  private noPrice(text: string): MicroDollars {
    const price = parseDollars(text);
    return this.useYesPrice ? subtract(ONE_DOLLAR, price) : price;
  }

  private checkTicker(ticker: string): void {
    if (ticker !== this.marketTicker) {
      throw new OrderBookError(`message for ${ticker} applied to the book of ${this.marketTicker}`);
    }
  }
}

function addLevel(side: Map<MicroDollars, CentiContracts>, price: MicroDollars, size: CentiContracts): void {
  if (size < 0) throw new OrderBookError(`negative size at price ${price}`);
  if (size > 0) side.set(price, add(side.get(price) ?? 0, size));
}

function sortedLevels(side: Map<MicroDollars, CentiContracts>, order: 'asc' | 'desc'): BookLevel[] {
  const levels = [...side].map(([price, size]) => ({ price, size }));
  return levels.sort((a, b) => (order === 'asc' ? a.price - b.price : b.price - a.price));
}
