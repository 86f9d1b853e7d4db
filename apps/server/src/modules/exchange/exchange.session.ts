/**
 * One connected account's upstream exchange session (docs/design.md §3): REST snapshot, then WS
 * deltas into the position tracker; every resulting change is published on the EventBus,
 * written through to the cache and, for fills, to the audit trail.
 *
 * - Every time the feed becomes live (the first time and after each reconnect) the state is
 *   rebuilt from a REST snapshot. WS messages that arrive meanwhile are buffered and applied
 *   after it, so nothing the snapshot missed is lost and nothing older overwrites newer.
 * - The same snapshot runs periodically as reconciliation; any drift is corrected and logged.
 * - Cash has no WS channel. The tracker predicts it from fills and settlements (money held by
 *   resting orders stays the trader's: orders move it between available and reserved only),
 *   and the balance is re-read within a second of any fill, order or settlement event (a read
 *   that raced with such an event is discarded and repeated) and on a timer.
 * - An equity snapshot is stored every minute (today's P&L baseline, equity curve).
 * - While not live, the last known state is served with `is_stale` and its age (`as_of`).
 * Nothing here throws into the event loop: failures become state and log lines.
 */
import type { ConnectionState, Mark, Portfolio, Position } from '@kalshi-desk/contracts';
import {
  parseCount,
  parseDollars,
  type Market,
  type MarketPosition,
  type MicroDollars,
  type Order,
  type WsDataMessage,
} from '@kalshi-desk/kalshi/protocol';
import type { Clock } from '../../shared/clock.js';
import { startOfDay } from '../positions/pnl.models.js';
import type { PositionsRepository } from '../positions/positions.repository.js';
import {
  entryTimesFromFills,
  fillFromRest,
  PositionTracker,
  type TrackedFill,
  type TrackerChanges,
  type TrackerSnapshot,
} from '../positions/positions.tracker.js';
import type { EventBus } from '../stream/stream.bus.js';
import type { SnapshotData } from '../stream/stream.hub.js';
import type { EngineLogger, ExchangeFeed, ExchangeRest, FeedState, Scheduler } from './exchange.ports.js';

export interface SessionTimings {
  /** Wait after a fill or order event before re-reading the balance (events come in bursts). */
  balanceDebounceMs: number;
  balanceRefreshMs: number;
  reconcileMs: number;
  equitySnapshotMs: number;
  /** Position cache writes are coalesced over this window. */
  cacheFlushMs: number;
  /** Retry delay for a failed REST snapshot. */
  snapshotRetryMs: number;
  /**
   * portfolio_update is published at most this often (trailing): every price tick changes the
   * portfolio's value, and a summary bar gains nothing from hundreds of updates a second.
   */
  portfolioIntervalMs: number;
}

export const DEFAULT_TIMINGS: SessionTimings = {
  balanceDebounceMs: 250,
  balanceRefreshMs: 30_000,
  reconcileMs: 60_000,
  equitySnapshotMs: 60_000,
  cacheFlushMs: 1_000,
  snapshotRetryMs: 5_000,
  portfolioIntervalMs: 250,
};

export interface AccountSessionDeps {
  userId: string;
  rest: ExchangeRest;
  feed: ExchangeFeed;
  bus: EventBus;
  repository: PositionsRepository | null;
  clock: Clock;
  scheduler: Scheduler;
  logger: EngineLogger;
  timings?: Partial<SessionTimings>;
  /** Offset of the "local midnight" that starts the day for today's P&L (0 = UTC). */
  dayOffsetMinutes?: number;
}

type SyncKind = 'initial' | 'reconnect' | 'reconcile';

const MAX_POSITION_PAGES = 100;
/** Balance reads discarded in a row because an event raced them, before one is taken anyway. */
const MAX_RACED_BALANCE_READS = 3;
const MAX_FILL_PAGES = 20;
const MARKETS_PER_REQUEST = 100;
/** Fills kept in memory for entry times (the database keeps all of them). */
const RECENT_FILLS = 2_000;

