import { Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatDollars, formatTime } from '../../../lib/format';
import type { PnlPoint } from '../stores/positions.store';

/** Unrealized P&L of one position as seen on the live stream this session. */
export function PnlHistoryChart({ points }: { points: readonly PnlPoint[] }) {
  return (
    <figure aria-label="P&L over time" className="h-48 w-full">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={points} margin={{ top: 8, right: 8, bottom: 0, left: 8 }}>
          <XAxis
            dataKey="at"
            type="number"
            domain={['dataMin', 'dataMax']}
            tickFormatter={(v: number) => formatTime(v)}
            stroke="var(--muted-foreground)"
            fontSize={11}
            minTickGap={40}
          />
          <YAxis
            tickFormatter={(v: number) => formatDollars(v)}
            stroke="var(--muted-foreground)"
            fontSize={11}
            width={64}
            domain={['auto', 'auto']}
          />
          <ReferenceLine y={0} stroke="var(--border)" />
          <Tooltip
            contentStyle={{
              background: 'var(--card)',
              border: '1px solid var(--border)',
              borderRadius: 6,
              fontSize: 12,
            }}
            labelFormatter={(v) => (typeof v === 'number' ? formatTime(v) : '')}
            formatter={(value) => [
              typeof value === 'number' ? formatDollars(value, { signed: true }) : String(value),
              'Unrealized P&L',
            ]}
          />
          <Line
            type="stepAfter"
            dataKey="pnl"
            stroke="var(--primary)"
            strokeWidth={2}
            dot={false}
            isAnimationActive={false}
          />
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}
