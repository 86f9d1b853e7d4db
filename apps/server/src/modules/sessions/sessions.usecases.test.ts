import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestClock } from '../../shared/clock.js';
import type { Database } from '../../shared/db/database.js';
import { testDatabaseKinds } from '../../shared/db/testing.js';
import { UsersRepository } from '../users/users.repository.js';
import {
  RENEWAL_GRACE_MS,
  SESSION_MAX_AGE_MS,
  SESSION_RENEW_AFTER_MS,
  SESSION_TTL_MS,
  SessionService,
} from './sessions.usecases.js';

const SECRET = new TextEncoder().encode('x'.repeat(48));
const USER = '33333333-3333-5333-8333-333333333333';
const HOUR = 3_600_000;

describe.each(testDatabaseKinds())('SessionService on $name', ({ skipReason, create }) => {
  let database: Database;
  const clock = createTestClock();
  let service: SessionService;

  beforeAll(async () => {
    if (skipReason !== null) return;
    database = await create();
    await new UsersRepository(database.db).upsert({
      id: USER,
      exchangeUrl: 'http://x',
      keyId: 'k',
      at: new Date(clock.now()),
    });
    service = new SessionService({ db: database.db, secret: SECRET, clock });
  });
  afterAll(async () => {
    if (skipReason === null) await database.close();
  });

  it.skipIf(skipReason !== null)('a fresh token verifies and names the user, key and jti', async () => {
    const issued = await service.issue({ userId: USER, keyId: 'key-1' });
    const outcome = await service.verify(issued.token);
    expect(outcome).toEqual({ ok: true, session: issued.session });
    expect(issued.session.expiresAt - issued.session.issuedAt).toBe(SESSION_TTL_MS);
  });

  it.skipIf(skipReason !== null)('a tampered token is refused as invalid (not as expired)', async () => {
    const issued = await service.issue({ userId: USER, keyId: 'key-1' });
    const [header, payload, signature] = issued.token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = Buffer.from(
      JSON.stringify({ ...claims, sub: '44444444-4444-5444-8444-444444444444' }),
    ).toString('base64url');
    expect(await service.verify(`${header}.${forged}.${signature}`)).toEqual({
      ok: false,
      reason: 'invalid',
    });
    expect(await service.verify(`${header}.${payload}.${signature.slice(0, -2)}AA`)).toEqual({
      ok: false,
      reason: 'invalid',
    });
    expect(await service.verify('not-a-jwt')).toEqual({ ok: false, reason: 'invalid' });
  });

  it.skipIf(skipReason !== null)(
    'a token signed with another secret, or for an unknown jti, is invalid',
    async () => {
      const now = Math.floor(clock.now() / 1000);
      const foreign = await new SignJWT({ kid: 'k' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(USER)
        .setJti('never-issued')
        .setIssuer('kalshi-desk')
        .setAudience('kalshi-desk/api')
        .setIssuedAt(now)
        .setExpirationTime(now + 60)
        .sign(SECRET);
      expect(await service.verify(foreign)).toEqual({ ok: false, reason: 'invalid' });
      const otherSecret = await new SignJWT({ kid: 'k' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(USER)
        .setJti('x')
        .setIssuedAt(now)
        .setExpirationTime(now + 60)
        .sign(new TextEncoder().encode('y'.repeat(48)));
      expect(await service.verify(otherSecret)).toEqual({ ok: false, reason: 'invalid' });
    },
  );

  it.skipIf(skipReason !== null)('a token is expired after 24 h (test clock)', async () => {
    const issued = await service.issue({ userId: USER, keyId: 'key-1' });
    clock.advanceBy(SESSION_TTL_MS - 1000);
    expect((await service.verify(issued.token)).ok).toBe(true);
    clock.advanceBy(1000);
    expect(await service.verify(issued.token)).toEqual({ ok: false, reason: 'expired' });
  });

  it.skipIf(skipReason !== null)('a revoked token is refused', async () => {
    const issued = await service.issue({ userId: USER, keyId: 'key-1' });
    await service.revoke([issued.session.jti]);
    expect(await service.verify(issued.token)).toEqual({ ok: false, reason: 'revoked' });
  });

  it.skipIf(skipReason !== null)(
    'renewal after 20 h issues a new session; the old one lives one more minute',
    async () => {
      const issued = await service.issue({ userId: USER, keyId: 'key-1' });
      clock.advanceBy(SESSION_RENEW_AFTER_MS - 1);
      expect(service.shouldRenew(issued.session)).toBe(false);
      clock.advanceBy(1);
      expect(service.shouldRenew(issued.session)).toBe(true);
      const renewed = await service.renew(issued.session);
      expect(renewed.session.jti).not.toBe(issued.session.jti);
      expect((await service.verify(issued.token)).ok).toBe(true);
      clock.advanceBy(RENEWAL_GRACE_MS);
      expect(await service.verify(issued.token)).toEqual({ ok: false, reason: 'expired' });
      expect((await service.verify(renewed.token)).ok).toBe(true);
      expect((await service.family(renewed.session.jti)).sort()).toEqual(
        [issued.session.jti, renewed.session.jti].sort(),
      );
    },
  );

  it.skipIf(skipReason !== null)(
    'renewals never carry a session past its absolute lifetime (30 days from login)',
    async () => {
      const login = await service.issue({ userId: USER, keyId: 'key-1' });
      expect(login.session.authenticatedAt).toBe(login.session.issuedAt);
      const end = login.session.authenticatedAt + SESSION_MAX_AGE_MS;
      let current = login;
      for (let renewals = 0; ; renewals++) {
        expect(renewals).toBeLessThan(40);
        clock.advanceBy(SESSION_RENEW_AFTER_MS);
        if (!service.shouldRenew(current.session)) break;
        current = await service.renew(current.session);
        // The login time travels with every renewal; the end never moves past it + 30 days.
        expect(current.session.authenticatedAt).toBe(login.session.authenticatedAt);
        expect(current.session.expiresAt).toBeLessThanOrEqual(end);
        expect((await service.verify(current.token)).ok).toBe(true);
      }
      expect(current.session.expiresAt).toBe(end);
      clock.set(end - 1000);
      expect((await service.verify(current.token)).ok).toBe(true);
      clock.set(end);
      expect(await service.verify(current.token)).toEqual({ ok: false, reason: 'expired' });
    },
  );

  it.skipIf(skipReason !== null)('the absolute lifetime is a setting of the service', async () => {
    const short = new SessionService({ db: database.db, secret: SECRET, clock, maxAgeMs: 30 * HOUR });
    const login = await short.issue({ userId: USER, keyId: 'key-1' });
    clock.advanceBy(SESSION_RENEW_AFTER_MS);
    const renewed = await short.renew(login.session);
    expect(renewed.session.expiresAt).toBe(login.session.issuedAt + 30 * HOUR);
    clock.advanceBy(SESSION_RENEW_AFTER_MS);
    // The renewed session already ends at the limit: renewing again would not extend it.
    expect(short.shouldRenew(renewed.session)).toBe(false);
  });

  it.skipIf(skipReason !== null)(
    'revoking every session of a user ends them all and says which; other users keep theirs',
    async () => {
      const other = '44444444-4444-5444-8444-444444444444';
      await new UsersRepository(database.db).upsert({
        id: other,
        exchangeUrl: 'http://x',
        keyId: 'k2',
        at: new Date(clock.now()),
      });
      const a = await service.issue({ userId: USER, keyId: 'key-1' });
      const b = await service.issue({ userId: USER, keyId: 'key-1' });
      const theirs = await service.issue({ userId: other, keyId: 'k2' });
      expect(await service.hasActiveSession(USER)).toBe(true);
      const revoked = await service.revokeAllOf(USER);
      expect(revoked).toEqual(expect.arrayContaining([a.session.jti, b.session.jti]));
      expect(await service.verify(a.token)).toEqual({ ok: false, reason: 'revoked' });
      expect(await service.verify(b.token)).toEqual({ ok: false, reason: 'revoked' });
      expect(await service.hasActiveSession(USER)).toBe(false);
      expect((await service.verify(theirs.token)).ok).toBe(true);
      expect(await service.revokeAllOf(USER)).toEqual([]);
    },
  );

  it.skipIf(skipReason !== null)(
    'purges rows of sessions that ended over a week ago, keeping recent ones',
    async () => {
      const old = await service.issue({ userId: USER, keyId: 'key-1' });
      clock.advanceBy(SESSION_TTL_MS + 8 * 24 * HOUR);
      const recent = await service.issue({ userId: USER, keyId: 'key-1' });
      expect(await service.purgeExpired()).toBeGreaterThanOrEqual(1);
      expect(await service.verify(old.token)).toEqual({ ok: false, reason: 'expired' });
      expect((await service.verify(recent.token)).ok).toBe(true);
      expect(await service.purgeExpired()).toBe(0);
    },
  );
});
