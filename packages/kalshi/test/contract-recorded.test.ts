import { runExchangeContractSuite } from '../src/testing/contract-suite.js';
import { getTestRsaKey } from '../src/testing/keys.js';
import { startRecordedExchange, type RecordedExchange } from '../src/testing/recorded-exchange.js';
import { findRecordingsDir } from '../src/testing/recordings.js';

const dir = findRecordingsDir();
let exchange: RecordedExchange | undefined;

// The contract suite replayed against verbatim demo recordings served from an in-test server.
runExchangeContractSuite({
  name: 'recorded Kalshi demo (2026-06)',
  setup: async () => {
    const key = getTestRsaKey();
    exchange = await startRecordedExchange({ dir, keyId: 'replay-key', publicKeyPem: key.publicKeyPem });
    return {
      restBaseUrl: exchange.restBaseUrl,
      wsUrl: exchange.wsUrl,
      keyId: 'replay-key',
      privateKeyPem: key.privateKeyPem,
      tickerForTrading: exchange.tradingTicker,
    };
  },
  teardown: async () => {
    await exchange?.close();
  },
});
