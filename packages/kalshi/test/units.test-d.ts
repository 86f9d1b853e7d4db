/**
 * Compile-time checks of the money units (src/protocol/fixed-point.ts). Type-checked by
 * `npm run typecheck` (tsconfig includes test/**), never run: vitest collects only *.test.ts.
 * Each line marked @ts-expect-error must fail to compile; if one ever compiles, tsc reports the
 * directive as unused and the typecheck fails, so every marked line proves a mistake is caught.
 */
import {
  add,
  averagePrice,
  centis,
  formatDollars,
  max,
  micros,
  notional,
  ONE_DOLLAR,
  proRata,
  subtract,
  type CentiContracts,
  type MicroDollars,
} from '../src/protocol/fixed-point.js';

declare const price: MicroDollars;
declare const count: CentiContracts;
declare const plain: number;

interface Fill {
  yesPrice: MicroDollars;
  count: CentiContracts;
  fee: MicroDollars;
}

// What must compile: money from price x count, arithmetic within one unit, literals through
// the constructors.
export const cost: MicroDollars = notional(price, count);
export const total: MicroDollars = add(price, cost, micros(17_500));
export const noPrice: MicroDollars = subtract(ONE_DOLLAR, price);
export const average: MicroDollars = averagePrice(cost, count);
export const share: MicroDollars = proRata(cost, centis(100), count);
export const held: CentiContracts = max(0, count);
export const fill: Fill = { yesPrice: price, count, fee: micros(0) };
export const shown: string = formatDollars(price);

// Price and count swapped in notional.
// @ts-expect-error -- a count is not a price
export const swapped = notional(count, price);

// A count where money is expected: a parameter, a field, a variable.
// @ts-expect-error -- CentiContracts is not MicroDollars
export const countAsDollars = formatDollars(count);
// @ts-expect-error -- CentiContracts is not MicroDollars
export const countInPriceField: Fill = { yesPrice: count, count, fee: micros(0) };
// @ts-expect-error -- CentiContracts is not MicroDollars
export const countAsMoney: MicroDollars = count;

// A count added to money.
// @ts-expect-error -- `+` gives a plain number, which has no unit
export const sumWithPlus: MicroDollars = price + count;
// @ts-expect-error -- add takes one unit per call
export const sumWithAdd: MicroDollars = add(price, count);
// @ts-expect-error -- subtract takes one unit per call
export const difference: MicroDollars = subtract(ONE_DOLLAR, count);
// @ts-expect-error -- the positive part of a count is still a count
export const countMax: MicroDollars = max(0, count);

// A plain number is no amount of money until micros() says so.
// @ts-expect-error -- number is not MicroDollars
export const unbranded: MicroDollars = plain;
// @ts-expect-error -- proRata shares money, not counts
export const countShare = proRata(count, count, count);
// @ts-expect-error -- averagePrice divides money by a count, not the other way round
export const inverted = averagePrice(count, price);
