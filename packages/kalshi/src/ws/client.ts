import type { IncomingMessage } from 'node:http';
import WebSocket, { type ClientOptions, type RawData } from 'ws';
import { createSigner, signingPath, type KalshiCredentials, type KalshiSigner } from '../auth/signer.js';
import { systemClock, type Clock, type TimerHandle } from '../clock.js';
import { describeErrorBody } from '../protocol/errors.js';
import {
  isKnownInboundType,
  wsInboundMessageSchema,
  wsSubscriptionInfoSchema,
  type WsCommand,
  type WsDataMessage,
  type WsInboundMessage,
  type WsOkReply,
  type WsSubscriptionInfo,
} from '../protocol/ws.js';
import { TypedEvents } from './typed-events.js';

export const KALSHI_PRODUCTION_WS_URL = 'wss://external-api-ws.kalshi.com/trade-api/ws/v2';
export const KALSHI_DEMO_WS_URL = 'wss://external-api-ws.demo.kalshi.co/trade-api/ws/v2';

/** Kalshi pings every connection this often (docs/kalshi-protocol.md §6). */
export const KALSHI_HEARTBEAT_MS = 10_000;
/**
 * Default liveness window: two missed heartbeats, plus 2 s for a late one. Shorter would
 * reconnect healthy sockets whose ping arrives a moment late; longer (it was 30 s) kept a dead
 * connection looking live for a third heartbeat.
 */
export const DEFAULT_LIVENESS_TIMEOUT_MS = 2 * KALSHI_HEARTBEAT_MS + 2_000;

/** Connection state as data. `resyncing` = connected, but some subscribed data is known stale. */
export type WsState = 'connecting' | 'live' | 'resyncing' | 'backoff' | 'closed';

export type StaleReason = 'seq_gap' | 'disconnected';

export interface WsSubscriptionSnapshot {
  /** Stable local id: survives reconnects, unlike the server's sid. */
  key: number;
  channel: string;
  marketTickers: readonly string[] | undefined;
  /** Server subscription id on the current connection, if subscribed. */
  sid: number | undefined;
  isStale: boolean;
}

export interface WsSubscriptionHandle {
  readonly key: number;
  readonly channel: string;
}

export interface KalshiWsEvents {
  state: { state: WsState; previous: WsState; attempt: number; delayMs?: number };
  /** A parsed data message (orderbook deltas for stale books are withheld). */
  message: WsDataMessage;
  stale: { subscription: WsSubscriptionSnapshot; reason: StaleReason };
  resynced: { subscription: WsSubscriptionSnapshot };
  /**
   * Anything received from the exchange on the current socket: a frame, a ping or a pong.
   * Consumers that report freshness use it as "the exchange was heard from".
   */
  activity: { kind: 'frame' | 'ping' | 'pong' };
  /** `error` with context `upgrade` carries a KalshiWsUpgradeError when the upgrade was refused. */
  error: { error: Error; context: string };
}

export interface WsBackoffOptions {
  /** First reconnect delay. Default 2000. */
  initialMs?: number;
  /** Cap. Default 32000. */
  maxMs?: number;
  /** A connection open at least this long resets the backoff. Default 60000. */
  stableResetMs?: number;
}

export type WebSocketConstructor = new (url: string, options?: ClientOptions) => WebSocket;

export interface KalshiWsClientOptions {
  url: string;
  credentials?: KalshiCredentials;
  /** Drives liveness, backoff and command timeouts (a FakeClock in tests). */
  clock?: Clock;
  /**
   * Real time for the upgrade's signature timestamp, which Kalshi checks against its own
   * clock; kept apart from `clock` so a fake clock never produces an expired signature.
   * Default Date.now.
   */
  wallClock?: () => number;
  /** No data and no ping for this long means the socket is dead. Default 22000 (DEFAULT_LIVENESS_TIMEOUT_MS). */
  livenessTimeoutMs?: number;
  backoff?: WsBackoffOptions;
  /** In [0, 1); jitter for reconnect delays. */
  random?: () => number;
  /** A command without a reply for this long is rejected. Default 10000. */
  commandTimeoutMs?: number;
  WebSocket?: WebSocketConstructor;
}

export interface SubscribeOptions {
  channels: readonly string[];
  marketTickers?: readonly string[];
  /** orderbook_delta: express NO levels on the YES price scale. */
  useYesPrice?: boolean;
  /** ticker: send the current value right away. */
  sendInitialSnapshot?: boolean;
}

