import {
  eventDetailResponseSchema,
  marketDetailResponseSchema,
  marketListResponseSchema,
  orderBookSchema,
  type MarketListQuery,
} from '@kalshi-desk/contracts';
import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client';

export type MarketFilters = Pick<MarketListQuery, 'status' | 'category' | 'search' | 'sort'>;

export const marketsQueries = {
  list: (filters: MarketFilters) =>
    queryOptions({
      queryKey: ['markets', 'list', filters] as const,
      queryFn: ({ signal }) =>
        apiRequest('/markets', marketListResponseSchema, {
          query: {
            status: filters.status,
            category: filters.category,
            search: filters.search,
            sort: filters.sort,
            limit: 200,
          },
          signal,
        }),
      placeholderData: keepPreviousData,
      staleTime: 15_000,
      // Prices on the cards stay roughly current; the open market itself streams.
      refetchInterval: 15_000,
    }),
  detail: (ticker: string) =>
    queryOptions({
      queryKey: ['markets', 'detail', ticker] as const,
      queryFn: ({ signal }) =>
        apiRequest(`/markets/${encodeURIComponent(ticker)}`, marketDetailResponseSchema, { signal }),
      select: (response) => response.market,
    }),
  orderbook: (ticker: string) =>
    queryOptions({
      queryKey: ['markets', 'orderbook', ticker] as const,
      queryFn: ({ signal }) =>
        apiRequest(`/markets/${encodeURIComponent(ticker)}/orderbook`, orderBookSchema, { signal }),
    }),
  event: (eventTicker: string) =>
    queryOptions({
      queryKey: ['events', eventTicker] as const,
      queryFn: ({ signal }) =>
        apiRequest(`/events/${encodeURIComponent(eventTicker)}`, eventDetailResponseSchema, { signal }),
      select: (response) => response.event,
    }),
};
