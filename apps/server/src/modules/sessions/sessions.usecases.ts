/**
 * Sessions: a JWT (HS256, jose) naming a row of the sessions table. The token proves who the
 * user is; the row makes it revocable. 24 h lifetime; a request with a session older than
 * 20 h gets a fresh one; the old one then lives only RENEWAL_GRACE_MS more (not revoked at
 * once: a browser sends several requests in parallel with the old cookie). Renewals carry the
 * login time (`auth_time`) along and never extend a session past SESSION_MAX_AGE_MS after it,
 * so a stolen cookie kept busy does not live forever.
 *
 * Outcomes, by design:
 *   - no token                                  -> not_authenticated
 *   - bad signature, malformed, unknown jti     -> not_authenticated (a forged or tampered
 *     token says nothing trustworthy about a past session, so we do not claim one expired)
 *   - well-signed but past `exp`, or revoked    -> session_expired
 */
import { randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import type { Clock } from '../../shared/clock.js';
import { SessionsRepository, type SessionRow } from './sessions.repository.js';
import type { Db } from '../../shared/db/database.js';

export const SESSION_TTL_MS = 24 * 60 * 60 * 1000;
export const SESSION_RENEW_AFTER_MS = 20 * 60 * 60 * 1000;
export const RENEWAL_GRACE_MS = 60 * 1000;
/** Default absolute lifetime: 30 days from login, however often the session was renewed. */
export const SESSION_MAX_AGE_MS = 30 * 24 * 60 * 60 * 1000;
const ISSUER = 'kalshi-desk';
const AUDIENCE = 'kalshi-desk/api';

/** Who is calling, as every authenticated route sees it. */
export interface SessionContext {
  userId: string;
  /** The Kalshi API key id of the connected account (not secret). */
  keyId: string;
  jti: string;
  issuedAt: number;
  expiresAt: number;
  /** When the user logged in (ms); renewals keep it. */
  authenticatedAt: number;
}

export interface IssuedSession {
  token: string;
  session: SessionContext;
}

export type VerifyOutcome =
  { ok: true; session: SessionContext } | { ok: false; reason: 'invalid' | 'expired' | 'revoked' };

const claimsSchema = z.object({
  sub: z.string().uuid(),
  jti: z.string().min(1),
  kid: z.string().min(1),
  iat: z.number().int(),
  exp: z.number().int(),
  // Tokens issued before the absolute lifetime existed have none: their own iat stands in.
  auth_time: z.number().int().optional(),
});

export class SessionService {
  private readonly repository: SessionsRepository;

  constructor(
    private readonly deps: {
      db: Db;
      secret: Uint8Array;
      clock: Clock;
      ttlMs?: number;
      renewAfterMs?: number;
      /** Absolute lifetime from login. Default SESSION_MAX_AGE_MS. */
      maxAgeMs?: number;
    },
  ) {
    this.repository = new SessionsRepository(deps.db);
  }

  private get ttlMs(): number {
    return this.deps.ttlMs ?? SESSION_TTL_MS;
  }

  private get maxAgeMs(): number {
    return this.deps.maxAgeMs ?? SESSION_MAX_AGE_MS;
  }

  /**
   * A new session. `authenticatedAt` is the login it descends from (renewals pass it on);
   * without it the session is a fresh login.
   */
  async issue(input: {
    userId: string;
    keyId: string;
    renewedFrom?: string;
    authenticatedAt?: number;
  }): Promise<IssuedSession> {
    const nowMs = this.deps.clock.now();
    // JWT times are whole seconds; keep the row and the token in agreement.
    const iat = Math.floor(nowMs / 1000);
    const authTime = Math.min(iat, Math.floor((input.authenticatedAt ?? nowMs) / 1000));
    const exp = Math.min(iat + Math.floor(this.ttlMs / 1000), authTime + Math.floor(this.maxAgeMs / 1000));
    const jti = randomUUID();
    const token = await new SignJWT({ kid: input.keyId, auth_time: authTime })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(input.userId)
      .setJti(jti)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(this.deps.secret);
    await this.repository.insert({
      jti,
      userId: input.userId,
      issuedAt: new Date(iat * 1000),
      expiresAt: new Date(exp * 1000),
      renewedFrom: input.renewedFrom ?? null,
    });
    return {
      token,
      session: {
        userId: input.userId,
        keyId: input.keyId,
        jti,
        issuedAt: iat * 1000,
        expiresAt: exp * 1000,
        authenticatedAt: authTime * 1000,
      },
    };
  }

  async verify(token: string): Promise<VerifyOutcome> {
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, this.deps.secret, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        audience: AUDIENCE,
        currentDate: new Date(this.deps.clock.now()),
      }));
    } catch (error) {
      return { ok: false, reason: error instanceof joseErrors.JWTExpired ? 'expired' : 'invalid' };
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) return { ok: false, reason: 'invalid' };
    const row = await this.repository.find(claims.data.jti);
    if (row === null || row.userId !== claims.data.sub) return { ok: false, reason: 'invalid' };
    if (row.revokedAt !== null) return { ok: false, reason: 'revoked' };
    if (row.expiresAt.getTime() <= this.deps.clock.now()) return { ok: false, reason: 'expired' };
    return {
      ok: true,
      session: {
        userId: claims.data.sub,
        keyId: claims.data.kid,
        jti: claims.data.jti,
        issuedAt: claims.data.iat * 1000,
        expiresAt: claims.data.exp * 1000,
        authenticatedAt: (claims.data.auth_time ?? claims.data.iat) * 1000,
      },
    };
  }

  /** Old enough to renew, and a renewal would still extend it (the absolute lifetime allows). */
  shouldRenew(session: SessionContext): boolean {
    const isOld =
      this.deps.clock.now() - session.issuedAt >= (this.deps.renewAfterMs ?? SESSION_RENEW_AFTER_MS);
    return isOld && session.expiresAt < session.authenticatedAt + this.maxAgeMs;
  }

  /** A fresh session replacing `session`, which expires RENEWAL_GRACE_MS later. */
  async renew(session: SessionContext): Promise<IssuedSession> {
    const next = await this.issue({
      userId: session.userId,
      keyId: session.keyId,
      renewedFrom: session.jti,
      authenticatedAt: session.authenticatedAt,
    });
    await this.repository.shortenExpiry(session.jti, new Date(this.deps.clock.now() + RENEWAL_GRACE_MS));
    return next;
  }

  async revoke(jtis: readonly string[]): Promise<void> {
    await this.repository.revoke(jtis, new Date(this.deps.clock.now()));
  }

  /** Revokes every session of the user ("log out everywhere"); returns the jtis it ended. */
  async revokeAllOf(userId: string): Promise<string[]> {
    return this.repository.revokeAllOf(userId, new Date(this.deps.clock.now()));
  }

  /** Whether the user has any session that is neither revoked nor expired. */
  async hasActiveSession(userId: string): Promise<boolean> {
    return (await this.repository.listActive(userId, new Date(this.deps.clock.now()))).length > 0;
  }

  /**
   * Forgets sessions that ended more than `retainMs` ago (default 7 days): a token that old
   * fails its own `exp` check, so its row no longer matters.
   */
  async purgeExpired(retainMs = 7 * 24 * 60 * 60 * 1000): Promise<number> {
    return this.repository.deleteExpiredBefore(new Date(this.deps.clock.now() - retainMs));
  }

  /** Live (unrevoked, unexpired) sessions of the user other than those listed. */
  async otherActiveSessions(userId: string, except: readonly string[]): Promise<number> {
    const rows = await this.repository.listActive(userId, new Date(this.deps.clock.now()));
    return rows.filter((r) => !except.includes(r.jti)).length;
  }

  /**
   * The session's family, for logout: the jti, the sessions it was renewed from, and every
   * session renewed from any of those (parallel renewals in the grace window).
   */
  async family(jti: string): Promise<string[]> {
    const family = new Set<string>();
    let current: string | null = jti;
    while (current !== null && family.size < 64 && !family.has(current)) {
      family.add(current);
      const row: SessionRow | null = await this.repository.find(current);
      current = row?.renewedFrom ?? null;
    }
    for (let round = 0; round < 8; round++) {
      const children = await this.repository.renewedFrom([...family]);
      const fresh = children.filter((c) => !family.has(c));
      if (fresh.length === 0) break;
      for (const c of fresh) family.add(c);
    }
    return [...family];
  }
}
