import { useQuery } from '@tanstack/react-query';
import { Badge } from '../../../components/ui/badge';
import { EmptyState } from '../../../components/ui/empty-state';
import { Skeleton } from '../../../components/ui/skeleton';
import { hrefs } from '../../../lib/router';
import type { Holdings } from '../api/holdings';
import { marketsQueries } from '../api/markets.api';
import { MarketCard } from './market-card';

/** An event and all of its markets. */
export function EventView({ eventTicker, holdings }: { eventTicker: string; holdings: Holdings }) {
  const query = useQuery(marketsQueries.event(eventTicker));
  if (query.isError)
    return <EmptyState title={`Event ${eventTicker} could not be loaded`}>{query.error.message}</EmptyState>;
  if (!query.data) return <Skeleton className="h-64" aria-label="Loading event" />;
  const event = query.data;
  return (
    <section aria-labelledby="event-title" className="space-y-4">
      <div className="space-y-1">
        <p className="text-xs text-muted-foreground">
          <a href={hrefs.markets()} className="hover:underline">
            Markets
          </a>{' '}
          / <span className="font-mono">{event.series_ticker}</span>
        </p>
        <h1 id="event-title" className="text-xl font-semibold">
          {event.title}
        </h1>
        {event.sub_title ? <p className="text-sm text-muted-foreground">{event.sub_title}</p> : null}
        <div className="flex flex-wrap gap-2">
          {event.category ? <Badge>{event.category}</Badge> : null}
          <Badge variant="outline">
            {event.mutually_exclusive ? 'One outcome wins' : 'Independent outcomes'}
          </Badge>
          <Badge variant="outline">{event.markets.length} markets</Badge>
        </div>
      </div>
      <ul className="grid gap-3 sm:grid-cols-2 xl:grid-cols-3">
        {event.markets.map((market) => (
          <li key={market.ticker}>
            <MarketCard market={market} holding={holdings[market.ticker]} />
          </li>
        ))}
      </ul>
    </section>
  );
}
