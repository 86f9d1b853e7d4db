import type { Position } from '@kalshi-desk/contracts';
import { useMemo } from 'react';

export type PositionSort = 'pnl_desc' | 'pnl_asc' | 'exposure' | 'expiry' | 'event';
export type PnlFilter = 'all' | 'winning' | 'losing';

export interface PositionView {
  sort: PositionSort;
  pnl: PnlFilter;
  /** Event ticker, or 'all'. */
  event: string;
  search: string;
}

export const defaultPositionView: PositionView = { sort: 'pnl_desc', pnl: 'all', event: 'all', search: '' };

const byTicker = (a: Position, b: Position) => a.ticker.localeCompare(b.ticker);
const pnlOf = (p: Position) => p.unrealized_pnl ?? 0;
const expiryOf = (p: Position) =>
  p.expiration_date ? new Date(p.expiration_date).getTime() : Number.POSITIVE_INFINITY;

const comparators: Record<PositionSort, (a: Position, b: Position) => number> = {
  pnl_desc: (a, b) => pnlOf(b) - pnlOf(a) || byTicker(a, b),
  pnl_asc: (a, b) => pnlOf(a) - pnlOf(b) || byTicker(a, b),
  exposure: (a, b) => b.market_exposure - a.market_exposure || byTicker(a, b),
  expiry: (a, b) => expiryOf(a) - expiryOf(b) || byTicker(a, b),
  event: (a, b) => a.event_ticker.localeCompare(b.event_ticker) || byTicker(a, b),
};

/** Filters then sorts positions for the panel; ties break on ticker so the order is stable. */
export function selectVisiblePositions(positions: readonly Position[], view: PositionView): Position[] {
  const needle = view.search.trim().toLowerCase();
  return positions
    .filter((p) => {
      if (view.event !== 'all' && p.event_ticker !== view.event) return false;
      if (view.pnl === 'winning' && !(pnlOf(p) > 0)) return false;
      if (view.pnl === 'losing' && !(pnlOf(p) < 0)) return false;
      if (needle && !`${p.ticker} ${p.market_title} ${p.event_ticker}`.toLowerCase().includes(needle))
        return false;
      return true;
    })
    .sort(comparators[view.sort]);
}

export function useVisiblePositions(
  positions: Record<string, Position>,
  view: PositionView,
): { visible: Position[]; events: string[] } {
  return useMemo(() => {
    const all = Object.values(positions);
    const events = [...new Set(all.map((p) => p.event_ticker))].sort();
    return { visible: selectVisiblePositions(all, view), events };
  }, [positions, view]);
}