export class AccountSession {
  readonly tracker: PositionTracker;
  private readonly timings: SessionTimings;
  private status: ConnectionState = 'connecting';
  private detail = 'connecting to the exchange';
  /** When the exchange last confirmed the served state (ms); null before the first snapshot. */
  private confirmedAt: number | null = null;
  private hasBeenLive = false;
  private isStopped = false;
  private syncing: Promise<void> | null = null;
  private isResyncRequested = false;
  private buffered: WsDataMessage[] | null = null;
  private dayBaseline: { dayStart: number; total: MicroDollars } | null = null;
  private readonly dirtyTickers = new Set<string>();
  private readonly deletedTickers = new Set<string>();
  private isCashDirty = false;
  /** Newest fill we know (ms); fills after it are fetched from REST on every sync. */
  private lastFillTs: number | null = null;
  private readonly recentFills = new Map<string, TrackedFill>();
  private persistChain: Promise<void> = Promise.resolve();
  private cacheTimer: unknown = null;
  private balanceTimer: unknown = null;
  private retryTimer: unknown = null;
  private portfolioTimer: unknown = null;
  private lastPortfolioAt = Number.NEGATIVE_INFINITY;
  /** Counts applied messages, to tell whether one arrived while a balance read was in flight. */
  private messageCount = 0;
  private racedBalanceReads = 0;
  private readonly intervals: unknown[] = [];
  private readonly unsubscribers: (() => void)[] = [];

  constructor(private readonly deps: AccountSessionDeps) {
    this.timings = { ...DEFAULT_TIMINGS, ...deps.timings };
    this.tracker = new PositionTracker(() => deps.clock.now());
  }

  get userId(): string {
    return this.deps.userId;
  }

  get connection(): ConnectionState {
    return this.status;
  }

  /** Restores the cached state, starts the feed and takes the first REST snapshot. */
  async start(): Promise<void> {
    await this.restore();
    await this.connect();
  }

  /** Loads the last known state (served stale) and today's baseline from the database. */
  async restore(): Promise<void> {
    await this.restoreFromCache();
    await this.loadDayBaseline();
  }

  /** Starts the feed and the timers; resolves after the first REST snapshot (or its failure). */
  async connect(): Promise<void> {
    const { deps } = this;
    if (this.isStopped) return;
    this.unsubscribers.push(
      deps.feed.onMessage((message) => this.onMessage(message)),
      deps.feed.onState((state, reason) => this.onFeedState(state, reason)),
    );
    deps.feed.start();
    this.intervals.push(
      deps.scheduler.setInterval(() => void this.sync('reconcile'), this.timings.reconcileMs),
      deps.scheduler.setInterval(() => void this.refreshBalance(), this.timings.balanceRefreshMs),
      deps.scheduler.setInterval(() => void this.recordEquity(), this.timings.equitySnapshotMs),
    );
    await this.sync('initial');
  }

  /** Stops the feed and every timer; the last state stays cached. */
  async stop(): Promise<void> {
    if (this.isStopped) return;
    this.isStopped = true;
    for (const unsubscribe of this.unsubscribers) unsubscribe();
    for (const handle of this.intervals) this.deps.scheduler.clearInterval(handle);
    for (const handle of [this.cacheTimer, this.balanceTimer, this.retryTimer, this.portfolioTimer]) {
      if (handle !== null) this.deps.scheduler.clearTimeout(handle);
    }
    this.deps.feed.close();
    this.setStatus('closed', 'signed out');
    this.flushCache();
    await this.persistChain;
  }

  /** Resolves once pending cache/fill/snapshot writes are done (tests, shutdown). */
  async settled(): Promise<void> {
    if (this.syncing) await this.syncing;
    this.flushCache();
    await this.persistChain;
  }

  positions(mark: Mark): Position[] {
    return this.tracker.positionsView(mark);
  }

  portfolio(): Portfolio {
    return this.tracker.portfolioView(this.baselineFor(this.deps.clock.now()));
  }

  freshness(): { connection: ConnectionState; is_stale: boolean; as_of: string | null } {
    const isLive = this.status === 'live';
    const asOf = isLive ? this.deps.clock.now() : this.confirmedAt;
    return {
      connection: this.status,
      is_stale: !isLive,
      as_of: asOf === null ? null : new Date(asOf).toISOString(),
    };
  }

