/**
 * One account's writes to the database, behind the live state (docs/design.md §6). Position
 * cache rows and the cash row are marked dirty and written together after `flushMs`, with the
 * values current at that moment: a burst of price ticks rewrites a row once, not once per
 * tick. Fills and equity points are queued as they come. Every write runs on one chain, in the
 * order it was asked for, so an older row never overwrites a newer one; a write that fails is
 * logged and the chain goes on (the next flush or reconciliation writes the state again).
 */
import type { Clock, Scheduler } from '../../shared/clock.js';
import type { PositionsRepository } from '../positions/positions.repository.js';
import type { PositionTracker, TrackedFill } from '../positions/positions.tracker.js';
import type { EngineLogger } from './exchange.ports.js';

export interface WriteBehindDeps {
  userId: string;
  /** Null: nothing is stored (tests, a server without a database). */
  repository: PositionsRepository | null;
  /** Where a flush reads the current positions, markets and cash. */
  state: Pick<PositionTracker, 'position' | 'market' | 'cashIncludingReserved'>;
  clock: Clock;
  scheduler: Scheduler;
  logger: EngineLogger;
  /** Coalescing window of the position and cash rows. */
  flushMs: number;
}

export class WriteBehind {
  private readonly dirtyTickers = new Set<string>();
  private readonly deletedTickers = new Set<string>();
  private isCashDirty = false;
  private chain: Promise<void> = Promise.resolve();
  private flushTimer: unknown = null;
  private isStopped = false;

  constructor(private readonly deps: WriteBehindDeps) {}

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

  /** Queues fills for the audit trail (stored once each, so a resent fill is harmless). */
  saveFills(fills: readonly TrackedFill[]): void {
    if (fills.length === 0) return;
    void this.enqueue((repository) => repository.saveFills(this.deps.userId, fills));
  }

  /**
   * Queues a write behind every earlier one. Resolves once it (and all before it) ran, also when
   * it failed: failures are logged here, never thrown at the caller.
   */
  enqueue(write: (repository: PositionsRepository) => Promise<void>): Promise<void> {
    const { repository } = this.deps;
    if (!repository) return this.chain;
    this.chain = this.chain
      .then(() => write(repository))
      .catch((error: unknown) => {
        this.deps.logger.error(
          { userId: this.deps.userId, err: errorText(error) },
          'could not persist account state',
        );
      });
    return this.chain;
  }

  /** Writes the dirty rows now (queued behind the writes already asked for). */
  flush(): void {
    const { repository, state, userId } = this.deps;
    if (!repository) return;
    const now = this.deps.clock.now();
    const positions = [...this.dirtyTickers].flatMap((ticker) => {
      const position = state.position(ticker);
      // Copied: the tracker goes on mutating its objects while the write waits in the queue.
      return position
        ? [
            {
              position: { ...position, amounts: { ...position.amounts } },
              market: state.market(ticker) ?? null,
            },
          ]
        : [];
    });
    const deleted = [...this.deletedTickers];
    const cash = this.isCashDirty ? state.cashIncludingReserved : null;
    this.dirtyTickers.clear();
    this.deletedTickers.clear();
    this.isCashDirty = false;
    if (positions.length === 0 && deleted.length === 0 && cash === null) return;
    void this.enqueue(async (repo) => {
      await repo.savePositions({ userId, positions, now });
      await repo.deletePositions(userId, deleted);
      if (cash !== null) await repo.saveCash({ userId, cash, now });
    });
  }

  /** Flushes and resolves once every write asked for so far is done. */
  async drain(): Promise<void> {
    this.flush();
    await this.chain;
  }

  /** No more timers; what is dirty is written, and this resolves when everything is stored. */
  async stop(): Promise<void> {
    this.isStopped = true;
    if (this.flushTimer !== null) this.deps.scheduler.clearTimeout(this.flushTimer);
    this.flushTimer = null;
    await this.drain();
  }

  private scheduleFlush(): void {
    // Without a database nothing is ever written: no timer either.
    if (this.flushTimer !== null || this.isStopped || !this.deps.repository) return;
    this.flushTimer = this.deps.scheduler.setTimeout(() => {
      this.flushTimer = null;
      this.flush();
    }, this.deps.flushMs);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
