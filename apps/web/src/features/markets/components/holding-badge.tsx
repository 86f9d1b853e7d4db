import { Badge } from '../../../components/ui/badge';
import { formatContracts } from '../../../lib/format';
import type { MarketHolding } from '../api/holdings';

export function HoldingBadge({ holding }: { holding: MarketHolding }) {
  return (
    <Badge
      variant="primary"
      className="self-start"
      data-testid="holding-badge"
      title="You hold a position in this market"
    >
      You own {holding.side} ×{formatContracts(holding.quantity)}
    </Badge>
  );
}
