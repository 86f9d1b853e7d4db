/** In-memory stand-ins for the exchange ports, for unit tests of the live engine. */
import { paginate, type GetFillsParams } from '@kalshi-desk/kalshi';
import type {
  Fill,
  GetBalanceResponse,
  Market,
  MarketPosition,
  Order,
  WsDataMessage,
} from '@kalshi-desk/kalshi/protocol';
import type { ExchangeFeed, ExchangeRest, FeedRefusal, FeedState, Scheduler } from '../exchange.ports.js';

export class FakeRest {
  positions: MarketPosition[] = [];
  markets = new Map<string, Market>();
  balanceDollars = '0.0000';
  /** The account's fills as `GET /portfolio/fills` lists them (`min_ts` compares `ts` or `created_time`). */
  fills: Fill[] = [];
  /** Orders; `GET /portfolio/orders?status=...` lists those with that status. */
  orders: Order[] = [];
  /** One entry per request (per page for the listings). */
  calls: string[] = [];
  /** The parameters of every fills page requested. */
  fillRequests: GetFillsParams[] = [];
  isDown = false;
  /** When set, every request fails with this error (e.g. a KalshiApiError 401). */
  failure: Error | null = null;
  /** Runs while a balance request is in flight (to race it with a feed message). */
  duringBalance: (() => void) | null = null;
  private gate: Promise<void> | null = null;

  /** A slow exchange: every request from now on waits until the returned function is called. */
  hold(): () => void {
    let release: () => void = () => undefined;
    this.gate = new Promise<void>((resolve) => {
      release = () => {
        this.gate = null;
        resolve();
      };
    });
    return release;
  }

  /** Rows per page of every listing (fewer when the request's `limit` is smaller), to exercise pagination. */
  pageSize = 2;
  /** A broken server: from the second page on, it hands back the cursor it already gave. */
  isCursorStuck = false;

  asPort(): ExchangeRest {
    const verdict = (): Promise<void> => {
      if (this.failure) return Promise.reject(this.failure);
      if (this.isDown) return Promise.reject(new Error('exchange unreachable'));
      return Promise.resolve();
    };
    const check = (name: string): Promise<void> => {
      this.calls.push(name);
      return this.gate ? this.gate.then(verdict) : verdict();
    };
    return {
      getBalance: async (): Promise<GetBalanceResponse> => {
        await check('balance');
        // The exchange answers with the balance as it was when the request arrived.
        const balanceDollars = this.balanceDollars;
        const during = this.duringBalance;
        this.duringBalance = null;
        during?.();
        return { balance: 0, balance_dollars: balanceDollars, portfolio_value: 0, updated_ts: 0 };
      },
      getMarkets: async (params) => {
        await check('markets');
        const tickers =
          typeof params?.tickers === 'string' ? params.tickers.split(',') : [...(params?.tickers ?? [])];
        return { cursor: '', markets: tickers.flatMap((t) => this.markets.get(t) ?? []) };
      },
      // Pages go through the client's own `paginate`, so a repeated cursor fails as it would live.
      iteratePositions: (params = {}) =>
        paginate(
          async (cursor) => {
            await check('positions');
            const page = this.page(this.positions, { ...params, cursor });
            return { cursor: page.cursor, market_positions: page.rows, event_positions: [] };
          },
          { startCursor: params.cursor },
        ),
      iterateOrders: (params = {}) =>
        items(
          paginate(
            async (cursor) => {
              await check('orders');
              const listed = this.orders.filter(
                (o) => params.status === undefined || o.status === params.status,
              );
              const page = this.page(listed, { ...params, cursor });
              return { cursor: page.cursor, orders: page.rows };
            },
            { startCursor: params.cursor },
          ),
          (page) => page.orders,
        ),
      iterateFills: (params = {}) =>
        items(
          paginate(
            async (cursor) => {
              await check('fills');
              this.fillRequests.push({ ...params, cursor });
              const minTs = params.min_ts;
              const listed = this.fills.filter(
                (f) => minTs === undefined || (fillSeconds(f) ?? minTs) >= minTs,
              );
              const page = this.page(listed, { ...params, cursor });
              return { cursor: page.cursor, fills: page.rows };
            },
            { startCursor: params.cursor },
          ),
          (page) => page.fills,
        ),
    };
  }

