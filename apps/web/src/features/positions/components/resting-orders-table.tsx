import type { RestingOrder } from '@kalshi-desk/contracts';
import { useMemo } from 'react';
import { Badge } from '../../../components/ui/badge';
import { EmptyState } from '../../../components/ui/empty-state';
import { Skeleton } from '../../../components/ui/skeleton';
import { cn } from '../../../lib/cn';
import { formatCents, formatContracts, formatDateTime, formatDollars } from '../../../lib/format';
import { hrefs } from '../../../lib/router';
import { usePositionsStore } from '../stores/positions.store';
import { CLOSING_ORDER_HINT, sortRestingOrders } from './resting-orders';

const cell = 'px-1.5 py-1.5 sm:px-2';
/** Shown from the `sm` breakpoint up; below it the side rides in the market cell (see below). */
const wideOnly = 'hidden sm:table-cell';

function SideBadge({ side, className }: { side: RestingOrder['side']; className?: string }) {
  return (
    <Badge variant={side === 'YES' ? 'gain' : 'loss'} className={className}>
      {side}
    </Badge>
  );
}

/**
 * Every resting order of the account, live from the positions stream: market, side, price on
 * the order's own side, contracts still resting and the cash each one holds back.
 */
export function RestingOrdersTable() {
  const orders = usePositionsStore((state) => state.orders);
  const isPolling = usePositionsStore((state) => state.transport === 'polling');
  const sorted = useMemo(() => (orders ? sortRestingOrders(orders) : null), [orders]);

  if (sorted === null) {
    return isPolling ? (
      <EmptyState title="Resting orders are not available right now">
        They are listed while the live stream is connected. The cash they hold back is still in the summary
        above.
      </EmptyState>
    ) : (
      <Skeleton className="h-24" aria-label="Loading resting orders" />
    );
  }
  if (sorted.length === 0) {
    return (
      <EmptyState title="No resting orders">
        An order waiting on the book shows up here, with the cash it holds back.
      </EmptyState>
    );
  }
  return (
    <div className="overflow-x-auto">
      <table className="w-full min-w-[17rem] text-sm tabular-nums">
        <caption className="sr-only">Resting orders</caption>
        <thead>
          <tr className="border-b text-left text-xs text-muted-foreground">
            <th scope="col" className={cn(cell, 'font-medium')}>
              Market
            </th>
            <th scope="col" className={cn(cell, wideOnly, 'font-medium')}>
              Side
            </th>
            <th scope="col" className={cn(cell, 'text-right font-medium')}>
              Price
            </th>
            <th scope="col" className={cn(cell, 'text-right font-medium')}>
              Contracts
            </th>
            <th scope="col" className={cn(cell, 'text-right font-medium')}>
              Reserved
            </th>
            <th scope="col" className={cn(cell, wideOnly, 'text-right font-medium')}>
              Placed
            </th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((order) => (
            <tr
              key={order.order_id}
              className="border-b last:border-0"
              data-testid="resting-order-row"
              data-order-id={order.order_id}
              data-ticker={order.ticker}
            >
              <td className={cell}>
                {/* On a phone the side column would squeeze long tickers onto three lines: the
                    side goes above the ticker instead, and the ticker wraps anywhere. */}
                <SideBadge side={order.side} className="mb-0.5 sm:hidden" />
                <a
                  href={hrefs.market(order.ticker)}
                  className="block font-mono text-xs break-all hover:underline sm:break-normal"
                >
                  {order.ticker}
                </a>
              </td>
              <td className={cn(cell, wideOnly)}>
                <SideBadge side={order.side} />
              </td>
              <td className={cn(cell, 'text-right')}>{formatCents(order.price)}</td>
              <td className={cn(cell, 'text-right')}>{formatContracts(order.remaining_count)}</td>
              <td
                className={cn(cell, 'text-right', order.reserved === 0 && 'text-muted-foreground')}
                title={order.reserved === 0 ? CLOSING_ORDER_HINT : undefined}
              >
                {formatDollars(order.reserved)}
              </td>
              <td className={cn(cell, wideOnly, 'text-right whitespace-nowrap')}>
                {order.created_time ? formatDateTime(order.created_time) : '—'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