/** The server refused a command (`type: "error"`, with Kalshi's numeric code), or it never answered. */
export class KalshiWsCommandError extends Error {
  override readonly name = 'KalshiWsCommandError';
  constructor(
    message: string,
    readonly code: number | undefined,
  ) {
    super(message);
  }
}

/**
 * The exchange refused the WebSocket upgrade with an HTTP status (e.g. 401 for a revoked key or
 * an expired signature timestamp). `code` is Kalshi's error code from the body, when it had one.
 * The client keeps retrying with backoff; whether to give up is the caller's decision.
 */
export class KalshiWsUpgradeError extends Error {
  override readonly name = 'KalshiWsUpgradeError';
  constructor(
    readonly status: number,
    readonly code: string | undefined,
  ) {
    super(`the exchange refused the WebSocket upgrade with HTTP ${status}${code ? ` ${code}` : ''}`);
  }
}

/** Bytes of a refused upgrade's body read for its error code; the rest is discarded. */
const MAX_REFUSAL_BODY_BYTES = 4_096;

interface Entry {
  key: number;
  /** Entries created by one subscribe() call are restored with one command, as they were sent. */
  group: number;
  channel: string;
  marketTickers: string[] | undefined;
  useYesPrice: boolean | undefined;
  sendInitialSnapshot: boolean | undefined;
  sid: number | undefined;
  /** True after a `stale` event until the matching `resynced`. */
  stale: boolean;
  /** Orderbook markets whose book has no valid snapshot yet. */
  awaitingSnapshot: Set<string>;
  waiters: { resolve: () => void; reject: (error: Error) => void }[];
}

interface PendingCommand {
  resolve: (replies: WsInboundMessage[]) => void;
  reject: (error: Error) => void;
  timer: TimerHandle;
  /** Subscribe commands: entries still waiting for their `subscribed` reply. */
  entries: Entry[];
  replies: WsInboundMessage[];
}

const SEQUENCED_CHANNEL = 'orderbook_delta';

/**
 * Kalshi WebSocket v2 client: signed upgrade, commands with awaited replies, a subscription
 * registry restored after reconnects, per-sid sequence checking with snapshot resync,
 * liveness detection and capped exponential reconnect backoff. Socket callbacks never throw:
 * failures become `error` events and state changes.
 */
export class KalshiWsClient {
  private readonly url: string;
  private readonly signer: KalshiSigner | undefined;
  private readonly clock: Clock;
  private readonly wallClock: () => number;
  private readonly livenessTimeoutMs: number;
  private readonly backoff: Required<WsBackoffOptions>;
  private readonly random: () => number;
  private readonly commandTimeoutMs: number;
  private readonly WebSocketImpl: WebSocketConstructor;
  private readonly events = new TypedEvents<KalshiWsEvents>((error, event) => {
    if (event !== 'error') this.reportError(error, `listener for ${String(event)}`);
  });

  private currentState: WsState = 'closed';
  private socket: WebSocket | undefined;
  private isStarted = false;
  private attempt = 0;
  private openedAt: number | undefined;
  private nextCommandId = 1;
  private nextEntryKey = 1;
  private readonly entries = new Map<number, Entry>();
  private readonly pending = new Map<number, PendingCommand>();
  /** Last seq seen per sid on the current connection (one counter per sid, shared by its markets). */
  private readonly lastSeqBySid = new Map<number, number>();
  /**
   * get_snapshot requests in flight per sid; `again` = another gap arrived meanwhile, so the
   * answer may not cover it and one more request follows.
   */
  private readonly snapshotRequested = new Map<number, { again: boolean }>();
  private livenessTimer: TimerHandle | undefined;
  private reconnectTimer: TimerHandle | undefined;
  private readonly refusedSockets = new WeakSet<WebSocket>();

