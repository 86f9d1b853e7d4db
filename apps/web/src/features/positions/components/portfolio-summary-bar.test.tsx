import { act, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { makePortfolio, makePosition, makeRestingOrders, makeSnapshot, T0 } from '../../../test/fixtures';
import { usePositionsStore } from '../stores/positions.store';
import { PortfolioSummaryBar } from './portfolio-summary-bar';

describe('PortfolioSummaryBar', () => {
  beforeEach(() => {
    usePositionsStore.getState().dispatch({ type: 'reset' });
  });

  it('shows skeletons until the first snapshot', () => {
    render(<PortfolioSummaryBar onRefresh={() => undefined} />);
    expect(screen.getByLabelText('Loading portfolio')).toBeInTheDocument();
    expect(screen.getByTestId('connection-status')).toHaveTextContent('Offline');
  });

  it('shows value, available cash, cash in orders, today, total P&L, count and a live status', () => {
    const { dispatchMany } = usePositionsStore.getState();
    act(() =>
      dispatchMany([
        { type: 'transport', transport: 'open' },
        {
          type: 'stream',
          at: Date.now(),
          event: {
            type: 'snapshot',
            data: {
              positions: [
                makePosition({ ticker: 'A' }),
                makePosition({ ticker: 'B' }),
                makePosition({ ticker: 'C' }),
              ],
              portfolio: makePortfolio({
                total_value: 12345.678,
                cash_balance: 10000,
                reserved_for_orders: 6.375,
                today_pnl: -12.5,
                today_pnl_percent: -0.1,
                total_pnl: 345.68,
                position_count: 3,
              }),
              orders: makeRestingOrders(),
              connection: 'live',
              is_stale: false,
              as_of: T0,
            },
          },
        },
      ]),
    );
    render(<PortfolioSummaryBar onRefresh={() => undefined} />);
    expect(screen.getByTestId('portfolio-value')).toHaveTextContent('$12,345.68');
    expect(screen.getByTestId('cash-balance')).toHaveTextContent('$10,000.00');
    expect(screen.getByTestId('reserved-for-orders')).toHaveTextContent('$6.38');
    expect(screen.getByTestId('today-pnl')).toHaveTextContent('-$12.50 (-0.10%)');
    expect(screen.getByTestId('today-pnl')).toHaveClass('text-loss');
    expect(screen.getByText('+$345.68')).toHaveClass('text-gain');
    expect(screen.getByTestId('position-count')).toHaveTextContent('3');
    expect(screen.getByTestId('connection-status')).toHaveAttribute('data-status', 'live');
  });

  it('lists what the account holds first (value, cash, in orders), then how it is doing', () => {
    act(() =>
      usePositionsStore
        .getState()
        .dispatch({ type: 'stream', at: Date.now(), event: { type: 'snapshot', data: makeSnapshot() } }),
    );
    render(<PortfolioSummaryBar onRefresh={() => undefined} />);
    const labels = screen.getAllByRole('term').map((term) => term.textContent);
    expect(labels).toEqual(['Portfolio value', 'Cash', 'In orders', 'Today', 'Total P&L', 'Positions']);
  });

  it('placing an order moves money from cash to in orders and leaves the value as it was', () => {
    const { dispatch } = usePositionsStore.getState();
    act(() =>
      dispatch({
        type: 'stream',
        at: Date.now(),
        event: {
          type: 'snapshot',
          data: makeSnapshot({
            portfolio: makePortfolio({ total_value: 1004.5, cash_balance: 1000, reserved_for_orders: 0 }),
          }),
        },
      }),
    );
    render(<PortfolioSummaryBar onRefresh={() => undefined} />);
    expect(screen.getByTestId('reserved-for-orders')).toHaveTextContent('$0.00');
    act(() =>
      dispatch({
        type: 'stream',
        at: Date.now(),
        event: {
          type: 'portfolio_update',
          data: {
            data: makePortfolio({ total_value: 1004.5, cash_balance: 998, reserved_for_orders: 2 }),
          },
        },
      }),
    );
    expect(screen.getByTestId('portfolio-value')).toHaveTextContent('$1,004.50');
    expect(screen.getByTestId('cash-balance')).toHaveTextContent('$998.00');
    expect(screen.getByTestId('reserved-for-orders')).toHaveTextContent('$2.00');
  });

  it('shows reconnecting when the exchange link drops, and refreshes on click', async () => {
    const onRefresh = vi.fn();
    const { dispatchMany } = usePositionsStore.getState();
    act(() =>
      dispatchMany([
        { type: 'transport', transport: 'open' },
        {
          type: 'stream',
          at: Date.now(),
          event: {
            type: 'connection_status',
            data: { status: 'reconnecting', detail: 'upstream dropped', is_stale: true, as_of: T0 },
          },
        },
      ]),
    );
    render(<PortfolioSummaryBar onRefresh={onRefresh} />);
    expect(screen.getByTestId('connection-status')).toHaveTextContent('Reconnecting');
    await userEvent.click(screen.getByRole('button', { name: 'Refresh account data' }));
    expect(onRefresh).toHaveBeenCalledTimes(1);
  });
});
