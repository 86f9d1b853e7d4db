/**
 * The whole server for tests of the positions routes: create-server.ts as in production, with
 * the live engine on the in-memory fake exchange, its timers run by hand, listening on a free
 * port. Accounts are keyed by their key id, which the tests make equal to the user id.
 */
import type { AddressInfo } from 'node:net';
import { startTestServer, type TestServer } from '../../../app/testing/test-server.js';
import type { TestClock } from '../../../shared/clock.js';
import { createExchangeFactory } from '../../../shared/exchange.js';
import { users } from '../../users/users.tables.js';
import { FakeFeed, FakeRest, ManualScheduler } from '../../exchange/testing/fake-exchange.js';
import { kalshiMarket, kalshiPosition } from './kalshi-fixtures.js';

/** One open position in `ticker` (YES when `position` > 0) on a market quoted 40/44, last 43. */
export function fakeAccount(args: { balanceDollars: string; ticker: string; position: string }): FakeRest {
  const rest = new FakeRest();
  rest.balanceDollars = args.balanceDollars;
  rest.positions = [kalshiPosition(args.ticker, args.position, '2.500000')];
  rest.markets.set(
    args.ticker,
    kalshiMarket({
      ticker: args.ticker,
      yes_bid_dollars: '0.4000',
      yes_ask_dollars: '0.4400',
      last_price_dollars: '0.4300',
    }),
  );
  return rest;
}

export interface FakeExchangeServer {
  server: TestServer;
  port: number;
  /** The engine's timers and the streams' heartbeat and expiry timers. */
  scheduler: ManualScheduler;
  /** Each connected account's WS feed, by key id. */
  feeds: Map<string, FakeFeed>;
  /** A user row and a session token for it, as `Authorization` headers. */
  signIn(userId: string): Promise<{ headers: Record<string, string>; jti: string }>;
  /** Starts the account's live session, as authenticating would, and lets its feed go live. */
  connect(userId: string): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeExchangeServer(args: {
  clock: TestClock;
  /** The exchange's side of an account. */
  account: (keyId: string) => FakeRest;
}): Promise<FakeExchangeServer> {
  const scheduler = new ManualScheduler();
  const feeds = new Map<string, FakeFeed>();
  const server = await startTestServer({
    // Never called: the engine reaches the exchange through the fake connector.
    exchange: createExchangeFactory({
      env: 'custom',
      restBaseUrl: 'http://127.0.0.1:1/trade-api/v2',
      wsUrl: 'ws://127.0.0.1:1/trade-api/ws/v2',
    }),
    clock: args.clock,
    liveEngine: {
      connect: (credentials) => {
        const feed = new FakeFeed();
        feeds.set(credentials.keyId, feed);
        return { rest: args.account(credentials.keyId).asPort(), feed };
      },
      scheduler,
      timings: { portfolioIntervalMs: 0 },
    },
  });
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  const live = server.app.liveAccounts;
  return {
    server,
    port: (server.app.server.address() as AddressInfo).port,
    scheduler,
    feeds,
    signIn: async (userId) => {
      const at = new Date(args.clock.now());
      await server.database.db
        .insert(users)
        .values({ id: userId, exchangeUrl: 'fake', keyId: userId, createdAt: at, lastLoginAt: at });
      const issued = await server.app.sessions.issue({ userId, keyId: userId });
      return { headers: { authorization: `Bearer ${issued.token}` }, jti: issued.session.jti };
    },
    connect: async (userId) => {
      await live.ensureSession(userId, { keyId: userId, privateKeyPem: 'unused' });
      feeds.get(userId)?.setState('live', 'subscribed');
      await (await live.session(userId)).settled();
    },
    close: () => server.close(),
  };
}