  constructor(options: KalshiWsClientOptions) {
    this.url = options.url;
    this.signer = options.credentials ? createSigner(options.credentials) : undefined;
    this.clock = options.clock ?? systemClock;
    this.wallClock = options.wallClock ?? (() => systemClock.now());
    this.livenessTimeoutMs = options.livenessTimeoutMs ?? DEFAULT_LIVENESS_TIMEOUT_MS;
    this.backoff = {
      initialMs: options.backoff?.initialMs ?? 2_000,
      maxMs: options.backoff?.maxMs ?? 32_000,
      stableResetMs: options.backoff?.stableResetMs ?? 60_000,
    };
    this.random = options.random ?? Math.random;
    this.commandTimeoutMs = options.commandTimeoutMs ?? 10_000;
    this.WebSocketImpl = options.WebSocket ?? WebSocket;
  }

  get state(): WsState {
    return this.currentState;
  }

  on<E extends keyof KalshiWsEvents>(event: E, listener: (payload: KalshiWsEvents[E]) => void): () => void {
    return this.events.on(event, listener);
  }

  /** The registry as data. */
  subscriptions(): WsSubscriptionSnapshot[] {
    return [...this.entries.values()].map((e) => this.snapshotOf(e));
  }

  /** Opens the connection (idempotent). Reconnects until close(). */
  start(): void {
    if (this.isStarted) return;
    this.isStarted = true;
    this.connect();
  }

