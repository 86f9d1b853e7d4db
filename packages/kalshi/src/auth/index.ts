export * from './private-key.js';
export * from './signer.js';
