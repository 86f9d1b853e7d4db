/**
 * The registry of live accounts: at most one upstream exchange session per account however
 * many browser tabs or sessions use it, plus the SSE hub that streams its events. It is the
 * implementation of the account module's LiveAccountsPort and the read API of the
 * positions/portfolio/SSE routes.
 */
import type { Mark, Portfolio, Position } from '@kalshi-desk/contracts';
import type { Clock } from '../../shared/clock.js';
import type { EquitySnapshot, PositionsRepository } from '../positions/positions.repository.js';
import type { EventBus } from '../stream/stream.bus.js';
import { SseHub, type IntervalTimers, type SnapshotData } from '../stream/stream.hub.js';
import type { AccountCredentials, EngineLogger, ExchangeConnector, Scheduler } from './exchange.ports.js';
import { AccountSession, type SessionTimings } from './exchange.session.js';

export interface LiveAccountsDeps {
  connect: ExchangeConnector;
  bus: EventBus;
  repository: PositionsRepository | null;
  clock: Clock;
  scheduler: Scheduler;
  logger: EngineLogger;
  /** Credentials of an account whose session is not running (e.g. after a restart); null if none stored. */
  loadCredentials?: (userId: string) => Promise<AccountCredentials | null>;
  timings?: Partial<SessionTimings>;
  dayOffsetMinutes?: number;
  /** SSE hub settings (tests pass manual timers). */
  hub?: {
    timers?: IntervalTimers;
    heartbeatMs?: number;
    queueCapacity?: number;
    defer?: (flush: () => void) => void;
  };
}

export class AccountNotConnectedError extends Error {
  override readonly name = 'AccountNotConnectedError';
}

export class LiveAccounts {
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

  /** Starts the account's upstream session, or joins the running one. */
  async ensureSession(userId: string, credentials: AccountCredentials): Promise<void> {
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

  isRunning(userId: string): boolean {
    return this.sessions.has(userId);
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** The running session, started from stored credentials when the server restarted. */
  async session(userId: string): Promise<AccountSession> {
    const running = this.sessions.get(userId);
    if (running) return running;
    const credentials = (await this.deps.loadCredentials?.(userId)) ?? null;
    if (credentials === null) throw new AccountNotConnectedError('no exchange credentials for this account');
    return this.sessionFor(userId, credentials);
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
    if (!session) throw new AccountNotConnectedError('account session is not running');
    return session.snapshot();
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
