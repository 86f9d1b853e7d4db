/**
 * The live market relay behind GET /api/v1/markets/:ticker/sse. While someone watches a
 * market, one upstream subscription (orderbook_delta + ticker) feeds every viewer of it; the
 * last viewer leaving unsubscribes. Upstream connections are per user, signed with that
 * user's stored key (Kalshi requires an authenticated WS connection even for public
 * channels), so logging out also ends that user's market data connection. It is a connection
 * of its own, next to the account feed's: ADR 009 says why.
 */
import type {
  ConnectionState,
  MarketStreamEvent,
  MarketStreamEventType,
  MarketTickerEvent,
  OrderBook,
} from '@kalshi-desk/contracts';
import { KalshiWsClient, LocalOrderBook, type WsState, type WsSubscriptionHandle } from '@kalshi-desk/kalshi';
import type { WsDataMessage } from '@kalshi-desk/kalshi/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../../shared/clock.js';
import type { ExchangeCredentials } from '../../shared/exchange.js';
import { connectionStateOf } from '../exchange/exchange.models.js';
import type { SseStream } from '../stream/stream.http.js';
import { formatSseMessage } from '../stream/stream.models.js';
import { toOrderBook, toTickerEvent } from './markets.models.js';

/** One SSE client watching one market. */
export interface MarketViewer {
  send(event: MarketStreamEvent): void;
  /** Ends the client's stream (logout, shutdown, market unknown). */
  close(): void;
}

export interface WsClientLike {
  start(): void;
  close(): Promise<void>;
  readonly state: WsState;
  on: KalshiWsClient['on'];
  subscribe: KalshiWsClient['subscribe'];
  unsubscribe(handle: WsSubscriptionHandle): Promise<void>;
}

export interface MarketStreamsDeps {
  wsUrl: string;
  clock: Clock;
  logger: Pick<FastifyBaseLogger, 'info' | 'warn'>;
  /** Book updates within this window go out as one event. Default 50 ms. */
  bookFlushMs?: number;
  createClient?: (options: { url: string; credentials: ExchangeCredentials }) => WsClientLike;
}

interface Watch {
  ticker: string;
  viewers: Map<MarketViewer, string>;
  book: LocalOrderBook | null;
  lastBook: OrderBook | null;
  lastTicker: MarketTickerEvent | null;
  handles: WsSubscriptionHandle[];
  flushTimer: NodeJS.Timeout | null;
  isClosed: boolean;
}

interface UserFeed {
  userId: string;
  client: WsClientLike;
  watches: Map<string, Watch>;
  /** Once live, a new connection attempt is a reconnection. */
  hasBeenLive: boolean;
  stopListening: () => void;
}

/**
 * A viewer writing to an SSE stream. Every market event is a state (book, ticker, status), so
 * the stream keeps no history: ids count from 1 per connection, and while the client is
 * congested only the newest event of each type waits for it to drain.
 */
export function sseMarketViewer(stream: SseStream): MarketViewer & { onClose(listener: () => void): void } {
  let nextId = 1;
  let isBlocked = false;
  let isClosed = false;
  const waiting = new Map<MarketStreamEventType, MarketStreamEvent>();
  const write = (event: MarketStreamEvent): void => {
    isBlocked = !stream.write(formatSseMessage({ id: nextId++, event }));
    if (isBlocked && !isClosed) stream.onDrain(flush);
  };
  const flush = (): void => {
    isBlocked = false;
    for (const [type, event] of waiting) {
      waiting.delete(type);
      write(event);
      if (isBlocked) return;
    }
  };
  stream.onClose(() => {
    isClosed = true;
    waiting.clear();
  });
  return {
    send: (event) => {
      if (isClosed) return;
      if (isBlocked) {
        // Delete first so the newest event also moves to the back of the line.
        waiting.delete(event.type);
        waiting.set(event.type, event);
        return;
      }
      write(event);
    },
    close: () => stream.end(),
    onClose: (listener) => stream.onClose(listener),
  };
}

export class MarketStreams {
  private readonly feeds = new Map<string, UserFeed>();

