import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { Button } from '../components/ui/button';
import { Skeleton } from '../components/ui/skeleton';
import { authQueries, signedOutSession } from '../features/auth/api/auth.api';
import { AuthDialog } from '../features/auth/components/auth-dialog';
import { AppShell } from './app-shell';
import { useTheme } from './theme';

/** Decides between the connect screen and the desk, from the session probe's answer. */
export function App() {
  const queryClient = useQueryClient();
  const session = useQuery(authQueries.session());
  const config = useQuery(authQueries.config());
  const theme = useTheme();

  const onSignedIn = useCallback(() => {
    void queryClient.invalidateQueries({ queryKey: authQueries.session().queryKey });
  }, [queryClient]);
  const onSignedOut = useCallback(() => {
    queryClient.setQueryData(authQueries.session().queryKey, signedOutSession);
    queryClient.removeQueries({ queryKey: ['account'] });
  }, [queryClient]);

  if (session.isPending) {
    return (
      <div className="flex h-dvh items-center justify-center" aria-busy="true" aria-label="Loading">
        <Skeleton className="h-40 w-full max-w-lg" />
      </div>
    );
  }
  if (session.isError) {
    return (
      <main className="flex h-dvh flex-col items-center justify-center gap-3 p-4 text-center">
        <h1 className="text-lg font-semibold">The Kalshi Desk server is not answering</h1>
        <p className="text-sm text-muted-foreground">{session.error.message}</p>
        <Button onClick={() => void session.refetch()}>Try again</Button>
      </main>
    );
  }
  if (!session.data.authenticated) {
    return (
      <main className="flex min-h-dvh flex-col items-center justify-center gap-6 p-4">
        <div className="flex items-center gap-2">
          <img src="/favicon.svg" alt="" className="h-8 w-8" />
          <span className="text-2xl font-semibold">Kalshi Desk</span>
        </div>
        <AuthDialog config={config.data} onAuthenticated={onSignedIn} />
      </main>
    );
  }
  return <AppShell session={session.data} config={config.data} onSignedOut={onSignedOut} theme={theme} />;
}
