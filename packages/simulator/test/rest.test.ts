/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-call -- wire JSON is probed field by field */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Market } from '../src/engine/types.js';
import { caller, signedHeaders, startTestSimulator } from './helpers.js';

const REC = new URL('../../../fixtures/kalshi-spec/recorded-demo-2026-06/', import.meta.url);
const recorded = (name: string): string => readFileSync(new URL(name, REC), 'utf8').trim();
/** Recorded error bodies minus `service`, which Kalshi removed from error bodies on Aug 6 2026. */
const withoutService = (name: string): string => {
  const body = JSON.parse(recorded(name));
  delete body.error.service;
  return JSON.stringify(body);
};

let sim: Awaited<ReturnType<typeof startTestSimulator>>;
let market: Market;

beforeAll(async () => {
  sim = await startTestSimulator();
  const found = sim.engine
    .listMarkets()
    .find(
      (m) =>
        m.status === 'active' &&
        m.priceLevelStructure === 'linear_cent' &&
        m.seriesTicker.startsWith('KXHIGH'),
    );
  if (!found) throw new Error('no market');
  market = found;
});
afterAll(async () => {
  await sim.close();
});

describe('public market data', () => {
  it('serves markets without auth and pages with a cursor that ends as ""', async () => {
    const seen = new Set<string>();
    let cursor = '';
    let pages = 0;
    do {
      const res = await fetch(`${sim.restBaseUrl}/markets?limit=20${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { cursor: string; markets: { ticker: string }[] };
      for (const m of body.markets) seen.add(m.ticker);
      cursor = body.cursor;
      pages += 1;
    } while (cursor !== '' && pages < 50);
    expect(cursor).toBe('');
    expect(seen.size).toBe(sim.engine.listMarkets().length);
  });

  it('rejects limit above the maximum with the recorded bare msg body', async () => {
    const res = await fetch(`${sim.restBaseUrl}/markets?limit=1001`);
    expect(res.status).toBe(400);
    expect(await res.text()).toBe(recorded('markets__limit_over_max.json'));
  });

  it('accepts a garbage cursor silently, answering the first page', async () => {
    const a = await (await fetch(`${sim.restBaseUrl}/markets?limit=5`)).json();
    const b = await (await fetch(`${sim.restBaseUrl}/markets?limit=5&cursor=garbage!!`)).json();
    expect(b).toEqual(a);
  });

  it('serves market, orderbook, events, series, trades and exchange status', async () => {
    const get = async (p: string) => {
      const res = await fetch(sim.restBaseUrl + p);
      expect(res.status, p).toBe(200);
      return res.json() as Promise<any>;
    };
    expect((await get(`/markets/${market.ticker}`)).market.ticker).toBe(market.ticker);
    const book = await get(`/markets/${market.ticker}/orderbook`);
    expect(book.orderbook_fp.yes_dollars.length).toBeGreaterThan(0);
    const yes = book.orderbook_fp.yes_dollars.map((l: string[]) => l[0]);
    expect([...yes].sort()).toEqual(yes);
    const event = await get(`/events/${market.eventTicker}?with_nested_markets=true`);
    expect(event.event.markets.length).toBe(event.markets.length);
    expect((await get('/events')).cursor).toBe('');
    expect((await get(`/series/${market.seriesTicker}`)).series.ticker).toBe(market.seriesTicker);
    expect((await get('/series')).series.length).toBeGreaterThan(3);
    expect(await get('/exchange/status')).toEqual({ exchange_active: true, trading_active: true });
    expect((await get('/markets/trades')).cursor).toBe('');
    expect((await fetch(`${sim.restBaseUrl}/markets/NOPE-1`)).status).toBe(404);
  });
});

describe('authentication', () => {
  const path = '/trade-api/v2/portfolio/balance';
  const call = (headers: Record<string, string>) =>
    fetch(`${sim.restBaseUrl}/portfolio/balance`, { headers });

  it('answers the four recorded 401 bodies', async () => {
    const missing = await call({});
    expect(missing.status).toBe(401);
    expect(await missing.text()).toBe(recorded('auth__missing_signature_header.json'));

    const bad = signedHeaders({
      ...sim.demoAccount,
      method: 'GET',
      path: '/trade-api/v2/portfolio/positions',
    });
    const badRes = await call(bad);
    expect(badRes.status).toBe(401);
    expect(await badRes.text()).toBe(recorded('auth__bad_signature.json'));

    const unknown = await call(
      signedHeaders({
        ...sim.demoAccount,
        keyId: '00000000-0000-0000-0000-000000000000',
        method: 'GET',
        path,
      }),
    );
    expect(await unknown.text()).toBe(recorded('auth__unknown_key_id.json'));

    for (const skew of [-30_000, -300_000, 300_000]) {
      const res = await call(
        signedHeaders({ ...sim.demoAccount, method: 'GET', path, timestampMs: Date.now() + skew }),
      );
      expect(res.status).toBe(401);
      expect(await res.text()).toBe(recorded('auth__skew_minus30s.json'));
    }
    for (const skew of [-5_000, 5_000]) {
      expect(
        (
          await call(
            signedHeaders({ ...sim.demoAccount, method: 'GET', path, timestampMs: Date.now() + skew }),
          )
        ).status,
      ).toBe(200);
    }
  });

  it('signs the path without the query, and not the short path', async () => {
    const ok = await fetch(`${sim.restBaseUrl}/portfolio/orders?limit=5`, {
      headers: signedHeaders({ ...sim.demoAccount, method: 'GET', path: '/trade-api/v2/portfolio/orders' }),
    });
    expect(ok.status).toBe(200);
    const short = await fetch(`${sim.restBaseUrl}/portfolio/orders`, {
      headers: signedHeaders({ ...sim.demoAccount, method: 'GET', path: '/portfolio/orders' }),
    });
    expect(short.status).toBe(401);
  });
});

describe('orders and portfolio', () => {
  it('reports the balance in integer cents and dollars', async () => {
    const res = await caller(sim).get('/portfolio/balance');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ balance: 1_000_000, balance_dollars: '10000.0000', portfolio_value: 0 });
  });

  it('rests a maker order, fills a taker at the resting price, and reports fills, orders and positions', async () => {
    const api = caller(sim);
    const top = sim.engine.topOfBook(market.ticker);
    const maker = await api.post('/portfolio/events/orders', {
      ticker: market.ticker,
      side: 'bid',
      count: '1.00',
      price: '0.0100',
      time_in_force: 'good_till_canceled',
      self_trade_prevention_type: 'taker_at_cross',
      client_order_id: 'maker-1',
      post_only: false,
    });
    expect(maker.status).toBe(201);
    expect(Object.keys(maker.json).sort()).toEqual([
      'client_order_id',
      'fill_count',
      'order_id',
      'remaining_count',
      'ts_ms',
    ]);
    expect(maker.json.remaining_count).toBe('1.00');

    const taker = await api.post('/portfolio/events/orders', {
      ticker: market.ticker,
      side: 'bid',
      count: '1.00',
      price: '0.9900',
      time_in_force: 'immediate_or_cancel',
      self_trade_prevention_type: 'taker_at_cross',
      client_order_id: 'taker-1',
    });
    expect(taker.status).toBe(201);
    const fillPrice = (top.ask / 1_000_000).toFixed(4);
    expect(taker.json).toMatchObject({
      fill_count: '1.00',
      remaining_count: '0.00',
      average_fill_price: fillPrice,
    });

    const fills = await api.get('/portfolio/fills?limit=10');
    expect(fills.json.cursor).toBe('');
    expect(fills.json.fills[0]).toMatchObject({
      order_id: taker.json.order_id,
      yes_price_dollars: fillPrice,
      is_taker: true,
      count_fp: '1.00',
      outcome_side: 'yes',
      book_side: 'bid',
    });
    const order = await api.get(`/portfolio/orders/${taker.json.order_id}`);
    expect(order.json.order).toMatchObject({
      status: 'executed',
      yes_price_dollars: '0.9900',
      fill_count_fp: '1.00',
    });
    const positions = await api.get('/portfolio/positions');
    expect(positions.json.market_positions[0]).toMatchObject({
      ticker: market.ticker,
      position_fp: '1.00',
      market_exposure_dollars: `${fillPrice}00`,
    });

    const duplicate = await api.post('/portfolio/events/orders', {
      ticker: market.ticker,
      side: 'bid',
      count: '1.00',
      price: '0.0100',
      time_in_force: 'good_till_canceled',
      self_trade_prevention_type: 'taker_at_cross',
      client_order_id: 'maker-1',
    });
    expect(duplicate.status).toBe(409);
    expect(duplicate.text).toBe(withoutService('orders__duplicate_client_order_id.json'));

    const cancel = await api.del(`/portfolio/events/orders/${maker.json.order_id}`);
    expect(cancel.status).toBe(200);
    expect(Object.keys(cancel.json).sort()).toEqual(['order_id', 'reduced_by', 'ts_ms']);
    expect(cancel.json.reduced_by).toBe('1.00');
    const again = await api.del(`/portfolio/events/orders/${maker.json.order_id}`);
    expect(again.status).toBe(404);
    expect(again.text).toBe(withoutService('orders__cancel_already_canceled.json'));
    const canceled = await api.get('/portfolio/orders?status=canceled');
    expect(canceled.json.orders.map((o: any) => o.order_id)).toContain(maker.json.order_id);
  });

  it('rejects numeric count with the recorded flat bad_request body, and off-grid and post-only-cross orders', async () => {
    const api = caller(sim);
    const numeric = await api.post('/portfolio/events/orders', {
      ticker: market.ticker,
      side: 'bid',
      count: 1,
      price: '0.0100',
      time_in_force: 'good_till_canceled',
      self_trade_prevention_type: 'taker_at_cross',
    });
    expect(numeric.status).toBe(400);
    expect(numeric.text).toBe(recorded('orders__numeric_field_types.json'));
    const offGrid = await api.post('/portfolio/events/orders', {
      ticker: market.ticker,
      side: 'bid',
      count: '1.00',
      price: '0.0150',
      time_in_force: 'good_till_canceled',
      self_trade_prevention_type: 'taker_at_cross',
    });
    expect(offGrid.text).toBe(withoutService('orders__invalid_price_structure.json'));
    const ask = (sim.engine.topOfBook(market.ticker).ask / 1_000_000).toFixed(4);
    const cross = await api.post('/portfolio/events/orders', {
      ticker: market.ticker,
      side: 'bid',
      count: '1.00',
      price: ask,
      time_in_force: 'good_till_canceled',
      self_trade_prevention_type: 'taker_at_cross',
      post_only: true,
    });
    expect(cross.status).toBe(400);
    expect(cross.text).toBe(recorded('orders__post_only_cross.json'));
    const tooBig = await api.post('/portfolio/events/orders', {
      ticker: market.ticker,
      side: 'bid',
      count: '100000.00',
      price: '0.5000',
      time_in_force: 'good_till_canceled',
      self_trade_prevention_type: 'taker_at_cross',
    });
    expect(tooBig.text).toBe(withoutService('orders__insufficient_balance.json'));
  });

  it('pages newest-first order history with a stable cursor that ends as ""', async () => {
    const api = caller(sim);
    for (let i = 0; i < 5; i += 1) {
      await api.post('/portfolio/events/orders', {
        ticker: market.ticker,
        side: 'bid',
        count: '1.00',
        price: '0.0100',
        time_in_force: 'good_till_canceled',
        self_trade_prevention_type: 'taker_at_cross',
      });
    }
    const all = (await api.get('/portfolio/orders?limit=1000')).json.orders.map((o: any) => o.order_id);
    const paged: string[] = [];
    let cursor = '';
    do {
      const page = await api.get(`/portfolio/orders?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.json.orders.length).toBeLessThanOrEqual(2);
      paged.push(...page.json.orders.map((o: any) => o.order_id));
      cursor = page.json.cursor;
    } while (cursor !== '');
    expect(paged).toEqual(all);
    const created = all.map(
      (id: string) => sim.engine.getAccount(sim.demoAccount.userId)?.ordersById.get(id)?.seq ?? 0,
    );
    expect([...created].sort((a, b) => b - a)).toEqual(created);
  });

  it('answers injected 429 and 503 faults, then recovers', async () => {
    sim.control.failNext({ status: 429, count: 1 });
    const limited = await fetch(`${sim.restBaseUrl}/markets`);
    expect(limited.status).toBe(429);
    expect(await limited.text()).toBe('{"error": "too many requests"}');
    sim.control.failNext({ status: 503, count: 2 });
    expect((await fetch(`${sim.restBaseUrl}/markets`)).status).toBe(503);
    expect((await fetch(`${sim.restBaseUrl}/markets`)).status).toBe(503);
    expect((await fetch(`${sim.restBaseUrl}/markets`)).status).toBe(200);
  });

  it('throttles with token buckets when a real tier is configured', async () => {
    sim.control.setRateLimit({
      config: { read: { refillRate: 1, capacity: 30 }, write: { refillRate: 1, capacity: 10 } },
    });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await caller(sim).get('/portfolio/balance')).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    sim.control.setRateLimit({ preset: 'generous' });
  });
});

