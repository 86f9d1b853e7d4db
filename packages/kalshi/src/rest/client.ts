import type { z } from 'zod';
import { createSigner, type KalshiCredentials, type KalshiSigner } from '../auth/signer.js';
import { systemClock } from '../clock.js';
import { describeErrorBody } from '../protocol/errors.js';
import { accountLimitsResponseSchema, type AccountLimitsResponse } from '../protocol/account.js';
import {
  eventResponseSchema,
  eventsResponseSchema,
  exchangeStatusSchema,
  marketResponseSchema,
  marketsResponseSchema,
  orderbookResponseSchema,
  seriesListResponseSchema,
  seriesResponseSchema,
  tradesResponseSchema,
  type Event,
  type EventResponse,
  type EventsResponse,
  type ExchangeStatus,
  type Market,
  type MarketsResponse,
  type OrderbookResponse,
  type Series,
  type SeriesListResponse,
  type Trade,
  type TradesResponse,
} from '../protocol/markets.js';
import {
  cancelOrderV2ResponseSchema,
  createOrderV2RequestSchema,
  createOrderV2ResponseSchema,
  type CancelOrderV2Response,
  type CreateOrderV2Request,
  type CreateOrderV2Response,
} from '../protocol/orders.js';
import {
  balanceResponseSchema,
  fillsResponseSchema,
  orderResponseSchema,
  ordersResponseSchema,
  positionsResponseSchema,
  settlementsResponseSchema,
  type Fill,
  type FillsResponse,
  type GetBalanceResponse,
  type Order,
  type OrdersResponse,
  type PositionsResponse,
  type Settlement,
  type SettlementsResponse,
} from '../protocol/portfolio.js';
import {
  KalshiApiError,
  KalshiInvalidRequestError,
  KalshiNetworkError,
  KalshiRateLimitError,
  KalshiResponseValidationError,
  KalshiTimeoutError,
} from './errors.js';
import { paginate } from './paginate.js';
import {
  toQueryString,
  type CancelOrderParams,
  type GetBalanceParams,
  type GetEventParams,
  type GetEventsParams,
  type GetFillsParams,
  type GetMarketsParams,
  type GetOrderbookParams,
  type GetOrdersParams,
  type GetPositionsParams,
  type GetSeriesListParams,
  type GetSeriesParams,
  type GetSettlementsParams,
  type GetTradesParams,
} from './params.js';
import { TokenBucket } from './token-bucket.js';

export const KALSHI_PRODUCTION_API_URL = 'https://external-api.kalshi.com/trade-api/v2';
export const KALSHI_DEMO_API_URL = 'https://external-api.demo.kalshi.co/trade-api/v2';

export interface RetryOptions {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** Delay before the first retry; doubles each retry, with jitter. */
  baseDelayMs: number;
  /** Cap for one delay. Default 30 s. */
  maxDelayMs?: number;
}

export interface KalshiRestClientOptions {
  /** Including /trade-api/v2, e.g. KALSHI_DEMO_API_URL or a simulator's URL. */
  baseUrl: string;
  credentials?: KalshiCredentials;
  /** Per attempt. Default 10 s. */
  timeoutMs?: number;
  retry?: RetryOptions;
  /** Client-side token buckets in requests per second (optional). */
  rateLimit?: { readPerSecond: number; writePerSecond: number };
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** In [0, 1); used for backoff jitter. */
  random?: () => number;
  /** Milliseconds since the epoch; used for signing timestamps and the rate limiter. */
  now?: () => number;
}

type Bucket = 'read' | 'write';

interface RequestSpec<S extends z.ZodType> {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  query?: object;
  body?: unknown;
  schema: S;
  /** Safe to repeat after a 5xx or a lost connection (429 is always retried: nothing was done). */
  idempotent: boolean;
}

const defaultSleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

/**
 * Typed client for Kalshi's REST API on `fetch`. Each instance holds its own signer: two
 * clients with different keys in one process never share credentials or state.
 */
export class KalshiRestClient {
  private readonly baseUrl: string;
  private readonly basePath: string;
  private readonly signer: KalshiSigner | undefined;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  private readonly retry: Required<RetryOptions>;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly buckets: Record<Bucket, TokenBucket> | undefined;

  constructor(options: KalshiRestClientOptions) {
    const url = new URL(options.baseUrl);
    this.baseUrl = url.href.replace(/\/+$/, '');
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.signer = options.credentials ? createSigner(options.credentials) : undefined;
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.retry = {
      maxRetries: options.retry?.maxRetries ?? 3,
      baseDelayMs: options.retry?.baseDelayMs ?? 250,
      maxDelayMs: options.retry?.maxDelayMs ?? 30_000,
    };
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? (() => systemClock.now());
    this.buckets = options.rateLimit
      ? {
          read: new TokenBucket({
            ratePerSecond: options.rateLimit.readPerSecond,
            now: this.now,
            sleep: this.sleep,
          }),
          write: new TokenBucket({
            ratePerSecond: options.rateLimit.writePerSecond,
            now: this.now,
            sleep: this.sleep,
          }),
        }
      : undefined;
  }

