/**
 * Prints your Kalshi balance and open positions.
 *
 *   KALSHI_KEY_ID=... KALSHI_PRIVATE_KEY_PATH=./kalshi.pem npx tsx packages/kalshi/examples/balance.ts
 *
 * KALSHI_API_URL defaults to the demo environment. Being a stand-alone script, this example
 * reads process.env directly; apps read it in their one config.ts.
 */
import { readFileSync } from 'node:fs';
import {
  KALSHI_DEMO_API_URL,
  KalshiRestClient,
  centsToMicros,
  formatDollars,
  parseCount,
  parseDollars,
} from '../src/index.js';

async function main(): Promise<void> {
  const keyId = process.env['KALSHI_KEY_ID'];
  const keyPath = process.env['KALSHI_PRIVATE_KEY_PATH'];
  const baseUrl = process.env['KALSHI_API_URL'] ?? KALSHI_DEMO_API_URL;
  if (!keyId || !keyPath) {
    console.error('Set KALSHI_KEY_ID and KALSHI_PRIVATE_KEY_PATH (and optionally KALSHI_API_URL).');
    process.exitCode = 2;
    return;
  }
  const client = new KalshiRestClient({
    baseUrl,
    credentials: { keyId, privateKeyPem: readFileSync(keyPath, 'utf8') },
  });

  const balance = await client.getBalance();
  console.log(`API:             ${baseUrl}`);
  console.log(`Cash balance:    $${formatDollars(parseDollars(balance.balance_dollars), 4)}`);
  console.log(`Position value:  $${formatDollars(centsToMicros(balance.portfolio_value), 2)}`);

  let count = 0;
  for await (const page of client.iteratePositions({ limit: 200 })) {
    for (const position of page.market_positions) {
      if (parseCount(position.position_fp) === 0) continue;
      count += 1;
      const side = position.position_fp.startsWith('-') ? 'NO ' : 'YES';
      console.log(
        `${side} ${position.position_fp.replace('-', '').padStart(9)}  ${position.ticker}  cost $${position.market_exposure_dollars}  realized $${position.realized_pnl_dollars}`,
      );
    }
  }
  if (count === 0) console.log('No open positions.');
}

main().catch((error: unknown) => {
  // Errors from this package never contain key material, so printing them is safe.
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exitCode = 1;
});
