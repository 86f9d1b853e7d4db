import { useQuery } from '@tanstack/react-query';
import { Badge } from '../../../components/ui/badge';
import { Card, CardContent, CardHeader, CardTitle } from '../../../components/ui/card';
import { EmptyState } from '../../../components/ui/empty-state';
import { Skeleton } from '../../../components/ui/skeleton';
import { formatCents, formatContracts, formatDateTime } from '../../../lib/format';
import { hrefs } from '../../../lib/router';
import type { MarketHolding } from '../api/holdings';
import { marketsQueries } from '../api/markets.api';
import { useMarketStream, type MarketStreamStatus } from '../hooks/use-market-stream';
import { DepthChart } from './depth-chart';
import { HoldingBadge } from './holding-badge';
import { statusVariant } from './market-card';
import { OrderBookLadder } from './order-book-ladder';

function StreamBadge({ status }: { status: MarketStreamStatus }) {
  const isLive = status === 'live';
  return (
    <Badge variant={isLive ? 'gain' : 'warn'} data-testid="market-stream-status" role="status">
      {isLive ? 'live' : status}
    </Badge>
  );
}

function Figure({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <dt className="text-xs text-muted-foreground">{label}</dt>
      <dd className="font-semibold tabular-nums">{value}</dd>
    </div>
  );
}

/** One market: price, live order book (ladder + depth), rules, its event. */
export function MarketDetail({ ticker, holding }: { ticker: string; holding?: MarketHolding }) {
  const market = useQuery(marketsQueries.detail(ticker));
  const book = useQuery(marketsQueries.orderbook(ticker));
  const streamStatus = useMarketStream(ticker);

  if (market.isError)
    return <EmptyState title={`Market ${ticker} could not be loaded`}>{market.error.message}</EmptyState>;
  if (!market.data) return <Skeleton className="h-96" aria-label="Loading market" />;
  const m = market.data;
  return (
    <article aria-labelledby="market-title" className="space-y-4">
      <div className="space-y-1">
        <p className="flex flex-wrap items-center gap-2 text-xs text-muted-foreground">
          <a href={hrefs.markets()} className="hover:underline">
            Markets
          </a>
          <span aria-hidden="true">/</span>
          <a href={hrefs.event(m.event_ticker)} className="font-mono hover:underline">
            {m.event_ticker}
          </a>
        </p>
        <div className="flex flex-wrap items-start justify-between gap-2">
          <h1 id="market-title" className="text-xl font-semibold">
            {m.title}
          </h1>
          <div className="flex items-center gap-2">
            <Badge variant={statusVariant(m.status)}>{m.status}</Badge>
            <StreamBadge status={streamStatus} />
          </div>
        </div>
        <p className="font-mono text-xs text-muted-foreground">{m.ticker}</p>
        {holding ? <HoldingBadge holding={holding} /> : null}
      </div>
      <Card>
        <CardContent className="pt-4">
          <dl className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6" data-testid="market-price">
            <Figure label="Last" value={formatCents(m.last_price)} />
            <Figure label="YES bid" value={formatCents(m.yes_bid)} />
            <Figure label="YES ask" value={formatCents(m.yes_ask)} />
            <Figure label="Volume" value={formatContracts(m.volume)} />
            <Figure label="Open interest" value={formatContracts(m.open_interest)} />
            <Figure label="Closes" value={formatDateTime(m.close_time)} />
          </dl>
        </CardContent>
      </Card>
      <div className="grid gap-4 lg:grid-cols-2">
        <Card>
          <CardHeader>
            <CardTitle>Order book</CardTitle>
          </CardHeader>
          <CardContent>
            {book.data ? <OrderBookLadder book={book.data} /> : <Skeleton className="h-48" />}
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Depth</CardTitle>
          </CardHeader>
          <CardContent>
            {book.data ? <DepthChart book={book.data} /> : <Skeleton className="h-48" />}
          </CardContent>
        </Card>
      </div>
      <Card>
        <CardHeader>
          <CardTitle>Rules</CardTitle>
        </CardHeader>
        <CardContent className="space-y-2 text-sm">
          <p>
            <span className="font-medium">YES:</span> {m.yes_sub_title || '—'} ·{' '}
            <span className="font-medium">NO:</span> {m.no_sub_title || '—'}
          </p>
          <p className="whitespace-pre-line text-muted-foreground">{m.rules_primary}</p>
          {m.rules_secondary ? (
            <p className="whitespace-pre-line text-muted-foreground">{m.rules_secondary}</p>
          ) : null}
        </CardContent>
      </Card>
    </article>
  );
}
