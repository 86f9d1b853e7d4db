import type { EquityPoint } from '@kalshi-desk/contracts';
import { Area, AreaChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatDateTime, formatDollars } from '../../../lib/format';

const shortDate = new Intl.DateTimeFormat('en-US', {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

/** Total account value over time, from the server's stored snapshots. */
export function EquityChart({ points }: { points: readonly EquityPoint[] }) {
  const data = points.map((p) => ({
    at: new Date(p.at).getTime(),
    total: p.total_value,
    cash: p.cash_balance,
  }));
  return (
    <figure aria-label="Equity curve" className="h-64 w-full">
      <ResponsiveContainer width="100%" height="100%">
        <AreaChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 8 }}>
          <defs>
            <linearGradient id="equity-fill" x1="0" y1="0" x2="0" y2="1">
              <stop offset="0%" stopColor="var(--primary)" stopOpacity={0.35} />
              <stop offset="100%" stopColor="var(--primary)" stopOpacity={0} />
            </linearGradient>
          </defs>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
          <XAxis
            dataKey="at"
            type="number"
            scale="time"
            domain={['dataMin', 'dataMax']}
            tickFormatter={(v: number) => shortDate.format(new Date(v))}
            stroke="var(--muted-foreground)"
            fontSize={11}
            minTickGap={40}
          />
          <YAxis
            tickFormatter={(v: number) => formatDollars(v)}
            stroke="var(--muted-foreground)"
            fontSize={11}
            width={80}
            domain={['auto', 'auto']}
          />
          <Tooltip
            contentStyle={{
              background: 'var(--card)',
              border: '1px solid var(--border)',
              borderRadius: 6,
              fontSize: 12,
            }}
            labelFormatter={(v) => (typeof v === 'number' ? formatDateTime(new Date(v).toISOString()) : '')}
            formatter={(value, name) => [
              typeof value === 'number' ? formatDollars(value) : String(value),
              name === 'total' ? 'Total value' : 'Cash',
            ]}
          />
          <Area
            type="monotone"
            dataKey="total"
            stroke="var(--primary)"
            fill="url(#equity-fill)"
            strokeWidth={2}
            isAnimationActive={false}
          />
        </AreaChart>
      </ResponsiveContainer>
    </figure>
  );
}