  snapshot(): SnapshotData {
    return {
      positions: this.positions('bid'),
      portfolio: this.portfolio(),
      orders: this.tracker.ordersView(),
      ...this.freshness(),
    };
  }

  // ---- feed -----------------------------------------------------------------------------

  private onMessage(message: WsDataMessage): void {
    if (this.isStopped) return;
    if (this.buffered !== null) {
      this.buffered.push(message);
      return;
    }
    this.applyMessage(message);
  }

  private applyMessage(message: WsDataMessage): void {
    this.messageCount += 1;
    try {
      const isKnownFill = message.type === 'fill' && this.recentFills.has(message.msg.trade_id);
      this.publishChanges(this.tracker.apply(message, { isKnownFill }));
    } catch (error) {
      // A payload our parsers reject must not take the session down.
      this.deps.logger.warn(
        { userId: this.userId, type: message.type, err: errorText(error) },
        'ignored an exchange message',
      );
    }
  }

  private onFeedState(state: FeedState, reason: string): void {
    if (this.isStopped) return;
    switch (state) {
      case 'live':
        this.setStatus('resyncing', 'reconciling with the exchange');
        void this.sync(this.hasBeenLive ? 'reconnect' : 'initial');
        break;
      case 'connecting':
        this.setStatus(
          this.hasBeenLive ? 'reconnecting' : 'connecting',
          reason || 'connecting to the exchange',
        );
        break;
      case 'backoff':
        this.setStatus('reconnecting', reason || 'exchange connection lost; retrying');
        break;
      case 'resyncing':
        this.setStatus('resyncing', reason || 'resynchronising with the exchange');
        break;
      case 'closed':
        this.setStatus('stale', reason || 'exchange connection closed');
        break;
    }
  }

  // ---- snapshot / reconciliation ---------------------------------------------------------

  private sync(kind: SyncKind): Promise<void> {
    if (this.isStopped) return Promise.resolve();
    if (this.syncing) {
      this.isResyncRequested = true;
      return this.syncing;
    }
    this.syncing = this.runSync(kind).finally(() => {
      this.syncing = null;
      if (this.isResyncRequested && !this.isStopped) {
        this.isResyncRequested = false;
        void this.sync('reconnect');
      }
    });
    return this.syncing;
  }

  private async runSync(kind: SyncKind): Promise<void> {
    this.buffered = [];
    try {
      const { snapshot, recovered } = await this.fetchSnapshot();
      if (this.isStopped) return;
      if (recovered.length > 0) {
        this.persist(() => this.deps.repository?.saveFills(this.userId, recovered));
        if (kind !== 'initial') {
          this.deps.logger.info(
            { userId: this.userId, fills: recovered.length },
            'recovered fills the feed did not deliver',
          );
        }
      }
      const { changes, drift } = this.tracker.loadSnapshot(snapshot);
      if (drift.length > 0 && kind === 'reconcile') {
        this.deps.logger.warn(
          { userId: this.userId, drift },
          'reconciliation corrected drift from the exchange',
        );
      } else if (drift.length > 0 && kind === 'reconnect') {
        this.deps.logger.info({ userId: this.userId, drift }, 'resync after reconnect caught up');
      }
      this.publishChanges(changes, { isFullSnapshot: true });
      this.confirmedAt = this.deps.clock.now();
      this.applyBuffered();
      this.deps.feed.setTickerMarkets(this.tracker.heldTickers());
      if (this.deps.feed.state === 'live') {
        this.hasBeenLive = true;
        this.setStatus('live', 'in sync with the exchange');
      }
      if (this.dayBaseline === null) await this.recordEquity({ isFresh: true });
    } catch (error) {
      this.applyBuffered();
      if (this.isStopped) return;
      this.deps.logger.warn({ userId: this.userId, kind, err: errorText(error) }, 'exchange snapshot failed');
      if (this.status === 'live')
        this.setStatus('stale', 'exchange unreachable; showing last known positions');
      else this.detail = 'exchange unreachable; showing last known positions';
      this.scheduleRetry();
    }
  }

  private applyBuffered(): void {
    const messages = this.buffered ?? [];
    this.buffered = null;
    for (const message of messages) this.applyMessage(message);
  }

