/**
 * The one error handler: every failure becomes `{"error": code, "message": text}`.
 * AppErrors carry their own client-facing message; validation errors say which field is
 * wrong (never echoing its value, which might be a private key); anything else is logged in
 * full and answered with a generic 500.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import type { ErrorBody } from '@kalshi-desk/contracts';
import { isAppError } from '../shared/errors.js';

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler<FastifyError>((error, request, reply) => {
    if (isAppError(error)) {
      const level = error.statusCode >= 500 ? 'error' : 'info';
      request.log[level]({ code: error.code, cause: describeCause(error.cause) }, error.message);
      const body: ErrorBody = { error: error.code, message: error.message };
      return reply.status(error.statusCode).send(body);
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const fields = error.validation.map((v) => {
        const where = v.instancePath.replace(/^\//, '').replaceAll('/', '.');
        return where === '' ? v.message : `${where}: ${v.message}`;
      });
      const body: ErrorBody = {
        error: 'bad_request',
        message: `Invalid request ${error.validationContext ?? ''}: ${fields.join('; ')}`.replace('  ', ' '),
      };
      return reply.status(400).send(body);
    }
    if (isResponseSerializationError(error)) {
      request.log.error(
        { err: error.cause, method: error.method, url: error.url },
        'response failed its schema',
      );
      return reply
        .status(500)
        .send({ error: 'internal_error', message: 'Something went wrong on the server.' });
    }
    if (error.statusCode === 429) {
      return reply
        .status(429)
        .send({ error: 'rate_limited', message: 'Too many requests; try again in a minute.' });
    }
    if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      // Fastify's own client errors (bad JSON, body too large, wrong content type).
      request.log.info({ code: error.code }, error.message);
      const body: ErrorBody = {
        error: error.statusCode === 404 ? 'not_found' : 'bad_request',
        message:
          error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
            ? 'The request body is not valid JSON.'
            : safeClientMessage(error),
      };
      return reply.status(error.statusCode).send(body);
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply
      .status(500)
      .send({ error: 'internal_error', message: 'Something went wrong on the server.' });
  });

  app.setNotFoundHandler((request, reply) => {
    const body: ErrorBody = {
      error: 'not_found',
      message: `No route ${request.method} ${request.url.split('?')[0] ?? ''}.`,
    };
    return reply.status(404).send(body);
  });
}

/** Fastify's client-error messages name limits and content types, never payload content. */
function safeClientMessage(error: FastifyError): string {
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return 'The request body is too large.';
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    return 'Unsupported content type; send application/json.';
  return 'The request could not be processed.';
}

/** Error causes for the log: class, message and Kalshi code, not whole objects. */
function describeCause(cause: unknown): Record<string, unknown> | undefined {
  if (cause === undefined) return undefined;
  if (cause instanceof Error) {
    const extra = cause as Error & { status?: unknown; code?: unknown };
    return { name: cause.name, message: cause.message, status: extra.status, code: extra.code };
  }
  return { type: typeof cause };
}
