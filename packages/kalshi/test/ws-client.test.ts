import { constants, verify } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../src/testing/fake-clock.js';
import { getTestRsaKey } from '../src/testing/keys.js';
import {
  KalshiWsClient,
  KalshiWsCommandError,
  type KalshiWsClientOptions,
  type WsState,
} from '../src/ws/client.js';
import type { WsDataMessage } from '../src/protocol/ws.js';
import { nextEvent, startWsServer, type ServerConnection } from './ws-harness.js';

const TICKER = 'KXWTACHALLENGERMATCH-26JUN11JIMLEP-LEP';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(options: Partial<KalshiWsClientOptions> = {}) {
  const server = await startWsServer();
  const clock = new FakeClock();
  const client = new KalshiWsClient({ url: server.url, clock, random: () => 0.5, ...options });
  const states: WsState[] = [];
  const messages: WsDataMessage[] = [];
  const errors: string[] = [];
  client.on('state', (e) => states.push(e.state));
  client.on('message', (m) => messages.push(m));
  client.on('error', (e) => errors.push(`${e.context}: ${e.error.message}`));
  cleanups.push(
    () => server.close(),
    () => client.close(),
  );
  return { server, clock, client, states, messages, errors };
}

const snapshot = (sid: number, seq: number, yes: [string, string][] = [['0.4700', '3.00']]) => ({
  type: 'orderbook_snapshot',
  sid,
  seq,
  msg: { market_ticker: TICKER, yes_dollars_fp: yes, no_dollars_fp: [['0.4800', '2.00']] },
});
const delta = (sid: number, seq: number, deltaFp = '1.00') => ({
  type: 'orderbook_delta',
  sid,
  seq,
  msg: {
    market_ticker: TICKER,
    price_dollars: '0.4700',
    delta_fp: deltaFp,
    side: 'yes',
    ts_ms: 1781159489957,
  },
});

/** Answers the next subscribe command with one `subscribed` per channel, sids from `firstSid`. */
async function acceptSubscribe(connection: ServerConnection, firstSid: number) {
  const command = await connection.nextCommand();
  expect(command.cmd).toBe('subscribe');
  const channels = (command.params?.['channels'] ?? []) as string[];
  channels.forEach((channel, i) =>
    connection.send({ type: 'subscribed', id: command.id, msg: { channel, sid: firstSid + i } }),
  );
  return command;
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i += 1) await new Promise((r) => setTimeout(r, 5));
  expect(condition()).toBe(true);
}

