import type { MarketSummary } from '@kalshi-desk/contracts';
import { memo } from 'react';
import { Badge } from '../../../components/ui/badge';
import { formatCents, formatContracts, formatDate } from '../../../lib/format';
import { hrefs } from '../../../lib/router';
import type { MarketHolding } from '../api/holdings';
import { HoldingBadge } from './holding-badge';

export function statusVariant(status: string): 'gain' | 'warn' | 'default' {
  if (status === 'active' || status === 'open') return 'gain';
  if (status === 'paused' || status === 'closed' || status === 'determined') return 'warn';
  return 'default';
}

export const MarketCard = memo(function MarketCard({
  market,
  holding,
}: {
  market: MarketSummary;
  holding?: MarketHolding;
}) {
  return (
    <a
      href={hrefs.market(market.ticker)}
      data-testid="market-card"
      data-ticker={market.ticker}
      className="flex h-full flex-col gap-2 rounded-lg border bg-card p-3 transition-colors hover:border-primary/60"
    >
      <div className="flex items-start justify-between gap-2">
        <span className="truncate font-mono text-xs text-muted-foreground">{market.ticker}</span>
        <Badge variant={statusVariant(market.status)}>{market.status}</Badge>
      </div>
      <h3 className="line-clamp-2 text-sm leading-snug font-semibold">{market.title}</h3>
      {market.yes_sub_title ? (
        <p className="line-clamp-1 text-xs text-muted-foreground">YES: {market.yes_sub_title}</p>
      ) : null}
      <div className="mt-auto flex items-end justify-between gap-2">
        <div>
          <p className="text-lg font-semibold tabular-nums">
            {formatCents(market.last_price ?? market.yes_bid)}
          </p>
          <p className="text-xs text-muted-foreground tabular-nums">
            bid {formatCents(market.yes_bid)} · ask {formatCents(market.yes_ask)}
          </p>
        </div>
        <div className="text-right text-xs text-muted-foreground">
          <p className="tabular-nums">vol {formatContracts(market.volume)}</p>
          <p>closes {formatDate(market.close_time)}</p>
        </div>
      </div>
      {holding ? <HoldingBadge holding={holding} /> : null}
    </a>
  );
});
