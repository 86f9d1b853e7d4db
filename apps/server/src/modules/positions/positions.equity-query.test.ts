/**
 * GET /account/equity refuses a window it cannot sensibly serve with 400 bad_request, before
 * the database sees it: a year-0000 bound used to reach PostgreSQL, fail there (500) and log
 * the SQL at error level.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { equityCurveResponseSchema } from '@kalshi-desk/contracts';
import { createTestClock } from '../../shared/clock.js';
import {
  fakeAccount,
  startFakeExchangeServer,
  type FakeExchangeServer,
} from './testing/fake-exchange-server.js';

const USER = '00000000-0000-4000-8000-0000000000e1';
const clock = createTestClock(Date.parse('2026-06-15T12:00:00Z'));
let fake: FakeExchangeServer;
let headers: Record<string, string>;

beforeAll(async () => {
  fake = await startFakeExchangeServer({
    clock,
    account: () => fakeAccount({ balanceDollars: '10.0000', ticker: 'KXONE-1', position: '1.00' }),
  });
  headers = (await fake.signIn(USER)).headers;
  await fake.connect(USER);
});

afterAll(async () => {
  await fake.close();
});

const equity = async (query: string) => {
  const start = fake.server.logs.length;
  const response = await fake.server.app.inject({ url: `/api/v1/account/equity?${query}`, headers });
  const errorLines = fake.server.logs
    .slice(start)
    .filter((line) => (JSON.parse(line) as { level: number }).level >= 50);
  return { response, errorLines };
};

describe('GET /api/v1/account/equity bounds', () => {
  it.each([
    ['a year-0000 from', 'from=0000-01-01T00:00:00Z'],
    ['a year-9999 to', 'to=9999-12-31T23:59:59Z'],
    ['a bound before 2000', 'from=1999-12-31T23:59:59Z&to=2000-01-01T00:00:00Z'],
    ['a bound from 2100 on', 'to=2100-01-01T00:00:00Z'],
    ['from after to', 'from=2026-06-02T00:00:00Z&to=2026-06-01T00:00:00Z'],
    ['a window over 366 days', 'from=2025-01-01T00:00:00Z&to=2026-01-03T00:00:00Z'],
    ['a from alone over 366 days before now', 'from=2020-01-01T00:00:00Z'],
    ['a from alone after now', 'from=2027-01-01T00:00:00Z'],
    ['a date that does not exist', 'from=2026-02-30T00:00:00Z'],
    ['a time without an offset', 'from=2026-06-01T00:00:00'],
    ['two values', 'from=2026-06-01T00:00:00Z&from=2026-06-02T00:00:00Z'],
  ])('refuses %s with 400 bad_request, logged below error level', async (_name, query) => {
    const { response, errorLines } = await equity(query);
    expect(response.statusCode).toBe(400);
    expect(Object.keys(response.json<object>()).sort()).toEqual(['error', 'message']);
    expect(response.json()).toMatchObject({ error: 'bad_request' });
    expect(response.body).not.toMatch(/select|portfolio_snapshots|FST_/i);
    expect(errorLines).toEqual([]);
  });

  it.each([
    ['no bounds (the last 24 h)', ''],
    ['a window of exactly 366 days', 'from=2025-06-14T12:00:00Z&to=2026-06-15T12:00:00Z'],
    ['a window of no length', 'from=2026-06-01T00:00:00Z&to=2026-06-01T00:00:00Z'],
    ['bounds with offsets', 'from=2026-06-01T00:00:00%2B05:30&to=2026-06-02T00:00:00-04:00'],
    ['a to alone in the future', 'to=2099-12-31T23:59:59Z'],
    ['the earliest bound', 'from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z'],
  ])('serves %s', async (_name, query) => {
    const { response } = await equity(query);
    expect(response.statusCode).toBe(200);
    equityCurveResponseSchema.parse(response.json());
  });
});
