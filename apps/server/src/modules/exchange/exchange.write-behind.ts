/**
 * One account's writes to the database, behind the live state (docs/design.md §6).
 *
 * - Position cache rows and the cash row are marked dirty and captured together after
 *   `flushMs`, with the values current at that moment: a burst of price ticks rewrites a row
 *   once, not once per tick. A captured row waits in a map by ticker until it is written, so
 *   a newer capture replaces an older unwritten one: an older row never overwrites a newer
 *   one, and however long the database is away memory holds one row per ticker.
 * - Fills wait in a map by trade id until a write of them succeeds, so the audit trail has no
 *   hole after an outage. The fills table's key (user_id, fill_id) with ON CONFLICT DO NOTHING
 *   stores each fill exactly once, however often it is sent.
 * - Other writes (equity points) wait in the order they were asked for.
 *
 * One writer runs at a time. A write the database cannot take now (it is unreachable or too
 * slow, see shared/db/database-errors.ts) is kept and retried with backoff; the outage is
 * logged once when it starts and once when it ends, never per retry. A write the database
 * refuses for good (a constraint) is logged and dropped: retrying cannot help.
 */
import { describeDatabaseError, isDatabaseUnavailable } from '../../shared/db/database-errors.js';
import type { Clock, Scheduler } from '../../shared/clock.js';
import type { PositionsRepository } from '../positions/positions.repository.js';
import type {
  MarketInfo,
  PositionTracker,
  TrackedFill,
  TrackedPosition,
} from '../positions/positions.tracker.js';
import type { EngineLogger } from './exchange.ports.js';

/** What the write-behind writes with (the positions repository; a fake in tests). */
export type WriteBehindStore = Pick<
  PositionsRepository,
  'savePositions' | 'deletePositions' | 'saveCash' | 'saveFills' | 'saveSnapshot'
>;

export interface RetryPolicy {
  /** Wait before the first retry; doubled after each failed one, up to maxDelayMs. */
  firstDelayMs: number;
  maxDelayMs: number;
  /** Unwritten fills kept at most; past it the oldest are dropped (and logged). */
  maxKeptFills: number;
  /** Other unwritten writes (equity points, one a minute) kept at most. */
  maxKeptWrites: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  firstDelayMs: 500,
  maxDelayMs: 15_000,
  maxKeptFills: 100_000,
  maxKeptWrites: 10_000,
};

export interface WriteBehindDeps {
  userId: string;
  /** Null: nothing is stored (tests, a server without a database). */
  repository: WriteBehindStore | null;
  /** Where a flush reads the current positions, markets and cash. */
  state: Pick<PositionTracker, 'position' | 'market' | 'cashIncludingReserved'>;
  clock: Clock;
  scheduler: Scheduler;
  logger: EngineLogger;
  /** Coalescing window of the position and cash rows. */
  flushMs: number;
  retry?: Partial<RetryPolicy>;
}

/** A position row as captured at a flush, or null: the row is to be deleted. */
type CapturedRow = { position: TrackedPosition; market: MarketInfo | null; at: number } | null;
type Cash = WriteBehindDeps['state']['cashIncludingReserved'];

interface QueuedWrite {
  write: (store: WriteBehindStore) => Promise<void>;
  /** Ends the asker's wait: the write ran, or it is kept for a retry. */
  settle: () => void;
}

/** How a write went: 'refused' is permanent, an `unavailable` error is worth a retry. */
type Attempt = 'stored' | 'refused' | { unavailable: unknown };

const FILLS_PER_INSERT = 500;

export class WriteBehind {
  private readonly dirtyTickers = new Set<string>();
  private readonly deletedTickers = new Set<string>();
  private isCashDirty = false;
  private flushTimer: unknown = null;
  private isStopped = false;

  /** Captured and not yet written. */
  private rows = new Map<string, CapturedRow>();
  private cash: { value: Cash; at: number } | null = null;
  private readonly fills = new Map<string, TrackedFill>();
  private readonly queued: QueuedWrite[] = [];

