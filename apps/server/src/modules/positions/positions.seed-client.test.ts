/**
 * The positions stream as the seed's browser code consumes it:
 * `eventSource.onmessage = (e) => handle(JSON.parse(e.data))`, dispatching on `type`. Such a
 * client sees only default (unnamed) message events, so this is what proves the wire format
 * works for it. The exchange is the in-memory fake; the HTTP is a real socket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Portfolio, Position } from '@kalshi-desk/contracts';
import { createTestClock } from '../../shared/clock.js';
import type { FakeFeed } from '../exchange/testing/fake-exchange.js';
import { MinimalEventSource, SseParser } from '../stream/testing/minimal-event-source.js';
import {
  fakeAccount,
  startFakeExchangeServer,
  type FakeExchangeServer,
} from './testing/fake-exchange-server.js';
import { marketPositionMessage, tickerMessage } from './testing/kalshi-fixtures.js';

/** Generous: real sockets on a shared machine. */
const POLL = { timeout: 10_000 };
const USER = '00000000-0000-4000-8000-0000000000b1';
const TICKER = 'KXSEED-1';

/** The seed's message union, as its client declared it. */
type SSEMessage =
  | { type: 'snapshot'; positions: Position[]; portfolio: Portfolio }
  | { type: 'position_update'; data: Position }
  | { type: 'position_removed'; ticker: string }
  | { type: 'portfolio_update'; data: Portfolio }
  | { type: 'connection_status'; status: string }
  | { type: 'error'; message: string };

/** What the seed's handler keeps: a map of positions, the portfolio, the status. */
function seedClient(source: SseParser) {
  const state = {
    types: [] as string[],
    positions: new Map<string, Position>(),
    portfolio: null as Portfolio | null,
    statuses: [] as string[],
    errors: [] as string[],
    lastEventId: '',
  };
  const handle = (message: SSEMessage): void => {
    state.types.push(message.type);
    switch (message.type) {
      case 'snapshot':
        state.positions = new Map(message.positions.map((p) => [p.ticker, p]));
        state.portfolio = message.portfolio;
        break;
      case 'position_update':
        state.positions.set(message.data.ticker, message.data);
        break;
      case 'position_removed':
        state.positions.delete(message.ticker);
        break;
      case 'portfolio_update':
        state.portfolio = message.data;
        break;
      case 'connection_status':
        state.statuses.push(message.status);
        break;
      case 'error':
        state.errors.push(message.message);
        break;
    }
  };
  source.onmessage = (e) => {
    state.lastEventId = e.lastEventId;
    handle(JSON.parse(e.data) as SSEMessage);
  };
  return state;
}

const clock = createTestClock();
let fake: FakeExchangeServer;
let port: number;
let feed: FakeFeed;
let headers: Record<string, string>;

beforeAll(async () => {
  fake = await startFakeExchangeServer({
    clock,
    account: () => fakeAccount({ balanceDollars: '10.0000', ticker: TICKER, position: '5.00' }),
  });
  ({ headers } = await fake.signIn(USER));
  await fake.connect(USER);
  const connected = fake.feeds.get(USER);
  if (connected === undefined) throw new Error('the account did not connect');
  feed = connected;
  port = fake.port;
});

afterAll(async () => {
  await fake.close();
});

describe('an onmessage-only client (the seed code) on the positions stream', () => {
  it('receives the snapshot, position and portfolio updates, status changes and removals', async () => {
    const source = new MinimalEventSource({
      port,
      path: '/api/v1/account/sse/positions',
      headers,
    });
    const client = seedClient(source);
    expect(await source.opened).toBe(200);

    await expect.poll(() => client.types, POLL).toEqual(['snapshot']);
    expect([...client.positions.keys()]).toEqual([TICKER]);
    expect(client.portfolio?.cash_balance).toBe(10);
    expect(client.lastEventId).toMatch(/^\d+$/);

    feed.emit(tickerMessage(TICKER, '0.5000', '0.5200'));
    await expect.poll(() => client.types.slice(1), POLL).toEqual(['position_update', 'portfolio_update']);
    expect(client.positions.get(TICKER)?.current_price).toBe(50);
    expect(client.portfolio?.positions_value).toBe(2.5);

    feed.setState('backoff', 'socket dropped');
    await expect.poll(() => client.statuses, POLL).toEqual(['reconnecting']);

    feed.emit(marketPositionMessage(TICKER, '0.00', '0.000000'));
    await expect.poll(() => client.types, POLL).toContain('position_removed');
    expect(client.positions.size).toBe(0);

    // Nothing the server sent went past this client: no named event, no error.
    expect(source.namedEvents).toEqual([]);
    expect(client.errors).toEqual([]);
    source.close();
  });

  it('a reconnect with the last id it saw resumes where it left off', async () => {
    const first = new MinimalEventSource({
      port,
      path: '/api/v1/account/sse/positions',
      headers,
    });
    const before = seedClient(first);
    await expect.poll(() => before.types, POLL).toEqual(['snapshot']);
    first.close();

    // Published while no one is connected: the bus keeps it for the resume.
    feed.emit(marketPositionMessage(TICKER, '3.00', '1.500000'));
    const second = new MinimalEventSource({
      port,
      path: '/api/v1/account/sse/positions',
      headers: { ...headers, 'Last-Event-ID': before.lastEventId },
    });
    const after = seedClient(second);
    await expect.poll(() => after.types.length, POLL).toBeGreaterThan(0);
    expect(after.types[0]).toBe('position_update');
    expect(after.types).not.toContain('snapshot');
    expect(after.positions.get(TICKER)?.quantity).toBe(3);
    expect(Number(after.lastEventId)).toBeGreaterThan(Number(before.lastEventId));
    second.close();
  });
});

describe('the EventSource-style parser of this test', () => {
  it('hands default messages to onmessage and never a named event', () => {
    const parser = new SseParser();
    const seen: { data: string; lastEventId: string }[] = [];
    parser.onmessage = (e) => seen.push({ data: e.data, lastEventId: e.lastEventId });
    parser.push('retry: 3000\n\n: heartbeat\n\nid: 7\nevent: snapshot\ndata: {"positions":[]}\n\n');
    parser.push('id: 8\ndata: {"type":"error",\r\ndata: "message":"x"}\r\n\r');
    parser.push('\ndata:{"type":"ok"}\n\n');
    expect(parser.namedEvents).toEqual(['snapshot']);
    expect(seen).toEqual([
      { data: '{"type":"error",\n"message":"x"}', lastEventId: '8' },
      { data: '{"type":"ok"}', lastEventId: '8' },
    ]);
  });
});
