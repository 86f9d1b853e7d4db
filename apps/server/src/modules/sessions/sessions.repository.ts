import { and, eq, gt, inArray, isNull, lt } from 'drizzle-orm';
import type { Db } from '../../shared/db/database.js';
import { sessions } from './sessions.tables.js';

export interface SessionRow {
  jti: string;
  userId: string;
  issuedAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  renewedFrom: string | null;
}

export class SessionsRepository {
  constructor(private readonly db: Db) {}

  async insert(row: Omit<SessionRow, 'revokedAt'>): Promise<void> {
    await this.db.insert(sessions).values({ ...row, revokedAt: null });
  }

  async find(jti: string): Promise<SessionRow | null> {
    const [row] = await this.db.select().from(sessions).where(eq(sessions.jti, jti));
    return row ?? null;
  }

  async revoke(jtis: readonly string[], at: Date): Promise<void> {
    if (jtis.length === 0) return;
    await this.db
      .update(sessions)
      .set({ revokedAt: at })
      .where(and(inArray(sessions.jti, [...jtis]), isNull(sessions.revokedAt)));
  }

  /** Revokes every unrevoked session of the user; returns their jtis. */
  async revokeAllOf(userId: string, at: Date): Promise<string[]> {
    const rows = await this.db
      .update(sessions)
      .set({ revokedAt: at })
      .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt)))
      .returning({ jti: sessions.jti });
    return rows.map((r) => r.jti);
  }

  async shortenExpiry(jti: string, at: Date): Promise<void> {
    await this.db
      .update(sessions)
      .set({ expiresAt: at })
      .where(and(eq(sessions.jti, jti), gt(sessions.expiresAt, at)));
  }

  /** jtis of the sessions renewed from any of `jtis`. */
  async renewedFrom(jtis: readonly string[]): Promise<string[]> {
    if (jtis.length === 0) return [];
    const rows = await this.db
      .select({ jti: sessions.jti })
      .from(sessions)
      .where(inArray(sessions.renewedFrom, [...jtis]));
    return rows.map((r) => r.jti);
  }

  /** Deletes rows of sessions that expired before `before`; returns how many. */
  async deleteExpiredBefore(before: Date): Promise<number> {
    const deleted = await this.db
      .delete(sessions)
      .where(lt(sessions.expiresAt, before))
      .returning({ jti: sessions.jti });
    return deleted.length;
  }

  /** Sessions of the user that are neither revoked nor expired at `now`. */
  async listActive(userId: string, now: Date): Promise<SessionRow[]> {
    return this.db
      .select()
      .from(sessions)
      .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, now)));
  }
}
