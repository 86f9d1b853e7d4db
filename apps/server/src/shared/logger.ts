/**
 * Logger options shared by the server and its tests. Pino (Fastify's logger) with redaction
 * as a second line of defence: credentials are never passed to a log call in the first place,
 * but a request body, header or error object that carries one is censored here.
 */
import type { FastifyServerOptions } from 'fastify';
import type { DestinationStream, LoggerOptions } from 'pino';

export const REDACTED_PATHS = [
  'private_key',
  'privateKey',
  'privateKeyPem',
  '*.private_key',
  '*.privateKey',
  '*.privateKeyPem',
  '*.*.private_key',
  '*.*.privateKeyPem',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'authorization',
  'cookie',
];

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
}

/** Fastify's `logger` option, optionally writing to a given stream (tests capture it). */
export function fastifyLoggerOption(
  level: string,
  stream?: DestinationStream,
): NonNullable<FastifyServerOptions['logger']> {
  return stream === undefined ? loggerOptions(level) : { ...loggerOptions(level), stream };
}
