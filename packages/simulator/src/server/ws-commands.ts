/**
 * WebSocket client commands: subscribe, unsubscribe, update_subscription (add_markets,
 * delete_markets, get_snapshot) and list_subscriptions, with Kalshi's replies and numbered
 * error codes. Sending and fan-out belong to the hub (ws-hub.ts), reached through CommandHost.
 */
import type { Engine } from '../engine/engine.js';
import {
  MARKET_FILTERED,
  SERVED_CHANNELS,
  SILENT_CHANNELS,
  type Connection,
  type Subscription,
} from './ws-subscriptions.js';
import { orderbookSnapshotMsg, tickerMsg } from './ws-wire.js';

const WS_ERRORS = {
  1: 'Unable to process message',
  2: 'Params required',
  3: 'Channels required',
  4: 'Subscription IDs required',
  5: 'Unknown command',
  7: 'Unknown subscription ID',
  8: 'Unknown channel name',
  11: 'Invalid parameter',
  12: 'Exactly one subscription ID is required',
  13: 'Unsupported action',
  14: 'Market Ticker required',
  15: 'Action required',
  16: 'Market not found',
  17: 'Internal error',
} as const;
type WsErrorCode = keyof typeof WS_ERRORS;

/** What command handling needs from the hub and the exchange behind it. */
export interface CommandHost {
  readonly exchange: Pick<
    Engine,
    'getMarket' | 'getMarketById' | 'listMarkets' | 'getBook' | 'topOfBook' | 'now'
  >;
  /** Send a command reply (JSON) on the connection. */
  reply(conn: Connection, body: Record<string, unknown>): void;
  /** Send one data message on a subscription (numbering it when sequenced). */
  deliver(sub: Subscription, type: string, msgJson: string, isSequenced: boolean): void;
  /** Start fanning engine events out to this subscription. */
  track(sub: Subscription): void;
  /** Stop fanning engine events out to this subscription. */
  untrack(sub: Subscription): void;
}

