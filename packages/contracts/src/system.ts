import { z } from 'zod';

export const kalshiEnvSchema = z.enum(['simulator', 'demo', 'production', 'custom']);
export type KalshiEnv = z.infer<typeof kalshiEnvSchema>;

export const healthResponseSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  database: z.enum(['ok', 'error']),
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
