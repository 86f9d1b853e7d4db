/**
 * WebSocket v2 at /trade-api/ws/v2: the connections, the fan-out of engine events to their
 * subscriptions as data messages {type, sid, seq?, msg} (a gap-free seq per orderbook sid),
 * a `heartbeat` ping every 10 s, and the fault controls (stall, resume, drop, skip a seq).
 * Client commands are handled in ws-commands.ts; message JSON is built in ws-wire.ts.
 *
 * Throughput: each engine event's `msg` is serialised once (per variant) and wrapped per
 * subscription, because sid and seq differ per subscriber.
 */
import type { WebSocket } from 'ws';
import type { Engine } from '../engine/engine.js';
import type { EngineEvent } from '../engine/types.js';
import { handleCommand, type CommandHost } from './ws-commands.js';
import {
  SERVED_CHANNELS,
  SILENT_CHANNELS,
  type Connection,
  type ConnectionInfo,
  type Subscription,
} from './ws-subscriptions.js';
import {
  dataFrame,
  eventLifecycleMsg,
  fillMsg,
  marketLifecycleMsg,
  marketPositionMsg,
  orderbookDeltaMsg,
  tickerMsg,
  tradeMsg,
  userOrderMsg,
} from './ws-wire.js';

const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

export class WsHub {
  private readonly conns = new Set<Connection>();
  private readonly byUser = new Map<string, Set<Connection>>();
  private readonly byChannel = new Map<string, Set<Subscription>>();
  private nextConnId = 1;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly unsubscribeEngine: () => void;
  /** The hub as command handling sees it. */
  private readonly commandHost: CommandHost;
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
    this.commandHost = {
      exchange: engine,
      reply: (conn, body) => this.write(conn, JSON.stringify(body)),
      deliver: (sub, type, msgJson, isSequenced) => this.deliver(sub, type, msgJson, isSequenced),
      track: (sub) => this.byChannel.get(sub.channel)?.add(sub),
      untrack: (sub) => this.byChannel.get(sub.channel)?.delete(sub),
    };
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
      handleCommand(this.commandHost, conn, text);
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
      this.write(conn, dataFrame(type, sub.sid, sub.seq, msgJson));
      return;
    }
    if (isStalled) return;
    this.write(conn, dataFrame(type, sub.sid, null, msgJson));
  }

  // ---------------------------------------------------------------- fan-out

  private onEngineEvent(event: EngineEvent): void {
    switch (event.kind) {
      case 'book_delta':
        this.onBookDelta(event);
        return;
      case 'trade': {
        const subs = this.byChannel.get('trade');
        if (!subs || subs.size === 0) return;
        const t = event.trade;
        const msg = tradeMsg(t);
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
          msg ??= tickerMsg(event.market, this.engine.topOfBook(event.market.ticker), event.tsMs);
          this.deliver(sub, 'ticker', msg, false);
        }
        return;
      }
      case 'fill':
        this.toUser(event.userId, 'fill', event.market.ticker, () => ['fill', fillMsg(event.fill)]);
        return;
      case 'position':
        this.toUser(event.userId, 'market_positions', event.market.ticker, () => [
          'market_position',
          marketPositionMsg(event.userId, event.position),
        ]);
        return;
      case 'order':
        this.toUser(event.userId, 'user_orders', event.order.ticker, () => [
          'user_order',
          userOrderMsg(event.order),
        ]);
        return;
      case 'lifecycle': {
        const subs = this.byChannel.get('market_lifecycle_v2');
        if (!subs || subs.size === 0) return;
        const msg = marketLifecycleMsg(event.market, event.eventType, event.tsMs);
        for (const sub of subs) this.deliver(sub, 'market_lifecycle_v2', msg, false);
        return;
      }
      case 'event_lifecycle': {
        const subs = this.byChannel.get('market_lifecycle_v2');
        if (!subs || subs.size === 0) return;
        const msg = eventLifecycleMsg(event.event);
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
        const msg = orderbookDeltaMsg({
          market,
          side,
          price,
          delta,
          tsMs,
          useYesPrice: sub.useYesPrice,
          owner: order,
        });
        this.deliver(sub, 'orderbook_delta', msg, true);
      } else if (side === 'ask' && sub.useYesPrice) {
        yesScale ??= orderbookDeltaMsg({ market, side, price, delta, tsMs, useYesPrice: true, owner: null });
        this.deliver(sub, 'orderbook_delta', yesScale, true);
      } else {
        plain ??= orderbookDeltaMsg({ market, side, price, delta, tsMs, useYesPrice: false, owner: null });
        this.deliver(sub, 'orderbook_delta', plain, true);
      }
    }
  }
}
