/**
 * Building blocks shared by every wire schema. Money and counts stay strings on the wire
 * (so a fake exchange can emit them byte-for-byte); convert with parseDollars/parseCount
 * from fixed-point.ts where the numbers are consumed.
 */
import { z } from 'zod';

/** Dollar amount as Kalshi writes it: "0.5600", "0.018900", "-1.2500". Up to 6 decimals. */
export const dollarStringSchema = z
  .string()
  .regex(/^-?(0|[1-9]\d*)(\.\d{1,6})?$/, 'expected a fixed-point dollar string such as "0.5600"');

/** Contract count as Kalshi writes it: "10.00", "-3.50". Up to 2 decimals. */
export const countStringSchema = z
  .string()
  .regex(/^-?(0|[1-9]\d*)(\.\d{1,2})?$/, 'expected a fixed-point count string such as "10.00"');

/** Price in an order request: non-negative, 2 to 4 decimals (what Kalshi accepts). */
export const requestPriceSchema = z
  .string()
  .regex(/^(0|[1-9]\d*)\.\d{2,4}$/, 'expected a dollar price with 2 to 4 decimals such as "0.5600"');

/** Count in an order request: positive-looking, 0 to 2 decimals. */
export const requestCountSchema = z
  .string()
  .regex(/^(0|[1-9]\d*)(\.\d{1,2})?$/, 'expected a contract count with up to 2 decimals such as "10.00"');

export const outcomeSideSchema = z.enum(['yes', 'no']);
export type OutcomeSide = z.infer<typeof outcomeSideSchema>;

export const bookSideSchema = z.enum(['bid', 'ask']);
export type BookSide = z.infer<typeof bookSideSchema>;

/** Pagination cursor: the last page carries "" (recorded); docs say null; absent is tolerated too. */
export const cursorSchema = z.string().nullish();

/** Unix seconds or milliseconds, depending on the field (see docs/kalshi-protocol.md §4.3). */
export const unixTimeSchema = z.number().int();

/** A `[price_dollars, count_fp]` order-book level. */
export const priceLevelSchema = z.tuple([dollarStringSchema, countStringSchema]);
export type PriceLevel = z.infer<typeof priceLevelSchema>;
