import type { Mark, Position } from '@kalshi-desk/contracts';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Badge } from '../../../components/ui/badge';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '../../../components/ui/card';
import { EmptyState } from '../../../components/ui/empty-state';
import { Segmented } from '../../../components/ui/segmented';
import { Skeleton } from '../../../components/ui/skeleton';
import { cn } from '../../../lib/cn';
import {
  formatCents,
  formatContracts,
  formatDateTime,
  formatDollars,
  formatDuration,
  formatPercent,
  pnlTone,
} from '../../../lib/format';
import { hrefs } from '../../../lib/router';
import { useNow } from '../../../lib/use-now';
import { positionsQueries } from '../api/positions.api';
import { usePositionsStore } from '../stores/positions.store';
import { PnlHistoryChart } from './pnl-history-chart';

const toneClass = { gain: 'text-gain', loss: 'text-loss', flat: '' } as const;
const markOptions: readonly { value: Mark; label: string }[] = [
  { value: 'bid', label: 'Bid' },
  { value: 'mid', label: 'Mid' },
  { value: 'last', label: 'Last' },
];

function Figure({ label, value, className }: { label: string; value: string; className?: string }) {
  return (
    <div>
      <dt className="text-xs text-muted-foreground">{label}</dt>
      <dd className={cn('font-semibold tabular-nums', className)}>{value}</dd>
    </div>
  );
}

/** The live position, or the same position marked at another basis (read over REST). */
function useMarkedPosition(
  live: Position | undefined,
  mark: Mark,
): { position: Position | undefined; isLoading: boolean } {
  const isLiveMark = !live || live.mark === mark;
  const marked = useQuery({ ...positionsQueries.withMark(mark), enabled: !isLiveMark });
  if (isLiveMark) return { position: live, isLoading: false };
  const found = marked.data?.positions.find((p) => p.ticker === live.ticker);
  return { position: found ?? live, isLoading: marked.isPending };
}

/** One position in depth: figures at a chosen mark, P&L this session, its fills. */
export function PositionDetail({ ticker }: { ticker: string }) {
  const live = usePositionsStore((state) => state.positions[ticker]);
  const history = usePositionsStore((state) => state.pnlHistory[ticker]);
  const hasSnapshot = usePositionsStore((state) => state.hasSnapshot);
  const [mark, setMark] = useState<Mark>('bid');
  const { position, isLoading } = useMarkedPosition(live, mark);
  const fills = useQuery(positionsQueries.fills(ticker));
  const now = useNow(10_000);

  if (!hasSnapshot) return <Skeleton className="h-96" aria-label="Loading position" />;
  if (!position) {
    return (
      <EmptyState title={`No open position in ${ticker}`}>
        It may have been closed or settled.{' '}
        <a className="text-primary underline" href={hrefs.market(ticker)}>
          Open the market
        </a>{' '}
        or see{' '}
        <a className="text-primary underline" href={hrefs.portfolio()}>
          settlements
        </a>
        .
      </EmptyState>
    );
  }
  const tone = pnlTone(position.unrealized_pnl);
  return (
    <article aria-labelledby="position-title" className="space-y-4" data-testid="position-detail">
      <div className="space-y-1">
        <p className="text-xs text-muted-foreground">
          <a href={hrefs.event(position.event_ticker)} className="font-mono hover:underline">
            {position.event_ticker}
          </a>
        </p>
        <div className="flex flex-wrap items-start justify-between gap-2">
          <h1 id="position-title" className="text-xl font-semibold">
            {position.market_title}
          </h1>
          <a href={hrefs.market(ticker)} className="text-sm text-primary hover:underline">
            Order book →
          </a>
        </div>
        <p className="flex items-center gap-2">
          <Badge variant={position.side === 'YES' ? 'gain' : 'loss'}>{position.side}</Badge>
          <span className="font-mono text-xs text-muted-foreground">{ticker}</span>
          <Badge variant="outline">{position.market_status}</Badge>
        </p>
      </div>
      <Card>
        <CardHeader className="flex-row flex-wrap items-center justify-between gap-2">
          <CardTitle>Position</CardTitle>
          <div className="flex items-center gap-2">
            <span className="text-xs text-muted-foreground">Mark at</span>
            <Segmented label="Mark basis" value={mark} options={markOptions} onValueChange={setMark} />
          </div>
        </CardHeader>
        <CardContent>
          <dl
            className={cn('grid grid-cols-2 gap-3 sm:grid-cols-4', isLoading && 'opacity-60')}
            aria-busy={isLoading}
          >
            <Figure
              label="Quantity"
              value={`${formatContracts(position.quantity)} @ ${formatCents(position.avg_entry_price)}`}
            />
            <Figure label={`Current (${position.mark})`} value={formatCents(position.current_price)} />
            <Figure
              label="Unrealized P&L"
              value={
                position.unrealized_pnl === null
                  ? '—'
                  : `${formatDollars(position.unrealized_pnl, { signed: true })} (${formatPercent(position.unrealized_pnl_percent)})`
              }
              className={toneClass[tone]}
            />
            <Figure label="Realized P&L" value={formatDollars(position.realized_pnl, { signed: true })} />
            <Figure label="Cost (exposure)" value={formatDollars(position.market_exposure)} />
            <Figure label="Max payout" value={formatDollars(position.max_payout)} />
            <Figure label="Max loss" value={formatDollars(position.max_loss)} />
            <Figure label="Fees paid" value={formatDollars(position.fees_paid)} />
            <Figure
              label="YES bid / ask"
              value={`${formatCents(position.yes_bid)} / ${formatCents(position.yes_ask)}`}
            />
            <Figure label="Last trade" value={formatCents(position.last_price)} />
            <Figure
              label="Held"
              value={formatDuration((now - new Date(position.entry_time).getTime()) / 1000)}
            />
            <Figure
              label="Expires"
              value={position.expiration_date ? formatDateTime(position.expiration_date) : '—'}
            />
          </dl>
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>P&L this session</CardTitle>
          <CardDescription>
            Unrealized P&L at the stream's mark, as updates arrived since this page opened.
          </CardDescription>
        </CardHeader>
        <CardContent>
          {history && history.length >= 2 ? (
            <PnlHistoryChart points={history} />
          ) : (
            <p className="py-6 text-center text-sm text-muted-foreground">Waiting for price changes…</p>
          )}
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Fills</CardTitle>
        </CardHeader>
        <CardContent>
          {fills.isError ? (
            <EmptyState title="Fills could not be loaded">{fills.error.message}</EmptyState>
          ) : !fills.data ? (
            <Skeleton className="h-24" />
          ) : fills.data.fills.length === 0 ? (
            <EmptyState title="No fills for this market" />
          ) : (
            <ul className="divide-y text-sm tabular-nums" aria-label="Fills">
              {fills.data.fills.map((f) => (
                <li key={f.fill_id} className="flex flex-wrap items-center justify-between gap-2 py-1.5">
                  <span className="text-muted-foreground">{formatDateTime(f.created_time)}</span>
                  <span className={f.side === 'YES' ? 'text-gain' : 'text-loss'}>
                    {f.side} {formatContracts(f.count)} @ {formatCents(f.price)}
                  </span>
                  <span className="text-muted-foreground">
                    fee {formatDollars(f.fee)} · {f.is_taker ? 'taker' : 'maker'}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </CardContent>
      </Card>
    </article>
  );
}
