/**
 * One account's equity points and today's baseline (docs/design.md §5.3): `today_pnl` is the
 * total value minus the first equity point recorded after the start of the day. The baseline
 * is read back from the stored points when a session starts (a restarted server keeps the
 * day's P&L) and replaced by the first point of each new day. Whether a point may be recorded
 * at all (only state the exchange just confirmed) is the caller's decision.
 */
import { add, type MicroDollars } from '@kalshi-desk/kalshi/protocol';
import type { Clock } from '../../shared/clock.js';
import { startOfDay, type PortfolioTotals } from './pnl.models.js';
import type { EquitySnapshot, PositionsRepository } from './positions.repository.js';

export interface EquityDeps {
  userId: string;
  /** Where earlier points are read from; null: no history (each day starts at its first point). */
  repository: Pick<PositionsRepository, 'firstSnapshotSince'> | null;
  clock: Clock;
  /** Offset of the "local midnight" that starts the day (0 = UTC). */
  dayOffsetMinutes: number;
  /** The account's totals now, given the day's baseline. */
  totals: (dayBaseline: MicroDollars | null) => PortfolioTotals;
  /** Stores a point behind the account's other writes; resolves when it is done. */
  save: (point: EquitySnapshot) => Promise<void>;
}

export class EquityRecorder {
  private baseline: { dayStart: number; total: MicroDollars } | null = null;

  constructor(private readonly deps: EquityDeps) {}

  /** Whether any day's baseline is known (read back or recorded). */
  get hasBaseline(): boolean {
    return this.baseline !== null;
  }

  /** Reads today's baseline from the stored points; rejects when they cannot be read. */
  async loadBaseline(): Promise<void> {
    const dayStart = this.dayStart(this.deps.clock.now());
    const first = await this.deps.repository?.firstSnapshotSince(this.deps.userId, dayStart);
    if (first) this.baseline = { dayStart, total: first.total };
  }

  /** The total value today's P&L is measured from, or null before the day's first point. */
  baselineFor(now: number): MicroDollars | null {
    return this.baseline?.dayStart === this.dayStart(now) ? this.baseline.total : null;
  }

  /**
   * Records a point now. The first point of a day becomes that day's baseline
   * (`isNewBaseline`: today's P&L just changed meaning); `saved` resolves once it is stored.
   */
  record(): { isNewBaseline: boolean; saved: Promise<void> } {
    const now = this.deps.clock.now();
    const totals = this.deps.totals(this.baselineFor(now));
    const dayStart = this.dayStart(now);
    const isNewBaseline = this.baseline?.dayStart !== dayStart;
    if (isNewBaseline) this.baseline = { dayStart, total: totals.totalValue };
    const saved = this.deps.save({
      at: now,
      // Cash including what orders hold back, so that cash + positions = total.
      cash: add(totals.cash, totals.reserved),
      positionsValue: totals.positionsValue,
      total: totals.totalValue,
    });
    return { isNewBaseline, saved };
  }

  private dayStart(now: number): number {
    return startOfDay(now, this.deps.dayOffsetMinutes);
  }
}
