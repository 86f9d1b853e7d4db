/**
 * Periodic upkeep of sessions, on the injected scheduler: forgetting rows of sessions that
 * ended long ago (every hour, not only at start-up), and stopping the upstream exchange
 * session of an account none of whose sessions is live any more (expired or revoked), so an
 * abandoned login does not hold Kalshi's WebSocket forever.
 *
 * The upstream side is a port (what runs, how to stop it): this module sits below the live
 * engine and never imports it. Nothing here throws into the event loop: a failing run is
 * logged and the next one runs as usual.
 */
import type { Scheduler } from '../../shared/clock.js';
import type { SessionService } from './sessions.usecases.js';

export const SESSION_PURGE_INTERVAL_MS = 60 * 60 * 1000;
export const SESSION_SWEEP_INTERVAL_MS = 5 * 60 * 1000;

export interface HousekeepingLogger {
  info(data: Record<string, unknown>, message: string): void;
  warn(data: Record<string, unknown>, message: string): void;
}

export interface SessionHousekeepingDeps {
  sessions: SessionService;
  scheduler: Scheduler;
  logger: HousekeepingLogger;
  /** Accounts whose upstream session runs now. */
  runningAccounts: () => readonly string[];
  /** Stops the account's upstream session and closes its streams. */
  stopAccount: (userId: string) => Promise<void>;
  purgeEveryMs?: number;
  sweepEveryMs?: number;
}

export class SessionHousekeeping {
  /**
   * Accounts the last sweep found running without a live session. One is stopped only when
   * the next sweep finds it so again: the first look may fall between an authentication
   * starting the upstream session and issuing the session that uses it.
   */
  private idle = new Set<string>();
  private timers: unknown[] = [];
  /** The run in progress (a sweep or a purge), so runs never overlap and tests can await it. */
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly deps: SessionHousekeepingDeps) {}

  start(): void {
    if (this.timers.length > 0) return;
    const { scheduler } = this.deps;
    this.timers = [
      scheduler.setInterval(
        () => this.enqueue(() => this.purge()),
        this.deps.purgeEveryMs ?? SESSION_PURGE_INTERVAL_MS,
      ),
      scheduler.setInterval(
        () => this.enqueue(() => this.sweep()),
        this.deps.sweepEveryMs ?? SESSION_SWEEP_INTERVAL_MS,
      ),
    ];
  }

  stop(): void {
    for (const timer of this.timers) this.deps.scheduler.clearInterval(timer);
    this.timers = [];
  }

  /** Resolves once the runs started so far have finished. */
  settled(): Promise<void> {
    return this.running;
  }

  /** Forgets sessions that ended over a week ago; returns how many. */
  async purge(): Promise<number> {
    const purged = await this.deps.sessions.purgeExpired();
    if (purged > 0) this.deps.logger.info({ purged }, 'forgot sessions that ended over a week ago');
    return purged;
  }

  /** Stops the upstream sessions left without a live session; returns whose it stopped. */
  async sweep(): Promise<string[]> {
    const stopped: string[] = [];
    const stillIdle = new Set<string>();
    for (const userId of this.deps.runningAccounts()) {
      if (await this.deps.sessions.hasActiveSession(userId)) continue;
      if (!this.idle.has(userId)) {
        stillIdle.add(userId);
        continue;
      }
      await this.deps.stopAccount(userId);
      stopped.push(userId);
    }
    this.idle = stillIdle;
    if (stopped.length > 0) {
      this.deps.logger.info({ users: stopped.length }, 'stopped upstream sessions no live session uses');
    }
    return stopped;
  }

  private enqueue(run: () => Promise<unknown>): void {
    this.running = this.running.then(run).then(
      () => undefined,
      (error: unknown) => {
        this.deps.logger.warn(
          { err: error instanceof Error ? error.message : String(error) },
          'session housekeeping failed',
        );
      },
    );
  }
}
