/**
 * What the positions routes read from the live engine, as a port: the engine (modules/exchange,
 * LiveAccounts) builds on this module's tracker, repository and P&L, so this module names what
 * it needs instead of importing the engine back.
 */
import type { Mark, PortfolioResponse, PositionsResponse } from '@kalshi-desk/contracts';
import type { SseHub } from '../stream/stream.hub.js';
import type { EquitySnapshot } from './positions.repository.js';

export interface LivePositionsPort {
  /**
   * Open positions valued at the mark, with their freshness. Throws the error factory's
   * `accountNotConnected` when the account has no running session and no stored key.
   */
  positions(userId: string, mark: Mark): Promise<PositionsResponse>;
  portfolio(userId: string): Promise<PortfolioResponse>;
  equityCurve(args: { userId: string; from: number; to: number }): Promise<EquitySnapshot[]>;
  /** Makes sure the account's session runs, starting it from the stored key after a restart. */
  resume(userId: string): Promise<void>;
  /** The account streams. */
  readonly hub: SseHub;
}
