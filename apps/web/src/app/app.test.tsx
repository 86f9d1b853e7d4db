import { act, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { usePositionsStore } from '../features/positions/stores/positions.store';
import { FakeEventSource } from '../test/fake-event-source';
import { makeMarket, makePortfolio, makePosition, T0 } from '../test/fixtures';
import { installMockApi, MockFailure } from '../test/mock-api';
import { renderWithClient } from '../test/render';
import { App } from './app';

const session = { user_id: 'u1', key_id: 'demo-key', session_expires_at: '2026-11-25T10:00:00.000Z' };

describe('App', () => {
  beforeEach(() => {
    FakeEventSource.reset();
    usePositionsStore.getState().dispatch({ type: 'reset' });
    vi.stubGlobal('EventSource', FakeEventSource);
    vi.stubGlobal('matchMedia', () => ({ matches: false }));
  });

  it('connects the demo account, shows live positions and empties them on logout', async () => {
    let isSignedIn = false;
    installMockApi({
      'GET /api/v1/config': () => ({
        kalshi_env: 'simulator',
        exchange_url: 'http://127.0.0.1:9100',
        demo_account_available: true,
      }),
      'GET /api/v1/account/session': () =>
        isSignedIn ? session : new MockFailure(401, 'not_authenticated', 'no session'),
      'POST /api/v1/account/authenticate/demo': () => {
        isSignedIn = true;
        return { status: 'authenticated', user_id: 'u1', session_expires_at: session.session_expires_at };
      },
      'DELETE /api/v1/account/logout': () => {
        isSignedIn = false;
        return { status: 'logged_out' };
      },
      'GET /api/v1/markets': () => ({
        markets: [makeMarket({ ticker: 'HELD' }), makeMarket({ ticker: 'OTHER' })],
        categories: [],
      }),
    });
    const user = userEvent.setup();
    renderWithClient(<App />);
    await user.click(await screen.findByRole('button', { name: 'Use the demo account' }));

    await waitFor(() => expect(FakeEventSource.instances).toHaveLength(1));
    const source = FakeEventSource.latest();
    act(() => {
      source.open();
      source.emit('snapshot', {
        positions: [makePosition({ ticker: 'HELD', side: 'YES', quantity: 7 })],
        portfolio: makePortfolio({ position_count: 1 }),
        connection: 'live',
        is_stale: false,
        as_of: T0,
      });
    });
    await waitFor(() => expect(screen.getAllByTestId('position-card')).toHaveLength(1));
    expect(screen.getByTestId('position-count')).toHaveTextContent('1');
    await waitFor(() => expect(screen.getAllByTestId('holding-badge')).toHaveLength(1));
    expect(screen.getByTestId('holding-badge')).toHaveTextContent('You own YES ×7');

    await user.click(screen.getByRole('button', { name: 'Log out' }));
    expect(await screen.findByRole('button', { name: 'Use the demo account' })).toBeInTheDocument();
    expect(source.isClosed).toBe(true);
    expect(usePositionsStore.getState().positions).toEqual({});
  });
});
