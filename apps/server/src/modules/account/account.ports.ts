/**
 * What the account module needs from the live engine (modules/exchange), as a port so the
 * two can be built and tested apart. LiveAccounts (exchange.live-accounts.ts) implements it.
 */
export interface LiveAccountCredentials {
  keyId: string;
  privateKeyPem: string;
}

export interface LiveAccountsPort {
  /** Starts the account's upstream exchange session, or joins the running one. */
  ensureSession(userId: string, credentials: LiveAccountCredentials): Promise<void>;
  /** Stops the upstream session and closes every stream of the account. */
  stopSession(userId: string): Promise<void>;
  /** Closes the account's SSE streams: those opened by one session (its jti), or all. */
  closeStreams(userId: string, jti?: string): void;
}
