/** Test helpers for code that talks to Kalshi (or to a fake of it). Test-only: imports vitest lazily in the suite. */
export * from './fake-clock.js';
export * from './keys.js';
export * from './recordings.js';
