/**
 * `requireSession`: the preHandler every authenticated route uses. It accepts the httpOnly
 * cookie (browsers) or `Authorization: Bearer <token>` (other clients), sets
 * `request.session`, and renews a cookie session older than 20 h. `lookUpSession` does the
 * same without refusing, for the one route that answers signed-out callers too.
 *
 * The session cookie is written as a Set-Cookie header on the reply right away (not through
 * @fastify/cookie's onSend hook), so a route that hijacks its reply — the SSE streams — still
 * sends a renewed cookie: the SSE writer copies the reply's headers into the stream's.
 */
import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { appError, notAuthenticated } from '../../shared/errors.js';
import type { SessionContext, SessionService } from './sessions.usecases.js';

export const SESSION_COOKIE = 'kd_session';

declare module 'fastify' {
  interface FastifyInstance {
    sessions: SessionService;
    /** Cookie flags depend on the deployment (Secure in production). */
    sessionCookieSecure: boolean;
  }
  interface FastifyRequest {
    /** Set by requireSession; null on routes without it. */
    session: SessionContext | null;
  }
}

export function readSessionToken(
  request: FastifyRequest,
): { token: string; from: 'cookie' | 'bearer' } | null {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
    if (match?.[1] !== undefined) return { token: match[1], from: 'bearer' };
  }
  const cookie = request.cookies[SESSION_COOKIE];
  if (typeof cookie === 'string' && cookie !== '') return { token: cookie, from: 'cookie' };
  return null;
}

export function setSessionCookie(reply: FastifyReply, token: string, expiresAt: number): void {
  writeSessionCookie(reply, token, { expires: new Date(expiresAt) });
}

export function clearSessionCookie(reply: FastifyReply): void {
  writeSessionCookie(reply, '', { expires: new Date(0), maxAge: 0 });
}

function writeSessionCookie(
  reply: FastifyReply,
  value: string,
  lifetime: { expires: Date; maxAge?: number },
): void {
  const cookie = reply.server.serializeCookie(SESSION_COOKIE, value, {
    httpOnly: true,
    sameSite: 'lax',
    secure: reply.server.sessionCookieSecure,
    path: '/',
    ...lifetime,
  });
  // One session cookie per answer: a later write (renewed, then cleared) replaces the earlier.
  const others = [reply.getHeader('set-cookie') ?? []]
    .flat()
    .map(String)
    .filter((c) => !c.startsWith(`${SESSION_COOKIE}=`));
  reply.removeHeader('set-cookie');
  void reply.header('set-cookie', others.length === 0 ? cookie : [...others, cookie]);
}

/**
 * What the request's token says, as data. A cookie that no longer works is cleared and an
 * old one renewed here, so requireSession and the session probe treat cookies alike.
 */
export type SessionLookup =
  | { status: 'active'; session: SessionContext }
  | { status: 'absent' }
  | { status: 'invalid' }
  | { status: 'ended' };

export async function lookUpSession(request: FastifyRequest, reply: FastifyReply): Promise<SessionLookup> {
  const found = readSessionToken(request);
  if (found === null) return { status: 'absent' };
  const sessions = request.server.sessions;
  const outcome = await sessions.verify(found.token);
  if (!outcome.ok) {
    if (found.from === 'cookie') clearSessionCookie(reply);
    return { status: outcome.reason === 'invalid' ? 'invalid' : 'ended' };
  }
  let session = outcome.session;
  if (found.from === 'cookie' && sessions.shouldRenew(session)) {
    const renewed = await sessions.renew(session);
    setSessionCookie(reply, renewed.token, renewed.session.expiresAt);
    session = renewed.session;
  }
  return { status: 'active', session };
}

export async function requireSession(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const lookup = await lookUpSession(request, reply);
  switch (lookup.status) {
    case 'active':
      request.session = lookup.session;
      return;
    case 'absent':
      throw notAuthenticated();
    case 'invalid':
      throw appError(
        'not_authenticated',
        401,
        'The session is not valid; connect your Kalshi API key again.',
      );
    case 'ended':
      throw appError('session_expired', 401, 'Your session has ended; connect your Kalshi API key again.');
  }
}

/** The session requireSession attached; routes behind requireSession read it through this. */
export function sessionOf(request: FastifyRequest): SessionContext {
  if (request.session === null) throw notAuthenticated();
  return request.session;
}