  private scheduleRetry(): void {
    if (this.retryTimer !== null || this.isStopped) return;
    this.retryTimer = this.deps.scheduler.setTimeout(() => {
      this.retryTimer = null;
      void this.sync(this.hasBeenLive ? 'reconnect' : 'initial');
    }, this.timings.snapshotRetryMs);
  }

  private async fetchSnapshot(): Promise<{ snapshot: TrackerSnapshot; recovered: TrackedFill[] }> {
    const { rest } = this.deps;
    const positions: MarketPosition[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_POSITION_PAGES; page++) {
      const response = await rest.getPositions({
        limit: 1000,
        count_filter: 'position',
        ...(cursor ? { cursor } : {}),
      });
      positions.push(...response.market_positions);
      const next = response.cursor;
      if (!next || next === cursor) break;
      cursor = next;
    }
    const orders: Order[] = [];
    cursor = undefined;
    for (let page = 0; page < MAX_POSITION_PAGES; page++) {
      const response = await rest.getOrders({
        status: 'resting',
        limit: 1000,
        ...(cursor ? { cursor } : {}),
      });
      orders.push(...response.orders);
      const next = response.cursor;
      if (!next || next === cursor) break;
      cursor = next;
    }
    const balance = await rest.getBalance();
    const held = positions.filter((p) => parseCount(p.position_fp) !== 0).map((p) => p.ticker);
    const markets: Market[] = [];
    for (let i = 0; i < held.length; i += MARKETS_PER_REQUEST) {
      const chunk = held.slice(i, i + MARKETS_PER_REQUEST);
      const response = await rest.getMarkets({ tickers: chunk, limit: chunk.length });
      markets.push(...response.markets);
    }
    const recovered = await this.recoverFills();
    return {
      snapshot: { positions, markets, balance, orders, entryTimes: this.entryTimes(positions) },
      recovered,
    };
  }

  /**
   * Fills the exchange has and we may have missed (while disconnected, or before we started):
   * everything since the newest fill we know, or the latest page when we know none. They are
   * stored (the audit trail must not lose a fill) and feed the entry times.
   */
  private async recoverFills(): Promise<TrackedFill[]> {
    const found: TrackedFill[] = [];
    const since = this.lastFillTs;
    let cursor: string | undefined;
    for (let page = 0; page < MAX_FILL_PAGES; page++) {
      const response = await this.deps.rest.getFills({
        limit: since === null ? 200 : 1000,
        ...(since === null ? {} : { min_ts: Math.floor(since / 1000) - 1 }),
        ...(cursor ? { cursor } : {}),
      });
      for (const fill of response.fills) {
        const tracked = fillFromRest(fill);
        if (!this.recentFills.has(tracked.tradeId)) found.push(tracked);
      }
      const next = response.cursor;
      if (since === null || !next || next === cursor) break;
      cursor = next;
    }
    this.rememberFills(found);
    return found;
  }

  private rememberFills(fills: readonly TrackedFill[]): void {
    for (const fill of fills) {
      this.recentFills.set(fill.tradeId, fill);
      if (this.lastFillTs === null || fill.ts > this.lastFillTs) this.lastFillTs = fill.ts;
    }
    for (const key of this.recentFills.keys()) {
      if (this.recentFills.size <= RECENT_FILLS) break;
      this.recentFills.delete(key);
    }
  }

  /** Entry times of positions whose opening we have not seen, from the fills we know. */
  private entryTimes(positions: readonly MarketPosition[]): Map<string, number> {
    const unknown = new Map<string, number>();
    for (const row of positions) {
      const position = parseCount(row.position_fp);
      const tracked = this.tracker.position(row.ticker);
      if (position === 0) continue;
      if (tracked && Math.sign(tracked.amounts.position) === Math.sign(position)) continue;
      unknown.set(row.ticker, position);
    }
    if (unknown.size === 0) return new Map();
    return entryTimesFromFills({ positions: unknown, fills: [...this.recentFills.values()] });
  }

