export * from './common.js';
export * from './account.js';
export * from './stream.js';
export * from './system.js';
export * from './markets.js';
