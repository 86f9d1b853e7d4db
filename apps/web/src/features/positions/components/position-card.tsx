import type { Position } from '@kalshi-desk/contracts';
import { memo, useEffect, useRef, useState } from 'react';
import { Badge } from '../../../components/ui/badge';
import { cn } from '../../../lib/cn';
import {
  formatCents,
  formatContracts,
  formatDollars,
  formatDuration,
  formatPercent,
  formatTimeUntil,
  pnlTone,
} from '../../../lib/format';
import { hrefs } from '../../../lib/router';

const toneClass = { gain: 'text-gain', loss: 'text-loss', flat: 'text-muted-foreground' } as const;

/** Remembers the direction of the last P&L change so the card can animate it once. */
function usePnlTick(pnl: number | null): { direction: 'up' | 'down'; serial: number } | null {
  const previous = useRef(pnl);
  const [tick, setTick] = useState<{ direction: 'up' | 'down'; serial: number } | null>(null);
  useEffect(() => {
    const before = previous.current;
    previous.current = pnl;
    if (before === null || pnl === null || before === pnl) return;
    setTick((t) => ({ direction: pnl > before ? 'up' : 'down', serial: (t?.serial ?? 0) + 1 }));
  }, [pnl]);
  return tick;
}

export interface PositionCardProps {
  position: Position;
  /** Current time (ms), for time held and time to expiry. */
  now: number;
  isSelected?: boolean;
}

export const PositionCard = memo(function PositionCard({
  position,
  now,
  isSelected = false,
}: PositionCardProps) {
  const tick = usePnlTick(position.unrealized_pnl);
  const tone = pnlTone(position.unrealized_pnl);
  const heldSeconds = Math.max(0, (now - new Date(position.entry_time).getTime()) / 1000);
  return (
    <a
      href={hrefs.position(position.ticker)}
      data-testid="position-card"
      data-ticker={position.ticker}
      aria-current={isSelected ? 'page' : undefined}
      aria-label={`${position.ticker}: ${position.side} ${formatContracts(position.quantity)} contracts, P&L ${
        position.unrealized_pnl === null
          ? 'unknown'
          : formatDollars(position.unrealized_pnl, { signed: true })
      }`}
      className={cn(
        'relative block rounded-lg border bg-card p-3 transition-colors hover:border-primary/60',
        isSelected && 'border-primary ring-1 ring-primary',
      )}
    >
      {tick ? (
        <span
          key={tick.serial}
          aria-hidden="true"
          className={cn('pnl-wash', tick.direction === 'up' ? 'pnl-wash-up' : 'pnl-wash-down')}
        />
      ) : null}
      <div className="flex items-start justify-between gap-2">
        <div className="min-w-0">
          <div className="flex items-center gap-1.5">
            <Badge variant={position.side === 'YES' ? 'gain' : 'loss'}>{position.side}</Badge>
            <span className="truncate font-mono text-xs font-semibold" data-testid="position-ticker">
              {position.ticker}
            </span>
          </div>
          <p className="mt-1 line-clamp-2 text-sm leading-snug">{position.market_title}</p>
        </div>
        <div className="shrink-0 text-right">
          <p
            key={tick?.serial}
            data-testid="position-pnl"
            className={cn(
              'font-semibold tabular-nums',
              toneClass[tone],
              tick && (tick.direction === 'up' ? 'pnl-tick-up' : 'pnl-tick-down'),
            )}
          >
            {position.unrealized_pnl === null
              ? '—'
              : formatDollars(position.unrealized_pnl, { signed: true })}
          </p>
          <p className={cn('text-xs tabular-nums', toneClass[tone])}>
            {formatPercent(position.unrealized_pnl_percent)}
          </p>
        </div>
      </div>
      <dl className="mt-2 grid grid-cols-2 gap-x-3 gap-y-0.5 text-xs">
        <dt className="sr-only">Quantity at average price</dt>
        <dd className="tabular-nums" data-testid="position-quantity">
          {formatContracts(position.quantity)} @ {formatCents(position.avg_entry_price)}
        </dd>
        <dt className="sr-only">Current price</dt>
        <dd className="text-right tabular-nums">
          now {formatCents(position.current_price)}{' '}
          <span className="text-muted-foreground">({position.mark})</span>
        </dd>
        <dt className="sr-only">Max payout</dt>
        <dd className="text-muted-foreground">
          max win <span className="text-foreground tabular-nums">{formatDollars(position.max_payout)}</span>
        </dd>
        <dt className="sr-only">Max loss</dt>
        <dd className="text-right text-muted-foreground">
          max loss <span className="text-foreground tabular-nums">{formatDollars(position.max_loss)}</span>
        </dd>
        <dt className="sr-only">Time held</dt>
        <dd className="text-muted-foreground">held {formatDuration(heldSeconds)}</dd>
        <dt className="sr-only">Expiry</dt>
        <dd className="text-right text-muted-foreground">
          {position.expiration_date
            ? `expires ${formatTimeUntil({ iso: position.expiration_date, now })}`
            : 'no expiry'}
        </dd>
      </dl>
    </a>
  );
});
