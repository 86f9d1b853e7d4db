import { errorBodySchema } from '@kalshi-desk/contracts';
import type { z } from 'zod';

/** Every failure of a call to our server, as data the UI can branch on. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  /** The server's stable code, or `network_error` / `invalid_response` from the client side. */
  readonly code: string;
  readonly status: number;

  constructor({ code, message, status }: { code: string; message: string; status: number }) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}

/** The session is gone: the UI must show the connect screen again. */
export function isAuthError(error: unknown): boolean {
  return isApiError(error) && (error.code === 'not_authenticated' || error.code === 'session_expired');
}

export const API_BASE = '/api/v1';

interface RequestOptions {
  method?: 'GET' | 'POST' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
  query?: Record<string, string | number | undefined>;
}

export function buildUrl(path: string, query?: RequestOptions['query']): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  const qs = params.toString();
  return `${API_BASE}${path}${qs ? `?${qs}` : ''}`;
}

/**
 * Calls our server and parses the JSON answer with a contracts schema. The session is an
 * httpOnly cookie, so requests only need same-origin credentials.
 */
export async function apiRequest<S extends z.ZodType>(
  path: string,
  schema: S,
  options: RequestOptions = {},
): Promise<z.infer<S>> {
  const init: RequestInit = {
    method: options.method ?? 'GET',
    credentials: 'same-origin',
    headers: {
      accept: 'application/json',
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: options.signal,
  };
  let response: Response;
  try {
    response = await fetch(buildUrl(path, options.query), init);
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError({
      code: 'network_error',
      message: 'Could not reach the Kalshi Desk server.',
      status: 0,
    });
  }
  let json: unknown = null;
  const text = await response.text();
  if (text.length > 0) {
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
  }
  if (!response.ok) {
    const body = errorBodySchema.safeParse(json);
    throw new ApiError({
      code: body.success ? body.data.error : `http_${response.status}`,
      message: body.success ? body.data.message : `The server answered ${response.status}.`,
      status: response.status,
    });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new ApiError({
      code: 'invalid_response',
      message: `The server's answer to ${path} did not match the contract.`,
      status: response.status,
    });
  }
  return parsed.data;
}
