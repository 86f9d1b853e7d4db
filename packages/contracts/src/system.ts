import { z } from 'zod';

export const kalshiEnvSchema = z.enum(['simulator', 'demo', 'production', 'custom']);
export type KalshiEnv = z.infer<typeof kalshiEnvSchema>;

export const healthResponseSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  /** `down`: the check failed or got no answer within its own short deadline (then 503). */
  database: z.enum(['ok', 'down']),
  /** The check's round trip, or how long it waited before calling the database down. */
  database_latency_ms: z.number().nonnegative(),
  uptime_seconds: z.number().nonnegative(),
});

/** What the browser needs to know about the server's setup; never a secret. */
export const appConfigResponseSchema = z.object({
  kalshi_env: kalshiEnvSchema,
  exchange_url: z.string(),
  /** Simulator mode offers a one-click demo account. */
  demo_account_available: z.boolean(),
});
export type AppConfigResponse = z.infer<typeof appConfigResponseSchema>;
