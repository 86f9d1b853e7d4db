/**
 * The one error handler: every failure becomes `{"error": code, "message": text}`.
 * AppErrors carry their own client-facing message; validation errors say which field is
 * wrong (never echoing its value, which might be a private key); Fastify's own client errors
 * get a fixed message of ours (theirs echo the URL); anything else is logged in full and
 * answered with a generic 500. Client errors are logged at info, server errors at error.
 *
 * Failures reach it through four doors, and each must answer in our shape:
 * - Fastify's error handler: routes, hooks, body parsing, validation (`registerErrorHandler`);
 * - Fastify's `frameworkErrors`: a URL the router cannot decode or a path segment over the
 *   length limit, rejected before any route or hook runs (`errorHandlingOptions`);
 * - the HTTP server's `clientError`: a request Node could not parse at all, answered on the
 *   raw socket (`errorHandlingOptions`);
 * - a request arriving while the server closes (a hook here, `return503OnClosing` off).
 */
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import type { ErrorBody, ErrorCode } from '@kalshi-desk/contracts';
import { describeDatabaseError, isDatabaseUnavailable } from '../shared/db/database-errors.js';
import { appError, databaseUnavailable, isAppError } from '../shared/errors.js';

const INTERNAL: ErrorBody = { error: 'internal_error', message: 'Something went wrong on the server.' };

/** Fastify's client errors by code: its own messages quote the URL or the parser's internals. */
const FASTIFY_CLIENT_MESSAGES: Readonly<Record<string, string>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'The request body is not valid JSON.',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'The request body is not valid JSON.',
  FST_ERR_CTP_BODY_TOO_LARGE: 'The request body is too large.',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Unsupported content type; send application/json.',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'The Content-Length header does not match the body.',
  FST_ERR_BAD_URL: 'The URL is not valid: it has a malformed percent-encoded character.',
  FST_ERR_MAX_PARAM_LENGTH: 'A segment of the URL path is too long.',
};

/** Longest validation message sent back (a message may name a client-chosen key). */
const MAX_VALIDATION_MESSAGE = 500;

interface ErrorAnswer {
  status: number;
  body: ErrorBody;
  /** Logged at error level (the server's fault) or info (the client's). */
  isServerFault: boolean;
  log: Record<string, unknown>;
}

/** What to answer for any error, wherever it was raised. */
function answerFor(error: FastifyError): ErrorAnswer {
  // A database that does not answer, however deep in a query it surfaced: 503, never a 500.
  if (!isAppError(error) && isDatabaseUnavailable(error)) {
    const unavailable = databaseUnavailable();
    return {
      status: unavailable.statusCode,
      body: { error: unavailable.code, message: unavailable.message },
      isServerFault: true,
      log: { code: unavailable.code, cause: describeDatabaseError(error) },
    };
  }
  if (isAppError(error)) {
    return {
      status: error.statusCode,
      body: { error: error.code, message: error.message },
      isServerFault: error.statusCode >= 500,
      log: { code: error.code, cause: describeCause(error.cause) },
    };
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const fields = error.validation.map((v) => {
      const where = v.instancePath.replace(/^\//, '').replaceAll('/', '.');
      return where === '' ? v.message : `${where}: ${v.message}`;
    });
    const context = error.validationContext === undefined ? '' : ` ${error.validationContext}`;
    return {
      status: 400,
      body: { error: 'bad_request', message: truncate(`Invalid request${context}: ${fields.join('; ')}`) },
      isServerFault: false,
      log: { code: 'bad_request' },
    };
  }
  if (isResponseSerializationError(error)) {
    return {
      status: 500,
      body: INTERNAL,
      isServerFault: true,
      log: { err: error.cause, method: error.method, url: error.url, reason: 'response failed its schema' },
    };
  }
  const status = error.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code: ErrorCode = status === 404 ? 'not_found' : status === 429 ? 'rate_limited' : 'bad_request';
    const message =
      status === 429
        ? 'Too many requests; try again in a minute.'
        : (FASTIFY_CLIENT_MESSAGES[error.code] ?? 'The request could not be processed.');
    return { status, body: { error: code, message }, isServerFault: false, log: { code: error.code } };
  }
  return { status: 500, body: INTERNAL, isServerFault: true, log: { err: error } };
}

function answer(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined {
  const { status, body, isServerFault, log } = answerFor(error);
  if (isServerFault) request.log.error(log, `answered ${status}: ${describeFailure(error)}`);
  else request.log.info(log, `answered ${status}: ${body.message}`);
  // A streaming (hijacked) response has already started: nothing more can be sent on it.
  if (reply.sent || reply.raw.headersSent) return undefined;
  // Our own serializer: a route's response schema for this status must not turn the error
  // body into a second failure, which Fastify's default handler would answer in its shape.
  return reply
    .code(status)
    .type('application/json; charset=utf-8')
    .serializer((payload: unknown) => JSON.stringify(payload))
    .send(body);
}

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler<FastifyError>((error, request, reply) => answer(error, request, reply));

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const body: ErrorBody = {
      error: 'not_found',
      message: `No route ${request.method} ${truncate(path, 200)}.`,
    };
    return reply.status(404).send(body);
  });

  // A request that arrives while the server closes (on a kept-alive connection) gets our 503;
  // Fastify's own answer (return503OnClosing, off in errorHandlingOptions) has its own shape.
  let isClosing = false;
  app.addHook('preClose', (done) => {
    isClosing = true;
    done();
  });
  app.addHook('onRequest', (_request, reply, done) => {
    if (!isClosing) {
      done();
      return;
    }
    void reply.header('connection', 'close');
    done(appError('not_available', 503, 'The server is shutting down; try again shortly.'));
  });
}

/**
 * Options for `Fastify({...})`: the errors raised before any route or hook runs, which
 * `setErrorHandler` never sees, and requests that arrive while the server closes.
 */
export const errorHandlingOptions = {
  return503OnClosing: false,
  frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
    answer(error, request, reply);
  },
  clientErrorHandler(this: FastifyInstance, error: Error & { code?: string }, socket: Socket): void {
    // A reset connection has nobody to answer (Node's own rule).
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const [status, reason, message] =
      error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'The request took too long to arrive.']
        : error.code === 'HPE_HEADER_OVERFLOW'
          ? [431, 'Request Header Fields Too Large', 'The request headers are too large.']
          : [400, 'Bad Request', 'The request is not valid HTTP.'];
    this.log.debug({ code: error.code }, `client error answered ${status}`);
    if (socket.writable) {
      const body = JSON.stringify({ error: 'bad_request', message } satisfies ErrorBody);
      socket.write(
        `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  },
};

function truncate(text: string, max = MAX_VALIDATION_MESSAGE): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function describeFailure(error: FastifyError): string {
  if (isAppError(error)) return error.message;
  return isDatabaseUnavailable(error) ? 'database unavailable' : 'unhandled error';
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
