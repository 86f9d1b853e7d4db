import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FixedPointError,
  abs,
  add,
  averagePrice,
  centis,
  centsToMicros,
  decimalsOf,
  divideRounded,
  formatCount,
  formatDollars,
  formatDollarsAt,
  max,
  micros,
  microsToCentsTruncated,
  min,
  mulDivRound,
  negate,
  notional,
  ONE_DOLLAR,
  parseCount,
  parseDollars,
  proRata,
  subtract,
  type CentiContracts,
} from '../src/protocol/fixed-point.js';
import { findRecordingsDir, loadRecordings } from '../src/testing/recordings.js';

type Kind = 'dollars' | 'count';

const countKeys = new Set(['count', 'fill_count', 'remaining_count', 'reduced_by']);
const dollarKeys = new Set([
  'fee_cost',
  'price',
  'average_fill_price',
  'average_fee_paid',
  'balance',
  'start',
  'end',
  'step',
]);
const levelKeys = new Set(['yes_dollars', 'no_dollars', 'yes_dollars_fp', 'no_dollars_fp']);

/** Every money/count string in a recorded JSON value, found by Kalshi's field naming. */
function collectFixedPoint(value: unknown, out: [Kind, string, string][], key = ''): void {
  if (Array.isArray(value)) {
    if (levelKeys.has(key)) {
      for (const level of value as unknown[]) {
        const [price, size] = level as [string, string];
        out.push(['dollars', price, key], ['count', size, key]);
      }
      return;
    }
    for (const item of value) collectFixedPoint(item, out, key);
    return;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) collectFixedPoint(v, out, k);
    return;
  }
  if (typeof value !== 'string') return;
  if (key.endsWith('_fp') || countKeys.has(key)) out.push(['count', value, key]);
  else if (key.endsWith('_dollars') || dollarKeys.has(key)) out.push(['dollars', value, key]);
}

function roundTrip(kind: Kind, text: string): string {
  return kind === 'count'
    ? formatCount(parseCount(text))
    : formatDollarsAt(parseDollars(text), decimalsOf(text));
}

const dir = findRecordingsDir();

describe('fixed-point round trips over the recordings', () => {
  it('formats every recorded money and count string back byte-for-byte', () => {
    const recordings = loadRecordings(dir);
    const found: [Kind, string, string][] = [];
    for (const r of recordings.rest) {
      collectFixedPoint(r.body, found);
      collectFixedPoint(r.meta?.request_body, found);
    }
    for (const w of recordings.ws) for (const frame of w.frames) collectFixedPoint(JSON.parse(frame), found);
    // The recordings hold thousands of such strings; a collector that found few is broken.
    expect(found.length).toBeGreaterThan(3000);
    const mismatches = found.filter(([kind, text]) => roundTrip(kind, text) !== text);
    expect(mismatches).toEqual([]);
  });
});

