/**
 * The account feed over Kalshi's WebSocket client: the private channels and lifecycle
 * always, `ticker` for exactly the held markets. Kalshi's `ticker` channel without a market
 * filter means *every* market, so with no held market the ticker subscription is removed,
 * never left empty.
 *
 * State: the client says `live` as soon as a socket is open; the feed says `live` only when,
 * in addition, every one of its subscriptions is confirmed on that socket, so that a REST
 * snapshot taken on `live` cannot miss a message.
 */
import {
  KalshiRestClient,
  KalshiWsClient,
  KalshiWsUpgradeError,
  type KalshiWsClientOptions,
  type WsState,
  type WsSubscriptionHandle,
} from '@kalshi-desk/kalshi';
import type { WsDataMessage } from '@kalshi-desk/kalshi/protocol';
import type {
  AccountCredentials,
  EngineLogger,
  ExchangeConnector,
  ExchangeFeed,
  FeedRefusal,
  FeedState,
} from './exchange.ports.js';

export const PRIVATE_CHANNELS = ['market_positions', 'fill', 'user_orders', 'market_lifecycle_v2'] as const;

/** The part of KalshiWsClient the feed uses (tests may pass a double). */
export type WsClientPort = Pick<
  KalshiWsClient,
  | 'start'
  | 'close'
  | 'reconnect'
  | 'state'
  | 'on'
  | 'subscribe'
  | 'updateSubscription'
  | 'unsubscribe'
  | 'subscriptions'
>;

export class KalshiAccountFeed implements ExchangeFeed {
  private currentState: FeedState = 'closed';
  private lastReason = '';
  private lastEmittedReason = '';
  private handles: WsSubscriptionHandle[] = [];
  private tickerHandle: WsSubscriptionHandle | null = null;
  private desiredTickers = new Set<string>();
  private tickerWork: Promise<void> = Promise.resolve();
  private isClosed = false;
  private readonly messageListeners = new Set<(message: WsDataMessage) => void>();
  private readonly stateListeners = new Set<(state: FeedState, reason: string) => void>();
  private readonly activityListeners = new Set<() => void>();
  private readonly refusalListeners = new Set<(refusal: FeedRefusal) => void>();
  private readonly detach: (() => void)[] = [];

  constructor(
    private readonly client: WsClientPort,
    private readonly logger: EngineLogger,
  ) {}

  get state(): FeedState {
    return this.currentState;
  }

  start(): void {
    this.detach.push(
      this.client.on('message', (message) => {
        for (const listener of this.messageListeners) listener(message);
      }),
      this.client.on('state', ({ state, delayMs, attempt }) =>
        this.onClientState(state, { delayMs, attempt }),
      ),
      this.client.on('activity', () => {
        for (const listener of this.activityListeners) listener();
      }),
      this.client.on('error', ({ error, context }) => {
        this.lastReason = `${context}: ${error.message}`;
        if (error instanceof KalshiWsUpgradeError) {
          const refusal = { status: error.status, code: error.code };
          for (const listener of this.refusalListeners) listener(refusal);
        }
      }),
    );
    this.client.start();
    void this.client
      .subscribe({ channels: PRIVATE_CHANNELS })
      .then((handles) => {
        this.handles = handles;
        this.recompute();
      })
      .catch((error: unknown) => {
        if (!this.isClosed) this.logger.error({ err: String(error) }, 'private channel subscription failed');
      });
  }

  close(): void {
    this.isClosed = true;
    for (const off of this.detach) off();
    void this.client.close().catch(() => undefined);
    this.emitState('closed', 'closed');
  }

  reconnect(reason: string): void {
    if (!this.isClosed) this.client.reconnect(reason);
  }

  setTickerMarkets(tickers: readonly string[]): void {
    this.desiredTickers = new Set(tickers);
    this.scheduleTickerSync();
  }