class CommandError extends Error {
  constructor(
    readonly code: WsErrorCode,
    readonly marketTicker?: string,
  ) {
    super(WS_ERRORS[code]);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Handle one text frame from a client. Never throws: anything unexpected answers error 17. */
export function handleCommand(host: CommandHost, conn: Connection, text: string): void {
  let id = 0;
  try {
    let command: unknown;
    try {
      command = JSON.parse(text);
    } catch {
      throw new CommandError(1);
    }
    if (!isRecord(command)) throw new CommandError(1);
    id = typeof command.id === 'number' && Number.isInteger(command.id) ? command.id : 0;
    const params = command.params;
    switch (command.cmd) {
      case 'subscribe':
        subscribe(host, conn, id, params);
        break;
      case 'unsubscribe':
        unsubscribe(host, conn, id, params);
        break;
      case 'update_subscription':
        updateSubscription(host, conn, id, params);
        break;
      case 'list_subscriptions':
        host.reply(conn, {
          id,
          type: 'ok',
          msg: [...conn.subs.values()].map((s) => ({ channel: s.channel, sid: s.sid })),
        });
        break;
      default:
        throw new CommandError(5);
    }
  } catch (caught) {
    // Never throw into the socket's event handler: anything unexpected is error 17.
    const e = caught instanceof CommandError ? caught : new CommandError(17);
    const msg: Record<string, unknown> = { code: e.code, msg: e.message };
    if (e.marketTicker !== undefined) msg.market_ticker = e.marketTicker;
    host.reply(conn, { id, type: 'error', msg });
  }
}

/** The markets a command names (tickers, or market ids on the ticker channel); null = none named. */
function tickersOf(host: CommandHost, params: Record<string, unknown>): string[] | null {
  const list: string[] = [];
  if (params.market_ticker !== undefined) {
    if (typeof params.market_ticker !== 'string') throw new CommandError(11);
    list.push(params.market_ticker);
  }
  if (params.market_tickers !== undefined) {
    if (!Array.isArray(params.market_tickers) || params.market_tickers.some((t) => typeof t !== 'string'))
      throw new CommandError(11);
    list.push(...(params.market_tickers as string[]));
  }
  // The ticker channel also takes market ids (UUIDs).
  const ids: unknown[] = [];
  if (params.market_id !== undefined) ids.push(params.market_id);
  if (Array.isArray(params.market_ids)) ids.push(...(params.market_ids as unknown[]));
  for (const id of ids) {
    const market = typeof id === 'string' ? host.exchange.getMarketById(id) : undefined;
    if (!market) throw new CommandError(16);
    list.push(market.ticker);
  }
  if (list.length === 0) return null;
  for (const t of list) if (!host.exchange.getMarket(t)) throw new CommandError(16, t);
  return [...new Set(list)];
}

function subscribe(host: CommandHost, conn: Connection, id: number, params: unknown): void {
  if (!isRecord(params)) throw new CommandError(2);
  const channels = params.channels;
  if (!Array.isArray(channels) || channels.length === 0) throw new CommandError(3);
  for (const ch of channels)
    if (typeof ch !== 'string' || (!SERVED_CHANNELS.has(ch) && !SILENT_CHANNELS.has(ch)))
      throw new CommandError(8);
  const tickers = tickersOf(host, params);
  if ((channels as string[]).includes('orderbook_delta') && tickers === null) throw new CommandError(14);
  const useYesPrice = params.use_yes_price === true;
  // Kalshi answers every `subscribed` first, then the snapshots (recorded ws__orderbook_trade_*).
  const afterReplies: (() => void)[] = [];
  for (const channel of channels as string[]) {
    const filter = MARKET_FILTERED.has(channel) ? tickers : null;
    const existing = [...conn.subs.values()].find((s) => s.channel === channel);
    if (existing) {
      // Subscribing again is idempotent (Kalshi, Sep 2025): new tickers join the existing sid.
      const added: string[] = [];
      if (existing.tickers && filter) {
        for (const t of filter) {
          if (existing.tickers.has(t)) continue;
          existing.tickers.add(t);
          added.push(t);
        }
      }
      if (
        existing.tickers &&
        filter === null &&
        MARKET_FILTERED.has(channel) &&
        channel !== 'orderbook_delta'
      )
        existing.tickers = null;
      host.reply(conn, { type: 'subscribed', id, msg: { channel, sid: existing.sid } });
      if (channel === 'orderbook_delta')
        afterReplies.push(() => added.forEach((t) => sendSnapshot(host, existing, t)));
      continue;
    }
    const sub: Subscription = {
      sid: conn.nextSid++,
      channel,
      tickers: filter ? new Set(filter) : null,
      useYesPrice,
      seq: 0,
      skipNext: false,
      conn,
    };
    conn.subs.set(sub.sid, sub);
    host.track(sub);
    host.reply(conn, { type: 'subscribed', id, msg: { channel, sid: sub.sid } });
    if (channel === 'orderbook_delta' && filter)
      afterReplies.push(() => filter.forEach((t) => sendSnapshot(host, sub, t)));
    if (channel === 'ticker' && params.send_initial_snapshot === true) {
      afterReplies.push(() => {
        const exchange = host.exchange;
        const markets = filter ? filter.map((t) => exchange.getMarket(t)) : exchange.listMarkets();
        for (const m of markets)
          if (m)
            host.deliver(sub, 'ticker', tickerMsg(m, exchange.topOfBook(m.ticker), exchange.now()), false);
      });
    }
  }
  for (const run of afterReplies) run();
}

function unsubscribe(host: CommandHost, conn: Connection, id: number, params: unknown): void {
  if (!isRecord(params)) throw new CommandError(2);
  const sids = params.sids;
  if (!Array.isArray(sids) || sids.length === 0) throw new CommandError(4);
  for (const sid of sids) if (typeof sid !== 'number' || !conn.subs.has(sid)) throw new CommandError(7);
  for (const sid of sids as number[]) {
    const sub = conn.subs.get(sid);
    if (!sub) continue;
    conn.subs.delete(sid);
    host.untrack(sub);
    // asyncapi requires seq on `unsubscribed`; unsequenced channels report 0.
    host.reply(conn, { id, sid, seq: sub.seq, type: 'unsubscribed' });
  }
}

function updateSubscription(host: CommandHost, conn: Connection, id: number, params: unknown): void {
  if (!isRecord(params)) throw new CommandError(2);
  let sid: unknown = params.sid;
  if (sid === undefined && Array.isArray(params.sids)) {
    if (params.sids.length !== 1) throw new CommandError(12);
    sid = params.sids[0];
  }
  if (sid === undefined) throw new CommandError(12);
  const sub = typeof sid === 'number' ? conn.subs.get(sid) : undefined;
  if (!sub) throw new CommandError(7);
  const action = params.action;
  if (action === undefined) throw new CommandError(15);
  if (action !== 'add_markets' && action !== 'delete_markets' && action !== 'get_snapshot')
    throw new CommandError(13);
  if (action === 'get_snapshot' && sub.channel !== 'orderbook_delta') throw new CommandError(13);
  if (!MARKET_FILTERED.has(sub.channel)) throw new CommandError(13);
  const tickers = tickersOf(host, params);
  if (tickers === null) throw new CommandError(14);
  if (action === 'get_snapshot') {
    for (const t of tickers) if (sub.tickers && !sub.tickers.has(t)) throw new CommandError(16, t);
    for (const t of tickers) sendSnapshot(host, sub, t);
  } else if (action === 'add_markets') {
    // null = every market already: adding some must not narrow it to just those.
    const current = sub.tickers;
    if (current !== null) {
      for (const t of tickers) {
        if (current.has(t)) continue;
        current.add(t);
        if (sub.channel === 'orderbook_delta') sendSnapshot(host, sub, t);
      }
    }
  } else if (sub.tickers) {
    for (const t of tickers) sub.tickers.delete(t);
  }
  const body: Record<string, unknown> = { id, sid: sub.sid };
  if (sub.channel === 'orderbook_delta') body.seq = sub.seq;
  body.type = 'ok';
  if (params.skip_ticker_ack !== true) body.msg = { market_tickers: sub.tickers ? [...sub.tickers] : [] };
  host.reply(conn, body);
}

/** An orderbook_snapshot of one market on a subscription (it takes the next seq number). */
function sendSnapshot(host: CommandHost, sub: Subscription, ticker: string): void {
  const market = host.exchange.getMarket(ticker);
  const book = host.exchange.getBook(ticker);
  if (!market || !book) return;
  host.deliver(sub, 'orderbook_snapshot', orderbookSnapshotMsg(market, book, sub.useYesPrice), true);
}
