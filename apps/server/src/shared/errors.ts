/**
 * The server's one error factory. Route code throws `appError(...)`; app/error-handler.ts
 * turns it into `{"error": code, "message": message}` with the status. The message is sent
 * to the client, so it must be written for the client; internal details go in `cause`,
 * which is logged and never sent.
 */
import type { ErrorCode } from '@kalshi-desk/contracts';

export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    readonly statusCode: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function appError(code: ErrorCode, status: number, message: string, cause?: unknown): AppError {
  return new AppError(code, status, message, cause === undefined ? undefined : { cause });
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/**
 * The request itself is wrong: a value out of range, or fields that contradict each other.
 * Schema validation answers most of these; this is for checks a schema cannot make alone.
 */
export function badRequest(message: string): AppError {
  return appError('bad_request', 400, message);
}

/** The submitted private key cannot be used. The message must never quote the key. */
export function invalidPrivateKey(message: string, cause?: unknown): AppError {
  return appError('invalid_private_key', 400, message, cause);
}

/**
 * The request has no session (no token at all). Route code that needs a session throws this
 * when `request.session` is missing, and the session guard throws it first.
 */
export function notAuthenticated(): AppError {
  return appError('not_authenticated', 401, 'Connect your Kalshi API key first.');
}

/**
 * The session is valid but its Kalshi account is not connected to this server: no stored key,
 * an unreadable one, or no live session to read positions from. The code stays
 * `not_authenticated`: for the browser it means the same thing, connect the key again.
 */
export function accountNotConnected(
  message = 'This account is not connected; authenticate again.',
  cause?: unknown,
): AppError {
  return appError('not_authenticated', 401, message, cause);
}

/**
 * The database does not answer (down, unreachable, or slower than our timeouts). A 503 the
 * client may retry; never a 401, which would tell the browser its session is gone.
 */
export function databaseUnavailable(cause?: unknown): AppError {
  return appError(
    'database_unavailable',
    503,
    'The server cannot reach its database right now; try again shortly.',
    cause,
  );
}
