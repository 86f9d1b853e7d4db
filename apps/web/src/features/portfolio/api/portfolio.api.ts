import {
  equityCurveResponseSchema,
  fillsResponseSchema,
  ordersResponseSchema,
  settlementsResponseSchema,
} from '@kalshi-desk/contracts';
import { queryOptions } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client';

export const portfolioQueries = {
  equity: () =>
    queryOptions({
      queryKey: ['account', 'equity'] as const,
      queryFn: ({ signal }) => apiRequest('/account/equity', equityCurveResponseSchema, { signal }),
      refetchInterval: 60_000,
    }),
  fills: () =>
    queryOptions({
      queryKey: ['account', 'fills', { ticker: null }] as const,
      queryFn: ({ signal }) =>
        apiRequest('/account/fills', fillsResponseSchema, { query: { limit: 200 }, signal }),
    }),
  settlements: () =>
    queryOptions({
      queryKey: ['account', 'settlements'] as const,
      queryFn: ({ signal }) =>
        apiRequest('/account/settlements', settlementsResponseSchema, { query: { limit: 200 }, signal }),
    }),
  orders: () =>
    queryOptions({
      queryKey: ['account', 'orders'] as const,
      queryFn: ({ signal }) =>
        apiRequest('/account/orders', ordersResponseSchema, { query: { limit: 200 }, signal }),
    }),
};
