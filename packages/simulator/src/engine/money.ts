/**
 * Exact money rules of the exchange: price grids and Kalshi's fee formula.
 * Units: prices and money in integer micro-dollars, counts in integer centi-contracts.
 */
import {
  add,
  CASH_GRID,
  ceilToCashGrid,
  floorToCashGrid,
  isOnCashGrid,
  micros,
  mulDivRound,
  notional,
  ONE_DOLLAR,
  subtract,
} from '@kalshi-desk/kalshi/protocol';
import type { Centis, Micros, PriceRange } from './types.js';

export { notional, ONE_DOLLAR };

const ONE_CENT = micros(10_000);
const TENTH_CENT = micros(1_000);

export const LINEAR_CENT: readonly PriceRange[] = [{ start: micros(0), end: ONE_DOLLAR, step: ONE_CENT }];
export const DECI_CENT_TAPERED: readonly PriceRange[] = [
  { start: micros(0), end: micros(100_000), step: TENTH_CENT },
  { start: micros(100_000), end: micros(900_000), step: ONE_CENT },
  { start: micros(900_000), end: ONE_DOLLAR, step: TENTH_CENT },
];

/** True when `price` is strictly inside (0, 1) and on one of the ranges' steps. */
export function isOnGrid(price: Micros, ranges: readonly PriceRange[]): boolean {
  if (!Number.isSafeInteger(price) || price <= 0 || price >= ONE_DOLLAR) return false;
  return ranges.some((r) => price >= r.start && price <= r.end && (price - r.start) % r.step === 0);
}

/** The grid step that applies at `price` (the finest one when ranges meet). */
export function stepAt(price: Micros, ranges: readonly PriceRange[]): Micros {
  let step = ONE_DOLLAR;
  for (const r of ranges) if (price >= r.start && price <= r.end && r.step < step) step = r.step;
  return step === ONE_DOLLAR ? ONE_CENT : step;
}

/** Round `price` down onto the grid, clamped to the tradable interval (0, 1). */
export function snapToGrid(price: Micros, ranges: readonly PriceRange[]): Micros {
  const clamped = Math.min(Math.max(price, 1), ONE_DOLLAR - 1);
  for (const r of ranges) {
    if (clamped >= r.start && clamped <= r.end) {
      let snapped = r.start + Math.floor((clamped - r.start) / r.step) * r.step;
      if (snapped <= 0) snapped = r.start + r.step;
      if (snapped >= ONE_DOLLAR) snapped = ONE_DOLLAR - r.step;
      return micros(snapped);
    }
  }
  return ONE_CENT;
}

/** The next grid price above (`direction` 1) or below (-1) `price`, or null at the edge. */
export function nextGridPrice(
  price: Micros,
  direction: 1 | -1,
  ranges: readonly PriceRange[],
): Micros | null {
  const step = direction === 1 ? stepAt(price, ranges) : stepAt(subtract(price, micros(1)), ranges);
  const next = direction === 1 ? add(price, step) : subtract(price, step);
  return isOnGrid(next, ranges) ? next : null;
}

/** The balance grid lives with the exact numbers (one definition for the simulator and the app). */
export { CASH_GRID, ceilToCashGrid, floorToCashGrid, isOnCashGrid };
const FEE_UNIT: Micros = CASH_GRID; // fees are rounded up to $0.0001

/**
 * The rounding fee of one fill: the smallest non-negative amount that, taken on top of a cash
 * change of `cashChange` (proceeds - cost - trade fee), leaves a whole number of $0.0001. The
 * account's cash change is thereby rounded down onto the grid, never up.
 */
export function roundingFee(cashChange: Micros): Micros {
  return subtract(cashChange, floorToCashGrid(cashChange));
}
const TAKER_NUMERATOR = 7n; // 0.07 = 7 / 100
const MAKER_NUMERATOR = 7n; // 0.0175 = 7 / 400
const MAKER_EXTRA_DIVISOR = 4n;

/**
 * Kalshi's quadratic trade fee, rounded up to $0.0001:
 *   taker: ceil_0.0001(m * 0.07 * C * P * (1 - P)),  maker: ceil_0.0001(m * 0.0175 * C * P * (1 - P)).
 * With C = count/100 contracts and P = price/1e6 dollars, the fee in $0.0001 units is
 *   m * 7 * count * price * (1e6 - price) / 1e12   (taker), and a further / 4 (maker).
 * The product reaches ~1e22, beyond 2^53, so it is computed in BigInt.
 */
export function tradeFee(args: {
  price: Micros;
  count: Centis;
  isTaker: boolean;
  multiplier?: number;
}): Micros {
  const { price, count, isTaker } = args;
  const multiplier = BigInt(args.multiplier ?? 1);
  const numerator =
    (isTaker ? TAKER_NUMERATOR : MAKER_NUMERATOR) *
    multiplier *
    BigInt(count) *
    BigInt(price) *
    BigInt(ONE_DOLLAR - price);
  const denominator = 1_000_000_000_000n * (isTaker ? 1n : MAKER_EXTRA_DIVISOR);
  const units = (numerator + denominator - 1n) / denominator;
  return micros(Number(units) * FEE_UNIT);
}

/** The exact rounded division is the kalshi package's (one implementation in the repo). */
export { mulDivRound };
