import type { AppConfigResponse, SignedInSession } from '@kalshi-desk/contracts';
import { lazy, Suspense, useMemo, useState } from 'react';
import { Badge } from '../components/ui/badge';
import { Button } from '../components/ui/button';
import { Dialog } from '../components/ui/dialog';
import { Skeleton } from '../components/ui/skeleton';
import { environmentLabel } from '../features/auth/components/auth-error-message';
import { LogoutButton } from '../features/auth/components/logout-button';
import { ReconnectKeyNotice } from '../features/auth/components/reconnect-key-notice';
import type { Holdings } from '../features/markets/api/holdings';
import { EventView } from '../features/markets/components/event-view';
import { MarketsBrowser, MARKET_SEARCH_INPUT_ID } from '../features/markets/components/markets-browser';
import { PortfolioSummaryBar } from '../features/positions/components/portfolio-summary-bar';
import { PositionPanel } from '../features/positions/components/position-panel';
import { RestingOrdersTable } from '../features/positions/components/resting-orders-table';
import { usePositionSSE } from '../features/positions/hooks/use-position-sse';
import { usePositionsStore } from '../features/positions/stores/positions.store';
import { cn } from '../lib/cn';
import { hrefs, navigate, useRoute, type Route } from '../lib/router';
import { ErrorBoundary } from './error-boundary';
import { HelpDialog } from './help-dialog';
import type { Theme } from './theme';
import { useKeyboardShortcuts } from './use-keyboard-shortcuts';

// Screens with charts load on demand so the first paint does not wait for Recharts.
const MarketDetail = lazy(() =>
  import('../features/markets/components/market-detail').then((m) => ({ default: m.MarketDetail })),
);
const PortfolioPage = lazy(() =>
  import('../features/portfolio/components/portfolio-page').then((m) => ({ default: m.PortfolioPage })),
);
const PositionDetail = lazy(() =>
  import('../features/positions/components/position-detail').then((m) => ({ default: m.PositionDetail })),
);

/** Held markets for the markets screens' "you own this" badges, derived from the live store. */
function useHoldings(): Holdings {
  const positions = usePositionsStore((state) => state.positions);
  return useMemo(() => {
    const holdings: Record<string, { side: 'YES' | 'NO'; quantity: number }> = {};
    for (const p of Object.values(positions)) holdings[p.ticker] = { side: p.side, quantity: p.quantity };
    return holdings;
  }, [positions]);
}

/** Focuses an element once it exists: after a route change it renders a frame or two later. */
function focusWhenPresent(id: string, framesLeft = 30): void {
  const element = document.getElementById(id);
  if (element) element.focus();
  else if (framesLeft > 0) requestAnimationFrame(() => focusWhenPresent(id, framesLeft - 1));
}

function RouteView({ route, holdings }: { route: Route; holdings: Holdings }) {
  switch (route.name) {
    case 'markets':
      return <MarketsBrowser holdings={holdings} />;
    case 'market':
      return <MarketDetail key={route.ticker} ticker={route.ticker} holding={holdings[route.ticker]} />;
    case 'event':
      return <EventView eventTicker={route.eventTicker} holdings={holdings} />;
    case 'portfolio':
      return <PortfolioPage restingOrders={<RestingOrdersTable />} />;
    case 'position':
      return <PositionDetail key={route.ticker} ticker={route.ticker} />;
    case 'not_found':
      return (
        <p>
          Nothing at <span className="font-mono">{route.path}</span>.{' '}
          <a className="text-primary underline" href={hrefs.markets()}>
            Back to markets
          </a>
        </p>
      );
  }
}

function NavLink({ href, isActive, children }: { href: string; isActive: boolean; children: string }) {
  return (
    <a
      href={href}
      aria-current={isActive ? 'page' : undefined}
      className={cn(
        'rounded-md px-2.5 py-1.5 text-sm font-medium',
        isActive ? 'bg-muted text-foreground' : 'text-muted-foreground hover:text-foreground',
      )}
    >
      {children}
    </a>
  );
}

