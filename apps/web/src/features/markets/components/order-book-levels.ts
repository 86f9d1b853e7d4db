import type { OrderBook } from '@kalshi-desk/contracts';

export interface LadderLevel {
  /** Cents on the YES scale. */
  price: number;
  size: number;
  /** Contracts at this price or better. */
  cumulative: number;
}

/** Exact 100 - p for prices with up to 4 decimals. */
function complement(price: number): number {
  return (1_000_000 - Math.round(price * 10_000)) / 10_000;
}

function accumulate(levels: readonly (readonly [number, number])[]): LadderLevel[] {
  let total = 0;
  return levels.map(([price, size]) => {
    total = Math.round((total + size) * 100) / 100;
    return { price, size, cumulative: total };
  });
}

/**
 * Kalshi books hold bids on both sides: a NO bid at p is a YES offer at 100 - p. Returns YES
 * bids (highest first) and YES asks (lowest first), each with cumulative depth.
 */
export function toYesLadder(book: OrderBook): {
  bids: LadderLevel[];
  asks: LadderLevel[];
  spread: number | null;
} {
  const bids = accumulate([...book.yes].sort((a, b) => b[0] - a[0]));
  const asks = accumulate(
    [...book.no].map(([p, s]) => [complement(p), s] as const).sort((a, b) => a[0] - b[0]),
  );
  const bestBid = bids[0]?.price;
  const bestAsk = asks[0]?.price;
  const spread =
    bestBid === undefined || bestAsk === undefined
      ? null
      : (Math.round(bestAsk * 10_000) - Math.round(bestBid * 10_000)) / 10_000;
  return { bids, asks, spread };
}
