/**
 * Display formatting for money, prices and counts.
 *
 * Our API sends dollars and cents as JSON numbers that are exact decimals with at most
 * 6 places for dollars (4 for cents, 2 for contracts). To format them exactly we first turn
 * each into an integer of its smallest unit (Math.round of a scaled value is exact for these
 * magnitudes: the float error is far below half a unit), then round that integer half away
 * from zero to the displayed precision with integer arithmetic only.
 */

const MICROS_PER_DOLLAR = 1_000_000;
/** Cents carry up to 4 decimals (a dollar amount with 6). */
const CENT_UNITS = 10_000;
const CONTRACT_UNITS = 100;

/** Integer division rounding half away from zero (both arguments integers, divisor > 0). */
function divRound(value: number, divisor: number): number {
  const sign = value < 0 ? -1 : 1;
  const abs = Math.abs(value);
  const q = Math.floor(abs / divisor);
  const r = abs - q * divisor;
  return sign * (r * 2 >= divisor ? q + 1 : q);
}

function groupThousands(integer: number): string {
  return Math.abs(integer)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Formats `units` (an integer count of 1/10^decimals) as a plain decimal string. */
function formatScaled({
  units,
  decimals,
  minDecimals,
}: {
  units: number;
  decimals: number;
  minDecimals: number;
}): string {
  const scale = 10 ** decimals;
  const abs = Math.abs(units);
  const whole = Math.floor(abs / scale);
  let frac = (abs - whole * scale).toString().padStart(decimals, '0');
  while (frac.length > minDecimals && frac.endsWith('0')) frac = frac.slice(0, -1);
  const text = frac.length > 0 ? `${groupThousands(whole)}.${frac}` : groupThousands(whole);
  return units < 0 ? `-${text}` : text;
}

export interface DollarFormatOptions {
  /** Prefix "+" on positive amounts (P&L). Negative amounts always carry "-". */
  signed?: boolean;
}

/** Dollars with exactly 2 decimals: "$1,234.50", "-$0.07", "+$3.00" (signed). */
export function formatDollars(value: number, options: DollarFormatOptions = {}): string {
  const micros = Math.round(value * MICROS_PER_DOLLAR);
  const cents = divRound(micros, MICROS_PER_DOLLAR / 100);
  const body = `$${formatScaled({ units: Math.abs(cents), decimals: 2, minDecimals: 2 })}`;
  if (cents < 0) return `-${body}`;
  if (options.signed && cents > 0) return `+${body}`;
  return body;
}

/** A price in cents with up to 2 decimals for sub-cent grids: "42¢", "42.5¢", "0.25¢". */
export function formatCents(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  const units = Math.round(value * CENT_UNITS);
  const hundredths = divRound(units, CENT_UNITS / 100);
  return `${formatScaled({ units: hundredths, decimals: 2, minDecimals: 0 })}¢`;
}

/** Contracts with up to 2 decimals: "1,000", "12.5". */
export function formatContracts(value: number): string {
  const units = Math.round(value * CONTRACT_UNITS);
  return formatScaled({ units, decimals: 2, minDecimals: 0 });
}

/** A percentage with 2 decimals: "+12.34%", "-0.50%", "0.00%". */
export function formatPercent(
  value: number | null | undefined,
  options: DollarFormatOptions = { signed: true },
): string {
  if (value === null || value === undefined) return '—';
  const hundredths = divRound(Math.round(value * 10_000), 100);
  const body = `${formatScaled({ units: Math.abs(hundredths), decimals: 2, minDecimals: 2 })}%`;
  if (hundredths < 0) return `-${body}`;
  if (options.signed && hundredths > 0) return `+${body}`;
  return body;
}

/** Direction of an amount for colouring: exact to the displayed cent. */
export function pnlTone(value: number | null | undefined): 'gain' | 'loss' | 'flat' {
  if (value === null || value === undefined) return 'flat';
  const cents = divRound(Math.round(value * MICROS_PER_DOLLAR), MICROS_PER_DOLLAR / 100);
  if (cents > 0) return 'gain';
  if (cents < 0) return 'loss';
  return 'flat';
}

/** A duration in whole seconds, two largest units: "45s", "12m 5s", "3h 4m", "2d 5h". */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const days = Math.floor(s / 86_400);
  const hours = Math.floor((s % 86_400) / 3_600);
  const minutes = Math.floor((s % 3_600) / 60);
  const seconds = s % 60;
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${minutes}m`;
  if (minutes > 0) return `${minutes}m ${seconds}s`;
  return `${seconds}s`;
}

/** Age of some data for a status line: "just now", "12s ago", "3m ago". */
export function formatAge(ms: number): string {
  if (ms < 1_500) return 'just now';
  return `${formatDuration(ms / 1000)} ago`;
}

const dateTimeFormat = new Intl.DateTimeFormat('en-US', {
  month: 'short',
  day: 'numeric',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZoneName: 'short',
});
const dateFormat = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', year: 'numeric' });
const timeFormat = new Intl.DateTimeFormat('en-US', {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

export function formatDateTime(iso: string): string {
  return dateTimeFormat.format(new Date(iso));
}

export function formatDate(iso: string): string {
  return dateFormat.format(new Date(iso));
}

export function formatTime(ms: number): string {
  return timeFormat.format(new Date(ms));
}

/** Time until an expiry: "in 3d 4h", "expired". */
export function formatTimeUntil({ iso, now }: { iso: string; now: number }): string {
  const ms = new Date(iso).getTime() - now;
  if (ms <= 0) return 'expired';
  return `in ${formatDuration(ms / 1000)}`;
}
