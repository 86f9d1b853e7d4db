/**
 * The registry of live accounts: at most one upstream exchange session per account however
 * many browser tabs or sessions use it, plus the SSE hub that streams its events. It
 * implements the account module's LiveAccountsPort (start, stop, close streams) and the
 * positions module's LivePositionsPort (what the positions routes read).
 */
import type { Mark, Portfolio, Position } from '@kalshi-desk/contracts';
import type { Clock } from '../../shared/clock.js';
import { accountNotConnected, isAppError } from '../../shared/errors.js';
import type { LiveAccountsPort } from '../account/account.ports.js';
import type { LivePositionsPort } from '../positions/positions.ports.js';
import type { EquitySnapshot, PositionsRepository } from '../positions/positions.repository.js';
import type { EventBus } from '../stream/stream.bus.js';
import { SseHub, type SnapshotData } from '../stream/stream.hub.js';
import type { AccountCredentials, EngineLogger, ExchangeConnector, Scheduler } from './exchange.ports.js';
import { AccountSession, type SessionTimings } from './exchange.session.js';

export interface LiveAccountsDeps {
  connect: ExchangeConnector;
  bus: EventBus;
  repository: PositionsRepository | null;
  clock: Clock;
  scheduler: Scheduler;
  logger: EngineLogger;
  /**
   * Credentials of an account whose session is not running (e.g. after a restart); null if
   * none stored. A key that cannot be decrypted is logged and counts as none; an AppError
   * (the database not answering) is passed on.
   */
  loadCredentials?: (userId: string) => Promise<AccountCredentials | null>;
  timings?: Partial<SessionTimings>;
  dayOffsetMinutes?: number;
  /** SSE hub settings (tests flush synchronously or shrink the queue). */
  hub?: {
    queueCapacity?: number;
    defer?: (flush: () => void) => void;
  };
}

export class LiveAccounts implements LiveAccountsPort, LivePositionsPort {
  readonly hub: SseHub;
  private readonly sessions = new Map<string, AccountSession>();
  private readonly starting = new Map<
    string,
    { restored: Promise<AccountSession>; connected: Promise<AccountSession> }
  >();

  constructor(private readonly deps: LiveAccountsDeps) {
    this.hub = new SseHub({
      bus: deps.bus,
      snapshot: (userId) => this.snapshotOf(userId),
      ...deps.hub,
    });
  }

  /**
   * Starts the account's upstream session, or joins the running one. A session that ended
   * because the exchange refused the key is replaced: the key was just verified again.
   */
  async ensureSession(userId: string, credentials: AccountCredentials): Promise<void> {
    const running = this.sessions.get(userId);
    if (running?.isCredentialsRejected && !this.starting.has(userId)) {
      this.sessions.delete(userId);
      await running.stop('replaced by a newly connected key');
    }
    await this.sessionFor(userId, credentials, { waitForSnapshot: true });
  }

  /** Stops the upstream session and closes every stream of the account. */
  async stopSession(userId: string): Promise<void> {
    const pending = this.starting.get(userId);
    const session = this.sessions.get(userId) ?? (pending ? await pending.restored.catch(() => null) : null);
    this.sessions.delete(userId);
    this.hub.closeStreams(userId);
    await session?.stop();
    await this.deps.repository?.clear(userId).catch(() => undefined);
    this.deps.bus.drop(userId);
  }

  /** Closes the account's streams: those of one session (its jti), or all. */
  closeStreams(userId: string, jti?: string): void {
    this.hub.closeStreams(userId, jti);
  }

  /** Accounts whose upstream session runs (or is starting): the session sweep checks each. */
  runningAccounts(): string[] {
    return [...this.sessions.keys()];
  }

  isRunning(userId: string): boolean {
    return this.sessions.has(userId);
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /**
   * The running session, started from stored credentials when the server restarted. Without
   * credentials it throws the error factory's `accountNotConnected` (401 not_authenticated).
   * A session whose key the exchange refused stays registered as it is (terminal, served
   * stale): it is not restarted with the same key.
   */
  async session(userId: string): Promise<AccountSession> {
    const running = this.sessions.get(userId);
    if (running) return running;
    const credentials = await this.storedCredentials(userId);
    if (credentials === null) throw accountNotConnected();
    return this.sessionFor(userId, credentials);
  }

  async resume(userId: string): Promise<void> {
    await this.session(userId);
  }

  async positions(
    userId: string,
    mark: Mark,
  ): Promise<{ positions: Position[] } & ReturnType<AccountSession['freshness']>> {
    const session = await this.session(userId);
    return { positions: session.positions(mark), ...session.freshness() };
  }

  async portfolio(userId: string): Promise<Portfolio & ReturnType<AccountSession['freshness']>> {
    const session = await this.session(userId);
    return { ...session.portfolio(), ...session.freshness() };
  }

  async equityCurve(args: { userId: string; from: number; to: number }): Promise<EquitySnapshot[]> {
    return (await this.deps.repository?.equityCurve(args)) ?? [];
  }

  async stopAll(): Promise<void> {
    this.hub.closeAll();
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(sessions.map((s) => s.stop()));
  }

  private snapshotOf(userId: string): SnapshotData {
    const session = this.sessions.get(userId);
    if (!session) throw accountNotConnected();
    return session.snapshot();
  }

  private async storedCredentials(userId: string): Promise<AccountCredentials | null> {
    try {
      return (await this.deps.loadCredentials?.(userId)) ?? null;
    } catch (error) {
      // The repository's AppErrors (the database not answering: 503) pass through; any other
      // failure (a key the vault cannot decrypt) counts as no key.
      if (isAppError(error)) throw error;
      this.deps.logger.error(
        { userId, err: error instanceof Error ? error.name : 'unknown' },
        'stored credentials unreadable',
      );
      return null;
    }
  }

  /**
   * The account's session, created if needed. Resolves as soon as the cached state is loaded
   * (so a restarted server answers at once, marked stale) unless `waitForSnapshot`, which
   * waits for the first REST snapshot too (authentication: the first view is then fresh).
   */
  private async sessionFor(
    userId: string,
    credentials: AccountCredentials,
    options: { waitForSnapshot?: boolean } = {},
  ): Promise<AccountSession> {
    let pending = this.starting.get(userId);
    if (!pending) {
      const running = this.sessions.get(userId);
      if (running) return running;
      const session = this.createSession(userId, credentials);
      // Registered before its first snapshot so that streams opened meanwhile see its state.
      this.sessions.set(userId, session);
      const restored = session.restore().then(() => session);
      const connected = restored.then(async () => {
        await session.connect();
        return session;
      });
      pending = { restored, connected };
      this.starting.set(userId, pending);
      void connected.finally(() => this.starting.delete(userId)).catch(() => undefined);
    }
    return options.waitForSnapshot ? pending.connected : pending.restored;
  }

  private createSession(userId: string, credentials: AccountCredentials): AccountSession {
    const { rest, feed } = this.deps.connect(credentials);
    return new AccountSession({
      userId,
      rest,
      feed,
      bus: this.deps.bus,
      repository: this.deps.repository,
      clock: this.deps.clock,
      scheduler: this.deps.scheduler,
      logger: this.deps.logger,
      ...(this.deps.timings ? { timings: this.deps.timings } : {}),
      ...(this.deps.dayOffsetMinutes !== undefined ? { dayOffsetMinutes: this.deps.dayOffsetMinutes } : {}),
    });
  }
}
