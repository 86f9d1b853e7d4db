/**
 * A reusable vitest suite that checks an exchange speaks Kalshi's protocol: the simulator runs
 * it against itself, and this package replays it against the recorded demo responses.
 * Import only from test files (it registers vitest suites).
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import type { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it as vitestIt, type TestFunction } from 'vitest';
import { createSigner, signingPath, type KalshiSigner } from '../auth/signer.js';
import {
  bareMsgErrorBodySchema,
  balanceResponseSchema,
  cancelOrderV2ResponseSchema,
  createOrderV2ResponseSchema,
  exchangeStatusSchema,
  fillsResponseSchema,
  marketResponseSchema,
  marketsResponseSchema,
  nestedErrorBodySchema,
  orderbookResponseSchema,
  ordersResponseSchema,
  positionsResponseSchema,
  settlementsResponseSchema,
  wsInboundMessageSchema,
  type WsInboundMessage,
} from '../protocol/index.js';
import { getTestRsaKey } from './keys.js';

export interface ExchangeUnderTest {
  /** Including /trade-api/v2. */
  restBaseUrl: string;
  /** Full WS URL, e.g. ws://127.0.0.1:1234/trade-api/ws/v2. */
  wsUrl: string;
  keyId: string;
  privateKeyPem: string;
  /** A market where the suite may place (and cancel) a small resting order. */
  tickerForTrading?: string;
}

export interface ExchangeContractSuiteOptions {
  name: string;
  setup: () => Promise<ExchangeUnderTest>;
  teardown?: () => Promise<void>;
  /** Max time for one network wait inside a test. Default 5000 ms. */
  waitMs?: number;
  /** Time allowed for setup and teardown. Default 30000 ms. */
  setupTimeoutMs?: number;
}

interface RawResponse {
  status: number;
  body: unknown;
}

type SignMode = 'valid' | 'none' | 'wrong-key';

