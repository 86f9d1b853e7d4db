/**
 * The server's API edge for money (ADR 003): inside, amounts are exact integers — micro-dollars
 * and centi-contracts, parsed from Kalshi's strings by `@kalshi-desk/kalshi/protocol` — and
 * they become the JSON numbers of `@kalshi-desk/contracts` here, and only here. Each
 * conversion is a single division of an exact integer, so the number sent is the nearest
 * double to the exact decimal: dollars = micros / 1e6, cents = micros / 1e4,
 * contracts = centi / 100.
 *
 * Kalshi's empty-book rule lives here too, because every quote the server shows (positions,
 * market lists, the live ticker) passes through it on its way out.
 */
import {
  MICROS_PER_CENT,
  MICROS_PER_DOLLAR,
  type CentiContracts,
  type MicroDollars,
} from '@kalshi-desk/kalshi/protocol';

export function microsToDollars(value: MicroDollars): number {
  return value / MICROS_PER_DOLLAR;
}

export function microsToCents(value: MicroDollars): number {
  return value / MICROS_PER_CENT;
}

export function centisToContracts(value: CentiContracts): number {
  return value / 100;
}

/** Cents, or null when there is no price. */
export function centsOrNull(value: MicroDollars | null): number | null {
  return value === null ? null : microsToCents(value);
}

/**
 * Top of book and last trade on the YES scale. `null` means "no price": Kalshi writes an empty
 * bid side as yes_bid "0.0000", an empty ask side as yes_ask "1.0000" and a market with no
 * trade as last "0.0000" (docs/kalshi-protocol.md §5.2); `normalizeQuote` turns those into null.
 */
export interface MarketQuote {
  yesBid: MicroDollars | null;
  yesAsk: MicroDollars | null;
  last: MicroDollars | null;
}

export const EMPTY_QUOTE: MarketQuote = { yesBid: null, yesAsk: null, last: null };

/** The empty-book rule: Kalshi's placeholder prices become null. */
export function normalizeQuote(raw: {
  yesBid: MicroDollars;
  yesAsk: MicroDollars;
  last: MicroDollars;
}): MarketQuote {
  return {
    yesBid: raw.yesBid > 0 ? raw.yesBid : null,
    yesAsk: raw.yesAsk < MICROS_PER_DOLLAR ? raw.yesAsk : null,
    last: raw.last > 0 ? raw.last : null,
  };
}

/** A quote as the contracts' `yes_bid`, `yes_ask` and `last_price` (cents or null). */
export function quoteToCents(quote: MarketQuote): {
  yes_bid: number | null;
  yes_ask: number | null;
  last_price: number | null;
} {
  return {
    yes_bid: centsOrNull(quote.yesBid),
    yes_ask: centsOrNull(quote.yesAsk),
    last_price: centsOrNull(quote.last),
  };
}
