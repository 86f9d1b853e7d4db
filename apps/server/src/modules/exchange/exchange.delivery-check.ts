/**
 * The consistency probe of the private channels (ADR 010). A stall of `fill`,
 * `market_positions` and `user_orders` while pings still flow looks, from the socket, exactly
 * like a quiet account: liveness cannot see it. The exchange's own list of fills can. A fill
 * the exchange lists that the feed has not delivered within a grace period (the feed normally
 * delivers within milliseconds; REST may show a fill a moment before the socket does) means the
 * private channels are not delivering.
 *
 * One check costs one REST read: the first page of fills since the newest fill known (Kalshi
 * lists newest first, so that page holds any new fill).
 */
import type { ExchangeRest, Scheduler } from './exchange.ports.js';

/** Fills read per check at most: one page. */
const CHECKED_FILLS = 100;

export interface DeliveryCheckDeps {
  rest: Pick<ExchangeRest, 'iterateFills'>;
  scheduler: Scheduler;
  /** How long a fill listed over REST may take to arrive on the feed. */
  graceMs: number;
}

export class DeliveryCheck {
  private graceTimer: unknown = null;
  private endGrace: (() => void) | null = null;
  private isCancelled = false;

  constructor(private readonly deps: DeliveryCheckDeps) {}

  /**
   * Trade ids of fills the exchange lists that `isKnown` does not know, and still does not
   * know `graceMs` later; empty when the feed is consistent with the exchange. `sinceMs` is the
   * newest fill known (exchange time; null: none known, the latest page is read). A REST
   * failure is thrown to the caller.
   */
  async missedFills(args: {
    sinceMs: number | null;
    isKnown: (tradeId: string) => boolean;
  }): Promise<string[]> {
    // The wire counts whole seconds: one second earlier, so that no fill of that second is missed.
    const params =
      args.sinceMs === null
        ? { limit: CHECKED_FILLS }
        : { limit: CHECKED_FILLS, min_ts: Math.floor(args.sinceMs / 1000) - 1 };
    const unknown: string[] = [];
    let read = 0;
    for await (const fill of this.deps.rest.iterateFills(params)) {
      if (!args.isKnown(fill.trade_id)) unknown.push(fill.trade_id);
      read += 1;
      if (read === CHECKED_FILLS) break;
    }
    if (unknown.length === 0 || this.isCancelled) return [];
    await this.waitForGrace();
    if (this.isCancelled) return [];
    return unknown.filter((tradeId) => !args.isKnown(tradeId));
  }

  /** Ends a pending grace wait (the session stops): that check reports nothing, no timer is left. */
  cancel(): void {
    this.isCancelled = true;
    if (this.graceTimer !== null) this.deps.scheduler.clearTimeout(this.graceTimer);
    this.graceTimer = null;
    this.endGrace?.();
  }

  private waitForGrace(): Promise<void> {
    return new Promise((resolve) => {
      this.endGrace = () => {
        this.endGrace = null;
        resolve();
      };
      this.graceTimer = this.deps.scheduler.setTimeout(() => {
        this.graceTimer = null;
        this.endGrace?.();
      }, this.deps.graceMs);
    });
  }
}
