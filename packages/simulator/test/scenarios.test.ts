import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator } from '../src/simulator.js';
import { startTestSimulator, testPrivateKeyPem } from './helpers.js';

describe('demo scenario', () => {
  let sim: Awaited<ReturnType<typeof startTestSimulator>>;
  beforeAll(async () => {
    sim = await startTestSimulator({ scenario: 'demo', seed: 1 });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('starts with a funded demo account holding YES and NO positions, some fractional', () => {
    const account = sim.engine.getAccount(sim.demoAccount.userId);
    const positions = [...(account?.positions.values() ?? [])].map((p) => p.position);
    expect(positions.length).toBeGreaterThanOrEqual(6);
    expect(positions.some((p) => p > 0)).toBe(true);
    expect(positions.some((p) => p < 0)).toBe(true);
    expect(positions.some((p) => p % 100 !== 0)).toBe(true);
    expect(account?.orders.filter((o) => o.status === 'resting').length).toBeGreaterThanOrEqual(2);
    expect(
      Number(sim.control.getAccount({ userId: sim.demoAccount.userId }).balance.balance),
    ).toBeGreaterThan(900_000);
  });

  it('moves prices, fills the demo account now and then, and settles the market that closes soon', () => {
    const account = sim.engine.getAccount(sim.demoAccount.userId);
    if (!account) throw new Error('no demo account');
    const held = [...account.positions.keys()];
    const closing = sim.engine
      .listMarkets()
      .find((m) => held.includes(m.ticker) && m.closeMs <= sim.clock.now() + 3 * 60_000);
    expect(closing).toBeDefined();
    const fillsBefore = account.fills.length;
    const tradesBefore = sim.engine.listTrades().length;
    for (let i = 0; i < 60; i += 1) sim.control.advanceClock({ ms: 5_000 });
    expect(sim.engine.listTrades().length).toBeGreaterThan(tradesBefore + 50);
    expect(account.fills.length).toBeGreaterThan(fillsBefore);
    expect(closing?.status).toBe('finalized');
    expect(account.positions.has(closing?.ticker ?? '')).toBe(false);
    expect(account.settlements.map((s) => s.ticker)).toContain(closing?.ticker);
  });
});

describe('real-time mode', () => {
  it('a timer drives the simulation at the requested speed without any advanceClock', async () => {
    const sim = await startSimulator({
      scenario: 'demo',
      seed: 3,
      speed: 200,
      tickMs: 10,
      demoKey: { privateKeyPem: testPrivateKeyPem() },
    });
    try {
      const start = sim.engine.now();
      const trades = sim.engine.listTrades().length;
      await new Promise((r) => setTimeout(r, 300));
      expect(sim.engine.now() - start).toBeGreaterThan(20_000);
      expect(sim.engine.listTrades().length).toBeGreaterThan(trades);
    } finally {
      await sim.close();
    }
  });
});

describe('busy scenario', () => {
  it('lists about a thousand markets and produces thousands of ticker updates per simulated second', async () => {
    const sim = await startTestSimulator({ scenario: 'busy', seed: 2 });
    try {
      expect(sim.engine.listMarkets().length).toBeGreaterThanOrEqual(1_000);
      let tickers = 0;
      const off = sim.engine.on((e) => {
        if (e.kind === 'ticker') tickers += 1;
      });
      for (let i = 0; i < 10; i += 1) sim.control.advanceClock({ ms: 100 });
      off();
      expect(tickers).toBeGreaterThan(1_500);
    } finally {
      await sim.close();
    }
  });
});
