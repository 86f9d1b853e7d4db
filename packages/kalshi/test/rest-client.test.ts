import { constants, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  KalshiApiError,
  KalshiNetworkError,
  KalshiPaginationError,
  KalshiRateLimitError,
  KalshiResponseValidationError,
  KalshiRestClient,
  KalshiTimeoutError,
  TokenBucket,
  type KalshiRestClientOptions,
} from '../src/rest/index.js';
import { getTestRsaKey } from '../src/testing/keys.js';

const BASE = 'https://exchange.test/trade-api/v2';

interface Call {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
}

type Responder = (call: Call) => Response | Promise<Response>;

function json(status: number, body: unknown): Response {
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

/** A fetch that records every request and answers from a list of responders (last one repeats). */
function fakeFetch(...responders: Responder[]): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const fn = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    const call: Call = {
      method: init?.method ?? 'GET',
      url: input instanceof Request ? input.url : input.toString(),
      headers,
      body: typeof init?.body === 'string' ? init.body : undefined,
    };
    calls.push(call);
    const responder = responders[Math.min(calls.length - 1, responders.length - 1)];
    if (!responder) throw new Error('no responder');
    return responder(call);
  };
  return { fetch: fn, calls };
}

function client(options: Partial<KalshiRestClientOptions> & { fetch: typeof fetch }): {
  client: KalshiRestClient;
  sleeps: number[];
} {
  const sleeps: number[] = [];
  const c = new KalshiRestClient({
    baseUrl: BASE,
    retry: { maxRetries: 3, baseDelayMs: 100 },
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    random: () => 0.5,
    now: () => 1_781_159_348_000,
    ...options,
  });
  return { client: c, sleeps };
}

const balance = {
  balance: 9801,
  balance_breakdown: [{ balance: '98.0186', exchange_index: 0 }],
  balance_dollars: '98.0186',
  portfolio_value: 198,
  updated_ts: 1781159348,
};

function verifies(publicKeyPem: string, message: string, signature: string | undefined): boolean {
  return verify(
    'sha256',
    Buffer.from(message),
    {
      key: publicKeyPem,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
    },
    Buffer.from(signature ?? '', 'base64'),
  );
}

describe('KalshiRestClient signing', () => {
  it('signs the full path without the query and sends the three Kalshi headers', async () => {
    const key = getTestRsaKey();
    const { fetch, calls } = fakeFetch(() => json(200, { cursor: '', fills: [] }));
    const { client: c } = client({
      fetch,
      credentials: { keyId: 'key-a', privateKeyPem: key.privateKeyPem },
    });
    await c.getFills({ limit: 10, ticker: 'T-1' });
    const call = calls[0];
    expect(call?.url).toBe(`${BASE}/portfolio/fills?limit=10&ticker=T-1`);
    expect(call?.headers['kalshi-access-key']).toBe('key-a');
    expect(call?.headers['kalshi-access-timestamp']).toBe('1781159348000');
    expect(
      verifies(
        key.publicKeyPem,
        '1781159348000GET/trade-api/v2/portfolio/fills',
        call?.headers['kalshi-access-signature'],
      ),
    ).toBe(true);
  });

  it('two clients with different keys in one process never mix their credentials', async () => {
    const keyA = getTestRsaKey(0);
    const keyB = getTestRsaKey(1);
    const { fetch, calls } = fakeFetch(() => json(200, balance));
    const { client: a } = client({
      fetch,
      credentials: { keyId: 'key-a', privateKeyPem: keyA.privateKeyPem },
    });
    const { client: b } = client({
      fetch,
      credentials: { keyId: 'key-b', privateKeyPem: keyB.privateKeyPem },
    });
    const anonymous = client({ fetch }).client;
    await Promise.all([
      a.getBalance(),
      b.getBalance(),
      a.getBalance(),
      anonymous.getExchangeStatus().catch(() => null),
      b.getBalance(),
    ]);
    const message = '1781159348000GET/trade-api/v2/portfolio/balance';
    const byKey = (id: string) => calls.filter((c) => c.headers['kalshi-access-key'] === id);
    expect(byKey('key-a')).toHaveLength(2);
    expect(byKey('key-b')).toHaveLength(2);
    for (const call of byKey('key-a')) {
      expect(verifies(keyA.publicKeyPem, message, call.headers['kalshi-access-signature'])).toBe(true);
      expect(verifies(keyB.publicKeyPem, message, call.headers['kalshi-access-signature'])).toBe(false);
    }
    for (const call of byKey('key-b')) {
      expect(verifies(keyB.publicKeyPem, message, call.headers['kalshi-access-signature'])).toBe(true);
    }
    const unsigned = calls.find((c) => c.url.endsWith('/exchange/status'));
    expect(unsigned?.headers['kalshi-access-key']).toBeUndefined();
    expect(unsigned?.headers['kalshi-access-signature']).toBeUndefined();
  });

  it('never puts the private key into an error', async () => {
    const key = getTestRsaKey();
    const { fetch } = fakeFetch(
      () =>
        json(401, {
          error: { code: 'authentication_error', message: 'authentication_error', details: 'NOT_FOUND' },
        }),
      () => {
        throw new TypeError('fetch failed');
      },
    );
    const { client: c } = client({
      fetch,
      credentials: { keyId: 'k', privateKeyPem: key.privateKeyPem },
      retry: { maxRetries: 0, baseDelayMs: 1 },
    });
    const errors = [
      await c.getBalance().catch((e: unknown) => e),
      await c.getBalance().catch((e: unknown) => e),
    ];
    const keyLines = key.privateKeyPem.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'));
    for (const error of errors) {
      const text = `${String(error)} ${(error as Error).stack ?? ''} ${JSON.stringify(error)}`;
      for (const line of keyLines) expect(text).not.toContain(line);
    }
    expect(errors[0]).toBeInstanceOf(KalshiApiError);
    expect(errors[1]).toBeInstanceOf(KalshiNetworkError);
  });
});