  private writing: Promise<void> | null = null;
  /** Counts writer passes (stop() tells whether one ran since it was called). */
  private passes = 0;
  private outage: { since: number; retries: number; delayMs: number } | null = null;
  /** Unwritten fills dropped over the limit since the last successful pass. */
  private droppedFills = 0;
  private retryTimer: unknown = null;
  private readonly retry: RetryPolicy;

  constructor(private readonly deps: WriteBehindDeps) {
    this.retry = { ...DEFAULT_RETRY_POLICY, ...deps.retry };
  }

  /** The position of `ticker` changed or appeared: its cache row is rewritten at the next flush. */
  positionChanged(ticker: string): void {
    this.dirtyTickers.add(ticker);
    this.deletedTickers.delete(ticker);
    this.scheduleFlush();
  }

  /** The position of `ticker` is gone: its cache row is deleted at the next flush. */
  positionRemoved(ticker: string): void {
    this.deletedTickers.add(ticker);
    this.dirtyTickers.delete(ticker);
    this.scheduleFlush();
  }

  /** The cash changed: the cash row is rewritten at the next flush. */
  cashChanged(): void {
    this.isCashDirty = true;
    this.scheduleFlush();
  }

  /** Keeps fills for the audit trail until they are stored (once each: a resent fill is harmless). */
  saveFills(fills: readonly TrackedFill[]): void {
    if (fills.length === 0 || !this.deps.repository) return;
    for (const fill of fills) this.fills.set(fill.tradeId, fill);
    this.boundFills();
    this.startWriter();
  }

  /**
   * Queues a write behind every earlier one. Resolves once it ran (stored, or refused and
   * logged) or was kept for a retry because the database is unavailable: never rejects, and
   * never waits for an outage to end.
   */
  enqueue(write: (store: WriteBehindStore) => Promise<void>): Promise<void> {
    if (!this.deps.repository) return Promise.resolve();
    return new Promise((resolve) => {
      this.queued.push({ write, settle: resolve });
      if (this.queued.length > this.retry.maxKeptWrites) {
        this.queued.shift()?.settle();
        this.deps.logger.error(
          { userId: this.deps.userId, kept: this.retry.maxKeptWrites },
          'unwritten account writes over the limit: the oldest is dropped',
        );
      }
      if (this.outage !== null) resolve();
      this.startWriter();
    });
  }

  /** Captures the dirty rows now and writes them (behind the writes already asked for). */
  flush(): void {
    this.capture();
    this.startWriter();
  }

  /**
   * Flushes and resolves once every write asked for so far is stored, refused, or (the
   * database being unavailable) kept for the next retry.
   */
  async drain(): Promise<void> {
    this.flush();
    await this.idle();
  }

  /**
   * No more timers; what is dirty is written. While the database is unavailable this makes one
   * last attempt (bounded by the pool's timeouts) and then logs what could not be stored, so
   * logout and shutdown never wait for the database to come back.
   */
  async stop(): Promise<void> {
    this.isStopped = true;
    if (this.flushTimer !== null) this.deps.scheduler.clearTimeout(this.flushTimer);
    this.flushTimer = null;
    this.clearRetryTimer();
    const passesBefore = this.passes;
    this.flush();
    await this.idle();
    if (this.hasPending() && this.passes === passesBefore && this.deps.repository) {
      // Parked in an outage: nothing was tried since stop() began.
      this.runWriter(this.deps.repository);
      await this.idle();
    }
    if (this.hasPending()) this.discardPending();
  }

  private scheduleFlush(): void {
    // Without a database nothing is ever written: no timer either.
    if (this.flushTimer !== null || this.isStopped || !this.deps.repository) return;
    this.flushTimer = this.deps.scheduler.setTimeout(() => {
      this.flushTimer = null;
      this.flush();
    }, this.deps.flushMs);
  }

