import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KalshiApiError, KalshiRestClient } from '../src/rest/index.js';
import { getTestRsaKey } from '../src/testing/keys.js';
import { startRecordedExchange, type RecordedExchange } from '../src/testing/recorded-exchange.js';
import { findRecordingsDir } from '../src/testing/recordings.js';

const dir = findRecordingsDir();

describe('KalshiRestClient against the recorded demo responses', () => {
  let exchange: RecordedExchange;
  let client: KalshiRestClient;
  const key = getTestRsaKey();

  beforeAll(async () => {
    exchange = await startRecordedExchange({
      dir,
      keyId: 'replay-key',
      publicKeyPem: key.publicKeyPem,
    });
    client = new KalshiRestClient({
      baseUrl: exchange.restBaseUrl,
      credentials: { keyId: 'replay-key', privateKeyPem: key.privateKeyPem },
      retry: { maxRetries: 0, baseDelayMs: 1 },
    });
  });
  afterAll(async () => {
    await exchange.close();
  });

  it('iterates the recorded market pages to the page with cursor ""', async () => {
    const tickers: string[] = [];
    for await (const market of client.iterateMarkets({ limit: 5 })) tickers.push(market.ticker);
    expect(tickers).toHaveLength(16);
    expect(new Set(tickers.slice(0, 15)).size).toBe(15);
    expect(tickers.at(-1)).toBe(exchange.tradingTicker);
  });

  it('reads balance, positions, fills, orders and settlements', async () => {
    expect((await client.getBalance()).balance_dollars).toBe('98.0186');
    const positions = await client.getPositions();
    expect(positions.market_positions[0]).toMatchObject({
      position_fp: '3.00',
      market_exposure_dollars: '2.500000',
    });
    const fills = [];
    for await (const fill of client.iterateFills({ limit: 10 })) fills.push(fill);
    expect(fills[0]).toMatchObject({ fee_cost: '0.017500', yes_price_dollars: '0.5200' });
    expect((await client.getOrders()).orders.length).toBeGreaterThan(0);
    expect((await client.getSettlements()).settlements).toEqual([]);
    expect((await client.getMarket(exchange.tradingTicker)).status).toBe('active');
    expect((await client.getOrderbook(exchange.tradingTicker)).orderbook_fp.yes_dollars).toEqual([
      ['0.4700', '3.00'],
    ]);
  });

  it('maps the recorded error bodies to KalshiApiError codes', async () => {
    const anonymous = new KalshiRestClient({
      baseUrl: exchange.restBaseUrl,
      retry: { maxRetries: 0, baseDelayMs: 1 },
    });
    const impostor = new KalshiRestClient({
      baseUrl: exchange.restBaseUrl,
      credentials: { keyId: 'replay-key', privateKeyPem: getTestRsaKey(1).privateKeyPem },
      retry: { maxRetries: 0, baseDelayMs: 1 },
    });
    await expect(anonymous.getBalance()).rejects.toMatchObject({
      status: 401,
      code: 'signature_is_missing_from_headers',
    });
    await expect(impostor.getBalance()).rejects.toMatchObject({
      status: 401,
      code: 'authentication_error',
      details: 'INCORRECT_API_KEY_SIGNATURE',
    });
    await expect(client.getMarkets({ limit: 1001 })).rejects.toMatchObject({
      status: 400,
      code: 'bad_request',
    });
    const error = await client.cancelOrder('00000000-0000-0000-0000-000000000000').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KalshiApiError);
    expect(error).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('creates with a client_order_id, then gets 409 order_already_exists on reuse', async () => {
    const order = {
      ticker: exchange.tradingTicker,
      side: 'bid',
      count: '1.00',
      price: '0.0100',
      time_in_force: 'good_till_canceled',
      self_trade_prevention_type: 'taker_at_cross',
      client_order_id: 'replay-client-order-1',
    } as const;
    const created = await client.createOrder(order);
    expect(created).toMatchObject({ fill_count: '0.00', remaining_count: '1.00' });
    await expect(client.createOrder(order)).rejects.toMatchObject({
      status: 409,
      code: 'order_already_exists',
    });
    await expect(client.cancelOrder(created.order_id)).resolves.toMatchObject({ reduced_by: '1.00' });
  });
});
