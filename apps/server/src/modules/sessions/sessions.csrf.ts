/**
 * Cross-site request forgery: the session cookie is SameSite=Lax, but a cross-site `text/plain`
 * POST (a form or a no-cors fetch: no preflight) still reached the routes, and a login CSRF
 * on the demo account set a cookie. This onRequest hook refuses, before any route runs, every
 * state-changing request (POST, PUT, PATCH, DELETE) that a browser marks as coming from
 * another site, and every such request carrying a body that is not JSON.
 *
 * Who sent it: `Sec-Fetch-Site` when the browser sends it (it cannot be set by page script);
 * otherwise `Origin`, compared with this host and the configured CORS origins. A request with
 * neither comes from a client that is not a browser (curl, scripts, tests), which no other
 * site can make a victim's browser send, so it passes.
 */
import type { FastifyRequest, onRequestHookHandler } from 'fastify';
import { appError } from '../../shared/errors.js';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface CsrfGuardOptions {
  /** Origins allowed to make cross-origin requests (CORS_ORIGINS), e.g. `https://desk.example.com`. */
  allowedOrigins: readonly string[];
}

export function csrfGuard(options: CsrfGuardOptions): onRequestHookHandler {
  const allowed = new Set(options.allowedOrigins);
  return (request, _reply, done) => {
    if (!STATE_CHANGING.has(request.method)) {
      done();
      return;
    }
    if (!isFromAllowedOrigin(request, allowed)) {
      done(
        appError(
          'forbidden_origin',
          403,
          'This request came from another site; it must come from the Kalshi Desk app itself.',
        ),
      );
      return;
    }
    if (!isJsonOrEmpty(request)) {
      done(appError('bad_request', 415, 'Unsupported content type; send application/json.'));
      return;
    }
    done();
  };
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value.trim() : undefined;
}

function isFromAllowedOrigin(request: FastifyRequest, allowed: ReadonlySet<string>): boolean {
  const site = header(request, 'sec-fetch-site')?.toLowerCase();
  const origin = header(request, 'origin');
  // same-origin: our own page; none: the user acted directly (typed URL, bookmark).
  if (site === 'same-origin' || site === 'none') return true;
  if (origin === undefined) return site === undefined;
  if (allowed.has(origin)) return true;
  // A browser that sends no Sec-Fetch-Site: the Origin must name this very host. With
  // Sec-Fetch-Site same-site or cross-site, the browser already said it is not this origin.
  return site === undefined && isSameHost(origin, request.host);
}

/** Whether an http(s) Origin names `host` (default ports compared as the browser sees them). */
function isSameHost(origin: string, host: string): boolean {
  try {
    const url = new URL(origin);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    return url.host === new URL(`${url.protocol}//${host}`).host;
  } catch {
    // `null` (sandboxed frames, file: pages) and anything unparsable.
    return false;
  }
}

/**
 * A body must be declared JSON: every route that takes one reads JSON, and the content types a
 * page can send without a preflight (text/plain, forms) are exactly the forged ones.
 */
function isJsonOrEmpty(request: FastifyRequest): boolean {
  const type = header(request, 'content-type');
  if (type !== undefined && type !== '') {
    return type.split(';')[0]?.trim().toLowerCase() === 'application/json';
  }
  const length = header(request, 'content-length');
  const hasBody =
    request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  return !hasBody;
}