describe('parseDollars / formatDollars', () => {
  it('parses Kalshi prices and portfolio money into exact micro-dollars', () => {
    expect(parseDollars('0.5600')).toBe(560_000);
    expect(parseDollars('0.018900')).toBe(18_900);
    expect(parseDollars('98.0186')).toBe(98_018_600);
    expect(parseDollars('-1.2500')).toBe(-1_250_000);
    expect(parseDollars('0')).toBe(0);
    expect(parseDollars('0.480')).toBe(480_000);
  });

  it('formats with 2, 4 or 6 decimals and refuses to drop precision', () => {
    expect(formatDollars(micros(560_000))).toBe('0.5600');
    expect(formatDollars(micros(18_900), 6)).toBe('0.018900');
    expect(formatDollars(micros(-1_250_000), 2)).toBe('-1.25');
    expect(formatDollars(micros(18_900), 4)).toBe('0.0189');
    expect(() => formatDollars(micros(18_901), 4)).toThrow(/not representable with 4 decimals/);
    expect(formatDollarsAt(micros(480_000), 3)).toBe('0.480');
  });

  it('rejects malformed input with a FixedPointError naming the problem', () => {
    for (const bad of [
      '',
      ' 0.56',
      '0.56 ',
      '.56',
      '1.',
      '+1.00',
      '1e2',
      '0x10',
      '01.00',
      '1,000.00',
      'NaN',
      '0.1234567',
      '--1',
    ]) {
      expect(() => parseDollars(bad), bad).toThrow(FixedPointError);
    }
    expect(() => parseDollars(0.56)).toThrow(/must be a decimal string, got number/);
    expect(() => parseDollars(null)).toThrow(FixedPointError);
    expect(() => parseDollars('0.1234567')).toThrow(/more than 6 decimals/);
  });

  it('rejects values beyond the safe-integer range instead of rounding', () => {
    expect(() => parseDollars('9007199254.740992')).toThrow(/out of range/);
    expect(parseDollars('9007199254.740991')).toBe(Number.MAX_SAFE_INTEGER);
    expect(formatDollars(micros(Number.MAX_SAFE_INTEGER), 6)).toBe('9007199254.740991');
    expect(() => formatDollars(micros(0.5))).toThrow(FixedPointError);
  });

  it('formats large values exactly near the top of the safe range', () => {
    // floor(x / 1e6) in floating point rounds 8999999999.999999 up to 9e9.
    expect(formatDollars(micros(8_999_999_999_999_999), 6)).toBe('8999999999.999999');
  });
});

describe('parseCount / formatCount', () => {
  it('parses signed fractional counts into centi-contracts', () => {
    expect(parseCount('10.00')).toBe(1000);
    expect(parseCount('-3.50')).toBe(-350);
    expect(parseCount('-3.5')).toBe(-350);
    expect(parseCount('7')).toBe(700);
    expect(formatCount(centis(-350))).toBe('-3.50');
    expect(formatCount(centis(0))).toBe('0.00');
  });

  it('rejects more than 2 decimals and non-strings', () => {
    expect(() => parseCount('1.001')).toThrow(/more than 2 decimals/);
    expect(() => parseCount(1)).toThrow(FixedPointError);
    expect(() => formatCount(centis(1.5))).toThrow(FixedPointError);
  });
});

describe('cents and notional helpers', () => {
  it('converts integer cents and truncates micro-dollars toward zero', () => {
    expect(centsToMicros(9801)).toBe(98_010_000);
    expect(microsToCentsTruncated(micros(98_018_600))).toBe(9801);
    expect(microsToCentsTruncated(micros(-15_000))).toBe(-1);
    expect(microsToCentsTruncated(micros(8_999_999_999_999_999))).toBe(899_999_999_999);
    expect(() => centsToMicros(1.5)).toThrow(FixedPointError);
  });

  it('computes notional exactly, rounding half away from zero', () => {
    expect(notional(micros(520_000), centis(100))).toBe(520_000);
    expect(notional(micros(990_000), centis(300))).toBe(2_970_000);
    expect(notional(micros(1), centis(50))).toBe(1); // 0.5 micro rounds up
    expect(notional(micros(1), centis(-50))).toBe(-1);
    expect(notional(micros(1), centis(49))).toBe(0);
  });

  it('reports decimals for byte-exact re-formatting', () => {
    expect(decimalsOf('0.018900')).toBe(6);
    expect(decimalsOf('10')).toBe(0);
  });
});