describe('KalshiRestClient errors and retries', () => {
  it('maps the nested error body to a KalshiApiError keyed on code', async () => {
    const { fetch } = fakeFetch(() =>
      json(404, { error: { code: 'not_found', message: 'not found', service: 'exchange' } }),
    );
    const { client: c } = client({ fetch });
    const error = await c.cancelOrder('00000000-0000-0000-0000-000000000000').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KalshiApiError);
    expect(error).toMatchObject({
      status: 404,
      code: 'not_found',
      message: expect.stringContaining('not found'),
    });
  });

  it('maps the flat and bare-msg bodies and keeps details', async () => {
    const { fetch } = fakeFetch(
      () =>
        json(400, { code: 'bad_request', message: 'bad request', details: 'json: cannot unmarshal number' }),
      () => json(400, { msg: "Parameter validation failed for GetMarkets: Key: 'GetMarketsParams.Limit'" }),
    );
    const { client: c } = client({ fetch });
    const order = {
      ticker: 'T',
      side: 'bid',
      count: '1.00',
      price: '0.5000',
      time_in_force: 'good_till_canceled',
      self_trade_prevention_type: 'taker_at_cross',
    } as const;
    await expect(c.createOrder(order)).rejects.toMatchObject({
      status: 400,
      code: 'bad_request',
      details: 'json: cannot unmarshal number',
    });
    await expect(c.getMarkets({ limit: 1001 })).rejects.toMatchObject({
      status: 400,
      code: 'bad_request',
      message: expect.stringContaining('Parameter validation failed'),
    });
  });

  it('retries 429 with exponential backoff and jitter, then succeeds', async () => {
    const tooMany = () => json(429, { error: 'too many requests' });
    const { fetch, calls } = fakeFetch(tooMany, tooMany, () => json(200, balance));
    const { client: c, sleeps } = client({ fetch, random: () => 0 });
    await expect(c.getBalance()).resolves.toMatchObject({ balance_dollars: '98.0186' });
    expect(calls).toHaveLength(3);
    expect(sleeps).toEqual([50, 100]); // 100 * 2^n * (0.5 + 0/2)
  });

  it('throws KalshiRateLimitError once retries are exhausted', async () => {
    const { fetch, calls } = fakeFetch(() => json(429, { error: 'too many requests' }));
    const { client: c, sleeps } = client({ fetch, random: () => 0.999 });
    const error = await c.getMarkets().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KalshiRateLimitError);
    expect(error).toMatchObject({ status: 429, code: 'too_many_requests' });
    expect(calls).toHaveLength(4);
    expect(sleeps.map((s) => Math.round(s / 100))).toEqual([1, 2, 4]);
  });

  it('retries a 429 on order creation (nothing was done) but not a 500 without client_order_id', async () => {
    const order = {
      ticker: 'T',
      side: 'bid',
      count: '1.00',
      price: '0.5000',
      time_in_force: 'good_till_canceled',
      self_trade_prevention_type: 'taker_at_cross',
    } as const;
    const created = { order_id: 'o1', fill_count: '0.00', remaining_count: '1.00', ts_ms: 1 };
    const first = fakeFetch(
      () => json(429, { error: 'too many requests' }),
      () => json(201, created),
    );
    await expect(client({ fetch: first.fetch }).client.createOrder(order)).resolves.toMatchObject({
      order_id: 'o1',
    });
    expect(first.calls).toHaveLength(2);

    const second = fakeFetch(
      () => json(500, { error: { code: 'internal', message: 'oops' } }),
      () => json(201, created),
    );
    await expect(client({ fetch: second.fetch }).client.createOrder(order)).rejects.toMatchObject({
      status: 500,
    });
    expect(second.calls).toHaveLength(1);

    const third = fakeFetch(
      () => json(503, ''),
      () => json(201, created),
    );
    await expect(
      client({ fetch: third.fetch }).client.createOrder({ ...order, client_order_id: 'c-1' }),
    ).resolves.toMatchObject({ order_id: 'o1' });
    expect(third.calls).toHaveLength(2);
    expect(JSON.parse(third.calls[1]?.body ?? '{}')).toMatchObject({
      client_order_id: 'c-1',
      count: '1.00',
      price: '0.5000',
    });
  });

  it('retries GETs after 5xx and network failures', async () => {
    const { fetch, calls } = fakeFetch(
      () => json(502, '<html>bad gateway</html>'),
      () => {
        throw new TypeError('fetch failed');
      },
      () => json(200, { exchange_active: true, trading_active: true }),
    );
    await expect(client({ fetch }).client.getExchangeStatus()).resolves.toEqual({
      exchange_active: true,
      trading_active: true,
    });
    expect(calls).toHaveLength(3);
  });

  it('turns an AbortSignal timeout into KalshiTimeoutError', async () => {
    const hang: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () =>
          reject(init.signal?.reason instanceof Error ? init.signal.reason : new Error('aborted')),
        );
      });
    const { client: c } = client({ fetch: hang, timeoutMs: 20, retry: { maxRetries: 0, baseDelayMs: 1 } });
    const error = await c.getExchangeStatus().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KalshiTimeoutError);
    expect(String(error)).toMatch(/timed out after 20 ms/);
  });

  it('refuses a success body that breaks the protocol schema', async () => {
    const { fetch } = fakeFetch(() => json(200, { ...balance, balance_dollars: 98.0186 }));
    const error = await client({ fetch })
      .client.getBalance()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KalshiResponseValidationError);
    expect(String(error)).toMatch(/balance_dollars/);
  });

  it('validates an order request locally: JSON numbers never reach Kalshi', async () => {
    const { fetch, calls } = fakeFetch(() => json(201, {}));
    const bad = {
      ticker: 'T',
      side: 'bid',
      count: 1,
      price: 0.5,
      time_in_force: 'good_till_canceled',
      self_trade_prevention_type: 'taker_at_cross',
    };
    // @ts-expect-error count and price must be strings
    await expect(client({ fetch }).client.createOrder(bad)).rejects.toThrow(/invalid order request: count/);
    expect(calls).toHaveLength(0);
  });
});

