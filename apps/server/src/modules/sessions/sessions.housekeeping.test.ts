import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestClock } from '../../shared/clock.js';
import type { Database } from '../../shared/db/database.js';
import { testDatabaseKinds } from '../../shared/db/testing.js';
import { ManualScheduler } from '../exchange/testing/fake-exchange.js';
import { UsersRepository } from '../users/users.repository.js';
import {
  SESSION_PURGE_INTERVAL_MS,
  SESSION_SWEEP_INTERVAL_MS,
  SessionHousekeeping,
} from './sessions.housekeeping.js';
import { SESSION_TTL_MS, SessionService } from './sessions.usecases.js';

const SECRET = new TextEncoder().encode('z'.repeat(48));
const ACTIVE = '55555555-5555-5555-8555-555555555555';
const EXPIRED = '66666666-6666-5666-8666-666666666666';
const REVOKED = '77777777-7777-5777-8777-777777777777';
const NEVER_SIGNED_IN = '88888888-8888-5888-8888-888888888888';
const DAY = 86_400_000;

describe.each(testDatabaseKinds())('session housekeeping on $name', ({ skipReason, create }) => {
  let database: Database;
  const clock = createTestClock();
  const scheduler = new ManualScheduler();
  let sessions: SessionService;
  let housekeeping: SessionHousekeeping;
  const running = new Set<string>();
  const stopped: string[] = [];
  const log: string[] = [];

  beforeAll(async () => {
    if (skipReason !== null) return;
    database = await create();
    const users = new UsersRepository(database.db);
    for (const id of [ACTIVE, EXPIRED, REVOKED, NEVER_SIGNED_IN]) {
      await users.upsert({ id, exchangeUrl: 'http://x', keyId: id, at: new Date(clock.now()) });
    }
    sessions = new SessionService({ db: database.db, secret: SECRET, clock });
    housekeeping = new SessionHousekeeping({
      sessions,
      scheduler,
      logger: { info: (_data, message) => log.push(message), warn: (_data, message) => log.push(message) },
      runningAccounts: () => [...running],
      stopAccount: (userId) => {
        running.delete(userId);
        stopped.push(userId);
        return Promise.resolve();
      },
    });
    housekeeping.start();
  });
  afterAll(async () => {
    if (skipReason !== null) return;
    housekeeping.stop();
    await database.close();
  });

  async function sweep(): Promise<void> {
    scheduler.advanceBy(SESSION_SWEEP_INTERVAL_MS);
    await housekeeping.settled();
  }

  it.skipIf(skipReason !== null)(
    'stops the upstream session of users whose sessions all expired or were revoked, on the second sweep that finds them so',
    async () => {
      await sessions.issue({ userId: EXPIRED, keyId: EXPIRED });
      clock.advanceBy(SESSION_TTL_MS + 1000);
      await sessions.issue({ userId: ACTIVE, keyId: ACTIVE });
      const revoked = await sessions.issue({ userId: REVOKED, keyId: REVOKED });
      await sessions.revoke([revoked.session.jti]);
      for (const id of [ACTIVE, EXPIRED, REVOKED, NEVER_SIGNED_IN]) running.add(id);

      await sweep();
      expect(stopped).toEqual([]);
      await sweep();
      expect(stopped.sort()).toEqual([EXPIRED, NEVER_SIGNED_IN, REVOKED].sort());
      expect([...running]).toEqual([ACTIVE]);
      await sweep();
      expect([...running]).toEqual([ACTIVE]);
    },
  );

  it.skipIf(skipReason !== null)('a user who signs in again between two sweeps is not stopped', async () => {
    stopped.length = 0;
    running.add(EXPIRED);
    await sweep();
    await sessions.issue({ userId: EXPIRED, keyId: EXPIRED });
    await sweep();
    await sweep();
    expect(stopped).toEqual([]);
  });

  it.skipIf(skipReason !== null)('purges sessions that ended over a week ago every hour', async () => {
    const old = await sessions.issue({ userId: ACTIVE, keyId: ACTIVE });
    clock.advanceBy(SESSION_TTL_MS + 8 * DAY);
    expect(await sessions.verify(old.token)).toEqual({ ok: false, reason: 'expired' });
    scheduler.advanceBy(SESSION_PURGE_INTERVAL_MS);
    await housekeeping.settled();
    expect(log.some((line) => /forgot/.test(line))).toBe(true);
    // The hourly run already deleted the row: nothing is left to purge.
    expect(await sessions.purgeExpired()).toBe(0);
  });

  it.skipIf(skipReason !== null)('a failing run is logged and the next one still runs', async () => {
    running.add(ACTIVE);
    const failing = new SessionHousekeeping({
      sessions,
      scheduler,
      logger: { info: () => undefined, warn: (_data, message) => log.push(`warn: ${message}`) },
      runningAccounts: () => {
        throw new Error('boom');
      },
      stopAccount: () => Promise.resolve(),
    });
    failing.start();
    scheduler.advanceBy(SESSION_SWEEP_INTERVAL_MS);
    await failing.settled();
    scheduler.advanceBy(SESSION_SWEEP_INTERVAL_MS);
    await failing.settled();
    failing.stop();
    expect(log.filter((line) => line.startsWith('warn:'))).toHaveLength(2);
  });
});