describe('unit arithmetic', () => {
  it('adds, subtracts, negates and compares within one unit, 0 standing for either zero', () => {
    expect(add(micros(520_000), micros(17_500), micros(-100))).toBe(537_400);
    expect(add(...[centis(150), centis(250)])).toBe(400);
    expect(add(new Map<string, CentiContracts>().get('none') ?? 0, centis(7))).toBe(7);
    expect(subtract(ONE_DOLLAR, parseDollars('0.5600'))).toBe(440_000);
    expect(negate(centis(350))).toBe(-350);
    expect(abs(centis(-350))).toBe(350);
    expect(max(0, centis(-350))).toBe(0);
    expect(min(centis(100), centis(-350))).toBe(-350);
  });

  it('averagePrice undoes notional and proRata shares an amount by contracts, both exact', () => {
    expect(averagePrice(parseDollars('5.2000'), parseCount('10.00'))).toBe(520_000);
    expect(averagePrice(micros(17_500), centis(3))).toBe(583_333); // $0.0175 over 0.03 contracts
    expect(averagePrice(notional(micros(990_000), centis(731)), centis(731))).toBe(990_000);
    expect(proRata(micros(1_000_001), centis(1), centis(2))).toBe(500_001); // half rounds away from 0
    expect(proRata(micros(-1_000_001), centis(1), centis(2))).toBe(-500_001);
  });
});

describe('fixed-point properties', () => {
  it('format then parse is the identity for every safe integer at 6 decimals and every count', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (value) => {
        expect(parseDollars(formatDollars(micros(value), 6))).toBe(value);
        expect(parseCount(formatCount(centis(value)))).toBe(value);
      }),
      { seed: 20261124, numRuns: 2000 },
    );
  });

  it('parse then format reproduces every canonical decimal string byte-for-byte', () => {
    const canonical = fc
      .tuple(
        fc.boolean(),
        fc.nat({ max: 999_999_999 }),
        fc
          .integer({ min: 0, max: 6 })
          .chain((d) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: d, maxLength: d })),
      )
      .map(([negative, whole, frac]) => `${negative ? '-' : ''}${whole}${frac === '' ? '' : `.${frac}`}`)
      .filter((text) => !/^-0(\.0*)?$/.test(text)); // "-0.00" has no distinct integer
    fc.assert(
      fc.property(canonical, (text) => {
        expect(formatDollarsAt(parseDollars(text), decimalsOf(text))).toBe(text);
      }),
      { seed: 20261124, numRuns: 2000 },
    );
  });
});

describe('mulDivRound / divideRounded (the one exact rounded division)', () => {
  it('rounds half away from zero in every sign combination', () => {
    expect(mulDivRound(5, 1, 2)).toBe(3);
    expect(mulDivRound(-5, 1, 2)).toBe(-3);
    expect(mulDivRound(5, 1, -2)).toBe(-3);
    expect(mulDivRound(-5, -1, -2)).toBe(-3);
    expect(divideRounded(4, 3)).toBe(1);
    expect(divideRounded(-4, 3)).toBe(-1);
    expect(divideRounded(7, 2)).toBe(4);
  });

  it('is exact where floating point is not (products beyond 2^53)', () => {
    // 9e15 x 3 / 7 overflows a double's exact range; the BigInt path does not.
    expect(mulDivRound(9_000_000_000_000_000, 3, 7)).toBe(3_857_142_857_142_857);
  });

  it('refuses to divide by zero and to return an unsafe integer', () => {
    expect(() => divideRounded(1, 0)).toThrow(RangeError);
    expect(() => mulDivRound(Number.MAX_SAFE_INTEGER, 4, 1)).toThrow(FixedPointError);
  });

  it('agrees with a rational reference on random inputs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1e9, max: 1e9 }),
        fc.integer({ min: -1e6, max: 1e6 }),
        fc.integer({ min: 1, max: 1e9 }),
        (a, b, c) => {
          const product = BigInt(a) * BigInt(b);
          const q = mulDivRound(a, b, c);
          // |q*c - a*b| <= c/2, and on an exact half the result is the one further from zero.
          const diff = BigInt(q) * BigInt(c) - product;
          const twice = (diff < 0n ? -diff : diff) * 2n;
          expect(twice <= BigInt(c)).toBe(true);
          if (twice === BigInt(c)) expect(Math.abs(q) * c > Math.abs(Number(product))).toBe(true);
        },
      ),
      { seed: 7, numRuns: 500 },
    );
  });
});
