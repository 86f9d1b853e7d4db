import type { AppConfigResponse } from '@kalshi-desk/contracts';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { installMockApi, MockFailure } from '../../../test/mock-api';
import { renderWithClient } from '../../../test/render';
import { AuthDialog } from './auth-dialog';

const simulator: AppConfigResponse = {
  kalshi_env: 'simulator',
  exchange_url: 'http://127.0.0.1:9100',
  demo_account_available: true,
};
const production: AppConfigResponse = {
  kalshi_env: 'production',
  exchange_url: 'https://api.elections.kalshi.com',
  demo_account_available: false,
};
const PEM = '-----BEGIN PRIVATE KEY-----\nMIIE...\n-----END PRIVATE KEY-----\n';
const ok = {
  status: 'authenticated',
  user_id: 'u1',
  session_expires_at: '2026-11-25T10:00:00.000Z',
} as const;

async function submitKey(user: ReturnType<typeof userEvent.setup>) {
  await user.type(screen.getByLabelText('API key id'), 'key-123');
  await user.type(screen.getByLabelText('Private key (PEM)'), PEM);
  await user.click(screen.getByRole('button', { name: 'Connect' }));
}

describe('AuthDialog', () => {
  it('shows which exchange the server points at', () => {
    renderWithClient(<AuthDialog config={production} onAuthenticated={() => undefined} />);
    expect(screen.getByTestId('exchange-environment')).toHaveTextContent('Kalshi production');
    expect(screen.getByTestId('exchange-environment')).toHaveTextContent('https://api.elections.kalshi.com');
    expect(screen.queryByRole('button', { name: 'Use the demo account' })).not.toBeInTheDocument();
  });

  it('sends the key id and PEM, then reports success and forgets the key', async () => {
    const { requests } = installMockApi({ 'POST /api/v1/account/authenticate': () => ok });
    const onAuthenticated = vi.fn();
    const user = userEvent.setup();
    renderWithClient(<AuthDialog config={production} onAuthenticated={onAuthenticated} />);
    await submitKey(user);
    await waitFor(() => expect(onAuthenticated).toHaveBeenCalledTimes(1));
    expect(requests[0]?.body).toEqual({ key_id: 'key-123', private_key: PEM });
    expect(screen.getByLabelText('Private key (PEM)')).toHaveValue('');
  });

  it.each([
    ['invalid_private_key', 400, /could not be read/, /BEGIN/],
    ['invalid_credentials', 401, /rejected this key/, /Kalshi production/],
    ['exchange_unreachable', 502, /Could not reach Kalshi production/, /did not answer/],
    ['rate_limited', 429, /Too many attempts/, /Wait a minute/],
  ])('explains %s in plain words', async (code, status, title, hint) => {
    installMockApi({
      'POST /api/v1/account/authenticate': () => new MockFailure(status, code, 'server text'),
    });
    const user = userEvent.setup();
    renderWithClient(<AuthDialog config={production} onAuthenticated={() => undefined} />);
    await submitKey(user);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent(title);
    expect(alert).toHaveTextContent(hint);
    expect(alert).not.toHaveTextContent('PRIVATE KEY');
  });

  it('says so when the server itself is down', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(() => Promise.reject(new TypeError('Failed to fetch'))),
    );
    const user = userEvent.setup();
    renderWithClient(<AuthDialog config={production} onAuthenticated={() => undefined} />);
    await submitKey(user);
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not reach the Kalshi Desk server.');
  });

  it('connects the demo account in one click in simulator mode', async () => {
    const { requests } = installMockApi({ 'POST /api/v1/account/authenticate/demo': () => ok });
    const onAuthenticated = vi.fn();
    renderWithClient(<AuthDialog config={simulator} onAuthenticated={onAuthenticated} />);
    expect(screen.getByTestId('exchange-environment')).toHaveTextContent('the built-in simulator');
    await userEvent.click(screen.getByRole('button', { name: 'Use the demo account' }));
    await waitFor(() => expect(onAuthenticated).toHaveBeenCalledTimes(1));
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /api/v1/account/authenticate/demo']);
  });

  it('reads the private key from an uploaded file', async () => {
    const { requests } = installMockApi({ 'POST /api/v1/account/authenticate': () => ok });
    const user = userEvent.setup();
    renderWithClient(<AuthDialog config={production} onAuthenticated={() => undefined} />);
    await user.type(screen.getByLabelText('API key id'), 'key-123');
    await user.upload(
      screen.getByLabelText('Upload private key file'),
      new File([PEM], 'kalshi.pem', { type: 'application/x-pem-file' }),
    );
    expect(await screen.findByText('kalshi.pem')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Connect' }));
    await waitFor(() => expect(requests).toHaveLength(1));
    expect(requests[0]?.body).toEqual({ key_id: 'key-123', private_key: PEM });
  });
});
