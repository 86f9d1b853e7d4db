/**
 * Client-side token bucket so a process stays inside Kalshi's read/write budgets instead of
 * collecting 429s. Callers reserve a token immediately (the balance may go negative) and wait
 * for the deficit to refill, which keeps waiting callers in FIFO order without a queue.
 */
export interface TokenBucketOptions {
  ratePerSecond: number;
  /** Burst size; defaults to one second of budget. */
  capacity?: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly capacity: number;

  constructor(private readonly options: TokenBucketOptions) {
    if (!(options.ratePerSecond > 0)) throw new RangeError('ratePerSecond must be positive');
    this.capacity = options.capacity ?? options.ratePerSecond;
    this.tokens = this.capacity;
    this.last = options.now();
  }

  /** Resolves when `cost` tokens are available to the caller. */
  async take(cost = 1): Promise<void> {
    const now = this.options.now();
    this.tokens = Math.min(
      this.capacity,
      this.tokens + ((now - this.last) / 1000) * this.options.ratePerSecond,
    );
    this.last = now;
    this.tokens -= cost;
    if (this.tokens < 0) {
      await this.options.sleep(Math.ceil((-this.tokens / this.options.ratePerSecond) * 1000));
    }
  }
}
