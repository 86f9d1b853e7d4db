export * from './client.js';
export * from './orderbook.js';
