export * from './client.js';
export * from './errors.js';
export * from './paginate.js';
export * from './params.js';
export * from './token-bucket.js';
