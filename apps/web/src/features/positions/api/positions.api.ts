import {
  fillsResponseSchema,
  portfolioResponseSchema,
  positionsResponseSchema,
  type Mark,
  type PortfolioResponse,
  type PositionsResponse,
} from '@kalshi-desk/contracts';
import { queryOptions } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client';

export function fetchPositions({
  mark,
  signal,
}: { mark?: Mark; signal?: AbortSignal } = {}): Promise<PositionsResponse> {
  return apiRequest('/account/positions', positionsResponseSchema, { query: { mark }, signal });
}

export function fetchPortfolio({ signal }: { signal?: AbortSignal } = {}): Promise<PortfolioResponse> {
  return apiRequest('/account/portfolio', portfolioResponseSchema, { signal });
}

/** Positions and portfolio read together, for the polling fallback. */
export async function fetchAccountSnapshot(): Promise<{
  positions: PositionsResponse;
  portfolio: PortfolioResponse;
}> {
  const [positions, portfolio] = await Promise.all([fetchPositions(), fetchPortfolio()]);
  return { positions, portfolio };
}

/**
 * REST reads that complement the live store. The live positions themselves are never cached
 * here: they live in the positions store only.
 */
export const positionsQueries = {
  /** Positions marked at a basis other than the stream's, for the detail view's mark selector. */
  withMark: (mark: Mark) =>
    queryOptions({
      queryKey: ['account', 'positions', { mark }] as const,
      queryFn: ({ signal }) => fetchPositions({ mark, signal }),
      refetchInterval: 5_000,
    }),
  fills: (ticker: string) =>
    queryOptions({
      queryKey: ['account', 'fills', { ticker }] as const,
      queryFn: ({ signal }) =>
        apiRequest('/account/fills', fillsResponseSchema, { query: { ticker, limit: 200 }, signal }),
    }),
};
