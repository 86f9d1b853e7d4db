/**
 * One connected account's upstream exchange session (docs/design.md §3): REST snapshot, then WS
 * deltas into the position tracker; every resulting change is published on the EventBus and
 * handed to the account's write-behind (exchange.write-behind.ts: position cache, fills);
 * equity points and today's baseline are kept by positions.equity.ts.
 *
 * - Every time the feed becomes live (the first time and after each reconnect) the state is
 *   rebuilt from a REST snapshot. WS messages that arrive meanwhile are buffered and applied
 *   after it, so nothing the snapshot missed is lost and nothing older overwrites newer.
 * - The same snapshot runs periodically as reconciliation; any drift is corrected and logged.
 * - Cash has no WS channel. The tracker predicts it from fills and settlements (money held by
 *   resting orders stays the trader's: orders move it between available and reserved only),
 *   and the balance is re-read within a second of any fill, order or settlement event (a read
 *   that raced with such an event is discarded and repeated) and on a timer.
 * - An equity snapshot is stored every minute while live (today's P&L baseline, equity curve).
 * - While not live, the last known state is served with `is_stale` and its age (`as_of`).
 * Nothing here throws into the event loop: failures become state and log lines.
 */
import type { ConnectionState, Mark, Portfolio, Position } from '@kalshi-desk/contracts';
import type {
  Fill,
  Market,
  MarketPosition,
  PositionsResponse,
  WsDataMessage,
} from '@kalshi-desk/kalshi/protocol';
import type { Clock } from '../../shared/clock.js';
import { EquityRecorder } from '../positions/positions.equity.js';
import type { PositionsRepository } from '../positions/positions.repository.js';
import {
  entryTimesFromFills,
  PositionTracker,
  type TrackedFill,
  type TrackerChanges,
  type TrackerSnapshot,
} from '../positions/positions.tracker.js';
import { amountsFromRest, availableCashFromRest, fillFromRest } from '../positions/positions.wire.js';
import type { EventBus } from '../stream/stream.bus.js';
import type { SnapshotData } from '../stream/stream.hub.js';
import type { EngineLogger, ExchangeFeed, ExchangeRest, FeedState, Scheduler } from './exchange.ports.js';
import { connectionStateOf } from './exchange.models.js';
import { WriteBehind } from './exchange.write-behind.js';

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

/** Rows per page of the paginated snapshot reads (Kalshi's maximum). */
/** What the status line says when the feed gives no reason of its own. */
const FEED_STATE_DETAIL: Record<Exclude<FeedState, 'live'>, string> = {
  connecting: 'connecting to the exchange',
  backoff: 'exchange connection lost; retrying',
  resyncing: 'resynchronising with the exchange',
  closed: 'exchange connection closed',
};

const PAGE_LIMIT = 1000;
/**
 * Open positions or resting orders beyond which the snapshot is refused: a list cut short
 * would report everything past the cut as closed. Far above any real account; it bounds a
 * server that keeps handing out new cursors.
 */
