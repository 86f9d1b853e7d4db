import { useSyncExternalStore } from 'react';

/**
 * A tiny hash router: the server serves one index.html, so hash routes need no fallback.
 * Features link with plain hrefs from `hrefs`; only app/ decides what each route renders.
 */
export type Route =
  | { name: 'markets' }
  | { name: 'market'; ticker: string }
  | { name: 'event'; eventTicker: string }
  | { name: 'portfolio' }
  | { name: 'position'; ticker: string }
  | { name: 'not_found'; path: string };

export const hrefs = {
  markets: (): string => '#/markets',
  market: (ticker: string): string => `#/markets/${encodeURIComponent(ticker)}`,
  event: (eventTicker: string): string => `#/events/${encodeURIComponent(eventTicker)}`,
  portfolio: (): string => '#/portfolio',
  position: (ticker: string): string => `#/positions/${encodeURIComponent(ticker)}`,
};

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  const parts = path
    .split('/')
    .filter((p) => p.length > 0)
    .map(decodeURIComponent);
  const [head, arg, extra] = parts;
  if (extra !== undefined) return { name: 'not_found', path };
  if (head === undefined || (head === 'markets' && arg === undefined)) return { name: 'markets' };
  if (head === 'markets' && arg !== undefined) return { name: 'market', ticker: arg };
  if (head === 'events' && arg !== undefined) return { name: 'event', eventTicker: arg };
  if (head === 'portfolio' && arg === undefined) return { name: 'portfolio' };
  if (head === 'positions' && arg !== undefined) return { name: 'position', ticker: arg };
  return { name: 'not_found', path };
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

export function useHash(): string {
  return useSyncExternalStore(
    subscribe,
    () => window.location.hash,
    () => '',
  );
}

export function useRoute(): Route {
  return parseRoute(useHash());
}

export function navigate(href: string): void {
  window.location.hash = href.replace(/^#/, '');
}