  /** Whether requests are signed. */
  get isAuthenticated(): boolean {
    return this.signer !== undefined;
  }

  // ---- portfolio -----------------------------------------------------------------------

  getBalance(params?: GetBalanceParams): Promise<GetBalanceResponse> {
    return this.get('/portfolio/balance', balanceResponseSchema, params);
  }

  getPositions(params?: GetPositionsParams): Promise<PositionsResponse> {
    return this.get('/portfolio/positions', positionsResponseSchema, params);
  }

  getFills(params?: GetFillsParams): Promise<FillsResponse> {
    return this.get('/portfolio/fills', fillsResponseSchema, params);
  }

  getOrders(params?: GetOrdersParams): Promise<OrdersResponse> {
    return this.get('/portfolio/orders', ordersResponseSchema, params);
  }

  async getOrder(orderId: string): Promise<Order> {
    const response = await this.get(`/portfolio/orders/${encodeURIComponent(orderId)}`, orderResponseSchema);
    return response.order;
  }

  getSettlements(params?: GetSettlementsParams): Promise<SettlementsResponse> {
    return this.get('/portfolio/settlements', settlementsResponseSchema, params);
  }

  /**
   * V2 order entry (POST /portfolio/events/orders). Only retried after a 5xx or a lost
   * connection when `client_order_id` is set, since that makes a repeat harmless: a repeat
   * of an order that did land answers 409 `order_already_exists`.
   */
  async createOrder(request: CreateOrderV2Request): Promise<CreateOrderV2Response> {
    const checked = createOrderV2RequestSchema.safeParse(request);
    if (!checked.success) {
      throw new KalshiInvalidRequestError(
        `invalid order request: ${checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    const body = checked.data;
    return this.request({
      method: 'POST',
      path: '/portfolio/events/orders',
      body,
      schema: createOrderV2ResponseSchema,
      idempotent: body.client_order_id !== undefined,
    });
  }

  /** V2 cancel; an unknown, canceled or executed order is a 404 `not_found` KalshiApiError. */
  cancelOrder(orderId: string, params?: CancelOrderParams): Promise<CancelOrderV2Response> {
    return this.request({
      method: 'DELETE',
      path: `/portfolio/events/orders/${encodeURIComponent(orderId)}`,
      query: params,
      schema: cancelOrderV2ResponseSchema,
      idempotent: false,
    });
  }

  // ---- market data ---------------------------------------------------------------------

  getMarkets(params?: GetMarketsParams): Promise<MarketsResponse> {
    return this.get('/markets', marketsResponseSchema, params);
  }

  async getMarket(ticker: string): Promise<Market> {
    const response = await this.get(`/markets/${encodeURIComponent(ticker)}`, marketResponseSchema);
    return response.market;
  }

  getOrderbook(ticker: string, params?: GetOrderbookParams): Promise<OrderbookResponse> {
    return this.get(`/markets/${encodeURIComponent(ticker)}/orderbook`, orderbookResponseSchema, params);
  }

  getTrades(params?: GetTradesParams): Promise<TradesResponse> {
    return this.get('/markets/trades', tradesResponseSchema, params);
  }

  getEvents(params?: GetEventsParams): Promise<EventsResponse> {
    return this.get('/events', eventsResponseSchema, params);
  }

  getEvent(eventTicker: string, params?: GetEventParams): Promise<EventResponse> {
    return this.get(`/events/${encodeURIComponent(eventTicker)}`, eventResponseSchema, params);
  }

  async getSeries(seriesTicker: string, params?: GetSeriesParams): Promise<Series> {
    const response = await this.get(
      `/series/${encodeURIComponent(seriesTicker)}`,
      seriesResponseSchema,
      params,
    );
    return response.series;
  }

  getSeriesList(params?: GetSeriesListParams): Promise<SeriesListResponse> {
    return this.get('/series', seriesListResponseSchema, params);
  }

  getExchangeStatus(): Promise<ExchangeStatus> {
    return this.get('/exchange/status', exchangeStatusSchema);
  }

  getAccountLimits(): Promise<AccountLimitsResponse> {
    return this.get('/account/limits', accountLimitsResponseSchema);
  }

  // ---- pagination ----------------------------------------------------------------------

  /** Every market matching `params`, page by page from `params.cursor`. */
  iterateMarkets(params: GetMarketsParams = {}): AsyncGenerator<Market, void, undefined> {
    return this.iterateItems(
      (p) => this.getMarkets(p),
      params,
      (page) => page.markets,
    );
  }

  iterateFills(params: GetFillsParams = {}): AsyncGenerator<Fill, void, undefined> {
    return this.iterateItems(
      (p) => this.getFills(p),
      params,
      (page) => page.fills,
    );
  }

  iterateOrders(params: GetOrdersParams = {}): AsyncGenerator<Order, void, undefined> {
    return this.iterateItems(
      (p) => this.getOrders(p),
      params,
      (page) => page.orders,
    );
  }

  iterateSettlements(params: GetSettlementsParams = {}): AsyncGenerator<Settlement, void, undefined> {
    return this.iterateItems(
      (p) => this.getSettlements(p),
      params,
      (page) => page.settlements,
    );
  }

  iterateTrades(params: GetTradesParams = {}): AsyncGenerator<Trade, void, undefined> {
    return this.iterateItems(
      (p) => this.getTrades(p),
      params,
      (page) => page.trades,
    );
  }

  iterateEvents(params: GetEventsParams = {}): AsyncGenerator<Event, void, undefined> {
    return this.iterateItems(
      (p) => this.getEvents(p),
      params,
      (page) => page.events,
    );
  }

  /** Positions come as pages holding both market and event positions. */
  iteratePositions(params: GetPositionsParams = {}): AsyncGenerator<PositionsResponse, void, undefined> {
    return paginate((cursor) => this.getPositions({ ...params, cursor }), { startCursor: params.cursor });
  }

  private async *iterateItems<P extends { cursor?: string }, R extends { cursor?: string | null }, T>(
    fetchPage: (params: P) => Promise<R>,
    params: P,
    items: (page: R) => T[],
  ): AsyncGenerator<T, void, undefined> {
    for await (const page of paginate((cursor) => fetchPage({ ...params, cursor }), {
      startCursor: params.cursor,
    })) {
      yield* items(page);
    }
  }

  // ---- transport -----------------------------------------------------------------------

  private get<S extends z.ZodType>(path: string, schema: S, query?: object): Promise<z.infer<S>> {
    return this.request({ method: 'GET', path, query, schema, idempotent: true });
  }

  private async request<S extends z.ZodType>(spec: RequestSpec<S>): Promise<z.infer<S>> {
    const url = `${this.baseUrl}${spec.path}${toQueryString(spec.query)}`;
    const signedPath = `${this.basePath}${spec.path}`;
    const bucket: Bucket = spec.method === 'GET' ? 'read' : 'write';
    const body = spec.body === undefined ? undefined : JSON.stringify(spec.body);

    for (let attempt = 0; ; attempt += 1) {
      const canRetry = attempt < this.retry.maxRetries;
      await this.buckets?.[bucket].take();

      let response: Response;
      try {
        response = await this.send({ method: spec.method, url, signedPath, body });
      } catch (error) {
        if (error instanceof KalshiNetworkError && spec.idempotent && canRetry) {
          await this.sleep(this.backoffDelay(attempt));
          continue;
        }
        throw error;
      }

      const text = await response.text().catch(() => '');
      const parsed = parseJson(text);

      if (response.ok) {
        const result = spec.schema.safeParse(parsed);
        if (result.success) return result.data;
        throw new KalshiResponseValidationError(
          `Kalshi ${spec.method} ${signedPath} returned a body that does not match the protocol schema: ${result.error.issues
            .slice(0, 5)
            .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
            .join('; ')}`,
          result.error.issues.map((i) => ({ path: i.path, message: i.message })),
        );
      }

      const retryable = response.status === 429 || (response.status >= 500 && spec.idempotent);
      if (retryable && canRetry) {
        await this.sleep(this.backoffDelay(attempt));
        continue;
      }
      const described = describeErrorBody(response.status, parsed);
      const init = { status: response.status, method: spec.method, path: signedPath, ...described };
      throw response.status === 429 ? new KalshiRateLimitError(init) : new KalshiApiError(init);
    }
  }

  private async send(input: {
    method: string;
    url: string;
    signedPath: string;
    body: string | undefined;
  }): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (input.body !== undefined) headers['content-type'] = 'application/json';
    if (this.signer) {
      Object.assign(
        headers,
        this.signer.headers({
          method: input.method,
          path: input.signedPath,
          timestampMs: Math.round(this.now()),
        }),
      );
    }
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      return await this.fetchImpl(input.url, { method: input.method, headers, body: input.body, signal });
    } catch (error) {
      const what = `Kalshi ${input.method} ${input.signedPath}`;
      if (
        signal.aborted ||
        (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
      ) {
        throw new KalshiTimeoutError(`${what} timed out after ${this.timeoutMs} ms`, { cause: error });
      }
      const reason = error instanceof Error ? error.message : String(error);
      throw new KalshiNetworkError(`${what} failed: ${reason}`, { cause: error });
    }
  }

  /** Exponential: base * 2^attempt, capped, times a jitter factor in [0.5, 1). */
  private backoffDelay(attempt: number): number {
    const exponential = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** attempt);
    return Math.round(exponential * (0.5 + this.random() / 2));
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