export function AppShell({
  session,
  config,
  onSignedOut,
  theme,
}: {
  session: SignedInSession;
  config: AppConfigResponse | undefined;
  onSignedOut: () => void;
  theme: { theme: Theme; toggleTheme: () => void };
}) {
  const route = useRoute();
  const holdings = useHoldings();
  const positionCount = Object.keys(holdings).length;
  const [isHelpOpen, setHelpOpen] = useState(false);
  const [isPanelOpen, setPanelOpen] = useState(false);
  const { refresh } = usePositionSSE({ isEnabled: true, onUnauthorized: onSignedOut });
  // Terminal until a key is connected again: the server no longer watches the account.
  const isKeyRejected = usePositionsStore((state) => state.upstream?.status === 'credentials_rejected');
  const selectedTicker = route.name === 'position' ? route.ticker : undefined;

  useKeyboardShortcuts({
    goMarkets: () => navigate(hrefs.markets()),
    goPortfolio: () => navigate(hrefs.portfolio()),
    focusSearch: () => {
      if (route.name !== 'markets') navigate(hrefs.markets());
      focusWhenPresent(MARKET_SEARCH_INPUT_ID);
    },
    showHelp: () => setHelpOpen(true),
    toggleTheme: theme.toggleTheme,
    refresh,
  });

  return (
    <div className="flex h-dvh flex-col">
      <a
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById('main')?.focus();
        }}
        className="sr-only focus:not-sr-only focus:absolute focus:z-50 focus:m-2 focus:rounded focus:bg-card focus:p-2"
      >
        Skip to content
      </a>
      <header className="flex items-center gap-2 border-b bg-card px-3 py-2 sm:gap-4 sm:px-4">
        <a href={hrefs.markets()} className="flex items-center gap-2 font-semibold">
          <img src="/favicon.svg" alt="" className="h-6 w-6" />
          <span className="hidden sm:inline">Kalshi Desk</span>
        </a>
        <nav aria-label="Main" className="flex items-center gap-1">
          <NavLink
            href={hrefs.markets()}
            isActive={route.name === 'markets' || route.name === 'market' || route.name === 'event'}
          >
            Markets
          </NavLink>
          <NavLink href={hrefs.portfolio()} isActive={route.name === 'portfolio'}>
            Portfolio
          </NavLink>
        </nav>
        <div className="ml-auto flex items-center gap-1 sm:gap-2">
          {config ? (
            <Badge
              variant={config.kalshi_env === 'production' ? 'warn' : 'outline'}
              className="hidden md:inline-flex"
              title={config.exchange_url}
            >
              {environmentLabel(config.kalshi_env)}
            </Badge>
          ) : null}
          <span
            className="hidden font-mono text-xs text-muted-foreground xl:inline"
            title="Kalshi API key id"
          >
            {session.key_id}
          </span>
          <Button
            variant="ghost"
            size="icon"
            onClick={theme.toggleTheme}
            aria-label={`Switch to ${theme.theme === 'dark' ? 'light' : 'dark'} theme`}
            title="Theme (t)"
          >
            <span aria-hidden="true">{theme.theme === 'dark' ? '☀' : '☾'}</span>
          </Button>
          <Button
            variant="ghost"
            size="icon"
            onClick={() => setHelpOpen(true)}
            aria-label="Keyboard shortcuts"
            title="Shortcuts (?)"
          >
            <span aria-hidden="true">?</span>
          </Button>
          <LogoutButton onLoggedOut={onSignedOut} />
        </div>
      </header>
      {isKeyRejected ? <ReconnectKeyNotice onSignedOut={onSignedOut} /> : null}
      <PortfolioSummaryBar
        onRefresh={refresh}
        leading={
          <Button
            variant="outline"
            size="sm"
            className="lg:hidden"
            onClick={() => setPanelOpen(true)}
            aria-label={`Show positions (${positionCount})`}
          >
            Positions ({positionCount})
          </Button>
        }
      />
      <div className="flex min-h-0 flex-1">
        <aside
          aria-label="Open positions"
          className="hidden w-80 shrink-0 border-r bg-background lg:flex lg:flex-col xl:w-96"
          data-testid="position-panel"
        >
          <PositionPanel selectedTicker={selectedTicker} />
        </aside>
        <main
          id="main"
          tabIndex={-1}
          className="min-w-0 flex-1 overflow-y-auto p-3 outline-none sm:p-4 lg:p-6"
        >
          <ErrorBoundary resetKey={JSON.stringify(route)}>
            <Suspense fallback={<Skeleton className="h-96" aria-label="Loading" />}>
              <RouteView route={route} holdings={holdings} />
            </Suspense>
          </ErrorBoundary>
        </main>
      </div>
      <Dialog
        isOpen={isPanelOpen}
        onClose={() => setPanelOpen(false)}
        title={`Positions (${positionCount})`}
        side="left"
        className="p-0"
      >
        <div
          className="-mx-4 -mb-4 flex h-full flex-col"
          onClick={(e) => {
            if ((e.target as HTMLElement).closest('a')) setPanelOpen(false);
          }}
        >
          <PositionPanel selectedTicker={selectedTicker} isHeadingHidden />
        </div>
      </Dialog>
      <HelpDialog isOpen={isHelpOpen} onClose={() => setHelpOpen(false)} />
    </div>
  );
}