  constructor(private readonly deps: MarketStreamsDeps) {}

  /** Adds a viewer; returns the function that removes it. */
  watch(input: {
    userId: string;
    jti: string;
    credentials: ExchangeCredentials;
    ticker: string;
    viewer: MarketViewer;
  }): () => void {
    const feed = this.feedFor(input.userId, input.credentials);
    let watch = feed.watches.get(input.ticker);
    const isNew = watch === undefined;
    if (watch === undefined) {
      watch = {
        ticker: input.ticker,
        viewers: new Map(),
        book: null,
        lastBook: null,
        lastTicker: null,
        handles: [],
        flushTimer: null,
        isClosed: false,
      };
      feed.watches.set(input.ticker, watch);
    }
    watch.viewers.set(input.viewer, input.jti);
    input.viewer.send({
      type: 'connection_status',
      data: { status: this.statusOf(feed), detail: 'watching ' + input.ticker },
    });
    if (watch.lastBook !== null) input.viewer.send({ type: 'orderbook', data: watch.lastBook });
    if (watch.lastTicker !== null) input.viewer.send({ type: 'ticker', data: watch.lastTicker });
    if (isNew) void this.subscribe(feed, watch);
    const current = watch;
    return () => this.unwatch(feed, current, input.viewer);
  }

  /** Closes the streams of one session (jti) of the user, or all of the user's. */
  closeViewers(userId: string, jti?: string): void {
    const feed = this.feeds.get(userId);
    if (!feed) return;
    for (const watch of [...feed.watches.values()]) {
      for (const [viewer, viewerJti] of [...watch.viewers]) {
        if (jti === undefined || viewerJti === jti) {
          viewer.close();
          this.unwatch(feed, watch, viewer);
        }
      }
    }
  }

  closeAll(): void {
    for (const userId of [...this.feeds.keys()]) this.closeViewers(userId);
  }

  /** What is open, for tests and diagnostics. */
  stats(): { connections: number; markets: number; viewers: number } {
    let markets = 0;
    let viewers = 0;
    for (const feed of this.feeds.values()) {
      markets += feed.watches.size;
      for (const w of feed.watches.values()) viewers += w.viewers.size;
    }
    return { connections: this.feeds.size, markets, viewers };
  }

  private feedFor(userId: string, credentials: ExchangeCredentials): UserFeed {
    const existing = this.feeds.get(userId);
    if (existing) return existing;
    const client =
      this.deps.createClient?.({ url: this.deps.wsUrl, credentials }) ??
      new KalshiWsClient({
        url: this.deps.wsUrl,
        credentials: { keyId: credentials.keyId, privateKeyPem: credentials.privateKeyPem },
      });
    const feed: UserFeed = {
      userId,
      client,
      watches: new Map(),
      hasBeenLive: false,
      stopListening: () => undefined,
    };
    const offMessage = client.on('message', (message) => this.onMessage(feed, message));
    const offState = client.on('state', ({ state }) => {
      const status = this.statusOf(feed, state);
      if (state === 'live') feed.hasBeenLive = true;
      for (const watch of feed.watches.values()) {
        this.broadcast(watch, {
          type: 'connection_status',
          data: { status, detail: `upstream ${state}` },
        });
      }
    });
    const offStale = client.on('stale', ({ subscription, reason }) => {
      for (const ticker of subscription.marketTickers ?? []) {
        const watch = feed.watches.get(ticker);
        if (watch)
          this.broadcast(watch, {
            type: 'connection_status',
            data: { status: 'resyncing', detail: `order book ${reason}` },
          });
      }
    });
    const offResynced = client.on('resynced', ({ subscription }) => {
      for (const ticker of subscription.marketTickers ?? []) {
        const watch = feed.watches.get(ticker);
        if (watch)
          this.broadcast(watch, {
            type: 'connection_status',
            data: { status: this.statusOf(feed), detail: 'order book resynced' },
          });
      }
    });
    feed.stopListening = () => {
      offMessage();
      offState();
      offStale();
      offResynced();
    };
    this.feeds.set(userId, feed);
    client.start();
    return feed;
  }