export function runExchangeContractSuite(options: ExchangeContractSuiteOptions): void {
  const waitMs = options.waitMs ?? 5_000;

  // Each test may wait up to waitMs several times (HTTP + WebSocket).
  const it = (name: string, fn: TestFunction) => vitestIt(name, fn, waitMs * 4);

  describe(`Kalshi exchange contract: ${options.name}`, () => {
    let exchange: ExchangeUnderTest;
    let signer: KalshiSigner;
    let wrongSigner: KalshiSigner;

    beforeAll(async () => {
      exchange = await options.setup();
      signer = createSigner({ keyId: exchange.keyId, privateKeyPem: exchange.privateKeyPem });
      // Same key id, a different private key: the signature cannot verify.
      wrongSigner = createSigner({ keyId: exchange.keyId, privateKeyPem: getTestRsaKey(97).privateKeyPem });
    }, options.setupTimeoutMs ?? 30_000);

    afterAll(async () => {
      await options.teardown?.();
    }, options.setupTimeoutMs ?? 30_000);

    async function call(
      method: string,
      path: string,
      init: { sign?: SignMode; body?: unknown } = {},
    ): Promise<RawResponse> {
      const url = `${exchange.restBaseUrl}${path}`;
      const headers: Record<string, string> = { accept: 'application/json' };
      const mode = init.sign ?? 'valid';
      if (mode !== 'none') {
        const use = mode === 'valid' ? signer : wrongSigner;
        Object.assign(headers, use.headers({ method, path: signingPath(url), timestampMs: Date.now() }));
      }
      if (init.body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(url, {
        method,
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: AbortSignal.timeout(waitMs),
      });
      const text = await response.text();
      return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
    }

    async function firstMarketTicker(): Promise<string> {
      if (exchange.tickerForTrading) return exchange.tickerForTrading;
      const page = marketsResponseSchema.parse(
        (await call('GET', '/markets?limit=1', { sign: 'none' })).body,
      );
      const ticker = page.markets[0]?.ticker;
      if (!ticker) throw new Error('the exchange lists no markets');
      return ticker;
    }

    describe('public market data', () => {
      it('serves exchange status, markets, a market and its order book without authentication', async () => {
        const status = await call('GET', '/exchange/status', { sign: 'none' });
        expect(status.status).toBe(200);
        expectValid(exchangeStatusSchema, status.body);

        const markets = await call('GET', '/markets?limit=5', { sign: 'none' });
        expect(markets.status).toBe(200);
        const page = expectValid(marketsResponseSchema, markets.body);
        expect(page.markets.length).toBeGreaterThan(0);

        const ticker = await firstMarketTicker();
        const market = await call('GET', `/markets/${encodeURIComponent(ticker)}`, { sign: 'none' });
        expect(market.status).toBe(200);
        expect(expectValid(marketResponseSchema, market.body).market.ticker).toBe(ticker);

        const book = await call('GET', `/markets/${encodeURIComponent(ticker)}/orderbook`, { sign: 'none' });
        expect(book.status).toBe(200);
        expectValid(orderbookResponseSchema, book.body);
      });

      it('walks market pages to a last page whose cursor is ""', async () => {
        let cursor: string | undefined;
        const seen = new Set<string>();
        for (let pageNo = 0; pageNo < 200; pageNo += 1) {
          const query = cursor === undefined ? '?limit=5' : `?limit=5&cursor=${encodeURIComponent(cursor)}`;
          const response = await call('GET', `/markets${query}`, { sign: 'none' });
          expect(response.status).toBe(200);
          const page = expectValid(marketsResponseSchema, response.body);
          expect(page.cursor, 'every page carries a cursor field').toBeTypeOf('string');
          if (page.cursor === '') return;
          expect(seen.has(page.cursor ?? ''), 'a cursor never repeats').toBe(false);
          seen.add(page.cursor ?? '');
          cursor = page.cursor ?? undefined;
        }
        throw new Error('no last page within 200 pages');
      });

      it('answers a limit over the maximum with 400 and a bare msg body', async () => {
        const response = await call('GET', '/markets?limit=1001', { sign: 'none' });
        expect(response.status).toBe(400);
        expectValid(bareMsgErrorBodySchema, response.body);
      });
    });

    describe('authentication', () => {
      it('refuses unsigned private requests with 401 and a nested error body', async () => {
        const response = await call('GET', '/portfolio/balance', { sign: 'none' });
        expect(response.status).toBe(401);
        expectValid(nestedErrorBodySchema, response.body);
      });

      it('refuses a signature made with another key with 401 authentication_error', async () => {
        const response = await call('GET', '/portfolio/balance', { sign: 'wrong-key' });
        expect(response.status).toBe(401);
        expect(expectValid(nestedErrorBodySchema, response.body).error.code).toBe('authentication_error');
      });

      it('accepts signed requests and answers in the portfolio schemas', async () => {
        const checks: [string, z.ZodType][] = [
          ['/portfolio/balance', balanceResponseSchema],
          ['/portfolio/positions', positionsResponseSchema],
          ['/portfolio/fills?limit=10', fillsResponseSchema],
          ['/portfolio/orders?limit=10', ordersResponseSchema],
          ['/portfolio/settlements?limit=10', settlementsResponseSchema],
        ];
        for (const [path, schema] of checks) {
          const response = await call('GET', path);
          expect(response.status, path).toBe(200);
          expectValid(schema, response.body);
        }
      });
    });

    describe('orders', () => {
      it('creates a resting order (201), refuses its client_order_id again (409) and cancels it once (200, then 404)', async (ctx) => {
        if (!exchange.tickerForTrading) return ctx.skip();
        const clientOrderId = randomUUID();
        const order = {
          ticker: exchange.tickerForTrading,
          side: 'bid',
          count: '1.00',
          price: '0.0100',
          time_in_force: 'good_till_canceled',
          self_trade_prevention_type: 'taker_at_cross',
          post_only: true,
          client_order_id: clientOrderId,
        };
        const created = await call('POST', '/portfolio/events/orders', { body: order });
        expect(created.status).toBe(201);
        const body = expectValid(createOrderV2ResponseSchema, created.body);
        expect(body.fill_count).toBe('0.00');
        expect(body.remaining_count).toBe('1.00');

        const duplicate = await call('POST', '/portfolio/events/orders', { body: order });
        expect(duplicate.status).toBe(409);
        expect(expectValid(nestedErrorBodySchema, duplicate.body).error.code).toBe('order_already_exists');

        const path = `/portfolio/events/orders/${encodeURIComponent(body.order_id)}`;
        const canceled = await call('DELETE', path);
        expect(canceled.status).toBe(200);
        expect(expectValid(cancelOrderV2ResponseSchema, canceled.body).reduced_by).toBe('1.00');

        const again = await call('DELETE', path);
        expect(again.status).toBe(404);
        expect(expectValid(nestedErrorBodySchema, again.body).error.code).toBe('not_found');
      });

      it('answers cancel of an unknown order with 404 not_found', async () => {
        const response = await call(
          'DELETE',
          '/portfolio/events/orders/00000000-0000-0000-0000-000000000000',
        );
        expect(response.status).toBe(404);
        expect(expectValid(nestedErrorBodySchema, response.body).error.code).toBe('not_found');
      });
    });

    describe('websocket', () => {
      it('answers an orderbook_delta subscription with subscribed, a snapshot at seq 1, then gap-free deltas', async () => {
        const ticker = await firstMarketTicker();
        const socket = new WebSocket(exchange.wsUrl, {
          headers: {
            ...signer.headers({ method: 'GET', path: signingPath(exchange.wsUrl), timestampMs: Date.now() }),
          },
        });
        const inbox: WsInboundMessage[] = [];
        const waiters: (() => void)[] = [];
        socket.on('message', (data: Buffer) => {
          inbox.push(wsInboundMessageSchema.parse(JSON.parse(data.toString('utf8'))));
          for (const wake of waiters.splice(0)) wake();
        });
        const waitFor = async (predicate: () => boolean, what: string): Promise<void> => {
          const deadline = Date.now() + waitMs;
          while (!predicate()) {
            if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
            await new Promise<void>((resolve) => {
              waiters.push(resolve);
              setTimeout(resolve, 50);
            });
          }
        };
        try {
          await new Promise<void>((resolve, reject) => {
            socket.once('open', () => resolve());
            socket.once('error', reject);
          });
          socket.send(
            JSON.stringify({
              id: 1,
              cmd: 'subscribe',
              params: { channels: ['orderbook_delta'], market_tickers: [ticker] },
            }),
          );
          await waitFor(() => inbox.some((m) => m.type === 'orderbook_snapshot'), 'orderbook_snapshot');
          const subscribed = inbox.find((m) => m.type === 'subscribed');
          expect(subscribed).toMatchObject({
            type: 'subscribed',
            id: 1,
            msg: { channel: 'orderbook_delta' },
          });
          const sid = subscribed?.type === 'subscribed' ? subscribed.msg.sid : undefined;
          const snapshot = inbox.find((m) => m.type === 'orderbook_snapshot');
          expect(snapshot).toMatchObject({ sid, seq: 1, msg: { market_ticker: ticker } });

          if (exchange.tickerForTrading === ticker) {
            // A resting order changes the book, so at least one delta must follow.
            const created = await call('POST', '/portfolio/events/orders', {
              body: {
                ticker,
                side: 'bid',
                count: '1.00',
                price: '0.0100',
                time_in_force: 'good_till_canceled',
                self_trade_prevention_type: 'taker_at_cross',
                post_only: true,
                client_order_id: randomUUID(),
              },
            });
            expect(created.status).toBe(201);
            await waitFor(() => inbox.some((m) => m.type === 'orderbook_delta'), 'orderbook_delta');
            const orderId = expectValid(createOrderV2ResponseSchema, created.body).order_id;
            await call('DELETE', `/portfolio/events/orders/${encodeURIComponent(orderId)}`);
          }
          const sequenced = inbox.filter(
            (m) => m.type === 'orderbook_snapshot' || m.type === 'orderbook_delta',
          );
          expect(sequenced.map((m) => m.sid).every((s) => s === sid)).toBe(true);
          expect(sequenced.map((m) => ('seq' in m ? m.seq : undefined))).toEqual(
            sequenced.map((_m, i) => i + 1),
          );
        } finally {
          socket.terminate();
        }
      });
    });
  });
}

function expectValid<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  expect(
    result.error?.issues ?? [],
    `body does not match the protocol schema: ${JSON.stringify(value)?.slice(0, 300)}`,
  ).toEqual([]);
  return result.data as z.infer<S>;
}
