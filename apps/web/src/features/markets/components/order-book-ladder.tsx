import type { OrderBook } from '@kalshi-desk/contracts';
import { formatCents, formatContracts } from '../../../lib/format';
import { toYesLadder, type LadderLevel } from './order-book-levels';

const DEPTH = 10;

function Side({
  title,
  levels,
  tone,
  max,
}: {
  title: string;
  levels: LadderLevel[];
  tone: 'gain' | 'loss';
  max: number;
}) {
  return (
    <div className="min-w-0">
      <table className="w-full text-sm tabular-nums">
        <caption className="pb-1 text-left text-xs font-medium text-muted-foreground">{title}</caption>
        <thead className="sr-only">
          <tr>
            <th scope="col">Price</th>
            <th scope="col">Contracts</th>
          </tr>
        </thead>
        <tbody>
          {levels.slice(0, DEPTH).map((level) => (
            <tr key={level.price} className="relative">
              <td className="relative py-0.5 pl-1">
                <span
                  aria-hidden="true"
                  className={`absolute inset-y-0 left-0 ${tone === 'gain' ? 'bg-gain/15' : 'bg-loss/15'}`}
                  style={{ width: `${Math.max(2, (level.size / max) * 100)}%` }}
                />
                <span className={`relative ${tone === 'gain' ? 'text-gain' : 'text-loss'}`}>
                  {formatCents(level.price)}
                </span>
              </td>
              <td className="py-0.5 pr-1 text-right">{formatContracts(level.size)}</td>
            </tr>
          ))}
          {levels.length === 0 ? (
            <tr>
              <td colSpan={2} className="py-2 text-center text-xs text-muted-foreground">
                empty
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
    </div>
  );
}

/** Best ten YES bids and asks with size bars and the spread. */
export function OrderBookLadder({ book }: { book: OrderBook }) {
  const { bids, asks, spread } = toYesLadder(book);
  const max = Math.max(
    1,
    ...bids.slice(0, DEPTH).map((l) => l.size),
    ...asks.slice(0, DEPTH).map((l) => l.size),
  );
  return (
    <div data-testid="order-book">
      <div className="grid grid-cols-2 gap-4">
        <Side title="Bids (buy YES)" levels={bids} tone="gain" max={max} />
        <Side title="Asks (sell YES)" levels={asks} tone="loss" max={max} />
      </div>
      <p className="mt-2 text-center text-xs text-muted-foreground">
        spread {spread === null ? '—' : formatCents(spread)}
      </p>
    </div>
  );
}
