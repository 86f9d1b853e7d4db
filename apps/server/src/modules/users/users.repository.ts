import { eq } from 'drizzle-orm';
import type { Db } from '../../shared/db/database.js';
import { users } from './users.tables.js';

export class UsersRepository {
  constructor(private readonly db: Db) {}

  /** Creates the user on first login; records the login time on later ones. */
  async upsert(input: { id: string; exchangeUrl: string; keyId: string; at: Date }): Promise<void> {
    await this.db
      .insert(users)
      .values({
        id: input.id,
        exchangeUrl: input.exchangeUrl,
        keyId: input.keyId,
        createdAt: input.at,
        lastLoginAt: input.at,
      })
      .onConflictDoUpdate({ target: users.id, set: { lastLoginAt: input.at } });
  }

  async find(id: string): Promise<{ id: string; exchangeUrl: string; keyId: string } | null> {
    const [row] = await this.db
      .select({ id: users.id, exchangeUrl: users.exchangeUrl, keyId: users.keyId })
      .from(users)
      .where(eq(users.id, id));
    return row ?? null;
  }
}
