export { Engine, type EngineOptions } from './engine.js';
export type { ActivityOptions } from './activity.js';
export type { CatalogOptions } from './catalog.js';
export { ManualClock } from './clock.js';
export { Prng } from './prng.js';
export { isOnGrid, tradeFee, snapToGrid, ONE_DOLLAR, LINEAR_CENT, DECI_CENT_TAPERED } from './money.js';
export type * from './types.js';
