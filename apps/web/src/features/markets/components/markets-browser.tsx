import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { EmptyState } from '../../../components/ui/empty-state';
import { Input } from '../../../components/ui/input';
import { Select } from '../../../components/ui/select';
import { Skeleton } from '../../../components/ui/skeleton';
import type { Holdings } from '../api/holdings';
import { marketsQueries, type MarketFilters } from '../api/markets.api';
import { MarketCard } from './market-card';

type StatusChoice = NonNullable<MarketFilters['status']> | 'all';

const statusOptions: readonly { value: StatusChoice; label: string }[] = [
  { value: 'open', label: 'Open' },
  { value: 'unopened', label: 'Not yet open' },
  { value: 'paused', label: 'Paused' },
  { value: 'closed', label: 'Closed' },
  { value: 'settled', label: 'Settled' },
  { value: 'all', label: 'Any status' },
];
const sortOptions: readonly { value: MarketFilters['sort']; label: string }[] = [
  { value: 'volume', label: 'Volume' },
  { value: 'close_time', label: 'Closing soonest' },
];

export const MARKET_SEARCH_INPUT_ID = 'market-search';

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const id = window.setTimeout(() => setDebounced(value), ms);
    return () => window.clearTimeout(id);
  }, [value, ms]);
  return debounced;
}

/** Search, filter and sort markets; held markets carry a "you own this" badge. */
export function MarketsBrowser({
  holdings,
  searchDelayMs = 250,
}: {
  holdings: Holdings;
  searchDelayMs?: number;
}) {
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState<StatusChoice>('open');
  const [category, setCategory] = useState('all');
  const [sort, setSort] = useState<MarketFilters['sort']>('volume');
  const debouncedSearch = useDebounced(search.trim(), searchDelayMs);
  const filters: MarketFilters = {
    search: debouncedSearch || undefined,
    status: status === 'all' ? undefined : status,
    category: category === 'all' ? undefined : category,
    sort,
  };
  const query = useQuery(marketsQueries.list(filters));
  const categories = query.data?.categories ?? [];
  const markets = query.data?.markets ?? [];

  return (
    <section aria-labelledby="markets-heading" className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <h1 id="markets-heading" className="text-xl font-semibold">
          Markets
        </h1>
        <p className="text-sm text-muted-foreground" aria-live="polite">
          {query.isSuccess ? `${markets.length} market${markets.length === 1 ? '' : 's'}` : ''}
        </p>
      </div>
      <div className="grid grid-cols-2 gap-2 sm:grid-cols-[1fr_auto_auto_auto]">
        <Input
          id={MARKET_SEARCH_INPUT_ID}
          type="search"
          aria-label="Search markets"
          placeholder="Search markets (press /)"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          className="col-span-2 h-9 sm:col-span-1"
        />
        <Select aria-label="Status" value={status} options={statusOptions} onValueChange={setStatus} />
        <Select
          aria-label="Category"
          value={category}
          options={[
            { value: 'all', label: 'All categories' },
            ...categories.map((c) => ({ value: c, label: c })),
          ]}
          onValueChange={setCategory}
        />
        <Select
          aria-label="Sort by"
          value={sort}
          options={sortOptions}
          onValueChange={setSort}
          className="col-span-2 sm:col-span-1"
        />
      </div>
      {query.isError ? (
        <EmptyState title="Markets could not be loaded">{query.error.message}</EmptyState>
      ) : query.isPending ? (
        <div
          className="grid gap-3 sm:grid-cols-2 xl:grid-cols-3"
          aria-busy="true"
          aria-label="Loading markets"
        >
          {Array.from({ length: 6 }, (_, i) => (
            <Skeleton key={i} className="h-40" />
          ))}
        </div>
      ) : markets.length === 0 ? (
        <EmptyState title="No markets match">Try another search or status.</EmptyState>
      ) : (
        <ul className="grid gap-3 sm:grid-cols-2 xl:grid-cols-3" aria-label="Market results">
          {markets.map((market) => (
            <li key={market.ticker}>
              <MarketCard market={market} holding={holdings[market.ticker]} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
