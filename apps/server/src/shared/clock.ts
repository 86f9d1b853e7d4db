/** Time comes from an injected clock (docs/design.md §2 invariants), so tests never wait. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface TestClock extends Clock {
  advanceBy(ms: number): void;
  set(ms: number): void;
}

/** A clock that only moves when told to. Starts at 2026-11-24T12:00:00Z unless given a time. */
export function createTestClock(startMs: number = Date.UTC(2026, 10, 24, 12, 0, 0)): TestClock {
  let current = startMs;
  return {
    now: () => current,
    advanceBy: (ms) => {
      current += ms;
    },
    set: (ms) => {
      current = ms;
    },
  };
}
