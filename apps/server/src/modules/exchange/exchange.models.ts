/**
 * Pure exchange-side logic shared by both upstream connections of a user (the account feed,
 * exchange.feed.ts, and the market relay, markets/markets.stream.ts; ADR 009).
 */
import type { ConnectionState } from '@kalshi-desk/contracts';
import type { WsState } from '@kalshi-desk/kalshi';

/**
 * The one mapping from a Kalshi WebSocket's state to our API's `ConnectionState`:
 * - `connecting` is `connecting` the first time, `reconnecting` once the connection has been
 *   live (the data shown is from before the drop);
 * - `backoff` (waiting to retry after a drop or a refusal) is `reconnecting`;
 * - `resyncing` and `live` keep their names;
 * - `closed` is `stale`: nothing more arrives and what was received last is all there is.
 * A consumer with work of its own before it is in sync (the account session's REST snapshot
 * after every `live`) reports `resyncing` until that work is done.
 */
export function connectionStateOf(state: WsState, context: { hasBeenLive: boolean }): ConnectionState {
  switch (state) {
    case 'connecting':
      return context.hasBeenLive ? 'reconnecting' : 'connecting';
    case 'backoff':
      return 'reconnecting';
    case 'resyncing':
    case 'live':
      return state;
    case 'closed':
      return 'stale';
  }
}
