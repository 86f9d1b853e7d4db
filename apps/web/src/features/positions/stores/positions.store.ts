import type {
  ConnectionState,
  Portfolio,
  PortfolioResponse,
  Position,
  PositionsResponse,
  PositionStreamEvent,
  RestingOrder,
} from '@kalshi-desk/contracts';
import { create } from 'zustand';

/**
 * The live account state: the one place the browser keeps open positions, resting orders and
 * the portfolio summary. The SSE stream (or the polling fallback) feeds it through a pure
 * reducer: a snapshot replaces everything, updates merge by ticker, removals delete, and each
 * orders_update replaces the whole list of resting orders.
 */

/** The browser's own link to our server's stream. */
export type TransportState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'polling' | 'closed';

/** The server's upstream exchange session, as last reported. */
export interface UpstreamStatus {
  status: ConnectionState;
  detail: string;
  isStale: boolean;
  asOf: string | null;
}

export interface PnlPoint {
  at: number;
  pnl: number;
}

export interface PositionsState {
  /** Open positions keyed by market ticker (Kalshi holds one net position per market). */
  positions: Record<string, Position>;
  portfolio: Portfolio | null;
  /**
   * The account's resting orders, as the stream last listed them. Null while unknown: before
   * the first snapshot, and on the polling fallback, whose REST reads carry no resting orders
   * (an old list would go on showing orders that have since filled or been cancelled).
   */
  orders: RestingOrder[] | null;
  upstream: UpstreamStatus | null;
  transport: TransportState;
  hasSnapshot: boolean;
  /** Client clock (ms) when data last arrived, for the data-age display. */
  lastReceivedAt: number | null;
  lastEventId: string | null;
  lastError: string | null;
  /** Unrealized P&L seen this session per ticker, oldest first, bounded. */
  pnlHistory: Record<string, PnlPoint[]>;
}

export type PositionsAction =
  | { type: 'stream'; event: PositionStreamEvent; id?: string; at: number }
  | { type: 'polled'; positions: PositionsResponse; portfolio: PortfolioResponse; at: number }
  | { type: 'transport'; transport: TransportState; error?: string }
  | { type: 'reset' };

export const PNL_HISTORY_LIMIT = 240;

export const initialPositionsState: PositionsState = {
  positions: {},
  portfolio: null,
  orders: null,
  upstream: null,
  transport: 'idle',
  hasSnapshot: false,
  lastReceivedAt: null,
  lastEventId: null,
  lastError: null,
  pnlHistory: {},
};

function withPnlPoint(
  history: PnlPoint[] | undefined,
  position: Position,
  at: number,
): PnlPoint[] | undefined {
  if (position.unrealized_pnl === null) return history;
  const last = history?.[history.length - 1];
  if (last && last.pnl === position.unrealized_pnl) return history;
  const next = [...(history ?? []), { at, pnl: position.unrealized_pnl }];
  return next.length > PNL_HISTORY_LIMIT ? next.slice(next.length - PNL_HISTORY_LIMIT) : next;
}

function replaceAll(
  state: PositionsState,
  positions: Position[],
  at: number,
): Pick<PositionsState, 'positions' | 'pnlHistory'> {
  const byTicker: Record<string, Position> = {};
  const pnlHistory: Record<string, PnlPoint[]> = {};
  for (const position of positions) {
    byTicker[position.ticker] = position;
    const history = withPnlPoint(state.pnlHistory[position.ticker], position, at);
    if (history) pnlHistory[position.ticker] = history;
  }
  return { positions: byTicker, pnlHistory };
}

function withoutKey<T>(record: Record<string, T>, key: string): Record<string, T> {
  if (!(key in record)) return record;
  const next = { ...record };
  delete next[key];
  return next;
}

function reduceStreamEvent(state: PositionsState, event: PositionStreamEvent, at: number): PositionsState {
  switch (event.type) {
    case 'snapshot':
      return {
        ...state,
        ...replaceAll(state, event.data.positions, at),
        portfolio: event.data.portfolio,
        orders: event.data.orders,
        upstream: {
          status: event.data.connection,
          detail: state.upstream?.detail ?? '',
          isStale: event.data.is_stale,
          asOf: event.data.as_of,
        },
        hasSnapshot: true,
        lastReceivedAt: at,
        lastError: null,
      };
    case 'position_update': {
      const position = event.data.data;
      const history = withPnlPoint(state.pnlHistory[position.ticker], position, at);
      return {
        ...state,
        positions: { ...state.positions, [position.ticker]: position },
        pnlHistory: history ? { ...state.pnlHistory, [position.ticker]: history } : state.pnlHistory,
        lastReceivedAt: at,
      };
    }
    case 'position_removed':
      return {
        ...state,
        positions: withoutKey(state.positions, event.data.ticker),
        pnlHistory: withoutKey(state.pnlHistory, event.data.ticker),
        lastReceivedAt: at,
      };
    case 'portfolio_update':
      return { ...state, portfolio: event.data.data, lastReceivedAt: at };
    case 'orders_update':
      return { ...state, orders: event.data.orders, lastReceivedAt: at };
    case 'connection_status':
      return {
        ...state,
        upstream: {
          status: event.data.status,
          detail: event.data.detail,
          isStale: event.data.is_stale,
          asOf: event.data.as_of,
        },
        lastReceivedAt: at,
      };
    case 'error':
      return { ...state, lastError: event.data.message };
  }
}