  /** One page of `rows`: the cursor is the offset of the next page ("" after the last one). */
  private page<T>(rows: readonly T[], params: { cursor?: string | undefined; limit?: number | undefined }) {
    const size = Math.min(this.pageSize, params.limit ?? this.pageSize);
    const start = params.cursor ? Number(params.cursor) : 0;
    const end = start + size;
    const next = end < rows.length ? String(this.isCursorStuck ? size : end) : '';
    return { rows: rows.slice(start, end), cursor: next };
  }
}

async function* items<P, T>(
  pages: AsyncIterable<P>,
  of: (page: P) => T[],
): AsyncGenerator<T, void, undefined> {
  for await (const page of pages) yield* of(page);
}

/** When a REST fill happened, in the whole seconds `min_ts` compares with. */
function fillSeconds(fill: Fill): number | null {
  if (fill.ts !== undefined) return fill.ts;
  const ms = fill.created_time ? Date.parse(fill.created_time) : Number.NaN;
  return Number.isNaN(ms) ? null : Math.floor(ms / 1000);
}

export class FakeFeed implements ExchangeFeed {
  state: FeedState = 'closed';
  tickerMarkets: string[] = [];
  isStarted = false;
  /** Reasons given to reconnect(), in order. */
  reconnects: string[] = [];
  isClosed = false;
  private readonly messageListeners = new Set<(m: WsDataMessage) => void>();
  private readonly stateListeners = new Set<(s: FeedState, r: string) => void>();
  private readonly activityListeners = new Set<() => void>();
  private readonly refusalListeners = new Set<(refusal: FeedRefusal) => void>();

  start(): void {
    this.isStarted = true;
    this.setState('connecting', 'connecting');
  }
  close(): void {
    this.isClosed = true;
    this.setState('closed', 'closed by client');
  }
  /** Records the request and drops the connection (the test decides when it comes back). */
  reconnect(reason: string): void {
    this.reconnects.push(reason);
    this.setState('backoff', `reconnecting: ${reason}`);
  }
  setTickerMarkets(tickers: readonly string[]): void {
    this.tickerMarkets = [...tickers];
  }
  onMessage(listener: (m: WsDataMessage) => void): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }
  onState(listener: (s: FeedState, r: string) => void): () => void {
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
  /** A ping from the exchange. */
  ping(): void {
    for (const l of this.activityListeners) l();
  }
  /** The exchange refuses the connection attempt (the WebSocket upgrade). */
  refuse(refusal: FeedRefusal): void {
    for (const l of this.refusalListeners) l(refusal);
    // Like the real feed: once closed (by a listener), no more states.
    if (!this.isClosed) this.setState('backoff', `upgrade refused with HTTP ${refusal.status}`);
  }
  get listenerCount(): number {
    return (
      this.messageListeners.size +
      this.stateListeners.size +
      this.activityListeners.size +
      this.refusalListeners.size
    );
  }
  setState(state: FeedState, reason: string): void {
    this.state = state;
    for (const l of this.stateListeners) l(state, reason);
  }
  /** A data message; like the real feed, it is activity on the connection too. */
  emit(message: WsDataMessage): void {
    for (const l of this.activityListeners) l();
    for (const l of this.messageListeners) l(message);
  }
}

/** Timers that run only when the test advances them. */
export class ManualScheduler implements Scheduler {
  private now = 0;
  private nextId = 1;
  private readonly tasks = new Map<number, { at: number; every: number | null; callback: () => void }>();

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.tasks.set(id, { at: this.now + ms, every: null, callback });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.tasks.delete(handle as number);
  }
  setInterval(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.tasks.set(id, { at: this.now + ms, every: ms, callback });
    return id;
  }
  clearInterval(handle: unknown): void {
    this.tasks.delete(handle as number);
  }
  get pending(): number {
    return this.tasks.size;
  }
  advanceBy(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      let nextId: number | null = null;
      let nextAt = Infinity;
      for (const [id, task] of this.tasks) {
        if (task.at <= end && task.at < nextAt) {
          nextAt = task.at;
          nextId = id;
        }
      }
      if (nextId === null) break;
      const task = this.tasks.get(nextId);
      if (!task) break;
      this.now = task.at;
      if (task.every === null) this.tasks.delete(nextId);
      else task.at += task.every;
      task.callback();
    }
    this.now = end;
  }
}

/** Lets pending promise callbacks run. */
export async function flushPromises(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
