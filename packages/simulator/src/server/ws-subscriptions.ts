/**
 * The WebSocket side's data model: a connection, its subscriptions, and which channels exist
 * (served, accepted but silent, narrowable to markets).
 */
import type { WebSocket } from 'ws';

/** Channels this exchange serves; other real Kalshi channels are accepted but stay silent. */
export const SERVED_CHANNELS: ReadonlySet<string> = new Set([
  'orderbook_delta',
  'ticker',
  'trade',
  'fill',
  'market_positions',
  'user_orders',
  'market_lifecycle_v2',
]);
export const SILENT_CHANNELS: ReadonlySet<string> = new Set([
  'multivariate_market_lifecycle',
  'communications',
  'order_group_updates',
]);
/** Channels whose subscription can be narrowed to markets. */
export const MARKET_FILTERED: ReadonlySet<string> = new Set([
  'orderbook_delta',
  'ticker',
  'trade',
  'fill',
  'market_positions',
  'user_orders',
]);

export interface Subscription {
  sid: number;
  channel: string;
  /** null = all markets. */
  tickers: Set<string> | null;
  useYesPrice: boolean;
  seq: number;
  skipNext: boolean;
  conn: Connection;
}

export interface Connection {
  id: number;
  userId: string;
  socket: WebSocket;
  subs: Map<number, Subscription>;
  nextSid: number;
  /** Stalled channels ('*' = everything, pings included). */
  stalled: Set<string>;
  openedMs: number;
}

/** A connection as the control API reports it. */
export interface ConnectionInfo {
  id: number;
  userId: string;
  subscriptions: { sid: number; channel: string; marketTickers: string[] | null; seq: number }[];
  stalled: string[];
}
