/**
 * Every table, for drizzle's typed queries. Tables live in their modules
 * (`modules/<m>/<m>.tables.ts`); add a module's tables here when it gets some.
 */
export * from '../../modules/users/users.tables.js';
export * from '../../modules/credentials/credentials.tables.js';
export * from '../../modules/sessions/sessions.tables.js';
export * from '../../modules/markets/markets.tables.js';
export * from '../../modules/positions/positions.tables.js';
export * from '../../modules/backtests/backtests.tables.js';
