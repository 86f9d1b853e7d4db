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
import { apiRequest, isAuthError } from '../../../lib/api-client';

/** The current session, or null when there is none (the cookie is missing, expired or revoked). */
export async function fetchSession({ signal }: { signal?: AbortSignal } = {}): Promise<SessionInfo | null> {
  try {
    return await apiRequest('/account/session', sessionInfoSchema, { signal });
  } catch (error) {
    if (isAuthError(error)) return null;
    throw error;
  }
}

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
