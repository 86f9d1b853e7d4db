import { act, render, screen, waitFor } from '@testing-library/react';
import type { ReactElement } from 'react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { usePositionsStore } from '../features/positions/stores/positions.store';
import { FakeEventSource } from '../test/fake-event-source';
import { makeMarket, makePortfolio, makePosition, T0 } from '../test/fixtures';
import { installMockApi, MockFailure } from '../test/mock-api';
import { renderWithClient } from '../test/render';
import { App } from './app';
import { createQueryClient, Providers } from './providers';

const session = {
  authenticated: true as const,
  user_id: 'u1',
  key_id: 'demo-key',
  session_expires_at: '2026-11-25T10:00:00.000Z',
};
const config = {
  kalshi_env: 'simulator' as const,
  exchange_url: 'http://127.0.0.1:9100',
  demo_account_available: true,
};

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
      'GET /api/v1/config': () => config,
      // Signed out is a 200 answer, not a refused request.
      'GET /api/v1/account/session': () => (isSignedIn ? session : { authenticated: false }),
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
        orders: [],
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

  it('a refused account request sends a signed-in desk back to the connect screen', async () => {
    window.location.hash = '#/portfolio';
    const expired = () => new MockFailure(401, 'session_expired', 'Your session has ended.');
    const api = installMockApi({
      'GET /api/v1/config': () => config,
      'GET /api/v1/account/session': () => session,
      'GET /api/v1/account/equity': expired,
      'GET /api/v1/account/fills': expired,
      'GET /api/v1/account/positions': expired,
      'GET /api/v1/account/portfolio': expired,
    });
    renderWithProviders(<App />);
    expect(await screen.findByRole('button', { name: 'Use the demo account' })).toBeInTheDocument();
    expect(api.requests.map((r) => r.path)).toContain('/api/v1/account/equity');
    // The connect screen comes from the cached answer: the session was not asked again.
    expect(api.requests.filter((r) => r.path === '/api/v1/account/session')).toHaveLength(1);
  });

  it('a probe answer outside the contract is an error, never taken for signed out', async () => {
    installMockApi({
      'GET /api/v1/config': () => config,
      'GET /api/v1/account/session': () => new MockFailure(401, 'not_authenticated', 'no session'),
    });
    renderWithProviders(<App />);
    expect(await screen.findByRole('heading', { name: /not answering/ })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Use the demo account' })).not.toBeInTheDocument();
  });
});

/** The app's own query client, so its rule "a 401 anywhere means the session is gone" applies. */
function renderWithProviders(ui: ReactElement) {
  return render(<Providers client={createQueryClient()}>{ui}</Providers>);
}
