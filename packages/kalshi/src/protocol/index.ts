/** Kalshi wire protocol: zod schemas (no I/O) and the exact fixed-point helpers. */
export * from './fixed-point.js';
export * from './primitives.js';
export * from './errors.js';
export * from './portfolio.js';
export * from './orders.js';
export * from './markets.js';
export * from './ws.js';
export * from './account.js';
