/**
 * Exact fixed-point numbers at Kalshi's protocol edge.
 *
 * Kalshi sends money as dollar strings with 4 to 6 decimals ("0.5600", "0.018900") and
 * contract counts as strings with 2 decimals ("10.00", "-3.50"). Inside the app they are
 * plain safe integers in the smallest unit Kalshi uses:
 *   - MicroDollars: 1e-6 USD (6 decimals covers every money field Kalshi emits)
 *   - CentiContracts: 0.01 contract (fractional trading is in steps of 0.01)
 * A JavaScript number holds integers exactly up to 2^53, i.e. about $9 billion in
 * micro-dollars, far beyond any account; every parse checks that bound.
 * Never parseFloat: binary floats cannot represent 0.56 exactly.
 */

declare const unitBrand: unique symbol;

/**
 * Branded so that a count cannot be passed where a price or an amount of money is expected
 * (`notional(count, price)` does not compile). Both are still numbers: compare them, format
 * them, divide them for display. Arithmetic (`a + b`) yields a plain number on purpose; the
 * helpers below give it a unit back.
 */
export type MicroDollars = number & { readonly [unitBrand]: 'MicroDollars' };
export type CentiContracts = number & { readonly [unitBrand]: 'CentiContracts' };

export const MICROS_PER_DOLLAR = 1_000_000;
export const MICROS_PER_CENT = 10_000;
export const CENTIS_PER_CONTRACT = 100;

/**
 * The only casts into the units: for literals (`micros(560_000)`, `centis(0)`) and for results
 * of exact integer arithmetic that no helper below expresses. A value that crosses units
 * (price x count -> money) goes through `notional`, `averagePrice` or `proRata` instead.
 */
export function micros(value: number): MicroDollars {
  return value as MicroDollars;
}

/** See `micros`. */
export function centis(value: number): CentiContracts {
  return value as CentiContracts;
}

/** $1: what one winning contract pays, and the sum of a YES and a NO price. */
export const ONE_DOLLAR = micros(MICROS_PER_DOLLAR);

/**
 * Either unit. The helpers below take one unit per call and give it back; a literal 0 stands
 * for the zero of either unit (`add(map.get(key) ?? 0, x)`, `max(0, position)`).
 */
type FixedPoint = MicroDollars | CentiContracts;

/** The sum of values in one unit; `add(...list)` sums a list. */
export function add<U extends FixedPoint>(...values: (U | 0)[]): U {
  let total = 0;
  for (const value of values) total += value;
  return total as U;
}

/** `a - b` in one unit. */
export function subtract<U extends FixedPoint>(a: U | 0, b: U | 0): U {
  return (a - b) as U;
}

export function negate<U extends FixedPoint>(value: U): U {
  const plain: number = value;
  return -plain as U;
}

export function abs<U extends FixedPoint>(value: U): U {
  return Math.abs(value) as U;
}

/** The smaller of two values in one unit. */
export function min<U extends FixedPoint>(a: U | 0, b: U | 0): U {
  return Math.min(a, b) as U;
}

/** The larger of two values in one unit; `max(0, x)` is x's positive part. */
export function max<U extends FixedPoint>(a: U | 0, b: U | 0): U {
  return Math.max(a, b) as U;
}

export class FixedPointError extends Error {
  override readonly name = 'FixedPointError';
}

// No leading zeros ("01.00"), no bare dot ("1.", ".5"), no exponent, no plus sign: Kalshi
// never emits those, and accepting them would break byte-exact round trips.
const DECIMAL = /^(-?)(0|[1-9]\d*)(?:\.(\d+))?$/;

function parseScaled(text: unknown, scale: number, what: string): number {
  if (typeof text !== 'string') {
    throw new FixedPointError(`${what} must be a decimal string, got ${typeof text}`);
  }
  const match = DECIMAL.exec(text);
  if (!match) throw new FixedPointError(`${what} is not a decimal number: ${JSON.stringify(text)}`);
  const [, sign = '', whole = '', frac = ''] = match;
  if (frac.length > scale) {
    throw new FixedPointError(`${what} has more than ${scale} decimals: ${JSON.stringify(text)}`);
  }
  const digits = whole + frac.padEnd(scale, '0');
  const value = Number(digits);
  if (!Number.isSafeInteger(value))
    throw new FixedPointError(`${what} is out of range: ${JSON.stringify(text)}`);
  return sign === '-' && value !== 0 ? -value : value;
}

function formatScaled(value: number, scale: number, decimals: number, what: string): string {
  if (!Number.isSafeInteger(value)) throw new FixedPointError(`${what} must be a safe integer, got ${value}`);
  if (decimals > scale || decimals < 0) throw new FixedPointError(`${what} cannot have ${decimals} decimals`);
  const drop = 10 ** (scale - decimals);
  if (value % drop !== 0) {
    throw new FixedPointError(`${what} ${value} is not representable with ${decimals} decimals`);
  }
  const abs = Math.abs(value) / drop;
  const unit = 10 ** decimals;
  const frac = abs % unit;
  // (abs - frac) / unit is exact; Math.floor(abs / unit) can round up near 2^53.
  const whole = (abs - frac) / unit;
  const body = decimals === 0 ? `${whole}` : `${whole}.${String(frac).padStart(decimals, '0')}`;
  return value < 0 ? `-${body}` : body;
}

/** "0.5600" -> 560000 micro-dollars. Accepts 0 to 6 decimals; rejects anything else. */
export function parseDollars(text: unknown): MicroDollars {
  return micros(parseScaled(text, 6, 'dollar amount'));
}

