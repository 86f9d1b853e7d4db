import type { Fill, Order, Settlement } from '@kalshi-desk/contracts';
import type { ReactNode } from 'react';
import { EmptyState } from '../../../components/ui/empty-state';
import { cn } from '../../../lib/cn';
import { formatCents, formatContracts, formatDateTime, formatDollars, pnlTone } from '../../../lib/format';
import { hrefs } from '../../../lib/router';

const toneClass = { gain: 'text-gain', loss: 'text-loss', flat: '' } as const;

function Table({ caption, head, children }: { caption: string; head: string[]; children: ReactNode }) {
  return (
    <div className="overflow-x-auto">
      <table className="w-full min-w-[36rem] text-sm tabular-nums">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr className="border-b text-left text-xs text-muted-foreground">
            {head.map((h, i) => (
              <th key={h} scope="col" className={cn('px-2 py-2 font-medium', i > 1 && 'text-right')}>
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

function TickerLink({ ticker }: { ticker: string }) {
  return (
    <a href={hrefs.market(ticker)} className="font-mono text-xs hover:underline">
      {ticker}
    </a>
  );
}

export function FillsTable({ fills, showTicker = true }: { fills: readonly Fill[]; showTicker?: boolean }) {
  if (fills.length === 0) return <EmptyState title="No fills yet" />;
  return (
    <Table
      caption="Fills"
      head={['Time', showTicker ? 'Market' : 'Role', 'Side', 'Contracts', 'Price', 'Fee']}
    >
      {fills.map((f) => (
        <tr key={f.fill_id} className="border-b last:border-0" data-testid="fill-row">
          <td className="px-2 py-1.5 whitespace-nowrap">{formatDateTime(f.created_time)}</td>
          <td className="px-2 py-1.5">
            {showTicker ? <TickerLink ticker={f.ticker} /> : f.is_taker ? 'taker' : 'maker'}
          </td>
          <td
            className={cn('px-2 py-1.5 text-right font-medium', f.side === 'YES' ? 'text-gain' : 'text-loss')}
          >
            {f.side}
          </td>
          <td className="px-2 py-1.5 text-right">{formatContracts(f.count)}</td>
          <td className="px-2 py-1.5 text-right">{formatCents(f.price)}</td>
          <td className="px-2 py-1.5 text-right">{formatDollars(f.fee)}</td>
        </tr>
      ))}
    </Table>
  );
}

export function SettlementsTable({ settlements }: { settlements: readonly Settlement[] }) {
  if (settlements.length === 0) return <EmptyState title="No settlements yet" />;
  return (
    <Table caption="Settlements" head={['Settled', 'Market', 'Result', 'Cost', 'Revenue', 'Realized P&L']}>
      {settlements.map((s) => (
        <tr
          key={`${s.ticker}-${s.settled_time}`}
          className="border-b last:border-0"
          data-testid="settlement-row"
        >
          <td className="px-2 py-1.5 whitespace-nowrap">{formatDateTime(s.settled_time)}</td>
          <td className="px-2 py-1.5">
            <TickerLink ticker={s.ticker} />
          </td>
          <td className="px-2 py-1.5 text-right uppercase">{s.market_result || '—'}</td>
          <td className="px-2 py-1.5 text-right">{formatDollars(s.cost)}</td>
          <td className="px-2 py-1.5 text-right">{formatDollars(s.revenue)}</td>
          <td className={cn('px-2 py-1.5 text-right font-medium', toneClass[pnlTone(s.realized_pnl)])}>
            {formatDollars(s.realized_pnl, { signed: true })}
          </td>
        </tr>
      ))}
    </Table>
  );
}

export function OrdersTable({ orders }: { orders: readonly Order[] }) {
  if (orders.length === 0) return <EmptyState title="No orders yet" />;
  return (
    <Table caption="Orders" head={['Created', 'Market', 'Side', 'Status', 'YES price', 'Filled / total']}>
      {orders.map((o) => (
        <tr key={o.order_id} className="border-b last:border-0">
          <td className="px-2 py-1.5 whitespace-nowrap">
            {o.created_time ? formatDateTime(o.created_time) : '—'}
          </td>
          <td className="px-2 py-1.5">
            <TickerLink ticker={o.ticker} />
          </td>
          <td className="px-2 py-1.5 text-right">{o.book_side === 'bid' ? 'buy YES' : 'sell YES'}</td>
          <td className="px-2 py-1.5 text-right">{o.status}</td>
          <td className="px-2 py-1.5 text-right">{formatCents(o.yes_price)}</td>
          <td className="px-2 py-1.5 text-right">
            {formatContracts(o.fill_count)} / {formatContracts(o.initial_count)}
          </td>
        </tr>
      ))}
    </Table>
  );
}
