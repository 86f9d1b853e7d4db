/** In-memory stand-ins for the exchange ports, for unit tests of the live engine. */
import type {
  Fill,
  GetBalanceResponse,
  Market,
  MarketPosition,
  Order,
  WsDataMessage,
} from '@kalshi-desk/kalshi/protocol';
import type { ExchangeFeed, ExchangeRest, FeedState, Scheduler } from '../exchange.ports.js';

export class FakeRest {
  positions: MarketPosition[] = [];
  markets = new Map<string, Market>();
  balanceDollars = '0.0000';
  fills: Fill[] = [];
  /** Resting orders, as `GET /portfolio/orders?status=resting` lists them. */
  orders: Order[] = [];
  calls: string[] = [];
  isDown = false;
  /** Runs while a balance request is in flight (to race it with a feed message). */
  duringBalance: (() => void) | null = null;
  /** Rows per positions page, to exercise pagination. */
  pageSize = 2;

  asPort(): ExchangeRest {
    const check = (name: string) => {
      this.calls.push(name);
      if (this.isDown) return Promise.reject(new Error('exchange unreachable'));
      return Promise.resolve();
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
      getPositions: async (params) => {
        await check('positions');
        const start = params?.cursor ? Number(params.cursor) : 0;
        const page = this.positions.slice(start, start + this.pageSize);
        const next = start + this.pageSize < this.positions.length ? String(start + this.pageSize) : '';
        return { cursor: next, market_positions: page, event_positions: [] };
      },
      getMarkets: async (params) => {
        await check('markets');
        const tickers =
          typeof params?.tickers === 'string' ? params.tickers.split(',') : [...(params?.tickers ?? [])];
        return { cursor: '', markets: tickers.flatMap((t) => this.markets.get(t) ?? []) };
      },
      getFills: async () => {
        await check('fills');
        return { cursor: '', fills: this.fills };
      },
      getOrders: async () => {
        await check('orders');
        return { cursor: '', orders: this.orders.filter((o) => o.status === 'resting') };
      },
    };
  }
}

export class FakeFeed implements ExchangeFeed {
  state: FeedState = 'closed';
  tickerMarkets: string[] = [];
  isStarted = false;
  private readonly messageListeners = new Set<(m: WsDataMessage) => void>();
  private readonly stateListeners = new Set<(s: FeedState, r: string) => void>();

  start(): void {
    this.isStarted = true;
    this.setState('connecting', 'connecting');
  }
  close(): void {
    this.setState('closed', 'closed by client');
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
  setState(state: FeedState, reason: string): void {
    this.state = state;
    for (const l of this.stateListeners) l(state, reason);
  }
  emit(message: WsDataMessage): void {
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
