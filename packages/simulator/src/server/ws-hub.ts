/**
 * WebSocket v2 at /trade-api/ws/v2: commands subscribe / unsubscribe / update_subscription /
 * list_subscriptions with Kalshi's replies and error codes, data messages {type, sid, seq?, msg},
 * orderbook snapshot-then-delta with a gap-free seq per sid, and a `heartbeat` ping every 10 s.
 *
 * Throughput: each engine event's `msg` is serialised once (per variant) and wrapped per
 * subscription with plain string concatenation, because sid and seq differ per subscriber.
 */
import type { WebSocket } from 'ws';
import type { Engine } from '../engine/engine.js';
import { ONE_DOLLAR } from '../engine/money.js';
import type { EngineEvent, Market, Order, Position } from '../engine/types.js';
import { count2, direction, money4, price4, rfc3339, unixSeconds } from './wire.js';

/** Channels this exchange serves; other real Kalshi channels are accepted but stay silent. */
const SERVED_CHANNELS = new Set([
  'orderbook_delta',
  'ticker',
  'trade',
  'fill',
  'market_positions',
  'user_orders',
  'market_lifecycle_v2',
]);
const SILENT_CHANNELS = new Set(['multivariate_market_lifecycle', 'communications', 'order_group_updates']);
/** Channels whose subscription can be narrowed to markets. */
const MARKET_FILTERED = new Set([
  'orderbook_delta',
  'ticker',
  'trade',
  'fill',
  'market_positions',
  'user_orders',
]);
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

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

export interface ConnectionInfo {
  id: number;
  userId: string;
  subscriptions: { sid: number; channel: string; marketTickers: string[] | null; seq: number }[];
  stalled: string[];
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

export class WsHub {
  private readonly conns = new Set<Connection>();
  private readonly byUser = new Map<string, Set<Connection>>();
  private readonly byChannel = new Map<string, Set<Subscription>>();
  private nextConnId = 1;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly unsubscribeEngine: () => void;
  /** Messages handed to sockets (for the benchmark and tests). */
  sentCount = 0;
  /** Failures while turning engine events into messages (should stay 0). */
  fanOutErrors = 0;
  lastFanOutError: unknown = null;

  constructor(
    private readonly engine: Engine,
    heartbeatMs: number,
  ) {
    for (const channel of [...SERVED_CHANNELS, ...SILENT_CHANNELS]) this.byChannel.set(channel, new Set());
    this.unsubscribeEngine = engine.on((event) => {
      // A failure while fanning out must not unwind the engine mid-match.
      try {
        this.onEngineEvent(event);
      } catch (e) {
        this.fanOutErrors += 1;
        this.lastFanOutError = e;
      }
    });
    this.heartbeat = setInterval(() => this.ping(), heartbeatMs);
    this.heartbeat.unref();
  }

  close(): void {
    clearInterval(this.heartbeat);
    this.unsubscribeEngine();
    for (const conn of this.conns) conn.socket.terminate();
    this.conns.clear();
  }

  // ---------------------------------------------------------------- connections