  /** Closes for good: no reconnect; pending commands and subscribe calls reject. */
  close(): Promise<void> {
    this.isStarted = false;
    this.clearReconnectTimer();
    this.clearLivenessTimer();
    const socket = this.socket;
    this.socket = undefined;
    this.failPending(new KalshiWsCommandError('client closed', undefined));
    for (const entry of this.entries.values())
      this.rejectWaiters(entry, new KalshiWsCommandError('client closed', undefined));
    this.entries.clear();
    this.setState('closed');
    if (!socket || socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      // A peer that never completes the close handshake must not hold close() open.
      const fallback = this.clock.setTimeout(() => socket.terminate(), 1_000);
      socket.once('close', () => {
        this.clock.clearTimeout(fallback);
        resolve();
      });
      try {
        socket.close();
      } catch {
        socket.terminate();
      }
    });
  }

  /**
   * Drops the current socket and connects again after the usual backoff; subscriptions are
   * restored on the new socket. For a consumer that has evidence the socket is not delivering
   * (e.g. data the exchange lists over REST never arrived) although it looks alive.
   */
  reconnect(reason: string): void {
    const socket = this.socket;
    if (!this.isStarted || !socket) return;
    this.reportError(new Error(reason), 'reconnect');
    // terminate() emits 'close', which marks the subscriptions stale and schedules the reconnect.
    socket.terminate();
  }

  /**
   * Subscribes; resolves with one handle per channel once each is confirmed. The
   * subscription is remembered and restored after every reconnect. If not connected yet,
   * it is sent when the connection opens.
   */
  async subscribe(options: SubscribeOptions): Promise<WsSubscriptionHandle[]> {
    if (options.channels.length === 0) throw new KalshiWsCommandError('channels required', 3);
    const group = this.nextEntryKey;
    const created = options.channels.map((channel) => this.addEntry(channel, options, group));
    const ready = Promise.all(created.map((entry) => this.waitUntilSubscribed(entry)));
    if (this.isOpen()) this.sendSubscribe(created);
    await ready;
    return created.map((e) => ({ key: e.key, channel: e.channel }));
  }

  /** Adds or removes markets on an existing subscription (`update_subscription`). */
  async updateSubscription(
    handle: WsSubscriptionHandle,
    change: { action: 'add_markets' | 'delete_markets'; marketTickers: readonly string[] },
  ): Promise<void> {
    const entry = this.requireEntry(handle);
    const sid = entry.sid;
    if (sid === undefined || !this.isOpen()) {
      throw new KalshiWsCommandError('subscription is not active on the current connection', undefined);
    }
    const isBook = entry.channel === SEQUENCED_CHANNEL;
    // Before sending: the added markets' snapshots may arrive right behind the reply.
    if (isBook && change.action === 'add_markets')
      for (const t of change.marketTickers) entry.awaitingSnapshot.add(t);
    let replies: WsInboundMessage[];
    try {
      replies = await this.sendCommand({
        cmd: 'update_subscription',
        params: { sids: [sid], market_tickers: [...change.marketTickers], action: change.action },
      });
    } catch (error) {
      if (isBook && change.action === 'add_markets') {
        for (const t of change.marketTickers)
          if (!(entry.marketTickers ?? []).includes(t)) entry.awaitingSnapshot.delete(t);
      }
      throw error;
    }
    const current = new Set(entry.marketTickers ?? []);
    for (const ticker of change.marketTickers) {
      if (change.action === 'add_markets') current.add(ticker);
      else {
        current.delete(ticker);
        entry.awaitingSnapshot.delete(ticker);
      }
    }
    const ok = replies.find((r): r is WsOkReply => r.type === 'ok');
    const fromServer = ok?.msg && !Array.isArray(ok.msg) ? ok.msg.market_tickers : undefined;
    entry.marketTickers = fromServer ? [...fromServer] : [...current];
    this.maybeResynced(entry);
  }

  /** Unsubscribes and forgets the subscription. */
  async unsubscribe(handle: WsSubscriptionHandle): Promise<void> {
    const entry = this.requireEntry(handle);
    this.entries.delete(entry.key);
    this.rejectWaiters(entry, new KalshiWsCommandError('unsubscribed', undefined));
    this.refreshState();
    if (entry.sid === undefined || !this.isOpen()) return;
    const sharing = this.entriesBySid(entry.sid);
    if (sharing.length === 0) {
      await this.sendCommand({ cmd: 'unsubscribe', params: { sids: [entry.sid] } });
      return;
    }
    // Kalshi merged this subscription with another one: remove only the markets nobody else wants.
    const kept = new Set(sharing.flatMap((e) => e.marketTickers ?? []));
    const drop = (entry.marketTickers ?? []).filter((t) => !kept.has(t));
    if (drop.length > 0) {
      await this.sendCommand({
        cmd: 'update_subscription',
        params: { sids: [entry.sid], market_tickers: drop, action: 'delete_markets' },
      });
    }
  }

  /** The server's view of this connection's subscriptions. */
  async listSubscriptions(): Promise<WsSubscriptionInfo[]> {
    const replies = await this.sendCommand({ cmd: 'list_subscriptions' });
    const ok = replies.find((r): r is WsOkReply => r.type === 'ok');
    return Array.isArray(ok?.msg) ? ok.msg.map((m) => wsSubscriptionInfoSchema.parse(m)) : [];
  }

  // ---- connection ------------------------------------------------------------------

  private connect(): void {
    this.clearReconnectTimer();
    this.setState('connecting');
    let socket: WebSocket;
    try {
      const headers = this.signer
        ? {
            ...this.signer.headers({
              method: 'GET',
              path: signingPath(this.url),
              timestampMs: Math.round(this.wallClock()),
            }),
          }
        : {};
      socket = new this.WebSocketImpl(this.url, { headers, handshakeTimeout: this.livenessTimeoutMs });
    } catch (error) {
      this.reportError(error, 'connect');
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.on('open', () => this.guard('open', () => this.onOpen(socket)));
    socket.on('message', (data: RawData, isBinary: boolean) =>
      this.guard('message', () => this.onMessage(socket, data, isBinary)),
    );
    socket.on('ping', () => this.guard('ping', () => this.onActivity(socket, 'ping')));
    socket.on('pong', () => this.guard('pong', () => this.onActivity(socket, 'pong')));
    socket.on('unexpected-response', (_request, response: IncomingMessage) =>
      this.guard('upgrade', () => this.onRefused(socket, response)),
    );
    socket.on('error', (error: Error) =>
      this.guard('socket error', () => {
        // A refused upgrade was reported with its status; the abort's own error says less.
        if (!this.refusedSockets.has(socket)) this.reportError(error, 'socket');
      }),
    );
    socket.on('close', () => this.guard('close', () => this.onClose(socket)));
  }

  private onOpen(socket: WebSocket): void {
    if (socket !== this.socket) return;
    this.openedAt = this.clock.now();
    this.armLiveness();
    this.refreshState();
    // Same grouping as the original subscribe() calls, unless markets have diverged since.
    const groups = new Map<string, Entry[]>();
    for (const entry of this.entries.values()) {
      const key = JSON.stringify([
        entry.group,
        entry.marketTickers,
        entry.useYesPrice,
        entry.sendInitialSnapshot,
      ]);
      groups.set(key, [...(groups.get(key) ?? []), entry]);
    }
    for (const entries of groups.values()) this.sendSubscribe(entries);
  }

  private onClose(socket: WebSocket): void {
    if (socket !== this.socket) return;
    this.socket = undefined;
    this.clearLivenessTimer();
    this.failPending(new KalshiWsCommandError('connection lost', undefined));
    if (this.openedAt !== undefined && this.clock.now() - this.openedAt >= this.backoff.stableResetMs) {
      this.attempt = 0;
    }
    this.openedAt = undefined;
    this.lastSeqBySid.clear();
    this.snapshotRequested.clear();
    for (const entry of this.entries.values()) {
      entry.sid = undefined;
      if (entry.channel === SEQUENCED_CHANNEL)
        for (const t of entry.marketTickers ?? []) entry.awaitingSnapshot.add(t);
      this.markStale(entry, 'disconnected');
    }
    if (this.isStarted) this.scheduleReconnect();
    else this.setState('closed');
  }

  private scheduleReconnect(): void {
    const base = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** this.attempt);
    const delayMs = Math.min(this.backoff.maxMs, Math.round(base * (0.8 + 0.4 * this.random())));
    this.attempt += 1;
    this.setState('backoff', delayMs);
    this.reconnectTimer = this.clock.setTimeout(() => {
      this.reconnectTimer = undefined;
      this.guard('reconnect', () => {
        if (this.isStarted) this.connect();
      });
    }, delayMs);
  }

  private onActivity(socket: WebSocket, kind: 'ping' | 'pong'): void {
    if (socket !== this.socket) return;
    this.armLiveness();
    this.events.emit('activity', { kind });
  }

  /**
   * The upgrade was answered with something other than 101. The body (bounded) is read for
   * Kalshi's error code, then the attempt is aborted; 'close' follows and schedules the retry.
   */
  private onRefused(socket: WebSocket, response: IncomingMessage): void {
    const status = response.statusCode ?? 0;
    this.refusedSockets.add(socket);
    const chunks: Buffer[] = [];
    let size = 0;
    let isDone = false;
    const finish = (): void => {
      if (isDone) return;
      isDone = true;
      this.clock.clearTimeout(timer);
      let code: string | undefined;
      try {
        const text = Buffer.concat(chunks).toString('utf8');
        code = text === '' ? undefined : describeErrorBody(status, JSON.parse(text)).code;
      } catch {
        code = undefined;
      }
      response.destroy();
      if (socket === this.socket) this.reportError(new KalshiWsUpgradeError(status, code), 'upgrade');
      // Without a handshake to complete, terminate() aborts the request and emits 'close'.
      socket.terminate();
    };
    // A peer that never finishes its answer must not hold the attempt open.
    const timer = this.clock.setTimeout(finish, 1_000);
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REFUSAL_BODY_BYTES) chunks.push(chunk);
      else finish();
    });
    response.on('end', finish);
    response.on('error', finish);
  }

  private armLiveness(): void {
    this.clearLivenessTimer();
    const socket = this.socket;
    this.livenessTimer = this.clock.setTimeout(() => {
      this.livenessTimer = undefined;
      this.guard('liveness', () => {
        if (socket && socket === this.socket) {
          this.reportError(
            new Error(`no data or ping for ${this.livenessTimeoutMs} ms; reconnecting`),
            'liveness',
          );
          // terminate() emits 'close', which schedules the reconnect.
          socket.terminate();
        }
      });
    }, this.livenessTimeoutMs);
  }

  // ---- inbound -----------------------------------------------------------------------

  private onMessage(socket: WebSocket, data: RawData, isBinary: boolean): void {
    if (socket !== this.socket) return;
    this.armLiveness();
    this.events.emit('activity', { kind: 'frame' });
    if (isBinary) return;
    const text = Array.isArray(data)
      ? Buffer.concat(data).toString('utf8')
      : Buffer.from(data as ArrayBuffer).toString('utf8');
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      this.reportError(new Error('received a frame that is not JSON'), 'message');
      return;
    }
    const type = (raw as { type?: unknown } | null)?.type;
    if (!isKnownInboundType(type)) return; // new message types are skipped, not fatal
    const parsed = wsInboundMessageSchema.safeParse(raw);
    if (!parsed.success) {
      const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`);
      this.reportError(new Error(`invalid ${String(type)} message: ${issues.join('; ')}`), 'message');
      return;
    }
    const message = parsed.data;
    switch (message.type) {
      case 'subscribed':
      case 'ok':
      case 'unsubscribed':
      case 'error':
        this.onReply(message);
        return;
      case 'orderbook_snapshot':
      case 'orderbook_delta':
        this.onSequenced(message);
        return;
      default:
        this.events.emit('message', message);
    }
  }

  private onReply(
    reply: Extract<WsInboundMessage, { type: 'subscribed' | 'ok' | 'unsubscribed' | 'error' }>,
  ): void {
    const id = reply.id;
    const pending = id === undefined ? undefined : this.pending.get(id);
    if (reply.type === 'error') {
      const error = new KalshiWsCommandError(
        `Kalshi WS error ${reply.msg.code}: ${reply.msg.msg}`,
        reply.msg.code,
      );
      if (!pending || id === undefined) {
        this.reportError(error, 'server');
        return;
      }
      this.finishCommand(id, pending, error);
      return;
    }
    if (reply.type !== 'subscribed' && reply.sid !== undefined && reply.seq !== undefined) {
      // If replies share the sid's counter, keep the sequence continuous through them.
      if (this.lastSeqBySid.get(reply.sid) === reply.seq - 1) this.lastSeqBySid.set(reply.sid, reply.seq);
    }
    if (!pending || id === undefined) return;
    pending.replies.push(reply);
    if (reply.type === 'subscribed') {
      const index = pending.entries.findIndex((e) => e.channel === reply.msg.channel);
      const entry = pending.entries[index];
      if (entry) {
        pending.entries.splice(index, 1);
        this.onSubscribed(entry, reply.msg.sid);
      }
      if (pending.entries.length === 0) this.finishCommand(id, pending);
      return;
    }
    const [only] = pending.entries;
    if (only && pending.entries.length === 1 && reply.sid !== undefined) {
      // A repeated subscribe may be merged into an existing subscription and answered with ok.
      pending.entries.length = 0;
      this.onSubscribed(only, reply.sid);
    } else if (pending.entries.length > 0) {
      this.finishCommand(
        id,
        pending,
        new KalshiWsCommandError(`subscribe answered with ${reply.type} and no sid`, undefined),
      );
      return;
    }
    this.finishCommand(id, pending);
  }

  private onSubscribed(entry: Entry, sid: number): void {
    if (!this.entries.has(entry.key)) {
      // Unsubscribed while the subscribe was in flight (e.g. the restore after a reconnect):
      // the server now holds a subscription nobody wants, whose data would keep flowing.
      if (this.entriesBySid(sid).length === 0 && this.isOpen()) {
        this.sendCommand({ cmd: 'unsubscribe', params: { sids: [sid] } }).catch((error: unknown) =>
          this.reportError(error, 'unsubscribe after a late subscribed'),
        );
      }
      return;
    }
    // A sid shared with another entry (Kalshi merges repeated subscribes) keeps its sequence.
    if (![...this.entries.values()].some((e) => e !== entry && e.sid === sid)) this.lastSeqBySid.delete(sid);
    entry.sid = sid;
    const waiters = entry.waiters.splice(0);
    for (const w of waiters) w.resolve();
    this.maybeResynced(entry);
  }

  private onSequenced(
    message: Extract<WsDataMessage, { type: 'orderbook_snapshot' | 'orderbook_delta' }>,
  ): void {
    const sid = message.sid;
    const holders = this.entriesBySid(sid);
    // A sid we no longer hold (replaced during a resync): its book data must not leak out.
    if (holders.length === 0) return;
    const ticker = message.msg.market_ticker;
    if (message.type === 'orderbook_snapshot') {
      // Any snapshot is a new baseline for the sid (whether get_snapshot consumes a seq is undocumented).
      this.lastSeqBySid.set(sid, message.seq);
      for (const entry of holders) entry.awaitingSnapshot.delete(ticker);
      if (holders.every((e) => e.awaitingSnapshot.size === 0)) this.snapshotRequested.delete(sid);
      this.events.emit('message', message);
      for (const entry of holders) this.maybeResynced(entry);
      return;
    }
    const last = this.lastSeqBySid.get(sid);
    this.lastSeqBySid.set(sid, message.seq);
    if (last === undefined || message.seq !== last + 1) {
      // Every book of the sid may have missed the lost message.
      for (const entry of holders) {
        for (const t of entry.marketTickers ?? [ticker]) entry.awaitingSnapshot.add(t);
        this.markStale(entry, 'seq_gap');
      }
      this.requestSnapshot(sid);
      return;
    }
    if (holders.some((e) => e.awaitingSnapshot.has(ticker))) return; // stale until its snapshot
    this.events.emit('message', message);
  }

  // ---- resync ------------------------------------------------------------------------

  private requestSnapshot(sid: number): void {
    const inFlight = this.snapshotRequested.get(sid);
    if (inFlight) {
      inFlight.again = true;
      return;
    }
    if (!this.isOpen()) return;
    const request = { again: false };
    this.snapshotRequested.set(sid, request);
    const tickers = [...new Set(this.entriesBySid(sid).flatMap((e) => [...e.awaitingSnapshot]))];
    this.sendCommand({
      cmd: 'update_subscription',
      params: { sids: [sid], market_tickers: tickers, action: 'get_snapshot' },
    })
      .then(() => {
        // Answered: a later gap must be able to ask again (before, the sid stayed marked as
        // requested until every book had a snapshot, so a gap in between left books stale for good).
        if (this.snapshotRequested.get(sid) !== request) return;
        this.snapshotRequested.delete(sid);
        if (request.again && this.entriesBySid(sid).some((e) => e.awaitingSnapshot.size > 0))
          this.requestSnapshot(sid);
      })
      .catch((error: unknown) => {
        // get_snapshot refused (older exchange, or error 13): fall back to a fresh
        // subscription, whose first messages are snapshots with seq restarting at 1.
        this.reportError(error, 'get_snapshot');
        this.resubscribe(sid);
      });
  }

  private resubscribe(oldSid: number): void {
    const holders = this.entriesBySid(oldSid);
    if (holders.length === 0 || !this.isOpen()) return;
    for (const entry of holders) entry.sid = undefined;
    this.lastSeqBySid.delete(oldSid);
    this.snapshotRequested.delete(oldSid);
    this.sendCommand({ cmd: 'unsubscribe', params: { sids: [oldSid] } }).catch((error: unknown) =>
      this.reportError(error, 'unsubscribe for resync'),
    );
    for (const entry of holders) this.sendSubscribe([entry]);
  }

  private markStale(entry: Entry, reason: StaleReason): void {
    if (entry.stale) return;
    entry.stale = true;
    this.events.emit('stale', { subscription: this.snapshotOf(entry), reason });
    this.refreshState();
  }

  private maybeResynced(entry: Entry): void {
    if (!entry.stale || entry.sid === undefined || entry.awaitingSnapshot.size > 0) return;
    entry.stale = false;
    this.events.emit('resynced', { subscription: this.snapshotOf(entry) });
    this.refreshState();
  }

  // ---- outbound ----------------------------------------------------------------------

  private sendSubscribe(entries: Entry[]): void {
    const [first] = entries;
    if (!first) return;
    for (const entry of entries) {
      if (entry.channel === SEQUENCED_CHANNEL)
        for (const t of entry.marketTickers ?? []) entry.awaitingSnapshot.add(t);
    }
    const params: Extract<WsCommand, { cmd: 'subscribe' }>['params'] = {
      channels: entries.map((e) => e.channel),
    };
    if (first.marketTickers && first.marketTickers.length > 0)
      params.market_tickers = [...first.marketTickers];
    if (first.useYesPrice !== undefined) params.use_yes_price = first.useYesPrice;
    if (first.sendInitialSnapshot !== undefined) params.send_initial_snapshot = first.sendInitialSnapshot;
    this.sendCommand({ cmd: 'subscribe', params }, entries).catch((error: unknown) => {
      const failure = error instanceof Error ? error : new Error(String(error));
      if (failure instanceof KalshiWsCommandError && failure.code !== undefined) {
        // Refused by the server: drop it (retrying would be refused again) and tell the caller.
        let hadCaller = false;
        for (const entry of entries) {
          if (entry.sid !== undefined) continue;
          hadCaller ||= entry.waiters.length > 0;
          this.entries.delete(entry.key);
          this.rejectWaiters(entry, failure);
        }
        this.refreshState();
        if (!hadCaller) this.reportError(failure, 'subscribe');
      } else if (this.isStarted) {
        // Lost connection or no reply: the entries stay registered and are restored on the next connect.
        this.reportError(failure, 'subscribe');
      }
    });
  }

  private sendCommand(
    command:
      | Omit<Extract<WsCommand, { cmd: 'subscribe' }>, 'id'>
      | DistributiveOmit<Exclude<WsCommand, { cmd: 'subscribe' }>, 'id'>,
    entries: Entry[] = [],
  ): Promise<WsInboundMessage[]> {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      return Promise.reject(new KalshiWsCommandError('not connected', undefined));
    }
    const id = this.nextCommandId++;
    return new Promise<WsInboundMessage[]>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        const pending = this.pending.get(id);
        if (pending)
          this.finishCommand(
            id,
            pending,
            new KalshiWsCommandError(
              `no reply to ${command.cmd} within ${this.commandTimeoutMs} ms`,
              undefined,
            ),
          );
      }, this.commandTimeoutMs);
      this.pending.set(id, { resolve, reject, timer, entries: [...entries], replies: [] });
      socket.send(JSON.stringify({ id, ...command }), (error) => {
        if (!error) return;
        const pending = this.pending.get(id);
        if (pending)
          this.finishCommand(
            id,
            pending,
            new KalshiWsCommandError(`send failed: ${error.message}`, undefined),
          );
      });
    });
  }

  private finishCommand(id: number, pending: PendingCommand, error?: Error): void {
    this.pending.delete(id);
    this.clock.clearTimeout(pending.timer);
    if (error) pending.reject(error);
    else pending.resolve(pending.replies);
  }

  private failPending(error: Error): void {
    for (const [id, pending] of [...this.pending]) this.finishCommand(id, pending, error);
  }

  // ---- helpers -----------------------------------------------------------------------

  private addEntry(channel: string, options: SubscribeOptions, group: number): Entry {
    const entry: Entry = {
      key: this.nextEntryKey++,
      group,
      channel,
      marketTickers: options.marketTickers ? [...options.marketTickers] : undefined,
      useYesPrice: options.useYesPrice,
      sendInitialSnapshot: options.sendInitialSnapshot,
      sid: undefined,
      stale: false,
      awaitingSnapshot: new Set(),
      waiters: [],
    };
    this.entries.set(entry.key, entry);
    return entry;
  }

  private waitUntilSubscribed(entry: Entry): Promise<void> {
    return new Promise((resolve, reject) => entry.waiters.push({ resolve, reject }));
  }

  private rejectWaiters(entry: Entry, error: Error): void {
    for (const w of entry.waiters.splice(0)) w.reject(error);
  }

  private requireEntry(handle: WsSubscriptionHandle): Entry {
    const entry = this.entries.get(handle.key);
    if (!entry) throw new KalshiWsCommandError(`unknown subscription ${handle.key}`, 7);
    return entry;
  }

  private entriesBySid(sid: number): Entry[] {
    return [...this.entries.values()].filter((e) => e.sid === sid);
  }

  private snapshotOf(entry: Entry): WsSubscriptionSnapshot {
    return {
      key: entry.key,
      channel: entry.channel,
      marketTickers: entry.marketTickers ? [...entry.marketTickers] : undefined,
      sid: entry.sid,
      isStale: entry.stale,
    };
  }

  private isOpen(): boolean {
    return this.socket !== undefined && this.socket.readyState === WebSocket.OPEN;
  }

  private refreshState(): void {
    if (!this.isOpen()) return;
    const anyStale = [...this.entries.values()].some((e) => e.stale);
    this.setState(anyStale ? 'resyncing' : 'live');
  }

  private setState(state: WsState, delayMs?: number): void {
    if (state === this.currentState && delayMs === undefined) return;
    const previous = this.currentState;
    this.currentState = state;
    this.events.emit('state', {
      state,
      previous,
      attempt: this.attempt,
      ...(delayMs === undefined ? {} : { delayMs }),
    });
  }

  private clearLivenessTimer(): void {
    if (this.livenessTimer !== undefined) this.clock.clearTimeout(this.livenessTimer);
    this.livenessTimer = undefined;
  }

  private clearReconnectTimer(): void {
    if (this.reconnectTimer !== undefined) this.clock.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
  }

  private reportError(error: unknown, context: string): void {
    const err = error instanceof Error ? error : new Error(String(error));
    this.events.emit('error', { error: err, context });
  }

  /** Socket callbacks run through here: nothing escapes into the event loop. */
  private guard(context: string, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      try {
        this.reportError(error, context);
      } catch {
        // an error listener failed as well; there is nobody left to tell
      }
    }
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
