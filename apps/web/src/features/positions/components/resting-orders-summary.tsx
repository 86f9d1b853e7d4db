import { useMemo } from 'react';
import { Badge } from '../../../components/ui/badge';
import { formatCents, formatContracts, formatDollars } from '../../../lib/format';
import { hrefs } from '../../../lib/router';
import { usePositionsStore } from '../stores/positions.store';
import { CLOSING_ORDER_HINT, sortRestingOrders } from './resting-orders';

/**
 * The position panel's footer: how many orders rest, and on demand a compact list of them.
 * Folded by default so a long list never pushes the positions out of a narrow sidebar.
 */
export function RestingOrdersSummary() {
  const orders = usePositionsStore((state) => state.orders);
  const hasSnapshot = usePositionsStore((state) => state.hasSnapshot);
  const sorted = useMemo(() => (orders ? sortRestingOrders(orders) : null), [orders]);

  // Before the first snapshot the panel shows its own skeletons; nothing to add.
  if (!hasSnapshot) return null;
  return (
    <details className="group mt-auto shrink-0 border-t" data-testid="resting-orders-summary">
      <summary className="flex cursor-pointer list-none items-center gap-2 px-3 py-2 text-sm font-semibold select-none hover:bg-muted [&::-webkit-details-marker]:hidden">
        <span
          aria-hidden="true"
          className="inline-block text-xs text-muted-foreground transition-transform group-open:rotate-90"
        >
          ▸
        </span>
        Resting orders
        <span className="text-muted-foreground">
          (<span data-testid="resting-order-count">{sorted ? sorted.length : '—'}</span>)
        </span>
      </summary>
      <div className="max-h-56 overflow-y-auto px-3 pb-3">
        {sorted === null ? (
          <p className="text-xs text-muted-foreground">Listed while the live stream is connected.</p>
        ) : sorted.length === 0 ? (
          <p className="text-xs text-muted-foreground">No orders are waiting on the book.</p>
        ) : (
          <ul className="divide-y text-xs tabular-nums">
            {sorted.map((order) => (
              <li
                key={order.order_id}
                data-testid="resting-order-item"
                data-order-id={order.order_id}
                className="flex items-center justify-between gap-2 py-1.5"
              >
                <div className="flex min-w-0 items-center gap-1.5">
                  <Badge variant={order.side === 'YES' ? 'gain' : 'loss'}>{order.side}</Badge>
                  <a
                    href={hrefs.market(order.ticker)}
                    className="truncate font-mono font-semibold hover:underline"
                  >
                    {order.ticker}
                  </a>
                </div>
                <div className="shrink-0 text-right">
                  {formatContracts(order.remaining_count)}
                  <span className="sr-only"> contracts</span> @ {formatCents(order.price)}{' '}
                  <span
                    className="text-muted-foreground"
                    title={order.reserved === 0 ? CLOSING_ORDER_HINT : 'Cash held back for this order'}
                  >
                    <span aria-hidden="true">· </span>
                    <span className="sr-only">holding </span>
                    {formatDollars(order.reserved)}
                  </span>
                </div>
              </li>
            ))}
          </ul>
        )}
      </div>
    </details>
  );
}
