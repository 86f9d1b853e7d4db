/* eslint-disable @typescript-eslint/no-unsafe-member-access -- wire JSON */
import type { RunningSimulator } from '../src/simulator.js';
import { caller } from './helpers.js';

/**
 * Give the demo account a bit of everything: a resting order, a canceled one, executed taker
 * fills (YES and NO), positions, a settlement, and public trades.
 */
export async function populate(
  sim: RunningSimulator,
): Promise<{ tickers: { market: string; event: string; series: string }; restingOrderId: string }> {
  const api = caller(sim);
  const markets = sim.engine
    .listMarkets()
    .filter((m) => m.status === 'active' && m.priceLevelStructure === 'linear_cent');
  const [a, b, c] = markets;
  if (!a || !b || !c) throw new Error('not enough markets');
  const order = (body: Record<string, unknown>) =>
    api.post('/portfolio/events/orders', {
      time_in_force: 'good_till_canceled',
      self_trade_prevention_type: 'taker_at_cross',
      ...body,
    });
  const price = (micros: number) => (micros / 1_000_000).toFixed(4);

  const resting = await order({
    ticker: a.ticker,
    side: 'bid',
    count: '2.00',
    price: '0.0200',
    client_order_id: 'rest-1',
  });
  const canceled = await order({
    ticker: a.ticker,
    side: 'bid',
    count: '1.00',
    price: '0.0100',
    client_order_id: 'cancel-1',
  });
  await api.del(`/portfolio/events/orders/${canceled.json.order_id as string}`);
  await order({
    ticker: a.ticker,
    side: 'bid',
    count: '3.00',
    price: price(sim.engine.topOfBook(a.ticker).ask),
    time_in_force: 'immediate_or_cancel',
    client_order_id: 'yes-1',
  });
  await order({
    ticker: b.ticker,
    side: 'ask',
    count: '1.50',
    price: price(sim.engine.topOfBook(b.ticker).bid),
    time_in_force: 'immediate_or_cancel',
    client_order_id: 'no-1',
  });
  await order({
    ticker: c.ticker,
    side: 'bid',
    count: '1.00',
    price: price(sim.engine.topOfBook(c.ticker).ask),
    time_in_force: 'immediate_or_cancel',
    client_order_id: 'settle-1',
  });
  sim.control.settleMarket({ ticker: c.ticker, result: 'yes' });
  return {
    tickers: { market: a.ticker, event: a.eventTicker, series: a.seriesTicker },
    restingOrderId: resting.json.order_id as string,
  };
}