  private async refreshBalance(): Promise<void> {
    if (this.isStopped || this.syncing) return;
    try {
      const before = this.messageCount;
      const balance = await this.deps.rest.getBalance();
      if (this.isStopped || this.syncing) return;
      if (this.messageCount !== before && this.racedBalanceReads < MAX_RACED_BALANCE_READS) {
        // An event arrived meanwhile: the balance may or may not include it. Read again.
        this.racedBalanceReads += 1;
        this.scheduleBalanceRefresh();
        return;
      }
      this.racedBalanceReads = 0;
      this.publishChanges(this.tracker.setBalance(parseDollars(balance.balance_dollars)));
    } catch (error) {
      this.deps.logger.warn({ userId: this.userId, err: errorText(error) }, 'balance refresh failed');
    }
  }

  private scheduleBalanceRefresh(): void {
    if (this.balanceTimer !== null || this.isStopped) return;
    this.balanceTimer = this.deps.scheduler.setTimeout(() => {
      this.balanceTimer = null;
      void this.refreshBalance();
    }, this.timings.balanceDebounceMs);
  }

  private async fetchMissingMarkets(tickers: readonly string[]): Promise<void> {
    try {
      const response = await this.deps.rest.getMarkets({ tickers: [...tickers], limit: tickers.length });
      if (this.isStopped) return;
      for (const market of response.markets) this.publishChanges(this.tracker.setMarket(market));
    } catch (error) {
      this.deps.logger.warn(
        { userId: this.userId, tickers, err: errorText(error) },
        'market metadata fetch failed',
      );
    }
  }

  // ---- publishing and persistence --------------------------------------------------------

  private publishChanges(changes: TrackerChanges, options: { isFullSnapshot?: boolean } = {}): void {
    const { bus } = this.deps;
    for (const { ticker, reason } of changes.removed) {
      bus.publish(this.userId, { type: 'position_removed', data: { ticker, reason } });
      this.deletedTickers.add(ticker);
      this.dirtyTickers.delete(ticker);
    }
    for (const ticker of changes.updated) {
      const position = this.tracker.positionView(ticker, 'bid');
      if (position) bus.publish(this.userId, { type: 'position_update', data: { data: position } });
      this.dirtyTickers.add(ticker);
      this.deletedTickers.delete(ticker);
    }
    if (changes.portfolioChanged) {
      this.schedulePortfolio();
      this.isCashDirty = true;
    }
    if (changes.ordersChanged) {
      bus.publish(this.userId, { type: 'orders_update', data: { orders: this.tracker.ordersView() } });
    }
    if (changes.fills.length > 0) {
      const fills = changes.fills;
      this.rememberFills(fills);
      this.persist(() => this.deps.repository?.saveFills(this.userId, fills));
    }
    if (changes.isBalanceAffected && !options.isFullSnapshot) this.scheduleBalanceRefresh();
    if (!options.isFullSnapshot) {
      if (changes.opened.length > 0 || changes.closed.length > 0) {
        this.deps.feed.setTickerMarkets(this.tracker.heldTickers());
      }
      if (changes.missingMarkets.length > 0) void this.fetchMissingMarkets(changes.missingMarkets);
    }
    this.scheduleCacheFlush();
  }

  private schedulePortfolio(): void {
    if (this.portfolioTimer !== null || this.isStopped) return;
    const wait = this.lastPortfolioAt + this.timings.portfolioIntervalMs - this.deps.clock.now();
    if (wait <= 0) {
      this.publishPortfolio();
      return;
    }
    this.portfolioTimer = this.deps.scheduler.setTimeout(() => {
      this.portfolioTimer = null;
      this.publishPortfolio();
    }, wait);
  }

  private publishPortfolio(): void {
    if (this.isStopped) return;
    this.lastPortfolioAt = this.deps.clock.now();
    this.deps.bus.publish(this.userId, { type: 'portfolio_update', data: { data: this.portfolio() } });
  }

  private scheduleCacheFlush(): void {
    if (this.cacheTimer !== null || this.isStopped) return;
    if (this.dirtyTickers.size === 0 && this.deletedTickers.size === 0 && !this.isCashDirty) return;
    this.cacheTimer = this.deps.scheduler.setTimeout(() => {
      this.cacheTimer = null;
      this.flushCache();
    }, this.timings.cacheFlushMs);
  }