  /** Moves the dirty marks into captured rows holding the values current now. */
  private capture(): void {
    if (!this.deps.repository) return;
    const { state } = this.deps;
    const at = this.deps.clock.now();
    for (const ticker of this.dirtyTickers) {
      const position = state.position(ticker);
      // Copied: the tracker goes on mutating its objects while the write waits its turn.
      if (position) {
        this.rows.set(ticker, {
          position: { ...position, amounts: { ...position.amounts } },
          market: state.market(ticker) ?? null,
          at,
        });
      }
    }
    for (const ticker of this.deletedTickers) this.rows.set(ticker, null);
    if (this.isCashDirty) this.cash = { value: state.cashIncludingReserved, at };
    this.dirtyTickers.clear();
    this.deletedTickers.clear();
    this.isCashDirty = false;
  }

  private hasPending(): boolean {
    return this.fills.size > 0 || this.rows.size > 0 || this.cash !== null || this.queued.length > 0;
  }

  /** Starts the writer unless one runs, nothing waits, or an outage waits for its retry timer. */
  private startWriter(): void {
    const store = this.deps.repository;
    if (!store || this.writing !== null || this.outage !== null || !this.hasPending()) return;
    this.runWriter(store);
  }

  private runWriter(store: WriteBehindStore): void {
    const run: Promise<void> = this.writeUntilDone(store).finally(() => {
      if (this.writing === run) this.writing = null;
    });
    this.writing = run;
  }

  private async idle(): Promise<void> {
    while (this.writing !== null) await this.writing;
  }

  /** Passes until nothing waits, or the database is unavailable (then a retry is scheduled). */
  private async writeUntilDone(store: WriteBehindStore): Promise<void> {
    while (this.hasPending()) {
      const unavailable = await this.pass(store);
      if (unavailable !== null) {
        this.onUnavailable(unavailable);
        return;
      }
      this.onWritten();
    }
  }

  /** Writes everything waiting once: fills, then rows, then other writes. */
  private async pass(store: WriteBehindStore): Promise<unknown> {
    this.passes += 1;
    const { userId } = this.deps;

    while (this.fills.size > 0) {
      const batch = [...this.fills.values()].slice(0, FILLS_PER_INSERT);
      const result = await this.attempt(() => store.saveFills(userId, batch), {
        isLogged: batch.length === 1,
      });
      if (typeof result === 'object') return result.unavailable;
      if (result === 'refused' && batch.length > 1) {
        // One bad fill must not cost the batch: write them one by one, dropping only the refused.
        for (const fill of batch) {
          const single = await this.attempt(() => store.saveFills(userId, [fill]));
          if (typeof single === 'object') return single.unavailable;
          this.fills.delete(fill.tradeId);
        }
      } else {
        for (const fill of batch) this.fills.delete(fill.tradeId);
      }
    }

    if (this.rows.size > 0 || this.cash !== null) {
      const rows = this.rows;
      const cash = this.cash;
      this.rows = new Map();
      this.cash = null;
      const result = await this.attempt(() => writeRows(store, { userId, rows, cash }));
      if (typeof result === 'object') {
        // Kept for the retry, unless a newer capture of the same row came in meanwhile.
        for (const [ticker, row] of rows) if (!this.rows.has(ticker)) this.rows.set(ticker, row);
        this.cash ??= cash;
        return result.unavailable;
      }
    }

    while (this.queued.length > 0) {
      const next = this.queued[0];
      if (next === undefined) break;
      const result = await this.attempt(() => next.write(store));
      if (typeof result === 'object') return result.unavailable;
      // By identity: the limit in enqueue() may have dropped the head while it was written.
      const index = this.queued.indexOf(next);
      if (index >= 0) this.queued.splice(index, 1);
      next.settle();
    }
    return null;
  }

  private async attempt(write: () => Promise<void>, options: { isLogged?: boolean } = {}): Promise<Attempt> {
    try {
      await write();
      return 'stored';
    } catch (error) {
      if (isDatabaseUnavailable(error)) return { unavailable: error };
      if (options.isLogged ?? true) {
        this.deps.logger.error(
          { userId: this.deps.userId, err: errorText(error) },
          'could not persist account state',
        );
      }
      return 'refused';
    }
  }

