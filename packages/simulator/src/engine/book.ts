/**
 * One market's order book on the YES scale: bids are YES bids (book side "bid"), asks are
 * YES asks (book side "ask" = NO bids at 1 - price). Price-time priority: FIFO per level.
 */
import { add, centis, micros, subtract } from '@kalshi-desk/kalshi/protocol';
import { ONE_DOLLAR } from './money.js';
import type { BookSide, Centis, Micros, Order } from './types.js';

export interface Level {
  price: Micros;
  total: Centis;
  orders: Order[];
}

class BookHalf {
  /** Prices ascending. */
  readonly prices: Micros[] = [];
  readonly levels = new Map<Micros, Level>();

  constructor(private readonly isBid: boolean) {}

  best(): Level | undefined {
    const price = this.isBid ? this.prices[this.prices.length - 1] : this.prices[0];
    return price === undefined ? undefined : this.levels.get(price);
  }

  add(order: Order): void {
    let level = this.levels.get(order.price);
    if (!level) {
      level = { price: order.price, total: centis(0), orders: [] };
      this.levels.set(order.price, level);
      this.prices.splice(lowerBound(this.prices, order.price), 0, order.price);
    }
    level.orders.push(order);
    level.total = add(level.total, order.remaining);
  }

  /** Take `count` off the level after a fill or cancel; drop the order when `removeOrder`. */
  reduce(order: Order, count: Centis, removeOrder: boolean): void {
    const level = this.levels.get(order.price);
    if (!level) return;
    level.total = subtract(level.total, count);
    if (removeOrder) {
      const index = level.orders.indexOf(order);
      if (index !== -1) level.orders.splice(index, 1);
    }
    if (level.orders.length === 0) {
      this.levels.delete(order.price);
      const at = lowerBound(this.prices, order.price);
      if (this.prices[at] === order.price) this.prices.splice(at, 1);
    }
  }

  /** Levels best first. */
  *bestFirst(): Generator<Level> {
    if (this.isBid) {
      for (let i = this.prices.length - 1; i >= 0; i -= 1) {
        const price = this.prices[i];
        const level = price === undefined ? undefined : this.levels.get(price);
        if (level) yield level;
      }
    } else {
      for (const price of this.prices) {
        const level = this.levels.get(price);
        if (level) yield level;
      }
    }
  }
}

export class OrderBook {
  readonly bids = new BookHalf(true);
  readonly asks = new BookHalf(false);

  half(side: BookSide): BookHalf {
    return side === 'bid' ? this.bids : this.asks;
  }

  bestBid(): Level | undefined {
    return this.bids.best();
  }

  bestAsk(): Level | undefined {
    return this.asks.best();
  }
}

export interface TopOfBook {
  bid: Micros;
  bidSize: Centis;
  ask: Micros;
  askSize: Centis;
}

/** Best YES bid / ask with sizes; 0 / $1 when the side is empty (Kalshi's convention). */
export function topOfBook(book: OrderBook | undefined): TopOfBook {
  const bid = book?.bestBid();
  const ask = book?.bestAsk();
  return {
    bid: bid?.price ?? micros(0),
    bidSize: bid?.total ?? centis(0),
    ask: ask?.price ?? ONE_DOLLAR,
    askSize: ask?.total ?? centis(0),
  };
}

function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] ?? 0) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
