/** @kalshi-desk/simulator: a deterministic Kalshi exchange speaking Kalshi's REST + WS protocol. */
export {
  startSimulator,
  WS_PATH,
  type SimulatorOptions,
  type RunningSimulator,
  type DemoAccount,
} from './simulator.js';
export {
  SimulatorControl,
  ControlError,
  CONTROL_OPERATIONS,
  type ApiKey,
  type PlaceOrderArgs,
  type ConnectionFilter,
} from './server/control.js';
export type { ConnectionInfo } from './server/ws-subscriptions.js';
export { BASIC_RATE_LIMIT, GENEROUS_RATE_LIMIT, type RateLimitConfig } from './server/rate-limit.js';
export { DEFAULT_AUTH_WINDOW, type AuthWindow } from './server/auth.js';
export { SCENARIOS, type ScenarioName } from './scenarios/index.js';
export { Engine, ManualClock } from './engine/index.js';
export type * from './engine/types.js';
