/**
 * Token buckets per API key (or per client address on public endpoints), one for reads and
 * one for writes, as Kalshi meters them (docs/kalshi-protocol.md §3.2). Default cost 10 tokens.
 */
export interface BucketConfig {
  /** Tokens added per second. */
  refillRate: number;
  capacity: number;
}

export interface RateLimitConfig {
  read: BucketConfig;
  write: BucketConfig;
}

/** Generous enough that tests and benchmarks are never throttled. */
export const GENEROUS_RATE_LIMIT: RateLimitConfig = {
  read: { refillRate: 10_000_000, capacity: 10_000_000 },
  write: { refillRate: 10_000_000, capacity: 10_000_000 },
};

/** Kalshi's Basic tier: 200 read / 100 write tokens per second. */
export const BASIC_RATE_LIMIT: RateLimitConfig = {
  read: { refillRate: 200, capacity: 200 },
  write: { refillRate: 100, capacity: 100 },
};

interface Bucket {
  tokens: number;
  updatedMs: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private config: RateLimitConfig) {}

  configure(config: RateLimitConfig): void {
    this.config = config;
    this.buckets.clear();
  }

  get limits(): RateLimitConfig {
    return this.config;
  }

  /** Take `cost` tokens; false when the bucket cannot cover it (nothing is taken then). */
  take(args: { who: string; kind: 'read' | 'write'; cost: number; nowMs: number }): boolean {
    const config = this.config[args.kind];
    const id = `${args.kind}:${args.who}`;
    let bucket = this.buckets.get(id);
    if (!bucket) {
      bucket = { tokens: config.capacity, updatedMs: args.nowMs };
      this.buckets.set(id, bucket);
    }
    const elapsed = Math.max(0, args.nowMs - bucket.updatedMs);
    bucket.tokens = Math.min(config.capacity, bucket.tokens + (elapsed * config.refillRate) / 1000);
    bucket.updatedMs = args.nowMs;
    if (bucket.tokens < args.cost) return false;
    bucket.tokens -= args.cost;
    return true;
  }
}
