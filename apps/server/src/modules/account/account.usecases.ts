/**
 * Connecting and disconnecting a Kalshi account, and reading its history from the exchange.
 * The private key exists in plaintext only in memory on its way to the signer; it is stored
 * sealed by the vault and never logged or returned.
 */
import { createSigner, isValidKeyId, KalshiKeyError, MAX_KEY_ID_LENGTH } from '@kalshi-desk/kalshi';
import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../../shared/clock.js';
import type { Db } from '../../shared/db/database.js';
import { accountNotConnected, badRequest, invalidPrivateKey } from '../../shared/errors.js';
import { exchangeFailure, type ExchangeCredentials, type ExchangeFactory } from '../../shared/exchange.js';
import type { CredentialsRepository } from '../credentials/credentials.repository.js';
import { VaultError } from '../credentials/credentials.vault.js';
import type { SessionContext, SessionService } from '../sessions/sessions.usecases.js';
import { deriveUserId, normalizePem } from './account.models.js';
import type { LiveAccountsPort } from './account.ports.js';
import { UsersRepository } from '../users/users.repository.js';

export interface AccountDeps {
  db: Db;
  clock: Clock;
  exchange: ExchangeFactory;
  /** The stored keys, sealed by the credential vault. */
  credentials: CredentialsRepository;
  sessions: SessionService;
  live: LiveAccountsPort;
  logger: FastifyBaseLogger;
}

export interface Authenticated {
  userId: string;
  token: string;
  session: SessionContext;
}

export class AccountUsecases {
  readonly credentials: CredentialsRepository;
  private readonly users: UsersRepository;

  constructor(private readonly deps: AccountDeps) {
    this.credentials = deps.credentials;
    this.users = new UsersRepository(deps.db);
  }

  async authenticate(submitted: ExchangeCredentials): Promise<Authenticated> {
    const credentials = {
      keyId: submitted.keyId.trim(),
      privateKeyPem: normalizePem(submitted.privateKeyPem),
    };
    checkUsable(credentials);
    try {
      await this.deps.exchange.rest(credentials).getBalance();
    } catch (error) {
      throw exchangeFailure(error);
    }

    const userId = deriveUserId({ exchangeUrl: this.deps.exchange.restBaseUrl, keyId: credentials.keyId });
    await this.users.upsert({
      id: userId,
      exchangeUrl: this.deps.exchange.restBaseUrl,
      keyId: credentials.keyId,
      at: new Date(this.deps.clock.now()),
    });
    await this.credentials.store(userId, credentials);
    try {
      await this.deps.live.ensureSession(userId, credentials);
    } catch (error) {
      // The account is connected; its live session retries on its own and reports its state
      // over SSE, so a slow or failing start must not fail the login.
      this.deps.logger.warn({ userId, err: describe(error) }, 'live session did not start cleanly');
    }
    const issued = await this.deps.sessions.issue({ userId, keyId: credentials.keyId });
    this.deps.logger.info({ userId, keyId: credentials.keyId }, 'account connected');
    return { userId, token: issued.token, session: issued.session };
  }

  /**
   * Ends the session (and the sessions it was renewed from). When no other session of the
   * user is still live, also deletes the stored key and stops the upstream exchange session;
   * otherwise those stay for the user's other browser.
   */
  async logout(session: SessionContext): Promise<void> {
    const family = await this.deps.sessions.family(session.jti);
    await this.deps.sessions.revoke(family);
    for (const jti of family) this.deps.live.closeStreams(session.userId, jti);
    const others = await this.deps.sessions.otherActiveSessions(session.userId, family);
    if (others === 0) {
      await this.credentials.delete(session.userId);
      await this.deps.live.stopSession(session.userId);
    }
    this.deps.logger.info({ userId: session.userId, otherSessions: others }, 'logged out');
  }

  /** The stored credentials of the session's account (to call the exchange on its behalf). */
  async credentialsFor(session: SessionContext): Promise<ExchangeCredentials> {
    let stored;
    try {
      stored = await this.credentials.get(session.userId);
    } catch (error) {
      // Only a key the vault cannot decrypt means "connect again"; a database that does not
      // answer stays the repository's 503, never a 401 that logs the user out.
      if (!(error instanceof VaultError)) throw error;
      this.deps.logger.error(
        { userId: session.userId, err: describe(error) },
        'stored credentials unreadable',
      );
      throw accountNotConnected('The stored API key cannot be read; connect your Kalshi API key again.');
    }
    if (stored === null) {
      throw accountNotConnected('No Kalshi API key is stored for this account; connect it again.');
    }
    return stored;
  }
}

/**
 * Refuses credentials this server cannot sign with, before anything goes to the exchange: a key
 * id that cannot travel in an HTTP header, a key that is not RSA, or one outside 2048-4096 bits
 * (checked from the parsed key's size, before any signature: a huge key would stall the event
 * loop). One trial signature then catches whatever else makes a key unusable, so a key's fault
 * is the caller's 400, never a 5xx.
 */
function checkUsable(credentials: ExchangeCredentials): void {
  if (!isValidKeyId(credentials.keyId)) {
    throw badRequest(
      `Invalid request body: key_id must be 1 to ${MAX_KEY_ID_LENGTH} visible ASCII characters.`,
    );
  }
  let signer;
  try {
    signer = createSigner(credentials);
  } catch (error) {
    if (error instanceof KalshiKeyError) {
      // KalshiKeyError messages are written to never contain key material.
      throw invalidPrivateKey(error.message.replace(/^Kalshi private key/, 'The private key'));
    }
    throw error;
  }
  try {
    signer.signMessage('kalshi-desk key check');
  } catch (error) {
    throw invalidPrivateKey('The private key cannot make an RSA-PSS signature.', error);
  }
}

function describe(error: unknown): { name: string; message: string } {
  return error instanceof Error
    ? { name: error.name, message: error.message }
    : { name: 'unknown', message: String(error) };
}