/** 560000 -> "0.5600" (decimals 4, Kalshi's price format) or "0.560000" (decimals 6). */
export function formatDollars(value: MicroDollars, decimals: 2 | 4 | 6 = 4): string {
  return formatScaled(value, 6, decimals, 'dollar amount');
}

/** "10.00" -> 1000 centi-contracts; "-3.5" -> -350. Accepts 0 to 2 decimals. */
export function parseCount(text: unknown): CentiContracts {
  return centis(parseScaled(text, 2, 'contract count'));
}

/** 1000 -> "10.00". */
export function formatCount(value: CentiContracts): string {
  return formatScaled(value, 2, 2, 'contract count');
}

/** Integer cents (Kalshi's few legacy fields such as balance) -> micro-dollars. */
export function centsToMicros(cents: number): MicroDollars {
  if (!Number.isSafeInteger(cents)) throw new FixedPointError(`cents must be an integer, got ${cents}`);
  return micros(cents * MICROS_PER_CENT);
}

/** Micro-dollars -> integer cents, truncating toward zero as Kalshi does for `balance`. */
export function microsToCentsTruncated(value: MicroDollars): number {
  if (!Number.isSafeInteger(value))
    throw new FixedPointError(`micro-dollars must be a safe integer, got ${value}`);
  // Integer arithmetic only: value / 10_000 in floating point can round across an integer.
  return (value - (value % MICROS_PER_CENT)) / MICROS_PER_CENT;
}

/** How many decimals a fixed-point string carries ("0.018900" -> 6), for byte-exact round trips. */
export function decimalsOf(text: string): number {
  const dot = text.indexOf('.');
  return dot === -1 ? 0 : text.length - dot - 1;
}

/**
 * `a x b / c` rounded half away from zero, exactly (BigInt inside), for any safe integers.
 * The one rounded division of the codebase: notional values, average prices, pro-rata shares.
 */
export function mulDivRound(a: number, b: number, c: number): number {
  if (c === 0) throw new RangeError('division by zero');
  const product = BigInt(a) * BigInt(b);
  const divisor = BigInt(c);
  const whole = product / divisor; // BigInt division truncates toward zero
  const rem = product - whole * divisor;
  const absRem = rem < 0n ? -rem : rem;
  const absDivisor = divisor < 0n ? -divisor : divisor;
  const isNegative = product < 0n !== divisor < 0n;
  const rounded = absRem * 2n >= absDivisor ? whole + (isNegative ? -1n : 1n) : whole;
  const value = Number(rounded);
  if (!Number.isSafeInteger(value)) throw new FixedPointError(`out of range: ${a} x ${b} / ${c}`);
  return value;
}

/** `numerator / denominator` rounded half away from zero, exactly. */
export function divideRounded(numerator: number, denominator: number): number {
  return mulDivRound(numerator, 1, denominator);
}

/**
 * Value of `count` contracts at `price` per contract, in micro-dollars, rounded half away
 * from zero to the micro-dollar. Exact whenever the price has at most 4 decimals.
 */
export function notional(price: MicroDollars, count: CentiContracts): MicroDollars {
  try {
    return micros(mulDivRound(price, count, CENTIS_PER_CONTRACT));
  } catch (error) {
    if (error instanceof FixedPointError)
      throw new FixedPointError(`notional out of range: ${price} x ${count}`);
    throw error;
  }
}

/**
 * The price per contract that `count` contracts worth `total` average (the inverse of
 * `notional`), rounded half away from zero to the micro-dollar: average entry price, average
 * fee per contract.
 */
export function averagePrice(total: MicroDollars, count: CentiContracts): MicroDollars {
  return micros(mulDivRound(total, CENTIS_PER_CONTRACT, count));
}

/** The share of `amount` that `part` of `whole` contracts carry, rounded half away from zero. */
export function proRata(amount: MicroDollars, part: CentiContracts, whole: CentiContracts): MicroDollars {
  return micros(mulDivRound(amount, part, whole));
}

/**
 * Like formatDollars but with any number of decimals from 0 to 6, for byte-exact round trips
 * of strings whose precision is not 2, 4 or 6 (docs examples show 3: "0.480").
 */
export function formatDollarsAt(value: MicroDollars, decimals: number): string {
  if (!Number.isInteger(decimals)) throw new FixedPointError(`decimals must be an integer, got ${decimals}`);
  return formatScaled(value, 6, decimals, 'dollar amount');
}

/**
 * Kalshi keeps a direct member's balance on a $0.0001 grid (docs/kalshi-protocol.md §6 item 6):
 * trade fees are rounded up to it, and a rounding fee takes whatever a fill would leave below it.
 */
export const CASH_GRID = micros(100);

/** True when `amount` is a whole number of $0.0001. */
export function isOnCashGrid(amount: MicroDollars): boolean {
  return Number.isSafeInteger(amount) && amount % CASH_GRID === 0;
}

/** The largest multiple of $0.0001 not above `amount` (towards minus infinity, also for negatives). */
export function floorToCashGrid(amount: MicroDollars): MicroDollars {
  return subtract(amount, belowCashGrid(amount));
}

/** The smallest multiple of $0.0001 not below `amount`. */
export function ceilToCashGrid(amount: MicroDollars): MicroDollars {
  const below = belowCashGrid(amount);
  return below === 0 ? amount : add(subtract(amount, below), CASH_GRID);
}

/** What `amount` has above the multiple of $0.0001 below it, in [0, $0.0001). */
function belowCashGrid(amount: MicroDollars): MicroDollars {
  return micros(((amount % CASH_GRID) + CASH_GRID) % CASH_GRID);
}