const MAX_SNAPSHOT_ROWS = 100 * PAGE_LIMIT;
/** Fills read when none is known yet: the latest page. */
const LATEST_FILLS = 200;
/** Fills recovered in one sync at most (past it the rest is left out, and logged). */
const MAX_RECOVERED_FILLS = 20 * PAGE_LIMIT;
/** Balance reads discarded in a row because an event raced them, before one is taken anyway. */
const MAX_RACED_BALANCE_READS = 3;
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
  private readonly writes: WriteBehind;
  private readonly equity: EquityRecorder;
  /** Newest fill we know (ms); fills after it are fetched from REST on every sync. */
  private lastFillTs: number | null = null;
  private readonly recentFills = new Map<string, TrackedFill>();
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
    this.writes = new WriteBehind({
      userId: deps.userId,
      repository: deps.repository,
      state: this.tracker,
      clock: deps.clock,
      scheduler: deps.scheduler,
      logger: deps.logger,
      flushMs: this.timings.cacheFlushMs,
    });
    this.equity = new EquityRecorder({
      userId: deps.userId,
      repository: deps.repository,
      clock: deps.clock,
      dayOffsetMinutes: deps.dayOffsetMinutes ?? 0,
      totals: (dayBaseline) => this.tracker.totals(dayBaseline),
      save: (point) => this.writes.enqueue((repository) => repository.saveSnapshot(deps.userId, point)),
    });
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
    for (const handle of [this.balanceTimer, this.retryTimer, this.portfolioTimer]) {
      if (handle !== null) this.deps.scheduler.clearTimeout(handle);
    }
    this.deps.feed.close();
    this.setStatus('closed', 'signed out');
    await this.writes.stop();
  }

  /** Resolves once pending cache/fill/snapshot writes are done (tests, shutdown). */
  async settled(): Promise<void> {
    if (this.syncing) await this.syncing;
    await this.writes.drain();
  }

  positions(mark: Mark): Position[] {
    return this.tracker.positionsView(mark);
  }

  portfolio(): Portfolio {
    return this.tracker.portfolioView(this.equity.baselineFor(this.deps.clock.now()));
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
    if (state === 'live') {
      // Live upstream is not yet in sync here: the REST snapshot runs first.
      this.setStatus('resyncing', 'reconciling with the exchange');
      void this.sync(this.hasBeenLive ? 'reconnect' : 'initial');
      return;
    }
    this.setStatus(
      connectionStateOf(state, { hasBeenLive: this.hasBeenLive }),
      reason || FEED_STATE_DETAIL[state],
    );
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
        this.writes.saveFills(recovered);
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
      if (!this.equity.hasBaseline) await this.recordEquity({ isFresh: true });
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
    const positions = await readAll({
      items: marketPositions(rest.iteratePositions({ limit: PAGE_LIMIT, count_filter: 'position' })),
      max: MAX_SNAPSHOT_ROWS,
      what: 'open positions',
    });
    const orders = await readAll({
      items: rest.iterateOrders({ status: 'resting', limit: PAGE_LIMIT }),
      max: MAX_SNAPSHOT_ROWS,
      what: 'resting orders',
    });
    const balance = await rest.getBalance();
    const held = positions.filter((p) => amountsFromRest(p).position !== 0).map((p) => p.ticker);
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
    const since = this.lastFillTs;
    const fills = since === null ? await this.latestFills() : await this.fillsSince(since);
    const found = fills.map(fillFromRest).filter((fill) => !this.recentFills.has(fill.tradeId));
    this.rememberFills(found);
    return found;
  }

  /** The latest page of fills, for an account of which we know no fill. */
  private async latestFills(): Promise<Fill[]> {
    const fills: Fill[] = [];
    for await (const fill of this.deps.rest.iterateFills({ limit: LATEST_FILLS })) {
      fills.push(fill);
      if (fills.length === LATEST_FILLS) break;
    }
    return fills;
  }

  /** Every fill since `since` (ms), up to MAX_RECOVERED_FILLS: past that the rest is left out, and logged. */
  private async fillsSince(since: number): Promise<Fill[]> {
    const fills: Fill[] = [];
    // The wire counts whole seconds: one second earlier, so that no fill of that second is missed.
    const params = { limit: PAGE_LIMIT, min_ts: Math.floor(since / 1000) - 1 };
    for await (const fill of this.deps.rest.iterateFills(params)) {
      if (fills.length === MAX_RECOVERED_FILLS) {
        this.deps.logger.warn(
          { userId: this.userId, since: new Date(since).toISOString(), recovered: fills.length },
          'fill recovery hit its limit; the remaining fills are not recovered',
        );
        break;
      }
      fills.push(fill);
    }
    return fills;
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
      const { position } = amountsFromRest(row);
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
      this.publishChanges(this.tracker.setBalance(availableCashFromRest(balance)));
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
      this.writes.positionRemoved(ticker);
    }
    for (const ticker of changes.updated) {
      const position = this.tracker.positionView(ticker, 'bid');
      if (position) bus.publish(this.userId, { type: 'position_update', data: { data: position } });
      this.writes.positionChanged(ticker);
    }
    if (changes.portfolioChanged) {
      this.schedulePortfolio();
      this.writes.cashChanged();
    }
    if (changes.ordersChanged) {
      bus.publish(this.userId, { type: 'orders_update', data: { orders: this.tracker.ordersView() } });
    }
    if (changes.fills.length > 0) {
      const fills = changes.fills;
      this.rememberFills(fills);
      this.writes.saveFills(fills);
    }
    if (changes.isBalanceAffected && !options.isFullSnapshot) this.scheduleBalanceRefresh();
    if (!options.isFullSnapshot) {
      if (changes.opened.length > 0 || changes.closed.length > 0) {
        this.deps.feed.setTickerMarkets(this.tracker.heldTickers());
      }
      if (changes.missingMarkets.length > 0) void this.fetchMissingMarkets(changes.missingMarkets);
    }
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
    try {
      await this.equity.loadBaseline();
    } catch (error) {
      this.deps.logger.warn({ userId: this.userId, err: errorText(error) }, 'equity history unreadable');
    }
  }

  /**
   * Stores an equity point; the first one of a day becomes that day's baseline. Only state
   * the exchange just confirmed is recorded: while not live (stale data) no point is written.
   */
  private recordEquity(options: { isFresh?: boolean } = {}): Promise<void> {
    if (this.isStopped || this.confirmedAt === null) return Promise.resolve();
    if (this.status !== 'live' && !options.isFresh) return Promise.resolve();
    const { isNewBaseline, saved } = this.equity.record();
    if (isNewBaseline) this.publishPortfolio();
    return saved;
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

/** The market positions of each page (the event positions are not used). */
async function* marketPositions(
  pages: AsyncIterable<PositionsResponse>,
): AsyncGenerator<MarketPosition, void, undefined> {
  for await (const page of pages) yield* page.market_positions;
}

/**
 * Every item of a paginated listing, refusing more than `max`: a snapshot cut short would be
 * wrong, so the sync fails (logged, retried) instead. The client already refuses a repeated cursor.
 */
async function readAll<T>(args: { items: AsyncIterable<T>; max: number; what: string }): Promise<T[]> {
  const items: T[] = [];
  for await (const item of args.items) {
    if (items.length === args.max) {
      throw new Error(`the exchange listed more than ${args.max} ${args.what}; snapshot refused`);
    }
    items.push(item);
  }
  return items;
}