describe('control API over HTTP', () => {
  it('creates an account with an API key that can sign requests, funds it and trades as it', async () => {
    const post = async (op: string, body: unknown) => {
      const res = await fetch(`${sim.controlUrl}/${op}`, { method: 'POST', body: JSON.stringify(body) });
      return { status: res.status, json: (await res.json()) as any };
    };
    const account = await post('createAccount', { balance: '50.00' });
    expect(account.status).toBe(200);
    const key = await post('createApiKey', { userId: account.json.userId });
    expect(key.json.privateKeyPem).toContain('BEGIN PRIVATE KEY');
    await post('fund', { userId: account.json.userId, amount: '25.50' });
    const balance = await caller(sim, key.json).get('/portfolio/balance');
    expect(balance.json.balance_dollars).toBe('75.5000');
    const bad = await post('fund', { userId: account.json.userId, amount: 12 });
    expect(bad.status).toBe(400);
    expect((await post('nope', {})).status).toBe(404);
  });
});

describe('malformed requests', () => {
  const raw = (text: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const socket = connect(sim.port, '127.0.0.1', () => socket.end(text));
      let answer = '';
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
      socket.on('end', () => resolve(answer));
      socket.on('error', reject);
    });

  it('answers an unparseable request target with 404 instead of crashing the exchange', async () => {
    expect(await raw('GET //[ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).toMatch(/^HTTP\/1\.1 404/);
    expect(
      await raw(
        'GET //[ HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      ),
    ).toMatch(/^HTTP\/1\.1 404/);
    expect((await fetch(`${sim.restBaseUrl}/exchange/status`)).status).toBe(200);
  });

  it('refuses an expiration_time beyond year 9999, which would otherwise break every later order listing', async () => {
    const api = caller(sim);
    const far = await api.post('/portfolio/events/orders', {
      ticker: market.ticker,
      side: 'bid',
      count: '1.00',
      price: '0.0100',
      time_in_force: 'good_till_canceled',
      self_trade_prevention_type: 'taker_at_cross',
      expiration_time: 1e15,
    });
    expect(far.status).toBe(400);
    expect(far.json.error.code).toBe('invalid_parameters');
    expect((await api.get('/portfolio/orders')).status).toBe(200);
  });

  it('answers a path with broken percent-encoding with 404 not_found, not a 500', async () => {
    const res = await fetch(`${sim.restBaseUrl}/markets/%E0%A4%A`);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('{"error":{"code":"not_found","message":"not found"}}');
  });
});
