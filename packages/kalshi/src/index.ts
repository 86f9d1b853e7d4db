/** @kalshi-desk/kalshi: a typed client for Kalshi's Trade API v2. No app logic, no global state. */
export * from './protocol/index.js';
export * from './auth/index.js';
export * from './clock.js';
export * from './rest/index.js';
export * from './ws/index.js';
