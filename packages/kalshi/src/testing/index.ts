/**
 * Test helpers for code that talks to Kalshi or to a fake of it. Test-only: the contract
 * suite registers vitest suites when called.
 */
export * from './fake-clock.js';
export * from './keys.js';
export * from './recordings.js';
export * from './recorded-exchange.js';
export * from './contract-suite.js';
