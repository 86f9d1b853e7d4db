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
 * - While not live, the last known state is served with `is_stale`. `as_of` is always the time
 *   the exchange was last heard from while in sync (a message or ping, or a REST snapshot),
 *   never the time we noticed a problem (ADR 010).
 * - A stall of the private channels alone (pings still flowing) is caught by a cheap delivery
 *   check (exchange.delivery-check.ts) while the account is active; the feed then reconnects
 *   and the state is rebuilt.
 * - A refused key (401/403 from REST or the WebSocket upgrade) is terminal:
 *   `credentials_rejected`, nothing more is retried, the last state is kept as stale. Other
 *   failures are retried with capped exponential backoff and jitter.
 * - Messages buffered during a snapshot are capped; past the cap they are dropped and another
 *   snapshot follows at once (it covers what was dropped).
 * Nothing here throws into the event loop: failures become state and log lines.
 */
import type { ConnectionState, Mark, Portfolio, Position } from '@kalshi-desk/contracts';
import { micros } from '@kalshi-desk/kalshi/protocol';
import type {
  CentiContracts,
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
import { DeliveryCheck } from './exchange.delivery-check.js';
import {
  connectionStateOf,
  exchangeFailureOf,
  feedRefusalFailure,
  type ExchangeFailure,
} from './exchange.models.js';
import type {
  EngineLogger,
  ExchangeFeed,
  ExchangeRest,
  FeedRefusal,
  FeedState,
  Scheduler,
} from './exchange.ports.js';
import { WriteBehind } from './exchange.write-behind.js';

export interface SessionTimings {
  /** Wait after a fill or order event before re-reading the balance (events come in bursts). */
  balanceDebounceMs: number;
  balanceRefreshMs: number;
  reconcileMs: number;
  equitySnapshotMs: number;
  /** Position cache writes are coalesced over this window. */
  cacheFlushMs: number;
  /** Retry delay after a failed REST snapshot; doubles with each failure in a row, with jitter. */
  snapshotRetryMs: number;
  /** Cap of the snapshot retry delay. */
  snapshotRetryMaxMs: number;
  /** Delivery checks of the private channels run this often while the account is active. */
  deliveryCheckMs: number;
  /** How long a fill the exchange lists may take to arrive on the feed before it counts as missed. */
  deliveryGraceMs: number;
  /** WS messages kept while a snapshot runs; past it they are dropped and another snapshot follows. */
  maxBufferedMessages: number;
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
  snapshotRetryMaxMs: 120_000,
  // One REST read per 10 s while active: 0.5% of Kalshi's basic read budget (20 reads/s).
  deliveryCheckMs: 10_000,
  deliveryGraceMs: 3_000,
  maxBufferedMessages: 10_000,
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
  /** In [0, 1): jitter of the snapshot retry delays. Default Math.random. */
  random?: () => number;
}

type SyncKind = 'initial' | 'reconnect' | 'reconcile';

/** What the status line says when the feed gives no reason of its own. */
const FEED_STATE_DETAIL: Record<Exclude<FeedState, 'live'>, string> = {
  connecting: 'connecting to the exchange',
  backoff: 'exchange connection lost; retrying',
  resyncing: 'resynchronising with the exchange',
  closed: 'exchange connection closed',
};

/** Rows per page of the paginated snapshot reads (Kalshi's maximum). */
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
  /**
   * When the exchange was last heard from while the served state was in sync with it (ms): a
   * message or ping while live, or the end of a REST snapshot. This is `as_of`. Null before the
   * first snapshot (or cached state).
   */
  private heardAt: number | null = null;
  private hasBeenLive = false;
  private isStopped = false;
  /** The exchange refused the key: everything upstream has stopped for good (ADR 010). */
  private isRejected = false;
  private syncing: Promise<void> | null = null;
  private isResyncRequested = false;
  private buffered: WsDataMessage[] | null = null;
  /** The buffer overflowed during the current snapshot: its messages were dropped. */
  private isBufferOverflowed = false;
  /** Snapshots failed in a row (for the retry backoff). */
  private failedSyncs = 0;
  private readonly delivery: DeliveryCheck;
  private isCheckingDelivery = false;
  /** A `ticker` message (a held market moved or traded) arrived since the last delivery check. */
  private hasTickerActivity = false;
  /** When a private message (fill, position, order) was last applied (ms). */
  private privateActivityAt: number | null = null;
  /** Why the exchange refused the feed's last connection attempt, until it connects again. */
  private feedRefusal: ExchangeFailure | null = null;
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
    this.delivery = new DeliveryCheck({
      rest: deps.rest,
      scheduler: deps.scheduler,
      graceMs: this.timings.deliveryGraceMs,
    });
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

  /** The exchange refused the key: the session does nothing more until it is replaced. */
  get isCredentialsRejected(): boolean {
    return this.isRejected;
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
    if (this.isHalted) return;
    this.unsubscribers.push(
      deps.feed.onMessage((message) => this.onMessage(message)),
      deps.feed.onState((state, reason) => this.onFeedState(state, reason)),
      deps.feed.onActivity(() => this.onActivity()),
      deps.feed.onRefused((refusal) => this.onFeedRefused(refusal)),
    );
    deps.feed.start();
    this.intervals.push(
      // While a failed snapshot waits for its retry, the retry is the next snapshot: no
      // reconciliation or balance read in between, or the backoff would not hold.
      deps.scheduler.setInterval(() => {
        if (this.retryTimer === null) void this.sync('reconcile');
      }, this.timings.reconcileMs),
      deps.scheduler.setInterval(() => void this.refreshBalance(), this.timings.balanceRefreshMs),
      deps.scheduler.setInterval(() => void this.recordEquity(), this.timings.equitySnapshotMs),
      deps.scheduler.setInterval(() => void this.checkDelivery(), this.timings.deliveryCheckMs),
    );
    await this.sync('initial');
  }

  /** Stops the feed and every timer; the last state stays cached. */
  async stop(detail = 'signed out'): Promise<void> {
    if (this.isStopped) return;
    this.halt();
    this.isStopped = true;
    this.setStatus('closed', detail);
    await this.writes.stop();
  }

  private get isHalted(): boolean {
    return this.isStopped || this.isRejected;
  }

  /** Detaches from the feed, closes it and clears every timer (idempotent). */
  private halt(): void {
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
    for (const handle of this.intervals.splice(0)) this.deps.scheduler.clearInterval(handle);
    for (const handle of [this.balanceTimer, this.retryTimer, this.portfolioTimer]) {
      if (handle !== null) this.deps.scheduler.clearTimeout(handle);
    }
    this.balanceTimer = null;
    this.retryTimer = null;
    this.portfolioTimer = null;
    this.delivery.cancel();
    this.deps.feed.close();
  }

  /**
   * The exchange refused the key (revoked or replaced): a terminal state. Retrying would only
   * repeat failing signed requests (Kalshi counts them), so the upstream session ends here; the
   * last state stays served as stale until the trader connects a key again.
   */
  private rejectCredentials(detail: string): void {
    if (this.isHalted) return;
    this.deps.logger.warn(
      { userId: this.userId },
      'the exchange rejected the API key; the upstream session stops until a key is connected again',
    );
    this.halt();
    this.setStatus('credentials_rejected', detail);
    this.isRejected = true;
    this.buffered = null;
    void this.writes.drain();
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
    return {
      connection: this.status,
      is_stale: this.status !== 'live',
      as_of: this.heardAt === null ? null : new Date(this.heardAt).toISOString(),
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
    if (this.isHalted) return;
    if (message.type === 'ticker') this.hasTickerActivity = true;
    if (this.buffered !== null) {
      if (this.isBufferOverflowed) return;
      if (this.buffered.length >= this.timings.maxBufferedMessages) {
        this.overflowBuffer();
        return;
      }
      this.buffered.push(message);
      return;
    }
    this.onHeard();
    this.applyMessage(message);
  }

  /** A ping, pong, reply or message on the feed's connection. */
  private onActivity(): void {
    if (!this.isHalted) this.onHeard();
  }

  /** The exchange was heard from: while in sync (and not mid-snapshot), that confirms the state. */
  private onHeard(): void {
    if (this.status === 'live' && this.buffered === null) this.heardAt = this.deps.clock.now();
  }

  private onFeedRefused(refusal: FeedRefusal): void {
    const failure = feedRefusalFailure(refusal);
    if (failure?.kind === 'credentials') this.rejectCredentials(failure.detail);
    // Otherwise the feed retries on its own; its next states say why (e.g. the clock).
    else this.feedRefusal = failure;
  }

  /**
   * Too many messages arrived while a snapshot runs (a slow sync on a busy account): keeping
   * them all would grow without bound. They are dropped, and another snapshot follows as soon as
   * this one ends; it covers everything dropped. Until then the state is not in sync.
   */
  private overflowBuffer(): void {
    this.deps.logger.warn(
      { userId: this.userId, dropped: this.buffered?.length ?? 0 },
      'too many exchange messages during a snapshot; dropped them and taking another snapshot',
    );
    this.isBufferOverflowed = true;
    this.buffered = [];
    this.isResyncRequested = true;
    if (this.status === 'live') this.setStatus('resyncing', 'catching up with a burst of exchange updates');
  }

  private applyMessage(message: WsDataMessage): void {
    this.messageCount += 1;
    if (message.type === 'fill' || message.type === 'market_position' || message.type === 'user_order') {
      this.privateActivityAt = this.deps.clock.now();
    }
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
    if (this.isHalted) return;
    if (state === 'live') {
      this.feedRefusal = null;
      // Live upstream is not yet in sync here: the REST snapshot runs first.
      this.setStatus('resyncing', 'reconciling with the exchange');
      void this.sync(this.hasBeenLive ? 'reconnect' : 'initial');
      return;
    }
    this.setStatus(
      connectionStateOf(state, { hasBeenLive: this.hasBeenLive }),
      this.feedRefusal?.detail ?? (reason || FEED_STATE_DETAIL[state]),
    );
  }

  // ---- snapshot / reconciliation ---------------------------------------------------------

  private sync(kind: SyncKind): Promise<void> {
    if (this.isHalted) return Promise.resolve();
    if (this.syncing) {
      this.isResyncRequested = true;
      return this.syncing;
    }
    this.syncing = this.runSync(kind).finally(() => {
      this.syncing = null;
      if (this.isResyncRequested && !this.isHalted) {
        this.isResyncRequested = false;
        void this.sync('reconnect');
      }
    });
    return this.syncing;
  }

  private async runSync(kind: SyncKind): Promise<void> {
    this.buffered = [];
    this.isBufferOverflowed = false;
    try {
      const { snapshot, recovered } = await this.fetchSnapshot();
      if (this.isHalted) return;
      this.failedSyncs = 0;
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
      // Messages were dropped during this snapshot: the state may miss some of them, so it is
      // not in sync; the next snapshot (already requested) starts at once.
      const isInSync = !this.isBufferOverflowed;
      if (isInSync) {
        this.heardAt = this.deps.clock.now();
        this.applyBuffered();
      } else {
        this.dropBuffered();
      }
      this.deps.feed.setTickerMarkets(this.tracker.heldTickers());
      if (isInSync && this.deps.feed.state === 'live') {
        this.hasBeenLive = true;
        this.setStatus('live', 'in sync with the exchange');
      }
      if (!this.equity.hasBaseline) await this.recordEquity({ isFresh: true });
    } catch (error) {
      if (this.isBufferOverflowed) this.dropBuffered();
      else this.applyBuffered();
      if (this.isHalted) return;
      const failure = exchangeFailureOf(error);
      this.deps.logger.warn(
        { userId: this.userId, kind, failure: failure.kind, err: errorText(error) },
        'exchange snapshot failed',
      );
      if (failure.kind === 'credentials') {
        this.rejectCredentials(failure.detail);
        return;
      }
      this.failedSyncs += 1;
      // The retry below resynchronises; an immediate second attempt would defeat its backoff.
      this.isResyncRequested = false;
      this.setStatus(this.status === 'live' ? 'stale' : this.status, failure.detail);
      this.scheduleRetry();
    }
  }

  private applyBuffered(): void {
    const messages = this.buffered ?? [];
    this.buffered = null;
    for (const message of messages) this.applyMessage(message);
  }

  private dropBuffered(): void {
    this.buffered = null;
    this.isBufferOverflowed = false;
  }

  private scheduleRetry(): void {
    if (this.retryTimer !== null || this.isHalted) return;
    this.retryTimer = this.deps.scheduler.setTimeout(() => {
      this.retryTimer = null;
      void this.sync(this.hasBeenLive ? 'reconnect' : 'initial');
    }, this.retryDelay());
  }

  /**
   * Exponential from snapshotRetryMs, capped at snapshotRetryMaxMs, times a jitter factor in
   * [0.5, 1): accounts that failed together (an exchange outage) do not retry together.
   */
  private retryDelay(): number {
    const { snapshotRetryMs, snapshotRetryMaxMs } = this.timings;
    const doublings = Math.min(Math.max(this.failedSyncs - 1, 0), 30);
    const base = Math.min(snapshotRetryMaxMs, snapshotRetryMs * 2 ** doublings);
    const random = this.deps.random ?? Math.random;
    return Math.round(base * (0.5 + random() / 2));
  }

  /**
   * The private channels' delivery check (exchange.delivery-check.ts), while live and while the
   * account is active: it has resting orders (they may fill at any moment), a held market moved
   * or traded since the last check, or it traded within the last reconciliation interval. An
   * idle account costs no request; its changes are caught by reconciliation.
   */
  private async checkDelivery(): Promise<void> {
    if (this.isHalted || this.isCheckingDelivery || this.syncing || this.status !== 'live') return;
    const now = this.deps.clock.now();
    const isActive =
      this.hasTickerActivity ||
      this.tracker.ordersView().length > 0 ||
      (this.privateActivityAt !== null && now - this.privateActivityAt < this.timings.reconcileMs);
    if (!isActive) return;
    this.hasTickerActivity = false;
    this.isCheckingDelivery = true;
    try {
      const missed = await this.delivery.missedFills({
        sinceMs: this.lastFillTs,
        isKnown: (tradeId) => this.recentFills.has(tradeId),
      });
      if (this.isHalted || missed.length === 0 || this.status !== 'live') return;
      this.deps.logger.warn(
        { userId: this.userId, fills: missed.length },
        'the exchange lists fills the feed did not deliver; reconnecting the feed',
      );
      // Until the new connection's snapshot is in, the state is known to be behind.
      this.setStatus('resyncing', 'fills did not arrive on the live feed; checking with the exchange');
      this.deps.feed.reconnect('fills listed by the exchange did not arrive');
    } catch (error) {
      this.onCallFailed(error, 'delivery check failed');
    } finally {
      this.isCheckingDelivery = false;
    }
  }

  /** A failed REST call outside a snapshot: a refused key ends the session, the rest is logged. */
  private onCallFailed(error: unknown, message: string, context: Record<string, unknown> = {}): void {
    if (this.isHalted) return;
    const failure = exchangeFailureOf(error);
    if (failure.kind === 'credentials') {
      this.rejectCredentials(failure.detail);
      return;
    }
    this.deps.logger.warn({ userId: this.userId, ...context, err: errorText(error) }, message);
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
    const unknown = new Map<string, CentiContracts>();
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
    if (this.isHalted || this.syncing || this.retryTimer !== null) return;
    try {
      const before = this.messageCount;
      const balance = await this.deps.rest.getBalance();
      if (this.isHalted || this.syncing) return;
      if (this.messageCount !== before && this.racedBalanceReads < MAX_RACED_BALANCE_READS) {
        // An event arrived meanwhile: the balance may or may not include it. Read again.
        this.racedBalanceReads += 1;
        this.scheduleBalanceRefresh();
        return;
      }
      this.racedBalanceReads = 0;
      this.publishChanges(this.tracker.setBalance(availableCashFromRest(balance)));
    } catch (error) {
      this.onCallFailed(error, 'balance refresh failed');
    }
  }

  private scheduleBalanceRefresh(): void {
    if (this.balanceTimer !== null || this.isHalted) return;
    this.balanceTimer = this.deps.scheduler.setTimeout(() => {
      this.balanceTimer = null;
      void this.refreshBalance();
    }, this.timings.balanceDebounceMs);
  }

  private async fetchMissingMarkets(tickers: readonly string[]): Promise<void> {
    try {
      const response = await this.deps.rest.getMarkets({ tickers: [...tickers], limit: tickers.length });
      if (this.isHalted) return;
      for (const market of response.markets) this.publishChanges(this.tracker.setMarket(market));
    } catch (error) {
      this.onCallFailed(error, 'market metadata fetch failed', { tickers });
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
    if (this.portfolioTimer !== null || this.isHalted) return;
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
    if (this.isHalted) return;
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
        cash: cached.cash ?? micros(0),
      });
      if (cached.asOf !== null) this.heardAt = cached.asOf;
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
    if (this.isHalted || this.heardAt === null) return Promise.resolve();
    if (this.status !== 'live' && !options.isFresh) return Promise.resolve();
    const { isNewBaseline, saved } = this.equity.record();
    if (isNewBaseline) this.publishPortfolio();
    return saved;
  }

  private setStatus(status: ConnectionState, detail: string): void {
    // A refused key is final until stop(); nothing that was in flight may report otherwise.
    if (this.isRejected && status !== 'closed') return;
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