  private onUnavailable(error: unknown): void {
    // Whoever waits on a queued write stops waiting: it is kept, and retried below.
    for (const write of this.queued) write.settle();
    if (this.outage === null) {
      this.outage = { since: this.deps.clock.now(), retries: 0, delayMs: this.retry.firstDelayMs };
      this.deps.logger.warn(
        { userId: this.deps.userId, err: errorText(error), ...this.pendingCounts() },
        'database unavailable: account writes are kept and retried',
      );
    } else {
      this.outage.retries += 1;
      this.outage.delayMs = Math.min(this.outage.delayMs * 2, this.retry.maxDelayMs);
    }
    if (this.isStopped) return;
    this.clearRetryTimer();
    this.retryTimer = this.deps.scheduler.setTimeout(() => {
      this.retryTimer = null;
      const store = this.deps.repository;
      if (store && this.writing === null) this.runWriter(store);
    }, this.outage.delayMs);
  }

  private onWritten(): void {
    const { outage, droppedFills } = this;
    this.droppedFills = 0;
    if (outage === null) return;
    this.outage = null;
    this.clearRetryTimer();
    this.deps.logger.info(
      {
        userId: this.deps.userId,
        outageMs: this.deps.clock.now() - outage.since,
        retries: outage.retries,
        ...(droppedFills > 0 ? { droppedFills } : {}),
      },
      'database available again: kept account writes stored',
    );
  }

  /** Past the limit the oldest unwritten fills go; logged at the first drop of an outage. */
  private boundFills(): void {
    const excess = this.fills.size - this.retry.maxKeptFills;
    if (excess <= 0) return;
    for (const tradeId of [...this.fills.keys()].slice(0, excess)) this.fills.delete(tradeId);
    if (this.droppedFills === 0) {
      this.deps.logger.error(
        { userId: this.deps.userId, kept: this.retry.maxKeptFills },
        'unwritten fills over the limit: the oldest are dropped from the audit trail',
      );
    }
    this.droppedFills += excess;
  }

  private discardPending(): void {
    this.deps.logger.error(
      { userId: this.deps.userId, ...this.pendingCounts() },
      'account writes lost: the database was unavailable when the session stopped',
    );
    this.fills.clear();
    this.rows.clear();
    this.cash = null;
    for (const write of this.queued.splice(0)) write.settle();
  }

  private pendingCounts(): { fills: number; rows: number; writes: number } {
    return {
      fills: this.fills.size,
      rows: this.rows.size + (this.cash === null ? 0 : 1),
      writes: this.queued.length,
    };
  }

  private clearRetryTimer(): void {
    if (this.retryTimer !== null) this.deps.scheduler.clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }
}

/** Position rows by capture time (a row's updated_at says when the exchange confirmed it). */
async function writeRows(
  store: WriteBehindStore,
  args: { userId: string; rows: ReadonlyMap<string, CapturedRow>; cash: { value: Cash; at: number } | null },
): Promise<void> {
  const byTime = new Map<number, { position: TrackedPosition; market: MarketInfo | null }[]>();
  const deleted: string[] = [];
  for (const [ticker, row] of args.rows) {
    if (row === null) {
      deleted.push(ticker);
      continue;
    }
    const group = byTime.get(row.at) ?? [];
    group.push({ position: row.position, market: row.market });
    byTime.set(row.at, group);
  }
  for (const [at, positions] of byTime)
    await store.savePositions({ userId: args.userId, positions, now: at });
  await store.deletePositions(args.userId, deleted);
  if (args.cash !== null)
    await store.saveCash({ userId: args.userId, cash: args.cash.value, now: args.cash.at });
}

/** The driver's own error, not drizzle's wrapper (whose message lists every parameter). */
function errorText(error: unknown): string {
  const { name, message, code } = describeDatabaseError(error);
  return `${name}: ${message}${code === undefined ? '' : ` (${code})`}`;
}
