/**
 * Pure account logic: the stable user id, and Kalshi's history objects mapped into our
 * API's shapes with exact conversions (fixed-point strings -> integers -> JSON numbers, the
 * last step through shared/money-edge.ts).
 */
import { createHash } from 'node:crypto';
import type { Fill, Order, Settlement } from '@kalshi-desk/contracts';
import {
  add,
  centsToMicros,
  parseCount,
  parseDollars,
  subtract,
  type Fill as KalshiFill,
  type Order as KalshiOrder,
  type Settlement as KalshiSettlement,
} from '@kalshi-desk/kalshi/protocol';
import { centisToContracts, microsToCents, microsToDollars } from '../../shared/money-edge.js';

/** Namespace of our user ids (a random UUID fixed forever; changing it re-keys every user). */
const USER_NAMESPACE = '8f1b6f2e-4c1d-4b8a-9f0e-6d2a5c3e7b10';

/**
 * The same Kalshi key on the same exchange is always the same user: a UUID v5 (SHA-1 name
 * based, RFC 9562) of `<exchange base URL>\n<key id>`.
 */
export function deriveUserId(input: { exchangeUrl: string; keyId: string }): string {
  const namespace = Buffer.from(USER_NAMESPACE.replaceAll('-', ''), 'hex');
  const name = Buffer.from(`${input.exchangeUrl.replace(/\/+$/, '')}\n${input.keyId}`, 'utf8');
  const hash = createHash('sha1').update(namespace).update(name).digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Undoes what copying a PEM around tends to do to it: Windows line ends, indentation,
 * surrounding blank space, or newlines escaped as the two characters `\n` (keys pasted from
 * a JSON or .env file). The key material itself is never altered.
 */
export function normalizePem(text: string): string {
  const unescaped = !text.includes('\n') && text.includes('\\n') ? text.replaceAll('\\n', '\n') : text;
  const lines = unescaped
    .replaceAll('\r\n', '\n')
    .replaceAll('\r', '\n')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** Kalshi timestamps are RFC 3339; keep them as sent when they parse, else normalise. */
export function isoTime(text: string | null | undefined, fallbackUnixSeconds?: number | null): string | null {
  if (typeof text === 'string' && text !== '' && !Number.isNaN(Date.parse(text))) {
    return /[zZ]|[+-]\d\d:\d\d$/.test(text) ? text : new Date(text).toISOString();
  }
  if (typeof fallbackUnixSeconds === 'number') return new Date(fallbackUnixSeconds * 1000).toISOString();
  return null;
}

export function toFill(fill: KalshiFill): Fill {
  const yesPrice = parseDollars(fill.yes_price_dollars);
  const noPrice = parseDollars(fill.no_price_dollars);
  const isYes = fill.outcome_side === 'yes';
  return {
    fill_id: fill.fill_id,
    order_id: fill.order_id,
    ticker: fill.ticker,
    side: isYes ? 'YES' : 'NO',
    count: centisToContracts(parseCount(fill.count_fp)),
    price: microsToCents(isYes ? yesPrice : noPrice),
    yes_price: microsToCents(yesPrice),
    fee: microsToDollars(parseDollars(fill.fee_cost)),
    is_taker: fill.is_taker,
    created_time: isoTime(fill.created_time, fill.ts) ?? new Date(0).toISOString(),
  };
}

export function toOrder(order: KalshiOrder): Order {
  return {
    order_id: order.order_id,
    client_order_id: order.client_order_id,
    ticker: order.ticker,
    book_side: order.book_side,
    status: order.status,
    yes_price: microsToCents(parseDollars(order.yes_price_dollars)),
    initial_count: centisToContracts(parseCount(order.initial_count_fp)),
    fill_count: centisToContracts(parseCount(order.fill_count_fp)),
    remaining_count: centisToContracts(parseCount(order.remaining_count_fp)),
    fees: microsToDollars(
      add(parseDollars(order.taker_fees_dollars), parseDollars(order.maker_fees_dollars)),
    ),
    created_time: isoTime(order.created_time),
  };
}

export function toSettlement(settlement: KalshiSettlement): Settlement {
  const cost = add(
    parseDollars(settlement.yes_total_cost_dollars),
    parseDollars(settlement.no_total_cost_dollars),
  );
  // `revenue` is still integer cents on the wire (docs/kalshi-protocol.md §4.1).
  const revenue = centsToMicros(settlement.revenue);
  const fees = parseDollars(settlement.fee_cost);
  return {
    ticker: settlement.ticker,
    event_ticker: settlement.event_ticker,
    market_result: settlement.market_result,
    yes_count: centisToContracts(parseCount(settlement.yes_count_fp)),
    no_count: centisToContracts(parseCount(settlement.no_count_fp)),
    cost: microsToDollars(cost),
    revenue: microsToDollars(revenue),
    fees: microsToDollars(fees),
    realized_pnl: microsToDollars(subtract(revenue, add(cost, fees))),
    settled_time: isoTime(settlement.settled_time) ?? new Date(0).toISOString(),
  };
}
