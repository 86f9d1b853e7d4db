import { act, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  makePortfolioResponse,
  makePositionsResponse,
  makeRestingOrders,
  makeSnapshot,
} from '../../../test/fixtures';
import { usePositionsStore } from '../stores/positions.store';
import { RestingOrdersSummary } from './resting-orders-summary';

function loadSnapshot(orders = makeRestingOrders()) {
  act(() =>
    usePositionsStore.getState().dispatch({
      type: 'stream',
      at: 0,
      event: { type: 'snapshot', data: makeSnapshot({ orders }) },
    }),
  );
}

describe('RestingOrdersSummary', () => {
  beforeEach(() => usePositionsStore.getState().dispatch({ type: 'reset' }));

  it('shows nothing before the first snapshot', () => {
    const { container } = render(<RestingOrdersSummary />);
    expect(container).toBeEmptyDOMElement();
  });

  it('counts the resting orders, folded, and lists them compactly when opened', async () => {
    render(<RestingOrdersSummary />);
    loadSnapshot();
    expect(screen.getByTestId('resting-order-count')).toHaveTextContent('2');
    const summary = screen.getByTestId('resting-orders-summary');
    expect(summary).not.toHaveAttribute('open');

    await userEvent.click(screen.getByText('Resting orders'));
    expect(summary).toHaveAttribute('open');
    const items = screen.getAllByTestId('resting-order-item');
    expect(items.map((i) => i.getAttribute('data-order-id'))).toEqual(['ord-2', 'ord-1']);
    const [no] = items;
    if (!no) throw new Error('expected an item');
    expect(no).toHaveTextContent('NOKXCPI-26DEC-T3.112.5 contracts @ 35¢ · holding $4.38');
    expect(within(no).getByRole('link', { name: 'KXCPI-26DEC-T3.1' })).toHaveAttribute(
      'href',
      '#/markets/KXCPI-26DEC-T3.1',
    );
  });

  it('follows orders_update down to zero', () => {
    render(<RestingOrdersSummary />);
    loadSnapshot();
    act(() =>
      usePositionsStore.getState().dispatch({
        type: 'stream',
        at: 1,
        event: { type: 'orders_update', data: { orders: [] } },
      }),
    );
    expect(screen.getByTestId('resting-order-count')).toHaveTextContent('0');
    expect(screen.queryAllByTestId('resting-order-item')).toHaveLength(0);
    expect(screen.getByText('No orders are waiting on the book.')).toBeInTheDocument();
  });

  it('shows the count as unknown on the polling fallback', () => {
    render(<RestingOrdersSummary />);
    loadSnapshot();
    act(() =>
      usePositionsStore.getState().dispatchMany([
        { type: 'transport', transport: 'polling' },
        {
          type: 'polled',
          at: 2,
          positions: makePositionsResponse([]),
          portfolio: makePortfolioResponse({ reserved_for_orders: 6.375 }),
        },
      ]),
    );
    expect(screen.getByTestId('resting-order-count')).toHaveTextContent('—');
    expect(screen.getByText('Listed while the live stream is connected.')).toBeInTheDocument();
  });
});
