import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { makePosition } from '../../../test/fixtures';
import { PositionCard } from './position-card';

const now = new Date('2026-11-24T10:00:00.000Z').getTime();

describe('PositionCard', () => {
  it('shows side, quantity at average price, mark, P&L, payout, loss, time held and expiry', () => {
    render(<PositionCard position={makePosition({ avg_entry_price: 42.5, current_price: 45 })} now={now} />);
    const card = screen.getByTestId('position-card');
    expect(card).toHaveAttribute('href', '#/positions/KXRAIN-26NOV24-T1');
    expect(card).toHaveTextContent('YES');
    expect(card).toHaveTextContent('Will it rain in NYC on Nov 24?');
    expect(screen.getByTestId('position-quantity')).toHaveTextContent('10 @ 42.5¢');
    expect(card).toHaveTextContent('now 45¢ (bid)');
    expect(screen.getByTestId('position-pnl')).toHaveTextContent('+$0.30');
    expect(card).toHaveTextContent('+7.14%');
    expect(card).toHaveTextContent('max win $5.80');
    expect(card).toHaveTextContent('max loss $4.20');
    expect(card).toHaveTextContent('held 1h 0m');
    expect(card).toHaveTextContent('expires in 2d 2h');
    expect(card).toHaveAccessibleName('KXRAIN-26NOV24-T1: YES 10 contracts, P&L +$0.30');
  });

  it('colours a loss and marks the change direction when P&L moves', () => {
    const { rerender } = render(<PositionCard position={makePosition({ unrealized_pnl: 0.3 })} now={now} />);
    rerender(
      <PositionCard
        position={makePosition({ unrealized_pnl: -1.25, unrealized_pnl_percent: -29.76 })}
        now={now}
      />,
    );
    const pnl = screen.getByTestId('position-pnl');
    expect(pnl).toHaveTextContent('-$1.25');
    expect(pnl).toHaveClass('text-loss', 'pnl-tick-down');
  });

  it('shows a dash when the market has no price at the mark', () => {
    render(
      <PositionCard
        position={makePosition({ current_price: null, unrealized_pnl: null, unrealized_pnl_percent: null })}
        now={now}
      />,
    );
    expect(screen.getByTestId('position-pnl')).toHaveTextContent('—');
    expect(screen.getByTestId('position-card')).toHaveTextContent('now — (bid)');
  });
});
