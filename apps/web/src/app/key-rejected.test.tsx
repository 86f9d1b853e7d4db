import { act, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { useAuthNoticeStore } from '../features/auth/stores/auth-notice.store';
import { usePositionsStore } from '../features/positions/stores/positions.store';
import { FakeEventSource } from '../test/fake-event-source';
import { makePortfolio, makePosition, T0 } from '../test/fixtures';
import { installMockApi } from '../test/mock-api';
import { renderWithClient } from '../test/render';
import { App } from './app';

const session = {
  authenticated: true as const,
  user_id: 'u1',
  key_id: 'revoked-key',
  session_expires_at: '2026-11-25T10:00:00.000Z',
};
const config = {
  kalshi_env: 'production' as const,
  exchange_url: 'https://api.elections.kalshi.com',
  demo_account_available: false,
};

describe('a key the exchange refused', () => {
  beforeEach(() => {
    FakeEventSource.reset();
    usePositionsStore.getState().dispatch({ type: 'reset' });
    useAuthNoticeStore.getState().setNotice(null);
    vi.stubGlobal('EventSource', FakeEventSource);
    vi.stubGlobal('matchMedia', () => ({ matches: false }));
  });

  it('is shown with the last data, and "Reconnect your key" signs out to the connect screen with the reason', async () => {
    let isSignedIn = true;
    const api = installMockApi({
      'GET /api/v1/config': () => config,
      'GET /api/v1/account/session': () => (isSignedIn ? session : { authenticated: false }),
      'DELETE /api/v1/account/logout': () => {
        isSignedIn = false;
        return { status: 'logged_out' };
      },
      'GET /api/v1/markets': () => ({ markets: [], categories: [] }),
    });
    const user = userEvent.setup();
    renderWithClient(<App />);
    await waitFor(() => expect(FakeEventSource.instances).toHaveLength(1));
    const source = FakeEventSource.latest();
    act(() => {
      source.open();
      source.emit('snapshot', {
        positions: [makePosition({ ticker: 'HELD', side: 'YES', quantity: 10 })],
        portfolio: makePortfolio({ position_count: 1 }),
        orders: [],
        connection: 'live',
        is_stale: false,
        as_of: T0,
      });
    });
    await waitFor(() =>
      expect(screen.getByTestId('connection-status')).toHaveAttribute('data-status', 'live'),
    );
    expect(screen.queryByTestId('key-rejected')).not.toBeInTheDocument();

    act(() => {
      source.emit('connection_status', {
        status: 'credentials_rejected',
        detail: 'Kalshi rejected the API key (revoked or replaced); reconnect your key',
        is_stale: true,
        as_of: T0,
      });
    });
    const status = await screen.findByTestId('connection-status');
    await waitFor(() => expect(status).toHaveAttribute('data-status', 'rejected'));
    expect(status).toHaveTextContent('Key rejected');
    expect(status).toHaveAttribute(
      'title',
      'Kalshi rejected the API key (revoked or replaced); reconnect your key',
    );
    // The last positions stay on screen.
    expect(screen.getAllByTestId('position-card')).toHaveLength(1);
    expect(screen.getByTestId('key-rejected')).toHaveTextContent('Kalshi rejected your API key.');

    await user.click(screen.getByRole('button', { name: 'Reconnect your key' }));
    expect(await screen.findByLabelText('API key id')).toBeInTheDocument();
    expect(screen.getByTestId('auth-notice')).toHaveTextContent('Kalshi rejected the key this account used');
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toContain('DELETE /api/v1/account/logout');
    expect(source.isClosed).toBe(true);
  });
});
