/**
 * `npm run rotate-keys -w apps/server`: re-encrypts every stored credential under the newest
 * vault key. Procedure: set ENCRYPTION_SECRET_KEY to the new key and append the old one to
 * ENCRYPTION_OLD_KEYS, run this, then the old key may be removed.
 */
import { loadConfig } from '../app/config.js';
import { CredentialsRepository } from '../modules/credentials/credentials.repository.js';
import { CredentialVault } from '../modules/credentials/credentials.vault.js';
import { systemClock } from '../shared/clock.js';
import { migrate, openDatabase } from '../shared/db/database.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const database = await openDatabase(config);
  try {
    await migrate(database);
    const repository = new CredentialsRepository(
      database.db,
      new CredentialVault(config.encryption),
      systemClock,
    );
    const result = await repository.rotateAll();
    console.log(
      `rotate-keys: ${result.rotated} credential(s) re-encrypted under key ${config.encryption.current.id}; ` +
        `${result.alreadyCurrent} already current`,
    );
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  console.error(`rotate-keys failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