  private flushCache(): void {
    const repository = this.deps.repository;
    if (!repository) return;
    const now = this.deps.clock.now();
    const positions = [...this.dirtyTickers].flatMap((ticker) => {
      const position = this.tracker.position(ticker);
      return position
        ? [
            {
              position: { ...position, amounts: { ...position.amounts } },
              market: this.tracker.market(ticker) ?? null,
            },
          ]
        : [];
    });
    const deleted = [...this.deletedTickers];
    const cash = this.isCashDirty ? this.tracker.cashIncludingReserved : null;
    this.dirtyTickers.clear();
    this.deletedTickers.clear();
    this.isCashDirty = false;
    if (positions.length === 0 && deleted.length === 0 && cash === null) return;
    this.persist(async () => {
      await repository.savePositions({ userId: this.userId, positions, now });
      await repository.deletePositions(this.userId, deleted);
      if (cash !== null) await repository.saveCash({ userId: this.userId, cash, now });
    });
  }

  private persist(write: () => Promise<void> | undefined): void {
    this.persistChain = this.persistChain.then(write).catch((error: unknown) => {
      this.deps.logger.error(
        { userId: this.userId, err: errorText(error) },
        'could not persist account state',
      );
    });
  }

  private async restoreFromCache(): Promise<void> {
    const repository = this.deps.repository;
    if (!repository) return;
    try {
      const cached = await repository.loadPositions(this.userId);
      this.tracker.restore({
        positions: cached.positions.map((p) => p.position),
        markets: cached.positions.flatMap((p) => (p.market ? [p.market] : [])),
        cash: cached.cash ?? 0,
      });
      if (cached.asOf !== null) this.confirmedAt = cached.asOf;
      this.rememberFills(await repository.listFills(this.userId, { limit: RECENT_FILLS }));
    } catch (error) {
      this.deps.logger.warn({ userId: this.userId, err: errorText(error) }, 'position cache unreadable');
    }
  }

  private async loadDayBaseline(): Promise<void> {
    const dayStart = startOfDay(this.deps.clock.now(), this.deps.dayOffsetMinutes ?? 0);
    try {
      const first = await this.deps.repository?.firstSnapshotSince(this.userId, dayStart);
      if (first) this.dayBaseline = { dayStart, total: first.total };
    } catch (error) {
      this.deps.logger.warn({ userId: this.userId, err: errorText(error) }, 'equity history unreadable');
    }
  }

  private baselineFor(now: number): MicroDollars | null {
    const dayStart = startOfDay(now, this.deps.dayOffsetMinutes ?? 0);
    return this.dayBaseline?.dayStart === dayStart ? this.dayBaseline.total : null;
  }

  /**
   * Stores an equity point; the first one of a day becomes that day's baseline. Only state
   * the exchange just confirmed is recorded: while not live (stale data) no point is written.
   */
  private recordEquity(options: { isFresh?: boolean } = {}): Promise<void> {
    if (this.isStopped || this.confirmedAt === null) return Promise.resolve();
    if (this.status !== 'live' && !options.isFresh) return Promise.resolve();
    const now = this.deps.clock.now();
    const totals = this.tracker.totals(this.baselineFor(now));
    const dayStart = startOfDay(now, this.deps.dayOffsetMinutes ?? 0);
    if (this.dayBaseline?.dayStart !== dayStart) {
      this.dayBaseline = { dayStart, total: totals.totalValue };
      this.publishPortfolio();
    }
    const point = {
      at: now,
      // Cash including what orders hold back, so that cash + positions = total.
      cash: totals.cash + totals.reserved,
      positionsValue: totals.positionsValue,
      total: totals.totalValue,
    };
    this.persist(() => this.deps.repository?.saveSnapshot(this.userId, point));
    return this.persistChain;
  }

  private setStatus(status: ConnectionState, detail: string): void {
    if (status !== 'live' && this.status === 'live') this.confirmedAt = this.deps.clock.now();
    const isChange = status !== this.status || detail !== this.detail;
    this.status = status;
    this.detail = detail;
    if (!isChange) return;
    this.deps.bus.publish(this.userId, {
      type: 'connection_status',
      data: { status, detail, ...this.freshnessWithoutStatus() },
    });
  }

  private freshnessWithoutStatus(): { is_stale: boolean; as_of: string | null } {
    const { is_stale, as_of } = this.freshness();
    return { is_stale, as_of };
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
