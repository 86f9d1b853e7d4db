import { runExchangeContractSuite } from '@kalshi-desk/kalshi/testing';
import { startTestSimulator } from './helpers.js';

let sim: Awaited<ReturnType<typeof startTestSimulator>> | null = null;

runExchangeContractSuite({
  name: 'simulator (quiet scenario)',
  setup: async () => {
    sim = await startTestSimulator();
    const market = sim.engine
      .listMarkets()
      .find((m) => m.status === 'active' && m.priceLevelStructure === 'linear_cent');
    return {
      restBaseUrl: sim.restBaseUrl,
      wsUrl: sim.wsUrl,
      keyId: sim.demoAccount.keyId,
      privateKeyPem: sim.demoAccount.privateKeyPem,
      ...(market ? { tickerForTrading: market.ticker } : {}),
    };
  },
  teardown: async () => {
    await sim?.close();
  },
});
