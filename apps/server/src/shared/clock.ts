/** Time comes from an injected clock (docs/design.md §2 invariants), so tests never wait. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Timers as a dependency, so tests can run them by hand (exchange sessions, SSE streams). */
export interface Scheduler {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/** Node's timers, unref'd: a pending timer never keeps the process alive. */
export const nodeScheduler: Scheduler = {
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  setInterval: (callback, ms) => {
    const handle = setInterval(callback, ms);
    handle.unref();
    return handle;
  },
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

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