  private async subscribe(feed: UserFeed, watch: Watch): Promise<void> {
    try {
      const handles = await feed.client.subscribe({
        channels: ['orderbook_delta', 'ticker'],
        marketTickers: [watch.ticker],
        sendInitialSnapshot: true,
      });
      if (watch.isClosed) {
        await Promise.all(handles.map((h) => feed.client.unsubscribe(h).catch(() => undefined)));
        return;
      }
      watch.handles = handles;
    } catch (error) {
      if (watch.isClosed) return;
      const message = error instanceof Error ? error.message : 'subscription failed';
      this.deps.logger.warn({ ticker: watch.ticker, err: message }, 'market subscription failed');
      this.broadcast(watch, {
        type: 'error',
        data: { message: `Live data for ${watch.ticker} is unavailable: ${message}` },
      });
      for (const viewer of [...watch.viewers.keys()]) {
        viewer.close();
        this.unwatch(feed, watch, viewer);
      }
    }
  }

  private unwatch(feed: UserFeed, watch: Watch, viewer: MarketViewer): void {
    if (!watch.viewers.delete(viewer) || watch.viewers.size > 0) return;
    watch.isClosed = true;
    if (watch.flushTimer) clearTimeout(watch.flushTimer);
    feed.watches.delete(watch.ticker);
    for (const handle of watch.handles) {
      feed.client.unsubscribe(handle).catch((error: unknown) => {
        this.deps.logger.info(
          { ticker: watch.ticker, err: error instanceof Error ? error.message : 'unknown' },
          'unsubscribe failed',
        );
      });
    }
    if (feed.watches.size === 0 && this.feeds.get(feed.userId) === feed) {
      this.feeds.delete(feed.userId);
      feed.stopListening();
      void feed.client.close();
    }
  }

  private onMessage(feed: UserFeed, message: WsDataMessage): void {
    switch (message.type) {
      case 'orderbook_snapshot': {
        const watch = feed.watches.get(message.msg.market_ticker);
        if (!watch) return;
        const book = new LocalOrderBook(watch.ticker);
        book.applySnapshot(message.msg);
        watch.book = book;
        this.scheduleBook(watch, 0);
        return;
      }
      case 'orderbook_delta': {
        const watch = feed.watches.get(message.msg.market_ticker);
        if (!watch?.book) return;
        try {
          watch.book.applyDelta(message.msg);
        } catch (error) {
          // Out of sync: wait for the next snapshot (the WS client resyncs on seq gaps).
          watch.book = null;
          this.deps.logger.warn(
            { ticker: watch.ticker, err: error instanceof Error ? error.message : 'unknown' },
            'order book out of sync',
          );
          return;
        }
        this.scheduleBook(watch, this.deps.bookFlushMs ?? 50);
        return;
      }
      case 'ticker': {
        const watch = feed.watches.get(message.msg.market_ticker);
        if (!watch) return;
        watch.lastTicker = toTickerEvent(message.msg, this.deps.clock.now());
        this.broadcast(watch, { type: 'ticker', data: watch.lastTicker });
        return;
      }
      default:
        return;
    }
  }

  /** Conflates book changes: viewers get the latest book at most once per window. */
  private scheduleBook(watch: Watch, delayMs: number): void {
    if (watch.flushTimer) return;
    const flush = () => {
      watch.flushTimer = null;
      if (watch.isClosed || watch.book === null) return;
      watch.lastBook = toOrderBook(watch.book, this.deps.clock.now());
      this.broadcast(watch, { type: 'orderbook', data: watch.lastBook });
    };
    if (delayMs === 0) {
      flush();
      return;
    }
    watch.flushTimer = setTimeout(flush, delayMs);
    watch.flushTimer.unref();
  }

  private statusOf(feed: UserFeed, state: WsState = feed.client.state): ConnectionState {
    return connectionStateOf(state, { hasBeenLive: feed.hasBeenLive });
  }

  private broadcast(watch: Watch, event: MarketStreamEvent): void {
    for (const viewer of watch.viewers.keys()) viewer.send(event);
  }
}
