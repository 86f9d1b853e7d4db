import type { OrderBook } from '@kalshi-desk/contracts';
import { Area, AreaChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatCents, formatContracts } from '../../../lib/format';
import { toYesLadder } from './order-book-levels';

interface DepthPoint {
  price: number;
  bids?: number;
  asks?: number;
}

/**
 * Cumulative depth on each side of the YES book: at price p, the bids at p or higher and the
 * asks at p or lower (hence stepBefore for bids, stepAfter for asks, both sorted by price).
 */
export function DepthChart({ book }: { book: OrderBook }) {
  const { bids, asks } = toYesLadder(book);
  const points: DepthPoint[] = [
    ...[...bids].reverse().map((l) => ({ price: l.price, bids: l.cumulative })),
    ...asks.map((l) => ({ price: l.price, asks: l.cumulative })),
  ];
  if (points.length === 0)
    return <p className="py-8 text-center text-sm text-muted-foreground">No resting orders.</p>;
  return (
    <figure aria-label="Order book depth chart" className="h-56 w-full">
      <ResponsiveContainer width="100%" height="100%">
        <AreaChart data={points} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
          <XAxis
            dataKey="price"
            type="number"
            domain={['dataMin', 'dataMax']}
            tickFormatter={(v: number) => formatCents(v)}
            stroke="var(--muted-foreground)"
            fontSize={11}
          />
          <YAxis
            tickFormatter={(v: number) => formatContracts(v)}
            stroke="var(--muted-foreground)"
            fontSize={11}
            width={48}
          />
          <Tooltip
            contentStyle={{
              background: 'var(--card)',
              border: '1px solid var(--border)',
              borderRadius: 6,
              fontSize: 12,
            }}
            labelFormatter={(v) => (typeof v === 'number' ? formatCents(v) : '')}
            formatter={(value, name) => [
              typeof value === 'number' ? formatContracts(value) : String(value),
              name === 'bids' ? 'Bid depth' : 'Ask depth',
            ]}
          />
          <Area
            type="stepBefore"
            dataKey="bids"
            stroke="var(--gain)"
            fill="var(--gain)"
            fillOpacity={0.2}
            isAnimationActive={false}
            connectNulls={false}
          />
          <Area
            type="stepAfter"
            dataKey="asks"
            stroke="var(--loss)"
            fill="var(--loss)"
            fillOpacity={0.2}
            isAnimationActive={false}
            connectNulls={false}
          />
        </AreaChart>
      </ResponsiveContainer>
    </figure>
  );
}
