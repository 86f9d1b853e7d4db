import { act, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import { makePortfolio, makePosition, makeRestingOrders, makeSnapshot, T0 } from '../../../test/fixtures';
import { usePositionsStore } from '../stores/positions.store';
import { PositionPanel } from './position-panel';

const positions = [
  makePosition({
    ticker: 'WIN',
    event_ticker: 'EV-A',
    unrealized_pnl: 5,
    market_exposure: 1,
    expiration_date: '2026-12-30T00:00:00.000Z',
  }),
  makePosition({
    ticker: 'LOSE',
    event_ticker: 'EV-B',
    unrealized_pnl: -3,
    market_exposure: 9,
    expiration_date: '2026-11-25T00:00:00.000Z',
  }),
  makePosition({
    ticker: 'FLAT',
    event_ticker: 'EV-A',
    unrealized_pnl: 0,
    market_exposure: 4,
    expiration_date: null,
  }),
];

const order = () => screen.getAllByTestId('position-card').map((c) => c.getAttribute('data-ticker'));

function loadSnapshot() {
  act(() =>
    usePositionsStore.getState().dispatch({
      type: 'stream',
      at: 0,
      event: {
        type: 'snapshot',
        data: {
          positions,
          portfolio: makePortfolio(),
          orders: [],
          connection: 'live',
          is_stale: false,
          as_of: T0,
        },
      },
    }),
  );
}

describe('PositionPanel', () => {
  beforeEach(() => usePositionsStore.getState().dispatch({ type: 'reset' }));

  it('lists positions best P&L first and re-sorts by exposure and expiry', async () => {
    render(<PositionPanel />);
    loadSnapshot();
    expect(order()).toEqual(['WIN', 'FLAT', 'LOSE']);
    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Sort positions' }), 'exposure');
    expect(order()).toEqual(['LOSE', 'FLAT', 'WIN']);
    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Sort positions' }), 'expiry');
    expect(order()).toEqual(['LOSE', 'WIN', 'FLAT']);
  });

  it('filters by P&L, event and text', async () => {
    render(<PositionPanel />);
    loadSnapshot();
    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Filter by P&L' }), 'losing');
    expect(order()).toEqual(['LOSE']);
    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Filter by P&L' }), 'all');
    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Filter by event' }), 'EV-A');
    expect(order()).toEqual(['WIN', 'FLAT']);
    await userEvent.type(screen.getByRole('searchbox', { name: 'Filter positions' }), 'fla');
    expect(order()).toEqual(['FLAT']);
  });

  it('follows live updates and removals', () => {
    render(<PositionPanel />);
    loadSnapshot();
    act(() =>
      usePositionsStore.getState().dispatchMany([
        {
          type: 'stream',
          at: 1,
          event: {
            type: 'position_update',
            data: { data: { ...positions[1], unrealized_pnl: 10 } as never },
          },
        },
        {
          type: 'stream',
          at: 1,
          event: { type: 'position_removed', data: { ticker: 'WIN', reason: 'settled' } },
        },
      ]),
    );
    expect(order()).toEqual(['LOSE', 'FLAT']);
    expect(screen.getByRole('heading', { name: 'Positions (2)' })).toBeInTheDocument();
  });

  it('says when there are no positions', () => {
    render(<PositionPanel />);
    act(() =>
      usePositionsStore.getState().dispatch({
        type: 'stream',
        at: 0,
        event: {
          type: 'snapshot',
          data: {
            positions: [],
            portfolio: makePortfolio(),
            orders: [],
            connection: 'live',
            is_stale: false,
            as_of: T0,
          },
        },
      }),
    );
    expect(screen.getByText('No open positions')).toBeInTheDocument();
    expect(screen.getByTestId('resting-order-count')).toHaveTextContent('0');
  });

  it('counts the resting orders below the positions, live', () => {
    render(<PositionPanel />);
    act(() =>
      usePositionsStore.getState().dispatch({
        type: 'stream',
        at: 0,
        event: { type: 'snapshot', data: makeSnapshot({ positions, orders: makeRestingOrders() }) },
      }),
    );
    expect(screen.getByTestId('resting-order-count')).toHaveTextContent('2');
    expect(screen.getAllByTestId('resting-order-item')).toHaveLength(2);
    act(() =>
      usePositionsStore.getState().dispatch({
        type: 'stream',
        at: 1,
        event: { type: 'orders_update', data: { orders: makeRestingOrders().slice(1) } },
      }),
    );
    expect(screen.getByTestId('resting-order-count')).toHaveTextContent('1');
    expect(order()).toEqual(['WIN', 'FLAT', 'LOSE']);
  });
});

describe('PositionPanel with many positions', () => {
  beforeEach(() => usePositionsStore.getState().dispatch({ type: 'reset' }));

  it('renders only a window of cards above the virtualization threshold', () => {
    const many = Array.from({ length: 120 }, (_, i) =>
      makePosition({ ticker: `M-${String(i).padStart(3, '0')}`, unrealized_pnl: i }),
    );
    render(<PositionPanel />);
    act(() =>
      usePositionsStore.getState().dispatch({
        type: 'stream',
        at: 0,
        event: {
          type: 'snapshot',
          data: {
            positions: many,
            portfolio: makePortfolio(),
            orders: [],
            connection: 'live',
            is_stale: false,
            as_of: T0,
          },
        },
      }),
    );
    expect(screen.getByTestId('position-list')).toHaveAttribute('data-virtualized', 'true');
    expect(screen.queryAllByTestId('position-card').length).toBeLessThan(40);
    expect(screen.getByRole('heading', { name: 'Positions (120)' })).toBeInTheDocument();
  });
});
