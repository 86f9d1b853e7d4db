import type { Position } from '@kalshi-desk/contracts';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useId, useRef, useState } from 'react';
import { EmptyState } from '../../../components/ui/empty-state';
import { Input } from '../../../components/ui/input';
import { Select } from '../../../components/ui/select';
import { Skeleton } from '../../../components/ui/skeleton';
import { useNow } from '../../../lib/use-now';
import {
  defaultPositionView,
  useVisiblePositions,
  type PnlFilter,
  type PositionSort,
  type PositionView,
} from '../hooks/use-visible-positions';
import { usePositionsStore } from '../stores/positions.store';
import { PositionCard } from './position-card';
import { RestingOrdersSummary } from './resting-orders-summary';

/** Above this many cards the list renders only what is on screen. */
export const VIRTUALIZE_ABOVE = 50;
const ESTIMATED_CARD_HEIGHT = 148;

const sortOptions: readonly { value: PositionSort; label: string }[] = [
  { value: 'pnl_desc', label: 'Best P&L' },
  { value: 'pnl_asc', label: 'Worst P&L' },
  { value: 'exposure', label: 'Exposure' },
  { value: 'expiry', label: 'Expiry' },
  { value: 'event', label: 'Event' },
];
const pnlOptions: readonly { value: PnlFilter; label: string }[] = [
  { value: 'all', label: 'All P&L' },
  { value: 'winning', label: 'Winning' },
  { value: 'losing', label: 'Losing' },
];

function VirtualCards({
  positions,
  now,
  selectedTicker,
}: {
  positions: Position[];
  now: number;
  selectedTicker?: string;
}) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: positions.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ESTIMATED_CARD_HEIGHT,
    getItemKey: (index) => positions[index]?.ticker ?? index,
    overscan: 4,
    gap: 8,
  });
  return (
    <div
      ref={scrollRef}
      className="min-h-0 flex-1 overflow-y-auto px-3 pb-3"
      data-testid="position-list"
      data-virtualized="true"
    >
      <ul className="relative" style={{ height: virtualizer.getTotalSize() }}>
        {virtualizer.getVirtualItems().map((item) => {
          const position = positions[item.index];
          if (!position) return null;
          return (
            <li
              key={item.key}
              data-index={item.index}
              ref={virtualizer.measureElement}
              className="absolute top-0 left-0 w-full"
              style={{ transform: `translateY(${item.start}px)` }}
            >
              <PositionCard position={position} now={now} isSelected={position.ticker === selectedTicker} />
            </li>
          );
        })}
      </ul>
    </div>
  );
}

/** The left sidebar: every open position, live, with sort and filters; resting orders below. */
export function PositionPanel({
  selectedTicker,
  isHeadingHidden = false,
}: {
  selectedTicker?: string;
  isHeadingHidden?: boolean;
}) {
  const positions = usePositionsStore((state) => state.positions);
  const hasSnapshot = usePositionsStore((state) => state.hasSnapshot);
  const [view, setView] = useState<PositionView>(defaultPositionView);
  const { visible, events } = useVisiblePositions(positions, view);
  const now = useNow(10_000);
  const total = Object.keys(positions).length;
  const update = (patch: Partial<PositionView>) => setView((v) => ({ ...v, ...patch }));
  const headingId = useId();

  return (
    <section aria-labelledby={headingId} className="flex h-full min-h-0 flex-col">
      <div className="space-y-2 p-3">
        <h2 id={headingId} className={isHeadingHidden ? 'sr-only' : 'text-sm font-semibold'}>
          Positions <span className="text-muted-foreground">({total})</span>
        </h2>
        <Input
          type="search"
          aria-label="Filter positions"
          placeholder="Filter by ticker, title, event"
          value={view.search}
          onChange={(e) => update({ search: e.target.value })}
          className="h-8"
        />
        <div className="grid grid-cols-3 gap-1.5">
          <Select
            aria-label="Sort positions"
            value={view.sort}
            options={sortOptions}
            onValueChange={(sort) => update({ sort })}
            className="h-8 text-xs"
          />
          <Select
            aria-label="Filter by P&L"
            value={view.pnl}
            options={pnlOptions}
            onValueChange={(pnl) => update({ pnl })}
            className="h-8 text-xs"
          />
          <Select
            aria-label="Filter by event"
            value={view.event}
            options={[{ value: 'all', label: 'All events' }, ...events.map((e) => ({ value: e, label: e }))]}
            onValueChange={(event) => update({ event })}
            className="h-8 text-xs"
          />
        </div>
      </div>
      {!hasSnapshot ? (
        <div className="space-y-2 px-3" aria-busy="true" aria-label="Loading positions">
          <Skeleton className="h-32" />
          <Skeleton className="h-32" />
        </div>
      ) : visible.length === 0 ? (
        <div className="px-3">
          <EmptyState title={total === 0 ? 'No open positions' : 'No positions match'}>
            {total === 0
              ? 'Positions appear here the moment you trade.'
              : 'Clear the filters to see all of them.'}
          </EmptyState>
        </div>
      ) : visible.length > VIRTUALIZE_ABOVE ? (
        <VirtualCards positions={visible} now={now} selectedTicker={selectedTicker} />
      ) : (
        <div className="min-h-0 flex-1 overflow-y-auto px-3 pb-3" data-testid="position-list">
          <ul className="space-y-2">
            {visible.map((position) => (
              <li key={position.ticker}>
                <PositionCard position={position} now={now} isSelected={position.ticker === selectedTicker} />
              </li>
            ))}
          </ul>
        </div>
      )}
      <RestingOrdersSummary />
    </section>
  );
}
