import type { ReactNode } from 'react';
import { Button } from '../../../components/ui/button';
import { Skeleton } from '../../../components/ui/skeleton';
import { cn } from '../../../lib/cn';
import { formatDollars, formatPercent, pnlTone } from '../../../lib/format';
import { usePositionsStore } from '../stores/positions.store';
import { ConnectionStatus } from './connection-status';

const toneClass = { gain: 'text-gain', loss: 'text-loss', flat: 'text-foreground' } as const;

function Stat({
  label,
  hint,
  children,
  className,
}: {
  label: string;
  /** What the figure means, on hover. */
  hint?: string;
  children: ReactNode;
  className?: string;
}) {
  return (
    <div className={cn('min-w-0', className)} title={hint}>
      <dt className="text-xs text-muted-foreground">{label}</dt>
      <dd className="text-sm font-semibold tabular-nums sm:text-base">{children}</dd>
    </div>
  );
}

/**
 * Portfolio value, available cash, cash held for resting orders, P&L, position count and
 * connection state; always visible. On phones the figures sit in a 3-column grid: what the
 * account holds on the first row, how it is doing on the second.
 */
export function PortfolioSummaryBar({ onRefresh, leading }: { onRefresh: () => void; leading?: ReactNode }) {
  const portfolio = usePositionsStore((state) => state.portfolio);
  // Counted from the live positions so the bar and the panel always agree (the server's
  // portfolio_update can trail a position_update by a moment).
  const positionCount = usePositionsStore((state) => Object.keys(state.positions).length);
  return (
    <section aria-label="Portfolio summary" className="border-b bg-card px-3 py-2 sm:px-4">
      <div className="flex flex-wrap items-center gap-x-5 gap-y-2">
        {leading}
        {portfolio ? (
          <dl className="order-last grid w-full grid-cols-3 gap-x-3 gap-y-1 sm:order-none sm:flex sm:w-auto sm:flex-1 sm:flex-wrap sm:items-center sm:gap-x-6">
            <Stat label="Portfolio value" hint="Cash + in orders + positions value">
              <span data-testid="portfolio-value" className="text-base sm:text-lg">
                {formatDollars(portfolio.total_value)}
              </span>
            </Stat>
            <Stat label="Cash" hint="Available cash: what new orders can use">
              <span data-testid="cash-balance">{formatDollars(portfolio.cash_balance)}</span>
            </Stat>
            <Stat label="In orders" hint="Cash the exchange holds back for your resting orders">
              <span data-testid="reserved-for-orders">{formatDollars(portfolio.reserved_for_orders)}</span>
            </Stat>
            <Stat label="Today">
              <span data-testid="today-pnl" className={toneClass[pnlTone(portfolio.today_pnl)]}>
                {formatDollars(portfolio.today_pnl, { signed: true })}{' '}
                <span className="block text-xs font-medium sm:inline">
                  ({formatPercent(portfolio.today_pnl_percent)})
                </span>
              </span>
            </Stat>
            <Stat label="Total P&L">
              <span className={toneClass[pnlTone(portfolio.total_pnl)]}>
                {formatDollars(portfolio.total_pnl, { signed: true })}
              </span>
            </Stat>
            <Stat label="Positions">
              <span data-testid="position-count">{positionCount}</span>
            </Stat>
          </dl>
        ) : (
          <div
            className="order-last flex w-full gap-4 sm:order-none sm:w-auto sm:flex-1"
            aria-busy="true"
            aria-label="Loading portfolio"
          >
            <Skeleton className="h-10 w-32" />
            <Skeleton className="h-10 w-24" />
            <Skeleton className="h-10 w-24" />
          </div>
        )}
        <div className="ml-auto flex items-center gap-2">
          <ConnectionStatus />
          <Button
            variant="ghost"
            size="icon"
            onClick={onRefresh}
            aria-label="Refresh account data"
            title="Refresh (r)"
          >
            <span aria-hidden="true" className="text-lg leading-none">
              ↻
            </span>
          </Button>
        </div>
      </div>
    </section>
  );
}