  attach(socket: WebSocket, userId: string): Connection {
    const conn: Connection = {
      id: this.nextConnId++,
      userId,
      socket,
      subs: new Map(),
      nextSid: 1,
      stalled: new Set(),
      openedMs: this.engine.now(),
    };
    this.conns.add(conn);
    let set = this.byUser.get(userId);
    if (!set) {
      set = new Set();
      this.byUser.set(userId, set);
    }
    set.add(conn);
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      const text = Array.isArray(data)
        ? Buffer.concat(data).toString('utf8')
        : Buffer.from(data as ArrayBuffer).toString('utf8');
      this.onCommand(conn, text);
    });
    socket.on('ping', (payload: Buffer) => {
      if (!conn.stalled.has('*')) socket.pong(payload);
    });
    socket.on('close', () => this.detach(conn));
    socket.on('error', () => this.detach(conn));
    return conn;
  }

  private detach(conn: Connection): void {
    if (!this.conns.delete(conn)) return;
    this.byUser.get(conn.userId)?.delete(conn);
    for (const sub of conn.subs.values()) this.byChannel.get(sub.channel)?.delete(sub);
    conn.subs.clear();
  }

  connections(): ConnectionInfo[] {
    return [...this.conns].map((c) => ({
      id: c.id,
      userId: c.userId,
      subscriptions: [...c.subs.values()].map((s) => ({
        sid: s.sid,
        channel: s.channel,
        marketTickers: s.tickers ? [...s.tickers] : null,
        seq: s.seq,
      })),
      stalled: [...c.stalled],
    }));
  }

  private matching(filter: { userId?: string | undefined; connectionId?: number | undefined }): Connection[] {
    return [...this.conns].filter(
      (c) =>
        (filter.userId === undefined || c.userId === filter.userId) &&
        (filter.connectionId === undefined || c.id === filter.connectionId),
    );
  }

  // ---------------------------------------------------------------- faults

  /** Stop delivering data (and pings, when the whole connection stalls) without closing. */
  stall(filter: { userId?: string; connectionId?: number; channel?: string }): number {
    const conns = this.matching(filter);
    for (const c of conns) c.stalled.add(filter.channel ?? '*');
    return conns.length;
  }

  resume(filter: { userId?: string; connectionId?: number; channel?: string }): number {
    const conns = this.matching(filter);
    for (const c of conns) {
      if (filter.channel === undefined) c.stalled.clear();
      else c.stalled.delete(filter.channel);
    }
    return conns.length;
  }

  drop(filter: { userId?: string; connectionId?: number }): number {
    const conns = this.matching(filter);
    for (const c of conns) {
      c.socket.terminate();
      this.detach(c);
    }
    return conns.length;
  }

  /** The next sequenced message on the matching orderbook subscriptions skips one seq number. */
  skipSeq(filter: { userId?: string; connectionId?: number; sid?: number }): number {
    let n = 0;
    for (const c of this.matching(filter)) {
      for (const s of c.subs.values()) {
        if (s.channel !== 'orderbook_delta' || (filter.sid !== undefined && s.sid !== filter.sid)) continue;
        s.skipNext = true;
        n += 1;
      }
    }
    return n;
  }

  private ping(): void {
    for (const c of this.conns) {
      // Only a whole-connection stall ('*') silences pings; a stalled channel must still look alive.
      if (c.stalled.has('*') || c.socket.readyState !== c.socket.OPEN) continue;
      c.socket.ping('heartbeat');
    }
  }

  // ---------------------------------------------------------------- sending

  private write(conn: Connection, text: string): void {
    const socket = conn.socket;
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      // A consumer this far behind would only get staler; Kalshi reports a buffer overflow and drops it.
      socket.terminate();
      this.detach(conn);
      return;
    }
    socket.send(text);
    this.sentCount += 1;
  }

  private deliver(sub: Subscription, type: string, msgJson: string, isSequenced: boolean): void {
    const conn = sub.conn;
    const isStalled = conn.stalled.size > 0 && (conn.stalled.has('*') || conn.stalled.has(sub.channel));
    if (isSequenced) {
      sub.seq += sub.skipNext ? 2 : 1;
      sub.skipNext = false;
      if (isStalled) return;
      this.write(conn, `{"type":"${type}","sid":${sub.sid},"seq":${sub.seq},"msg":${msgJson}}`);
      return;
    }
    if (isStalled) return;
    this.write(conn, `{"type":"${type}","sid":${sub.sid},"msg":${msgJson}}`);
  }

  private reply(conn: Connection, body: Record<string, unknown>): void {
    this.write(conn, JSON.stringify(body));
  }

  // ---------------------------------------------------------------- commands

  private onCommand(conn: Connection, text: string): void {
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
          this.subscribe(conn, id, params);
          break;
        case 'unsubscribe':
          this.unsubscribe(conn, id, params);
          break;
        case 'update_subscription':
          this.updateSubscription(conn, id, params);
          break;
        case 'list_subscriptions':
          this.reply(conn, {
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
      this.reply(conn, { id, type: 'error', msg });
    }
  }

  private tickersOf(params: Record<string, unknown>): string[] | null {
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
      const market = typeof id === 'string' ? this.engine.getMarketById(id) : undefined;
      if (!market) throw new CommandError(16);
      list.push(market.ticker);
    }
    if (list.length === 0) return null;
    for (const t of list) if (!this.engine.getMarket(t)) throw new CommandError(16, t);
    return [...new Set(list)];
  }

  private subscribe(conn: Connection, id: number, params: unknown): void {
    if (!isRecord(params)) throw new CommandError(2);
    const channels = params.channels;
    if (!Array.isArray(channels) || channels.length === 0) throw new CommandError(3);
    for (const ch of channels)
      if (typeof ch !== 'string' || (!SERVED_CHANNELS.has(ch) && !SILENT_CHANNELS.has(ch)))
        throw new CommandError(8);
    const tickers = this.tickersOf(params);
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
        this.reply(conn, { type: 'subscribed', id, msg: { channel, sid: existing.sid } });
        if (channel === 'orderbook_delta')
          afterReplies.push(() => added.forEach((t) => this.sendSnapshot(existing, t)));
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
      this.byChannel.get(channel)?.add(sub);
      this.reply(conn, { type: 'subscribed', id, msg: { channel, sid: sub.sid } });
      if (channel === 'orderbook_delta' && filter)
        afterReplies.push(() => filter.forEach((t) => this.sendSnapshot(sub, t)));
      if (channel === 'ticker' && params.send_initial_snapshot === true) {
        afterReplies.push(() => {
          const markets = filter ? filter.map((t) => this.engine.getMarket(t)) : this.engine.listMarkets();
          for (const m of markets)
            if (m) this.deliver(sub, 'ticker', this.tickerMsg(m, this.engine.now()), false);
        });
      }
    }
    for (const run of afterReplies) run();
  }

  private unsubscribe(conn: Connection, id: number, params: unknown): void {
    if (!isRecord(params)) throw new CommandError(2);
    const sids = params.sids;
    if (!Array.isArray(sids) || sids.length === 0) throw new CommandError(4);
    for (const sid of sids) if (typeof sid !== 'number' || !conn.subs.has(sid)) throw new CommandError(7);
    for (const sid of sids as number[]) {
      const sub = conn.subs.get(sid);
      if (!sub) continue;
      conn.subs.delete(sid);
      this.byChannel.get(sub.channel)?.delete(sub);
      // asyncapi requires seq on `unsubscribed`; unsequenced channels report 0.
      this.reply(conn, { id, sid, seq: sub.seq, type: 'unsubscribed' });
    }
  }

  private updateSubscription(conn: Connection, id: number, params: unknown): void {
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
    const tickers = this.tickersOf(params);
    if (tickers === null) throw new CommandError(14);
    if (action === 'get_snapshot') {
      for (const t of tickers) if (sub.tickers && !sub.tickers.has(t)) throw new CommandError(16, t);
      for (const t of tickers) this.sendSnapshot(sub, t);
    } else if (action === 'add_markets') {
      // null = every market already: adding some must not narrow it to just those.
      const current = sub.tickers;
      if (current !== null) {
        for (const t of tickers) {
          if (current.has(t)) continue;
          current.add(t);
          if (sub.channel === 'orderbook_delta') this.sendSnapshot(sub, t);
        }
      }
    } else if (sub.tickers) {
      for (const t of tickers) sub.tickers.delete(t);
    }
    const body: Record<string, unknown> = { id, sid: sub.sid };
    if (sub.channel === 'orderbook_delta') body.seq = sub.seq;
    body.type = 'ok';
    if (params.skip_ticker_ack !== true) body.msg = { market_tickers: sub.tickers ? [...sub.tickers] : [] };
    this.reply(conn, body);
  }

  // ---------------------------------------------------------------- data messages

  private sendSnapshot(sub: Subscription, ticker: string): void {
    const market = this.engine.getMarket(ticker);
    const book = this.engine.getBook(ticker);
    if (!market || !book) return;
    const yes: string[] = [];
    for (const level of book.bids.bestFirst())
      yes.unshift(`["${price4(level.price)}","${count2(level.total)}"]`);
    const no: string[] = [];
    for (const level of book.asks.bestFirst()) {
      const entry = `["${price4(sub.useYesPrice ? level.price : ONE_DOLLAR - level.price)}","${count2(level.total)}"]`;
      if (sub.useYesPrice) no.push(entry);
      else no.unshift(entry);
    }
    let msg = `{"market_ticker":"${market.ticker}","market_id":"${market.marketId}"`;
    if (yes.length > 0) msg += `,"yes_dollars_fp":[${yes.join(',')}]`;
    if (no.length > 0) msg += `,"no_dollars_fp":[${no.join(',')}]`;
    msg += '}';
    this.deliver(sub, 'orderbook_snapshot', msg, true);
  }

  private onEngineEvent(event: EngineEvent): void {
    switch (event.kind) {
      case 'book_delta':
        this.onBookDelta(event);
        break;
      case 'trade': {
        const subs = this.byChannel.get('trade');
        if (!subs || subs.size === 0) return;
        const t = event.trade;
        const outcome = t.takerSide === 'bid' ? 'yes' : 'no';
        const msg = JSON.stringify({
          trade_id: t.tradeId,
          market_ticker: t.ticker,
          yes_price_dollars: price4(t.yesPrice),
          no_price_dollars: price4(ONE_DOLLAR - t.yesPrice),
          count_fp: count2(t.count),
          taker_side: outcome,
          taker_outcome_side: outcome,
          taker_book_side: t.takerSide,
          is_block_trade: false,
          ts: unixSeconds(t.createdMs),
          ts_ms: t.createdMs,
        });
        for (const sub of subs)
          if (!sub.tickers || sub.tickers.has(t.ticker)) this.deliver(sub, 'trade', msg, false);
        return;
      }
      case 'ticker': {
        const subs = this.byChannel.get('ticker');
        if (!subs || subs.size === 0) return;
        let msg: string | null = null;
        for (const sub of subs) {
          if (sub.tickers && !sub.tickers.has(event.market.ticker)) continue;
          msg ??= this.tickerMsg(event.market, event.tsMs);
          this.deliver(sub, 'ticker', msg, false);
        }
        return;
      }
      case 'fill':
        this.toUser(event.userId, 'fill', event.market.ticker, () => {
          const f = event.fill;
          const { outcome, action, legacySide } = direction(f.side);
          const msg: Record<string, unknown> = {
            trade_id: f.tradeId,
            order_id: f.orderId,
            market_ticker: f.ticker,
            exchange_index: 0,
            is_taker: f.isTaker,
            side: legacySide,
            action,
            outcome_side: outcome,
            book_side: f.side,
            yes_price_dollars: price4(f.yesPrice),
            count_fp: count2(f.count),
            fee_cost: money4(f.fee),
            post_position_fp: count2(f.postPosition),
            purchased_side: outcome,
            ts: unixSeconds(f.createdMs),
            ts_ms: f.createdMs,
          };
          if (f.clientOrderId !== '') msg.client_order_id = f.clientOrderId;
          msg.subaccount = 0;
          return ['fill', JSON.stringify(msg)];
        });
        return;
      case 'position':
        this.toUser(event.userId, 'market_positions', event.market.ticker, () => [
          'market_position',
          this.positionMsg(event.userId, event.position),
        ]);
        return;
      case 'order':
        this.toUser(event.userId, 'user_orders', event.order.ticker, () => [
          'user_order',
          this.orderMsg(event.order),
        ]);
        return;
      case 'lifecycle': {
        const subs = this.byChannel.get('market_lifecycle_v2');
        if (!subs || subs.size === 0) return;
        const msg = this.lifecycleMsg(event.market, event.eventType, event.tsMs);
        for (const sub of subs) this.deliver(sub, 'market_lifecycle_v2', msg, false);
        return;
      }
      case 'event_lifecycle': {
        const subs = this.byChannel.get('market_lifecycle_v2');
        if (!subs || subs.size === 0) return;
        const e = event.event;
        const msg = JSON.stringify({
          event_ticker: e.eventTicker,
          exchange_index: 0,
          title: e.title,
          subtitle: e.subTitle,
          collateral_return_type: e.mutuallyExclusive ? 'MECNET' : '',
          series_ticker: e.seriesTicker,
        });
        for (const sub of subs) this.deliver(sub, 'event_lifecycle', msg, false);
        return;
      }
      default:
        return;
    }
  }

  private toUser(userId: string, channel: string, ticker: string, build: () => [string, string]): void {
    const conns = this.byUser.get(userId);
    if (!conns || conns.size === 0) return;
    let built: [string, string] | null = null;
    for (const conn of conns) {
      for (const sub of conn.subs.values()) {
        if (sub.channel !== channel || (sub.tickers && !sub.tickers.has(ticker))) continue;
        built ??= build();
        this.deliver(sub, built[0], built[1], false);
      }
    }
  }

  private onBookDelta(event: Extract<EngineEvent, { kind: 'book_delta' }>): void {
    const subs = this.byChannel.get('orderbook_delta');
    if (!subs || subs.size === 0) return;
    const { market, side, price, delta, tsMs, order } = event;
    let plain: string | null = null;
    let yesScale: string | null = null;
    for (const sub of subs) {
      if (!sub.tickers?.has(market.ticker)) continue;
      const isOwner = sub.conn.userId === order.userId && order.clientOrderId !== '';
      if (isOwner) {
        this.deliver(
          sub,
          'orderbook_delta',
          this.deltaMsg(market, side, price, delta, tsMs, sub.useYesPrice, order),
          true,
        );
      } else if (side === 'ask' && sub.useYesPrice) {
        yesScale ??= this.deltaMsg(market, side, price, delta, tsMs, true, null);
        this.deliver(sub, 'orderbook_delta', yesScale, true);
      } else {
        plain ??= this.deltaMsg(market, side, price, delta, tsMs, false, null);
        this.deliver(sub, 'orderbook_delta', plain, true);
      }
    }
  }

  private deltaMsg(
    market: Market,
    side: 'bid' | 'ask',
    price: number,
    delta: number,
    tsMs: number,
    useYesPrice: boolean,
    owner: Order | null,
  ): string {
    const shown = side === 'bid' || useYesPrice ? price : ONE_DOLLAR - price;
    let msg = `{"market_ticker":"${market.ticker}","market_id":"${market.marketId}","price_dollars":"${price4(shown)}","delta_fp":"${count2(delta)}","side":"${side === 'bid' ? 'yes' : 'no'}"`;
    if (owner) msg += `,"client_order_id":${JSON.stringify(owner.clientOrderId)},"subaccount":0`;
    msg += `,"ts":"${rfc3339(tsMs)}","ts_ms":${tsMs}}`;
    return msg;
  }

  private tickerMsg(market: Market, tsMs: number): string {
    const top = this.engine.topOfBook(market.ticker);
    return JSON.stringify({
      market_ticker: market.ticker,
      market_id: market.marketId,
      price_dollars: price4(market.lastPrice),
      yes_bid_dollars: price4(top.bid),
      yes_ask_dollars: price4(top.ask),
      volume_fp: count2(market.volume),
      open_interest_fp: count2(market.openInterest),
      dollar_volume: Math.floor(market.dollarVolume / ONE_DOLLAR),
      dollar_open_interest: Math.floor((market.openInterest * market.lastPrice) / 100 / ONE_DOLLAR),
      yes_bid_size_fp: count2(top.bidSize),
      yes_ask_size_fp: count2(top.askSize),
      last_trade_size_fp: count2(market.lastTradeSize),
      ts: unixSeconds(tsMs),
      ts_ms: tsMs,
      time: rfc3339(Math.floor(tsMs / 1000) * 1000),
    });
  }

  private positionMsg(userId: string, p: Position): string {
    return JSON.stringify({
      user_id: userId,
      market_ticker: p.ticker,
      position_fp: count2(p.position),
      position_cost_dollars: money4(p.exposure),
      realized_pnl_dollars: money4(p.realizedPnl),
      fees_paid_dollars: money4(p.feesPaid),
      position_fee_cost_dollars: money4(p.positionFeeCost),
      volume_fp: count2(p.volume),
      exchange_index: 0,
    });
  }

  private orderMsg(o: Order): string {
    const { outcome, legacySide } = direction(o.side);
    const msg: Record<string, unknown> = {
      order_id: o.orderId,
      user_id: o.userId,
      ticker: o.ticker,
      status: o.status,
      side: legacySide,
      is_yes: true,
      outcome_side: outcome,
      book_side: o.side,
      yes_price_dollars: price4(o.price),
      fill_count_fp: count2(o.filled),
      remaining_count_fp: count2(o.remaining),
      initial_count_fp: count2(o.initial),
      taker_fill_cost_dollars: money4(o.takerFillCost),
      maker_fill_cost_dollars: money4(o.makerFillCost),
      taker_fees_dollars: money4(o.takerFees),
      maker_fees_dollars: money4(o.makerFees),
      client_order_id: o.clientOrderId,
      self_trade_prevention_type: o.selfTradePrevention,
      created_time: rfc3339(o.createdMs),
      created_ts_ms: o.createdMs,
      last_updated_ts_ms: o.updatedMs,
      subaccount_number: 0,
    };
    if (o.expirationMs !== null) msg.expiration_ts_ms = o.expirationMs;
    return JSON.stringify(msg);
  }

  private lifecycleMsg(m: Market, eventType: string, tsMs: number): string {
    const msg: Record<string, unknown> = {
      market_ticker: m.ticker,
      event_type: eventType,
      exchange_index: 0,
    };
    switch (eventType) {
      case 'determined':
        msg.result = m.result;
        msg.determination_ts = unixSeconds(m.determinationMs ?? tsMs);
        msg.settlement_value = price4(m.settlementValue ?? 0);
        break;
      case 'settled':
        msg.settled_ts = unixSeconds(m.settledMs ?? tsMs);
        break;
      case 'close_date_updated':
        msg.close_ts = unixSeconds(m.closeMs);
        break;
      case 'activated':
      case 'deactivated':
        msg.is_deactivated = eventType === 'deactivated';
        break;
      default:
        msg.open_ts = unixSeconds(m.openMs);
        msg.close_ts = unixSeconds(m.closeMs);
    }
    return JSON.stringify(msg);
  }
}
