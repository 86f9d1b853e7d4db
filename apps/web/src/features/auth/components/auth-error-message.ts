import type { AppConfigResponse } from '@kalshi-desk/contracts';
import { ApiError } from '../../../lib/api-client';

/** What to tell the trader for each failure code of the connect request. */
export function describeAuthError(
  error: unknown,
  config: AppConfigResponse | undefined,
): { title: string; hint: string } {
  const where = config ? `${environmentLabel(config.kalshi_env)} (${config.exchange_url})` : 'the exchange';
  if (!(error instanceof ApiError)) return { title: 'Something went wrong.', hint: 'Try again.' };
  switch (error.code) {
    case 'invalid_private_key':
      return {
        title: 'That private key could not be read.',
        hint: 'Paste the whole PEM file Kalshi gave you, including the "-----BEGIN" and "-----END" lines, or upload the file.',
      };
    case 'invalid_credentials':
      return {
        title: 'The exchange rejected this key.',
        hint: `Check that the key id belongs to this private key and that the key was created for ${where}.`,
      };
    case 'exchange_unreachable':
      return {
        title: `Could not reach ${where}.`,
        hint: 'The exchange did not answer. Try again in a moment.',
      };
    case 'rate_limited':
      return { title: 'Too many attempts.', hint: 'Wait a minute, then try again.' };
    case 'bad_request':
      return { title: 'Both fields are needed.', hint: error.message };
    case 'not_available':
      return { title: 'Not available here.', hint: error.message };
    case 'network_error':
      return {
        title: 'Could not reach the Kalshi Desk server.',
        hint: 'Check that it is running, then try again.',
      };
    default:
      return { title: 'Connecting failed.', hint: error.message };
  }
}

export function environmentLabel(env: AppConfigResponse['kalshi_env']): string {
  switch (env) {
    case 'simulator':
      return 'the built-in simulator';
    case 'demo':
      return 'Kalshi demo';
    case 'production':
      return 'Kalshi production';
    case 'custom':
      return 'a custom exchange';
  }
}
