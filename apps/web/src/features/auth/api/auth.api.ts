import {
  appConfigResponseSchema,
  authenticateResponseSchema,
  logoutResponseSchema,
  sessionInfoSchema,
  type AuthenticateRequest,
  type AuthenticateResponse,
  type SessionInfo,
} from '@kalshi-desk/contracts';
import { queryOptions } from '@tanstack/react-query';
import { apiRequest } from '../../../lib/api-client';

/**
 * The session probe. The server answers 200 either way, `{authenticated: false}` when the
 * cookie is missing, expired or revoked, so a signed-out first load logs no failed request.
 */
export function fetchSession({ signal }: { signal?: AbortSignal } = {}): Promise<SessionInfo> {
  return apiRequest('/account/session', sessionInfoSchema, { signal });
}

/** What the session query holds once the app knows the session is gone. */
export const signedOutSession: SessionInfo = { authenticated: false };

export function authenticate(body: AuthenticateRequest): Promise<AuthenticateResponse> {
  return apiRequest('/account/authenticate', authenticateResponseSchema, { method: 'POST', body });
}

export function authenticateDemo(): Promise<AuthenticateResponse> {
  return apiRequest('/account/authenticate/demo', authenticateResponseSchema, { method: 'POST', body: {} });
}

export async function logout(): Promise<void> {
  await apiRequest('/account/logout', logoutResponseSchema, { method: 'DELETE' });
}

export const authQueries = {
  session: () =>
    queryOptions({
      queryKey: ['auth', 'session'] as const,
      queryFn: ({ signal }) => fetchSession({ signal }),
      staleTime: 60_000,
      refetchInterval: 5 * 60_000,
    }),
  config: () =>
    queryOptions({
      queryKey: ['config'] as const,
      queryFn: ({ signal }) => apiRequest('/config', appConfigResponseSchema, { signal }),
      staleTime: Number.POSITIVE_INFINITY,
    }),
};
