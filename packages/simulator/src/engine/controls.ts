/**
 * Price controls for tests and scenarios: steer a market's latent probability and have the
 * house market maker (activity.ts) move the book there, quietly or with a sweep and a print.
 */
import { isOnGrid } from './money.js';
import { fail } from './result.js';
import type { EngineResult, Market, Micros } from './types.js';

/** What the controls ask of the background market maker. */
export interface PriceMaker {
  /** Replace the house quotes of a market with fresh ones around its latent probability. */
  requote(market: Market): void;
  /** Fill everything resting between the current price and `price`. */
  sweepTo(market: Market, price: Micros): void;
  /** Print a one-contract trade at `price`. */
  printAt(market: Market, price: Micros): void;
}

/** A market whose price may be moved to `price`, or why not. */
function steerable(market: Market | undefined, price: Micros): EngineResult<Market> {
  if (!market) return fail('market_not_found');
  if (market.status !== 'active') return fail('market_inactive');
  if (!isOnGrid(price, market.priceRanges)) return fail('invalid_price');
  return { ok: true, value: market };
}

/** Re-quote the house market maker around `price` (the book's mid moves; no trade). */
export function movePrice(args: {
  market: Market | undefined;
  maker: PriceMaker | null;
  price: Micros;
}): EngineResult<Market> {
  const checked = steerable(args.market, args.price);
  if (!checked.ok) return checked;
  const market = checked.value;
  market.latent = args.price;
  market.target = args.price;
  args.maker?.requote(market);
  return checked;
}

/**
 * Jump: everything resting between the current price and `price` fills (against the house
 * taker), the makers re-quote around `price`, and a one-contract trade prints at `price`.
 */
export function jumpPrice(args: {
  market: Market | undefined;
  maker: PriceMaker | null;
  price: Micros;
}): EngineResult<Market> {
  const checked = steerable(args.market, args.price);
  if (!checked.ok) return checked;
  const market = checked.value;
  market.latent = args.price;
  market.target = args.price;
  args.maker?.sweepTo(market, args.price);
  args.maker?.requote(market);
  args.maker?.printAt(market, args.price);
  return checked;
}