  onMessage(listener: (message: WsDataMessage) => void): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }

  onState(listener: (state: FeedState, reason: string) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  onActivity(listener: () => void): () => void {
    this.activityListeners.add(listener);
    return () => this.activityListeners.delete(listener);
  }

  onRefused(listener: (refusal: FeedRefusal) => void): () => void {
    this.refusalListeners.add(listener);
    return () => this.refusalListeners.delete(listener);
  }

  private onClientState(state: WsState, info: { delayMs: number | undefined; attempt: number }): void {
    if (this.isClosed) return;
    if (state === 'backoff') {
      const reason = this.lastReason ? `${this.lastReason}; ` : 'connection lost; ';
      this.emitState(
        'backoff',
        `${reason}reconnecting in ${Math.round((info.delayMs ?? 0) / 1000)} s (attempt ${info.attempt})`,
      );
      return;
    }
    if (state === 'live') {
      this.lastReason = '';
      // A fresh socket: make sure the ticker subscription matches the held markets.
      this.scheduleTickerSync();
    }
    this.recompute();
  }

  /** live = socket open and every subscription of ours confirmed on it. */
  private recompute(): void {
    if (this.isClosed) return;
    const clientState = this.client.state;
    if (clientState !== 'live' && clientState !== 'resyncing') {
      this.emitState(
        clientState,
        clientState === 'connecting' ? 'connecting to the exchange' : this.lastReason,
      );
      return;
    }
    const keys = new Set(
      [...this.handles, ...(this.tickerHandle ? [this.tickerHandle] : [])].map((h) => h.key),
    );
    const subscriptions = this.client.subscriptions().filter((s) => keys.has(s.key));
    const isConfirmed =
      this.handles.length === PRIVATE_CHANNELS.length &&
      subscriptions.every((s) => s.sid !== undefined && !s.isStale);
    this.emitState(isConfirmed ? 'live' : 'resyncing', isConfirmed ? 'subscribed' : 'subscribing');
  }

  private emitState(state: FeedState, reason: string): void {
    if (state === this.currentState && reason === this.lastEmittedReason) return;
    this.currentState = state;
    this.lastEmittedReason = reason;
    for (const listener of this.stateListeners) listener(state, reason);
  }

  private scheduleTickerSync(): void {
    this.tickerWork = this.tickerWork
      .then(() => this.syncTickers())
      .catch((error: unknown) => {
        // Not connected right now: the next `live` runs this again.
        if (!this.isClosed) this.logger.warn({ err: String(error) }, 'ticker subscription update deferred');
      });
  }

  private async syncTickers(): Promise<void> {
    if (this.isClosed) return;
    const desired = [...this.desiredTickers].sort();
    if (this.tickerHandle === null) {
      if (desired.length === 0) return;
      const [handle] = await this.client.subscribe({ channels: ['ticker'], marketTickers: desired });
      this.tickerHandle = handle ?? null;
      this.recompute();
      return;
    }
    if (desired.length === 0) {
      const handle = this.tickerHandle;
      this.tickerHandle = null;
      await this.client.unsubscribe(handle);
      return;
    }
    const key = this.tickerHandle.key;
    const current = new Set(this.client.subscriptions().find((s) => s.key === key)?.marketTickers ?? []);
    const add = desired.filter((t) => !current.has(t));
    const remove = [...current].filter((t) => !this.desiredTickers.has(t));
    if (add.length > 0)
      await this.client.updateSubscription(this.tickerHandle, { action: 'add_markets', marketTickers: add });
    if (remove.length > 0) {
      await this.client.updateSubscription(this.tickerHandle, {
        action: 'delete_markets',
        marketTickers: remove,
      });
    }
  }
}

export interface KalshiConnectorOptions {
  restBaseUrl: string;
  wsUrl: string;
  logger: EngineLogger;
  /** Extra WS client options (tests shorten liveness and backoff). */
  ws?: Omit<KalshiWsClientOptions, 'url' | 'credentials'>;
  restTimeoutMs?: number;
}

/** The production connector: a signed REST client and a signed WS feed per account. */
export function kalshiConnector(options: KalshiConnectorOptions): ExchangeConnector {
  return (credentials: AccountCredentials) => ({
    rest: new KalshiRestClient({
      baseUrl: options.restBaseUrl,
      credentials,
      ...(options.restTimeoutMs !== undefined ? { timeoutMs: options.restTimeoutMs } : {}),
    }),
    feed: new KalshiAccountFeed(
      new KalshiWsClient({ url: options.wsUrl, credentials, ...options.ws }),
      options.logger,
    ),
  });
}