describe('KalshiWsClient', () => {
  it('signs the upgrade with GET and the WS path', async () => {
    const key = getTestRsaKey();
    const { server, client } = await setup({
      credentials: { keyId: 'ws-key', privateKeyPem: key.privateKeyPem },
      wallClock: () => 1_781_159_385_771,
    });
    client.start();
    const connection = await server.nextConnection();
    expect(connection.headers['kalshi-access-key']).toBe('ws-key');
    expect(connection.headers['kalshi-access-timestamp']).toBe('1781159385771');
    const ok = verify(
      'sha256',
      Buffer.from('1781159385771GET/trade-api/ws/v2'),
      {
        key: key.publicKeyPem,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      },
      Buffer.from(String(connection.headers['kalshi-access-signature']), 'base64'),
    );
    expect(ok).toBe(true);
  });

  it('subscribes, resolves one handle per channel and passes snapshot then deltas through', async () => {
    const { server, client, messages, states } = await setup();
    client.start();
    const subscribed = client.subscribe({
      channels: ['orderbook_delta', 'trade'],
      marketTickers: [TICKER],
      useYesPrice: true,
    });
    const connection = await server.nextConnection();
    const command = await acceptSubscribe(connection, 1);
    expect(command).toEqual({
      id: 1,
      cmd: 'subscribe',
      params: { channels: ['orderbook_delta', 'trade'], market_tickers: [TICKER], use_yes_price: true },
    });
    const handles = await subscribed;
    expect(handles.map((h) => h.channel)).toEqual(['orderbook_delta', 'trade']);
    connection.send(snapshot(1, 1));
    connection.send(delta(1, 2));
    connection.send({
      type: 'trade',
      sid: 2,
      msg: {
        trade_id: 't',
        market_ticker: TICKER,
        yes_price_dollars: '0.5200',
        no_price_dollars: '0.4800',
        count_fp: '1.00',
        taker_outcome_side: 'yes',
        taker_book_side: 'bid',
      },
    });
    await until(() => messages.length === 3);
    expect(messages.map((m) => m.type)).toEqual(['orderbook_snapshot', 'orderbook_delta', 'trade']);
    expect(client.subscriptions().map((s) => [s.channel, s.sid, s.isStale])).toEqual([
      ['orderbook_delta', 1, false],
      ['trade', 2, false],
    ]);
    expect(states).toEqual(['connecting', 'live']);
  });

  it('a seq gap marks the book stale, withholds deltas and resyncs through get_snapshot', async () => {
    const { server, client, messages, states } = await setup();
    client.start();
    const subscribed = client.subscribe({ channels: ['orderbook_delta'], marketTickers: [TICKER] });
    const connection = await server.nextConnection();
    await acceptSubscribe(connection, 7);
    await subscribed;
    const stale = nextEvent(client, 'stale');
    connection.send(snapshot(7, 1));
    connection.send(delta(7, 2));
    connection.send(delta(7, 4)); // seq 3 lost
    expect((await stale).reason).toBe('seq_gap');
    expect(client.state).toBe('resyncing');
    const request = await connection.nextCommand();
    expect(request).toMatchObject({
      cmd: 'update_subscription',
      params: { sids: [7], market_tickers: [TICKER], action: 'get_snapshot' },
    });
    // The ok shares the sid's counter here (seq 5); the sequence stays continuous through it.
    connection.send({ type: 'ok', id: request.id, sid: 7, seq: 5, msg: { market_tickers: [TICKER] } });
    connection.send(delta(7, 6)); // still stale: withheld
    const resynced = nextEvent(client, 'resynced');
    connection.send(snapshot(7, 7, [['0.4500', '9.00']]));
    connection.send(delta(7, 8));
    await resynced;
    await until(() => messages.length === 4);
    expect(messages.map((m) => [m.type, 'seq' in m ? m.seq : undefined])).toEqual([
      ['orderbook_snapshot', 1],
      ['orderbook_delta', 2],
      ['orderbook_snapshot', 7],
      ['orderbook_delta', 8],
    ]);
    expect(connection.commands.filter((c) => c['cmd'] === 'update_subscription')).toHaveLength(1);
    expect(states).toEqual(['connecting', 'live', 'resyncing', 'live']);
  });

  it('tracks one seq per sid when Kalshi merges two order-book subscriptions into one sid', async () => {
    const { server, client, messages } = await setup();
    client.start();
    const first = client.subscribe({ channels: ['orderbook_delta'], marketTickers: ['A'] });
    const connection = await server.nextConnection();
    await acceptSubscribe(connection, 1);
    await first;
    const second = client.subscribe({ channels: ['orderbook_delta'], marketTickers: ['B'] });
    await acceptSubscribe(connection, 1); // merged: same sid
    const [handleB] = await second;
    const book = (ticker: string, seq: number) => ({
      type: 'orderbook_snapshot',
      sid: 1,
      seq,
      msg: { market_ticker: ticker },
    });
    const change = (ticker: string, seq: number) => ({
      type: 'orderbook_delta',
      sid: 1,
      seq,
      msg: { market_ticker: ticker, price_dollars: '0.5000', delta_fp: '1.00', side: 'yes' },
    });
    connection.send(book('A', 1));
    connection.send(book('B', 2));
    connection.send(change('A', 3));
    connection.send(change('B', 5)); // seq 4 lost
    const request = await connection.nextCommand();
    expect(request).toMatchObject({
      cmd: 'update_subscription',
      params: { sids: [1], action: 'get_snapshot' },
    });
    expect([...((request.params?.['market_tickers'] ?? []) as string[])].sort()).toEqual(['A', 'B']);
    expect(client.subscriptions().map((s) => s.isStale)).toEqual([true, true]);
    connection.send({ type: 'ok', id: request.id, sid: 1 });
    connection.send(book('A', 6));
    connection.send(book('B', 7));
    connection.send(change('B', 8));
    await until(() => messages.length === 6);
    expect(messages.map((m) => ('seq' in m ? m.seq : 0))).toEqual([1, 2, 3, 6, 7, 8]);
    expect(client.state).toBe('live');

    if (!handleB) throw new Error('no handle');
    const removed = client.unsubscribe(handleB);
    const command = await connection.nextCommand();
    expect(command).toMatchObject({
      cmd: 'update_subscription',
      params: { sids: [1], market_tickers: ['B'], action: 'delete_markets' },
    });
    connection.send({ type: 'ok', id: command.id, sid: 1, msg: { market_tickers: ['A'] } });
    await removed;
    expect(client.subscriptions().map((s) => s.marketTickers)).toEqual([['A']]);
  });

  it('a second seq gap after a get_snapshot was answered asks again, so no book stays stale for good', async () => {
    const { server, client, messages } = await setup();
    client.start();
    const subscribed = client.subscribe({ channels: ['orderbook_delta'], marketTickers: ['A', 'B'] });
    const connection = await server.nextConnection();
    await acceptSubscribe(connection, 1);
    await subscribed;
    const book = (ticker: string, seq: number) => ({
      type: 'orderbook_snapshot',
      sid: 1,
      seq,
      msg: { market_ticker: ticker },
    });
    const change = (ticker: string, seq: number) => ({
      type: 'orderbook_delta',
      sid: 1,
      seq,
      msg: { market_ticker: ticker, price_dollars: '0.5000', delta_fp: '1.00', side: 'yes' },
    });
    connection.send(book('A', 1));
    connection.send(book('B', 2));
    connection.send(change('A', 4)); // seq 3 lost
    const first = await connection.nextCommand();
    expect(first).toMatchObject({ cmd: 'update_subscription', params: { action: 'get_snapshot' } });
    connection.send({ type: 'ok', id: first.id, sid: 1 });
    connection.send(book('A', 5));
    connection.send(change('A', 7)); // seq 6 lost before B's snapshot came
    connection.send(book('B', 8));
    const second = await connection.nextCommand();
    expect(second).toMatchObject({
      cmd: 'update_subscription',
      params: { sids: [1], action: 'get_snapshot' },
    });
    expect(second.params?.['market_tickers']).toContain('A');
    connection.send({ type: 'ok', id: second.id, sid: 1 });
    const resynced = nextEvent(client, 'resynced');
    connection.send(book('A', 9));
    await resynced;
    expect(client.subscriptions().map((s) => s.isStale)).toEqual([false]);
    expect(client.state).toBe('live');
    await until(() => messages.some((m) => m.type === 'orderbook_snapshot' && m.seq === 9));
  });

  it('falls back to unsubscribe + subscribe when get_snapshot is refused', async () => {
    const { server, client, messages } = await setup();
    client.start();
    const subscribed = client.subscribe({ channels: ['orderbook_delta'], marketTickers: [TICKER] });
    const connection = await server.nextConnection();
    await acceptSubscribe(connection, 1);
    await subscribed;
    connection.send(snapshot(1, 1));
    connection.send(delta(1, 3));
    const request = await connection.nextCommand();
    expect(request.cmd).toBe('update_subscription');
    connection.send({ type: 'error', id: request.id, msg: { code: 13, msg: 'Unsupported action' } });
    const unsubscribe = await connection.nextCommand();
    expect(unsubscribe).toMatchObject({ cmd: 'unsubscribe', params: { sids: [1] } });
    connection.send({ type: 'unsubscribed', id: unsubscribe.id, sid: 1 });
    await acceptSubscribe(connection, 2);
    const resynced = nextEvent(client, 'resynced');
    connection.send(delta(1, 4)); // old sid: dropped
    connection.send(snapshot(2, 1));
    expect((await resynced).subscription.sid).toBe(2);
    connection.send(delta(2, 2));
    await until(() => messages.length === 3);
    expect(messages.map((m) => [m.type, m.sid])).toEqual([
      ['orderbook_snapshot', 1],
      ['orderbook_snapshot', 2],
      ['orderbook_delta', 2],
    ]);
  });

  it('a silent socket is terminated after the liveness window and the subscriptions come back after backoff', async () => {
    const { server, client, clock, states } = await setup({ livenessTimeoutMs: 30_000 });
    client.start();
    const subscribed = client.subscribe({ channels: ['orderbook_delta'], marketTickers: [TICKER] });
    const first = await server.nextConnection();
    await acceptSubscribe(first, 1);
    await subscribed;
    first.send(snapshot(1, 1));
    await until(() => client.subscriptions()[0]?.sid === 1);

    clock.advanceBy(29_999);
    expect(client.state).toBe('live');
    const backoff = nextEvent(client, 'state', (e) => e.state === 'backoff');
    const stale = nextEvent(client, 'stale');
    clock.advanceBy(1);
    expect(await backoff).toMatchObject({ delayMs: 2000, attempt: 1 });
    expect((await stale).reason).toBe('disconnected');

    const second = server.nextConnection();
    clock.advanceBy(1_999);
    expect(client.state).toBe('backoff');
    clock.advanceBy(1);
    const connection = await second;
    const command = await acceptSubscribe(connection, 1);
    expect(command.params).toEqual({ channels: ['orderbook_delta'], market_tickers: [TICKER] });
    const resynced = nextEvent(client, 'resynced');
    connection.send(snapshot(1, 1));
    await resynced;
    expect(client.state).toBe('live');
    expect(states).toEqual(['connecting', 'live', 'backoff', 'connecting', 'resyncing', 'live']);
  });

  it('unsubscribing while the resubscribe after a reconnect is in flight also unsubscribes on the server', async () => {
    const { server, client, clock, messages } = await setup();
    client.start();
    const subscribed = client.subscribe({ channels: ['ticker'] });
    const first = await server.nextConnection();
    await acceptSubscribe(first, 1);
    const [handle] = await subscribed;
    if (!handle) throw new Error('no handle');
    const backoff = nextEvent(client, 'state', (e) => e.state === 'backoff');
    first.socket.terminate();
    await backoff;
    const next = server.nextConnection();
    clock.advanceBy(2_000);
    const second = await next;
    const resubscribe = await second.nextCommand();
    expect(resubscribe.cmd).toBe('subscribe');
    await client.unsubscribe(handle); // nothing confirmed yet on this connection
    second.send({ type: 'subscribed', id: resubscribe.id, msg: { channel: 'ticker', sid: 1 } });
    expect(await second.nextCommand()).toMatchObject({ cmd: 'unsubscribe', params: { sids: [1] } });
    expect(client.subscriptions()).toEqual([]);
    expect(messages).toEqual([]);
  });

  it('pings keep a quiet connection alive', async () => {
    const { server, client, clock } = await setup({ livenessTimeoutMs: 30_000 });
    client.start();
    const connection = await server.nextConnection();
    await until(() => client.state === 'live');
    clock.advanceBy(20_000);
    const pong = new Promise((resolve) => connection.socket.once('pong', resolve));
    connection.socket.ping('heartbeat');
    await pong;
    clock.advanceBy(20_000);
    expect(client.state).toBe('live');
    expect(server.connections).toHaveLength(1);
  });

  it('backs off 2, 4, 8, 16, 32, 32 s while the exchange keeps dropping, and resets after a stable period', async () => {
    let dropping = true;
    const server = await startWsServer((c) => {
      if (dropping) c.socket.close();
    });
    const clock = new FakeClock();
    const client = new KalshiWsClient({
      url: server.url,
      clock,
      random: () => 0.5,
      backoff: { stableResetMs: 60_000 },
    });
    cleanups.push(
      () => server.close(),
      () => client.close(),
    );
    const delays: number[] = [];
    client.start();
    for (let i = 0; i < 6; i += 1) {
      const event = await nextEvent(client, 'state', (e) => e.state === 'backoff');
      delays.push(event.delayMs ?? -1);
      if (i === 5) dropping = false;
      clock.advanceBy(event.delayMs ?? 0);
    }
    expect(delays).toEqual([2000, 4000, 8000, 16000, 32000, 32000]);
    await until(() => client.state === 'live');
    clock.advanceBy(60_000);
    const backoff = nextEvent(client, 'state', (e) => e.state === 'backoff');
    server.connections.at(-1)?.socket.close();
    expect((await backoff).delayMs).toBe(2000);
  });

  it('jitters reconnect delays within ±20% and never above the cap', async () => {
    const server = await startWsServer((c) => c.socket.close());
    const clock = new FakeClock();
    const randoms = [0, 0.999];
    const client = new KalshiWsClient({ url: server.url, clock, random: () => randoms.shift() ?? 0.999 });
    cleanups.push(
      () => server.close(),
      () => client.close(),
    );
    client.start();
    const delays: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      const event = await nextEvent(client, 'state', (e) => e.state === 'backoff');
      delays.push(event.delayMs ?? -1);
      clock.advanceBy(event.delayMs ?? 0);
    }
    // base * (0.8 + 0.4 * random): 2000 * 0.8, then 4000 * 1.1996, ... capped at 32000
    expect(delays).toEqual([1600, 4798, 9597, 19194, 32000, 32000]);
  });

  it('rejects a refused subscribe with the Kalshi error code and forgets it', async () => {
    const { server, client } = await setup();
    client.start();
    const connection = await server.nextConnection();
    const result = client.subscribe({ channels: ['portfolio'] }).catch((e: unknown) => e);
    const command = await connection.nextCommand();
    connection.send({ type: 'error', id: command.id, msg: { code: 8, msg: 'Unknown channel name' } });
    const error = await result;
    expect(error).toBeInstanceOf(KalshiWsCommandError);
    expect(error).toMatchObject({ code: 8 });
    expect(client.subscriptions()).toEqual([]);
  });

  it('adds and deletes markets with update_subscription and keeps the registry in step', async () => {
    const { server, client } = await setup();
    client.start();
    const subscribed = client.subscribe({ channels: ['ticker'], marketTickers: ['A'] });
    const connection = await server.nextConnection();
    await acceptSubscribe(connection, 3);
    const [handle] = await subscribed;
    if (!handle) throw new Error('no handle');
    const added = client.updateSubscription(handle, { action: 'add_markets', marketTickers: ['B', 'C'] });
    const add = await connection.nextCommand();
    expect(add).toMatchObject({
      cmd: 'update_subscription',
      params: { sids: [3], market_tickers: ['B', 'C'], action: 'add_markets' },
    });
    connection.send({ type: 'ok', id: add.id, sid: 3, msg: { market_tickers: ['A', 'B', 'C'] } });
    await added;
    expect(client.subscriptions()[0]?.marketTickers).toEqual(['A', 'B', 'C']);
    const removed = client.updateSubscription(handle, { action: 'delete_markets', marketTickers: ['A'] });
    const del = await connection.nextCommand();
    connection.send({ type: 'ok', id: del.id, sid: 3 });
    await removed;
    expect(client.subscriptions()[0]?.marketTickers).toEqual(['B', 'C']);

    const listed = client.listSubscriptions();
    const list = await connection.nextCommand();
    expect(list).toEqual({ id: list.id, cmd: 'list_subscriptions' });
    connection.send({ type: 'ok', id: list.id, msg: [{ channel: 'ticker', sid: 3 }] });
    expect(await listed).toEqual([{ channel: 'ticker', sid: 3 }]);

    const unsubscribed = client.unsubscribe(handle);
    const unsub = await connection.nextCommand();
    expect(unsub).toMatchObject({ cmd: 'unsubscribe', params: { sids: [3] } });
    connection.send({ type: 'unsubscribed', id: unsub.id, sid: 3, seq: 9 });
    await unsubscribed;
    expect(client.subscriptions()).toEqual([]);
  });

  it('survives garbage frames, invalid messages and throwing listeners', async () => {
    const { server, client, messages, errors } = await setup();
    client.on('message', () => {
      throw new Error('listener bug');
    });
    client.start();
    const subscribed = client.subscribe({ channels: ['orderbook_delta'], marketTickers: [TICKER] });
    const connection = await server.nextConnection();
    await acceptSubscribe(connection, 1);
    await subscribed;
    connection.send('not json');
    connection.send({
      type: 'orderbook_snapshot',
      sid: 1,
      seq: 1,
      msg: { market_ticker: TICKER, yes_dollars_fp: [[0.47, 3]] },
    });
    connection.send({ type: 'event_fee_update', sid: 4, msg: {} });
    connection.send(snapshot(1, 1));
    await until(() => messages.length === 1);
    expect(errors).toEqual([
      'message: received a frame that is not JSON',
      expect.stringMatching(/^message: invalid orderbook_snapshot message: msg\.yes_dollars_fp/),
      'listener for message: listener bug',
    ]);
    expect(client.state).toBe('live');
  });

  it('close() stops reconnecting and rejects pending commands', async () => {
    const { server, client, clock } = await setup();
    client.start();
    await server.nextConnection();
    await until(() => client.state === 'live');
    const pending = client.listSubscriptions().catch((e: unknown) => e);
    await client.close();
    expect(await pending).toBeInstanceOf(KalshiWsCommandError);
    clock.advanceBy(120_000);
    expect(client.state).toBe('closed');
    expect(server.connections).toHaveLength(1);
  });
});
