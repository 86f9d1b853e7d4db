import { useShallow } from 'zustand/react/shallow';
import { useNow } from '../../../lib/use-now';
import { cn } from '../../../lib/cn';
import { formatAge } from '../../../lib/format';
import {
  deriveConnectionDisplay,
  usePositionsStore,
  type ConnectionDisplay,
  type ConnectionDisplayKind,
} from '../stores/positions.store';

/** What the status shows: the store's display, or a key the exchange refused (terminal). */
type StatusKind = ConnectionDisplayKind | 'rejected';

const dotClass: Record<StatusKind, string> = {
  live: 'bg-gain',
  polling: 'bg-warn',
  stale: 'bg-warn',
  reconnecting: 'bg-warn animate-pulse motion-reduce:animate-none',
  connecting: 'bg-muted-foreground animate-pulse motion-reduce:animate-none',
  offline: 'bg-loss',
  rejected: 'bg-loss',
};

/**
 * Live / reconnecting / stale, with how old the data on screen is. A key the exchange refused
 * is shown as such (the figures are the last ones received); the app shell offers to connect a
 * key again.
 */
export function ConnectionStatus({ className }: { className?: string }) {
  const now = useNow(1000);
  const links = usePositionsStore(
    useShallow((state) => ({
      transport: state.transport,
      upstream: state.upstream,
      hasSnapshot: state.hasSnapshot,
      lastReceivedAt: state.lastReceivedAt,
      lastError: state.lastError,
    })),
  );
  const derived = deriveConnectionDisplay(links, now);
  const display: Omit<ConnectionDisplay, 'kind'> & { kind: StatusKind } =
    links.upstream?.status === 'credentials_rejected'
      ? {
          kind: 'rejected',
          label: 'Key rejected',
          detail: links.upstream.detail || 'Kalshi rejected the API key; reconnect your key',
          ageMs: links.upstream.asOf ? Math.max(0, now - new Date(links.upstream.asOf).getTime()) : null,
        }
      : derived;
  const age = display.ageMs === null ? null : formatAge(display.ageMs);
  return (
    <div
      role="status"
      aria-live="polite"
      data-testid="connection-status"
      data-status={display.kind}
      title={display.detail}
      className={cn('flex items-center gap-2 text-sm', className)}
    >
      <span aria-hidden="true" className={cn('h-2.5 w-2.5 rounded-full', dotClass[display.kind])} />
      <span className="font-medium">{display.label}</span>
      {age ? (
        <span className="text-xs text-muted-foreground">
          {display.kind === 'live' ? `updated ${age}` : `data ${age}`}
        </span>
      ) : null}
    </div>
  );
}