export function reducePositions(state: PositionsState, action: PositionsAction): PositionsState {
  switch (action.type) {
    case 'stream': {
      const next = reduceStreamEvent(state, action.event, action.at);
      return action.id ? { ...next, lastEventId: action.id } : next;
    }
    case 'polled': {
      const { positions, portfolio } = action;
      const { connection, is_stale, as_of, ...portfolioFields } = portfolio;
      return {
        ...state,
        ...replaceAll(state, positions.positions, action.at),
        portfolio: portfolioFields,
        // A REST read says nothing about resting orders. A poll that lands after the stream
        // reopened must not drop the stream's current list; otherwise the list is unknown.
        orders: state.transport === 'open' ? state.orders : null,
        upstream: {
          status: connection,
          detail: 'polling',
          isStale: is_stale || positions.is_stale,
          asOf: as_of,
        },
        hasSnapshot: true,
        lastReceivedAt: action.at,
        lastError: null,
      };
    }
    case 'transport':
      return { ...state, transport: action.transport, lastError: action.error ?? state.lastError };
    case 'reset':
      return initialPositionsState;
  }
}

interface PositionsStore extends PositionsState {
  dispatch: (action: PositionsAction) => void;
  /** Applies several actions with one notification (the stream batches per frame). */
  dispatchMany: (actions: readonly PositionsAction[]) => void;
}

export const usePositionsStore = create<PositionsStore>()((set) => ({
  ...initialPositionsState,
  dispatch: (action) => set((state) => reducePositions(state, action)),
  dispatchMany: (actions) =>
    set((state) => {
      let next: PositionsState = state;
      for (const action of actions) next = reducePositions(next, action);
      return next;
    }),
}));

export type ConnectionDisplayKind = 'live' | 'reconnecting' | 'stale' | 'polling' | 'connecting' | 'offline';

export interface ConnectionDisplay {
  kind: ConnectionDisplayKind;
  label: string;
  detail: string;
  /** Age of the data shown, in ms, when it is known. */
  ageMs: number | null;
}

/**
 * One status for the trader, from both links: browser -> our server (transport) and our
 * server -> the exchange (upstream). The worse of the two wins.
 */
export function deriveConnectionDisplay(
  state: Pick<PositionsState, 'transport' | 'upstream' | 'hasSnapshot' | 'lastReceivedAt' | 'lastError'>,
  now: number,
): ConnectionDisplay {
  const receivedAge = state.lastReceivedAt === null ? null : Math.max(0, now - state.lastReceivedAt);
  const asOfAge = state.upstream?.asOf
    ? Math.max(0, now - new Date(state.upstream.asOf).getTime())
    : receivedAge;
  const upstream = state.upstream;
  const detail = upstream?.detail ?? '';
  if (state.transport === 'idle' || state.transport === 'closed') {
    return { kind: 'offline', label: 'Offline', detail: 'not connected', ageMs: receivedAge };
  }
  if (state.transport === 'connecting' && !state.hasSnapshot) {
    return { kind: 'connecting', label: 'Connecting', detail: 'opening the live stream', ageMs: null };
  }
  if (state.transport === 'reconnecting' || state.transport === 'connecting') {
    return { kind: 'reconnecting', label: 'Reconnecting', detail: 'live stream interrupted', ageMs: asOfAge };
  }
  if (
    upstream &&
    (upstream.status === 'reconnecting' ||
      upstream.status === 'connecting' ||
      upstream.status === 'resyncing')
  ) {
    return {
      kind: 'reconnecting',
      label: 'Reconnecting',
      detail: detail || `exchange ${upstream.status}`,
      ageMs: asOfAge,
    };
  }
  if (upstream && (upstream.isStale || upstream.status === 'stale' || upstream.status === 'closed')) {
    return {
      kind: 'stale',
      label: 'Stale',
      detail: detail || 'exchange data may be out of date',
      ageMs: asOfAge,
    };
  }
  if (state.transport === 'polling' && state.lastError) {
    return {
      kind: 'stale',
      label: 'Stale',
      detail: `cannot reach the server: ${state.lastError}`,
      ageMs: receivedAge,
    };
  }
  if (state.transport === 'polling') {
    return {
      kind: 'polling',
      label: 'Polling',
      detail: 'live stream unavailable; refreshing every few seconds',
      ageMs: receivedAge,
    };
  }
  return { kind: 'live', label: 'Live', detail: detail || 'streaming', ageMs: receivedAge };
}
