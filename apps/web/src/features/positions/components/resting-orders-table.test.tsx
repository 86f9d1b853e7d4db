import { act, render, screen, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { makeRestingOrder, makeRestingOrders, makeSnapshot } from '../../../test/fixtures';
import { usePositionsStore } from '../stores/positions.store';
import { RestingOrdersTable } from './resting-orders-table';

const rows = () => screen.getAllByTestId('resting-order-row');
const cells = (row: HTMLElement) =>
  within(row)
    .getAllByRole('cell')
    .map((c) => c.textContent);

function loadSnapshot(orders = makeRestingOrders()) {
  act(() =>
    usePositionsStore.getState().dispatch({
      type: 'stream',
      at: 0,
      event: { type: 'snapshot', data: makeSnapshot({ orders }) },
    }),
  );
}

describe('RestingOrdersTable', () => {
  beforeEach(() => usePositionsStore.getState().dispatch({ type: 'reset' }));

  it('shows a placeholder until the stream lists the orders', () => {
    render(<RestingOrdersTable />);
    expect(screen.getByLabelText('Loading resting orders')).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
  });

  it('lists each order newest first: market link, side, price, remaining contracts, reserved', () => {
    render(<RestingOrdersTable />);
    loadSnapshot();
    expect(screen.getAllByRole('columnheader').map((h) => h.textContent)).toEqual([
      'Market',
      'Side',
      'Price',
      'Contracts',
      'Reserved',
      'Placed',
    ]);
    expect(rows().map((r) => r.getAttribute('data-order-id'))).toEqual(['ord-2', 'ord-1']);
    const [no, yes] = rows();
    if (!no || !yes) throw new Error('expected two rows');
    // The market cell repeats the side for phones, where the side column is hidden.
    expect(cells(no).slice(0, 5)).toEqual(['NOKXCPI-26DEC-T3.1', 'NO', '35¢', '12.5', '$4.38']);
    expect(cells(yes).slice(0, 5)).toEqual(['YESKXRAIN-26NOV24-T1', 'YES', '40¢', '5', '$2.00']);
    expect(within(no).getByRole('link', { name: 'KXCPI-26DEC-T3.1' })).toHaveAttribute(
      'href',
      '#/markets/KXCPI-26DEC-T3.1',
    );
  });

  it('follows orders_update: a new list replaces the old one', () => {
    render(<RestingOrdersTable />);
    loadSnapshot();
    act(() =>
      usePositionsStore.getState().dispatch({
        type: 'stream',
        at: 1,
        event: {
          type: 'orders_update',
          data: { orders: [makeRestingOrder({ order_id: 'ord-1', remaining_count: 2, reserved: 0.8 })] },
        },
      }),
    );
    expect(rows()).toHaveLength(1);
    const [row] = rows();
    if (!row) throw new Error('expected a row');
    expect(cells(row).slice(2, 5)).toEqual(['40¢', '2', '$0.80']);
  });

  it('says so when no order rests, and when the last one goes', () => {
    render(<RestingOrdersTable />);
    loadSnapshot([]);
    expect(screen.getByText('No resting orders')).toBeInTheDocument();

    act(() =>
      usePositionsStore.getState().dispatchMany([
        { type: 'stream', at: 1, event: { type: 'orders_update', data: { orders: makeRestingOrders() } } },
        { type: 'stream', at: 2, event: { type: 'orders_update', data: { orders: [] } } },
      ]),
    );
    expect(screen.queryAllByTestId('resting-order-row')).toHaveLength(0);
    expect(screen.getByText('No resting orders')).toBeInTheDocument();
  });

  it('explains that the list needs the live stream while the page polls', () => {
    render(<RestingOrdersTable />);
    act(() => usePositionsStore.getState().dispatch({ type: 'transport', transport: 'polling' }));
    expect(screen.getByText('Resting orders are not available right now')).toBeInTheDocument();
  });

  it('marks an order that holds back nothing as closing a held position', () => {
    render(<RestingOrdersTable />);
    loadSnapshot([makeRestingOrder({ side: 'NO', book_side: 'ask', price: 55, yes_price: 45, reserved: 0 })]);
    const [row] = rows();
    if (!row) throw new Error('expected a row');
    expect(within(row).getByText('$0.00')).toHaveAttribute(
      'title',
      'Closes part of a held position: no cash held back',
    );
  });
});
