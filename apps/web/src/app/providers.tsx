import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useState } from 'react';
import { isApiError, isAuthError } from '../lib/api-client';
import { authQueries, signedOutSession } from '../features/auth/api/auth.api';

/** One query client per app; a 401 anywhere means the session is gone. */
export function createQueryClient(): QueryClient {
  const client: QueryClient = new QueryClient({
    queryCache: new QueryCache({
      onError: (error, query) => {
        if (isAuthError(error) && query.queryKey[0] !== 'auth')
          client.setQueryData(authQueries.session().queryKey, signedOutSession);
      },
    }),
    mutationCache: new MutationCache(),
    defaultOptions: {
      queries: {
        // Client errors (4xx) will not get better by retrying.
        retry: (count, error) =>
          !(isApiError(error) && error.status >= 400 && error.status < 500) && count < 2,
        refetchOnWindowFocus: false,
      },
    },
  });
  return client;
}

export function Providers({ children, client }: { children: ReactNode; client?: QueryClient }) {
  const [queryClient] = useState(() => client ?? createQueryClient());
  return <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>;
}
