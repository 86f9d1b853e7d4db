import type { Clock, EpochMs } from './types.js';

/** A clock that only moves when told to: what tests and deterministic runs use. */
export class ManualClock implements Clock {
  constructor(private current: EpochMs) {}

  now(): EpochMs {
    return this.current;
  }

  advance(ms: number): EpochMs {
    if (ms < 0) throw new Error('a clock cannot go backwards');
    this.current += ms;
    return this.current;
  }

  set(ms: EpochMs): void {
    if (ms < this.current) throw new Error('a clock cannot go backwards');
    this.current = ms;
  }
}
