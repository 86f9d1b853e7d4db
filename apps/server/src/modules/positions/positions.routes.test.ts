/**
 * The positions routes in the whole server (create-server.ts composes them), with the live
 * engine on the in-memory fake exchange, its timers run by hand, and real session tokens.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  equityCurveResponseSchema,
  portfolioResponseSchema,
  positionsResponseSchema,
} from '@kalshi-desk/contracts';
import { createTestClock } from '../../shared/clock.js';
import { SESSION_TTL_MS } from '../sessions/sessions.usecases.js';
import { parseSse, type ParsedSseMessage } from '../stream/testing/fake-sse.js';
import {
  fakeAccount,
  startFakeExchangeServer,
  type FakeExchangeServer,
} from './testing/fake-exchange-server.js';
import { tickerMessage } from './testing/kalshi-fixtures.js';

/** Generous: these run against real sockets on a shared machine. */
const POLL = { timeout: 10_000 };

const U1 = '00000000-0000-4000-8000-0000000000a1';
const U2 = '00000000-0000-4000-8000-0000000000a2';
/** Signed in, but no key stored and no live session. */
const UNCONNECTED = '00000000-0000-4000-8000-0000000000ff';
const clock = createTestClock();
const sessions = new Map<string, { headers: Record<string, string>; jti: string }>();

let fake: FakeExchangeServer;
const as = (userId: string) => sessions.get(userId)?.headers ?? {};

beforeAll(async () => {
  fake = await startFakeExchangeServer({
    clock,
    account: (keyId) =>
      keyId === U1
        ? fakeAccount({ balanceDollars: '10.0000', ticker: 'KXONE-1', position: '5.00' })
        : fakeAccount({ balanceDollars: '20.0000', ticker: 'KXTWO-1', position: '-5.00' }),
  });
  for (const id of [U1, U2, UNCONNECTED]) sessions.set(id, await fake.signIn(id));
  for (const id of [U1, U2]) await fake.connect(id);
});

afterAll(async () => {
  await fake.close();
});

describe('positions routes', () => {
  it("positions are the session user's own, valued at the requested mark", async () => {
    const one = await fake.server.app.inject({ url: '/api/v1/account/positions', headers: as(U1) });
    expect(one.statusCode).toBe(200);
    const body = positionsResponseSchema.parse(one.json());
    expect(body).toMatchObject({ connection: 'live', is_stale: false });
    expect(body.positions.map((p) => [p.ticker, p.side, p.current_price])).toEqual([['KXONE-1', 'YES', 40]]);
    const two = positionsResponseSchema.parse(
      (await fake.server.app.inject({ url: '/api/v1/account/positions?mark=mid', headers: as(U2) })).json(),
    );
    expect(two.positions.map((p) => [p.ticker, p.side, p.mark, p.current_price])).toEqual([
      ['KXTWO-1', 'NO', 'mid', 58],
    ]);
  });

  it('an invalid mark is a 400 and no session is a 401', async () => {
    expect(
      (await fake.server.app.inject({ url: '/api/v1/account/positions?mark=best', headers: as(U1) }))
        .statusCode,
    ).toBe(400);
    const anonymous = await fake.server.app.inject({ url: '/api/v1/account/portfolio' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toMatchObject({ error: 'not_authenticated' });
  });

  it('a user whose account is not connected gets 401 not_authenticated from the error handler', async () => {
    for (const url of [
      '/api/v1/account/positions',
      '/api/v1/account/portfolio',
      '/api/v1/account/sse/positions',
    ]) {
      const response = await fake.server.app.inject({ url, headers: as(UNCONNECTED) });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({
        error: 'not_authenticated',
        message: 'This account is not connected; authenticate again.',
      });
    }
  });

  it('the portfolio adds cash and position marks', async () => {
    const body = portfolioResponseSchema.parse(
      (await fake.server.app.inject({ url: '/api/v1/account/portfolio', headers: as(U1) })).json(),
    );
    expect(body).toMatchObject({
      cash_balance: 10,
      positions_value: 2,
      total_value: 12,
      position_count: 1,
      connection: 'live',
    });
  });

  it('the equity curve returns the stored snapshots in dollars', async () => {
    const body = equityCurveResponseSchema.parse(
      (await fake.server.app.inject({ url: '/api/v1/account/equity', headers: as(U2) })).json(),
    );
    expect(body.points).toHaveLength(1);
    expect(body.points[0]).toMatchObject({ cash_balance: 20, total_value: 20 + 2.8 });
  });

  it("the SSE stream carries only the user's own account, and logout of that session closes it", async () => {
    const messages: ParsedSseMessage[] = [];
    let text = '';
    let ended = false;
    const request = http.get(
      { host: '127.0.0.1', port: fake.port, path: '/api/v1/account/sse/positions', headers: as(U1) },
      (response) => {
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
          const parsed = parseSse(text);
          messages.splice(0, messages.length, ...parsed.messages);
        });
        response.on('end', () => {
          ended = true;
        });
      },
    );
    await expect.poll(() => messages.length, POLL).toBe(1);
    expect(messages[0]?.event).toBe('snapshot');
    expect(JSON.stringify(messages[0]?.data)).toContain('KXONE-1');
    fake.feeds.get(U2)?.emit(tickerMessage('KXTWO-1', '0.1000', '0.1200'));
    fake.feeds.get(U1)?.emit(tickerMessage('KXONE-1', '0.5000', '0.5200'));
    await expect.poll(() => messages.length, POLL).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(messages)).not.toContain('KXTWO-1');
    expect(messages.slice(1).map((m) => m.event)).toEqual(['position_update', 'portfolio_update']);
    expect(text).not.toMatch(/^event:/m);
    expect(messages.map((m) => m.eventField)).toEqual([null, null, null]);
    fake.server.app.liveAccounts.closeStreams(U1, sessions.get(U1)?.jti);
    await expect.poll(() => ended, POLL).toBe(true);
    request.destroy();
  });

  it('a stream ends when its session expires', async () => {
    // The test clock puts U2's session 50 ms before its end; the stream's timer does the rest.
    clock.advanceBy(SESSION_TTL_MS - 50);
    let status = 0;
    let ended = false;
    const request = http.get(
      { host: '127.0.0.1', port: fake.port, path: '/api/v1/account/sse/positions', headers: as(U2) },
      (response) => {
        status = response.statusCode ?? 0;
        response.resume();
        response.on('end', () => {
          ended = true;
        });
      },
    );
    await expect.poll(() => status, POLL).toBe(200);
    expect(fake.server.app.liveAccounts.hub.streamCount(U2)).toBe(1);
    fake.scheduler.advanceBy(49);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ended).toBe(false);
    fake.scheduler.advanceBy(1);
    await expect.poll(() => ended, POLL).toBe(true);
    expect(fake.server.app.liveAccounts.hub.streamCount(U2)).toBe(0);
    request.destroy();
  });
});