describe('KalshiRestClient pagination', () => {
  const page = (cursor: string | null | undefined, tickers: string[]) => ({
    ...(cursor === undefined ? {} : { cursor }),
    fills: tickers.map((t) => ({
      fill_id: t,
      trade_id: t,
      order_id: 'o',
      ticker: 'T',
      outcome_side: 'yes',
      book_side: 'bid',
      count_fp: '1.00',
      yes_price_dollars: '0.5200',
      no_price_dollars: '0.4800',
      is_taker: true,
      fee_cost: '0.017500',
    })),
  });

  it.each([[''], [null], [undefined]])('ends when the cursor is %j', async (end) => {
    const { fetch, calls } = fakeFetch(
      () => json(200, page('c1', ['a', 'b'])),
      () => json(200, page(end, ['c'])),
    );
    const ids: string[] = [];
    for await (const fill of client({ fetch }).client.iterateFills({ limit: 2 })) ids.push(fill.fill_id);
    expect(ids).toEqual(['a', 'b', 'c']);
    expect(calls.map((c) => new URL(c.url).search)).toEqual(['?limit=2', '?limit=2&cursor=c1']);
  });

  it('throws instead of looping on a repeated cursor', async () => {
    const { fetch, calls } = fakeFetch(() => json(200, page('same', ['a'])));
    const ids: string[] = [];
    const run = async () => {
      for await (const fill of client({ fetch }).client.iterateFills()) ids.push(fill.fill_id);
    };
    await expect(run()).rejects.toBeInstanceOf(KalshiPaginationError);
    expect(calls).toHaveLength(2);
  });

  describe('iteratePositions', () => {
    const marketPosition = (ticker: string) => ({
      ticker,
      position_fp: '3.00',
      market_exposure_dollars: '1.560000',
      total_traded_dollars: '1.560000',
      realized_pnl_dollars: '0.000000',
      fees_paid_dollars: '0.020000',
    });
    const positionsPage = (cursor: string, tickers: string[], events: string[] = []) => ({
      cursor,
      market_positions: tickers.map(marketPosition),
      event_positions: events.map((event_ticker) => ({
        event_ticker,
        total_cost_dollars: '1.560000',
        total_cost_shares_fp: '3.00',
        event_exposure_dollars: '1.560000',
        realized_pnl_dollars: '0.000000',
        fees_paid_dollars: '0.020000',
      })),
    });

    it('yields whole pages (market and event positions) until the cursor runs out, keeping the filters', async () => {
      const { fetch, calls } = fakeFetch(
        () => json(200, positionsPage('c1', ['KXA-1', 'KXB-1'], ['KXA'])),
        () => json(200, positionsPage('', ['KXC-1'], ['KXC'])),
      );
      const pages = [];
      for await (const page of client({ fetch }).client.iteratePositions({
        count_filter: 'position',
        limit: 2,
      })) {
        pages.push(page);
      }
      expect(pages.map((p) => p.market_positions.map((m) => m.ticker))).toEqual([
        ['KXA-1', 'KXB-1'],
        ['KXC-1'],
      ]);
      expect(pages.map((p) => p.event_positions.map((e) => e.event_ticker))).toEqual([['KXA'], ['KXC']]);
      expect(calls.map((c) => new URL(c.url).search)).toEqual([
        '?count_filter=position&limit=2',
        '?count_filter=position&limit=2&cursor=c1',
      ]);
    });

    it('starts from the given cursor and throws instead of looping when the cursor repeats', async () => {
      const { fetch, calls } = fakeFetch(
        () => json(200, positionsPage('c2', ['KXA-1'])),
        () => json(200, positionsPage('c1', ['KXB-1'])),
      );
      const tickers: string[] = [];
      const run = async () => {
        for await (const page of client({ fetch }).client.iteratePositions({ cursor: 'c1' })) {
          tickers.push(...page.market_positions.map((m) => m.ticker));
        }
      };
      await expect(run()).rejects.toBeInstanceOf(KalshiPaginationError);
      expect(tickers).toEqual(['KXA-1', 'KXB-1']);
      expect(calls.map((c) => new URL(c.url).search)).toEqual(['?cursor=c1', '?cursor=c2']);
    });
  });
});

describe('TokenBucket', () => {
  it('lets a burst through, then spaces requests at the refill rate', async () => {
    let now = 0;
    const sleeps: number[] = [];
    const bucket = new TokenBucket({
      ratePerSecond: 2,
      now: () => now,
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
    });
    await bucket.take();
    await bucket.take();
    await bucket.take();
    await bucket.take();
    expect(sleeps).toEqual([500, 1000]);
    now = 5000;
    await bucket.take();
    expect(sleeps).toHaveLength(2);
  });

  it('is applied per client to reads and writes separately', async () => {
    const { fetch } = fakeFetch(() => json(200, balance));
    const { client: c, sleeps } = client({ fetch, rateLimit: { readPerSecond: 1, writePerSecond: 1 } });
    await c.getBalance();
    await c.getBalance();
    expect(sleeps).toEqual([1000]);
  });
});
