/**
 * What an account's exchange session needs from the outside world, as small interfaces:
 * Kalshi's REST API (KalshiRestClient satisfies it), a WebSocket feed (an adapter over
 * KalshiWsClient), timers and a logger. Tests pass fakes; production passes the real ones.
 */
import type { KalshiRestClient } from '@kalshi-desk/kalshi';
import type { WsDataMessage } from '@kalshi-desk/kalshi/protocol';

/**
 * The REST calls the live engine makes. Listings are read through the client's iterators, which
 * follow the cursor and refuse one the server repeats.
 */
export type ExchangeRest = Pick<
  KalshiRestClient,
  'getBalance' | 'getMarkets' | 'iteratePositions' | 'iterateOrders' | 'iterateFills'
>;

/** State of the upstream WebSocket as data (the WS client's states). */
export type FeedState = 'connecting' | 'live' | 'resyncing' | 'backoff' | 'closed';

/** The exchange refused to open the feed's connection (the WebSocket upgrade) with this status. */
export interface FeedRefusal {
  status: number;
  /** Kalshi's error code from the refusal's body, when it had one. */
  code: string | undefined;
}

/**
 * The account's WebSocket feed: the private channels (market_positions, fill, user_orders)
 * and market_lifecycle_v2 always, and `ticker` for exactly the markets given by
 * `setTickerMarkets`. The feed keeps those subscriptions across its own reconnects.
 */
export interface ExchangeFeed {
  start(): void;
  close(): void;
  /**
   * Drops the connection and opens a new one (after the usual backoff), for a consumer that
   * knows the connection stopped delivering although it looks alive.
   */
  reconnect(reason: string): void;
  readonly state: FeedState;
  setTickerMarkets(tickers: readonly string[]): void;
  onMessage(listener: (message: WsDataMessage) => void): () => void;
  onState(listener: (state: FeedState, reason: string) => void): () => void;
  /** Anything heard from the exchange on the connection: a message, a reply or a ping. */
  onActivity(listener: () => void): () => void;
  /** The exchange refused a connection attempt (the feed keeps retrying until closed). */
  onRefused(listener: (refusal: FeedRefusal) => void): () => void;
}

/** Credentials of a connected account, as the vault hands them over (never logged). */
export interface AccountCredentials {
  keyId: string;
  privateKeyPem: string;
}

/** Builds the REST client and the feed of one account. */
export type ExchangeConnector = (credentials: AccountCredentials) => {
  rest: ExchangeRest;
  feed: ExchangeFeed;
};

/** Timers (shared/clock.ts): the session's are injected so tests can run them by hand. */
export { nodeScheduler, type Scheduler } from '../../shared/clock.js';

/** The subset of pino's / Fastify's logger the engine uses. */
export interface EngineLogger {
  info(object: Record<string, unknown>, message: string): void;
  warn(object: Record<string, unknown>, message: string): void;
  error(object: Record<string, unknown>, message: string): void;
}

export const silentLogger: EngineLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
