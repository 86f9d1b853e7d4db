import { act, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makePortfolio, makeSnapshot } from '../../../test/fixtures';
import { usePositionsStore } from '../stores/positions.store';
import { ConnectionStatus } from './connection-status';

const NOW = Date.parse('2026-11-24T10:00:30.000Z');

function receive(status: 'live' | 'reconnecting' | 'credentials_rejected', detail: string): void {
  const { dispatchMany } = usePositionsStore.getState();
  act(() =>
    dispatchMany([
      { type: 'transport', transport: 'open' },
      {
        type: 'stream',
        at: NOW - 1_000,
        event: { type: 'snapshot', data: makeSnapshot({ portfolio: makePortfolio() }) },
      },
      {
        type: 'stream',
        at: NOW,
        event: {
          type: 'connection_status',
          data: { status, detail, is_stale: status !== 'live', as_of: '2026-11-24T10:00:00.000Z' },
        },
      },
    ]),
  );
}

describe('ConnectionStatus', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: NOW, toFake: ['Date'] });
    usePositionsStore.getState().dispatch({ type: 'reset' });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a refused key is its own state, with the age of the last data and the reason on hover', () => {
    receive('credentials_rejected', 'Kalshi rejected the API key (revoked or replaced); reconnect your key');
    render(<ConnectionStatus />);
    const status = screen.getByTestId('connection-status');
    expect(status).toHaveAttribute('data-status', 'rejected');
    expect(status).toHaveTextContent('Key rejected');
    expect(status).toHaveTextContent('data 30s ago');
    expect(status).toHaveAttribute(
      'title',
      'Kalshi rejected the API key (revoked or replaced); reconnect your key',
    );
  });

  it('a stream that cannot be checked is not shown as live', () => {
    receive('reconnecting', 'fills did not arrive on the live feed; checking with the exchange');
    render(<ConnectionStatus />);
    const status = screen.getByTestId('connection-status');
    expect(status).toHaveAttribute('data-status', 'reconnecting');
    expect(status).toHaveAttribute(
      'title',
      'fills did not arrive on the live feed; checking with the exchange',
    );
  });

  it('live says when data last arrived', () => {
    receive('live', 'in sync with the exchange');
    render(<ConnectionStatus />);
    expect(screen.getByTestId('connection-status')).toHaveAttribute('data-status', 'live');
    expect(screen.getByTestId('connection-status')).toHaveTextContent('Live');
  });
});
