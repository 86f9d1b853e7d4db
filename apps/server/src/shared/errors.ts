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
