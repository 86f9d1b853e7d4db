/**
 * KalshiWsClient under faults the account feed has to tell apart: a refused upgrade (with its
 * status and Kalshi's code), the default liveness window (two missed heartbeats), activity
 * events, and a reconnect asked for by the consumer.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { authRefusalOf } from '../src/rest/errors.js';
import { FakeClock } from '../src/testing/fake-clock.js';
import {
  DEFAULT_LIVENESS_TIMEOUT_MS,
  KALSHI_HEARTBEAT_MS,
  KalshiWsClient,
  KalshiWsUpgradeError,
  type KalshiWsEvents,
} from '../src/ws/client.js';
import { nextEvent, startWsServer } from './ws-harness.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i += 1) await new Promise((r) => setTimeout(r, 5));
  expect(condition()).toBe(true);
}

/** An endpoint that refuses every upgrade with `status` and a Kalshi error body. */
async function refusingServer(
  status: number,
  body: string,
): Promise<{ url: string; attempts: () => number }> {
  let attempts = 0;
  const server: Server = createServer((_req, res) => res.end());
  server.on('upgrade', (_req, socket) => {
    attempts += 1;
    socket.end(
      `HTTP/1.1 ${status} Refused\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const port = (server.address() as AddressInfo).port;
  return { url: `ws://127.0.0.1:${port}/trade-api/ws/v2`, attempts: () => attempts };
}

describe('KalshiWsClient faults', () => {
  it('a refused upgrade is reported with its status and Kalshi code, and the client keeps retrying with backoff', async () => {
    const server = await refusingServer(
      401,
      '{"error":{"code":"authentication_error","message":"authentication_error","details":"NOT_FOUND"}}',
    );
    const clock = new FakeClock();
    const client = new KalshiWsClient({ url: server.url, clock, random: () => 0.5 });
    cleanups.push(() => client.close());
    const errors: KalshiWsEvents['error'][] = [];
    client.on('error', (e) => errors.push(e));
    const backoff = nextEvent(client, 'state', (e) => e.state === 'backoff');
    client.start();
    expect(await backoff).toMatchObject({ delayMs: 2_000 });
    const refusal = errors.find((e) => e.context === 'upgrade')?.error;
    expect(refusal).toBeInstanceOf(KalshiWsUpgradeError);
    expect(refusal).toMatchObject({ status: 401, code: 'authentication_error' });
    // The abort that follows a refusal is not reported as a second, vaguer error.
    expect(errors.map((e) => e.context)).toEqual(['upgrade']);
    if (!(refusal instanceof KalshiWsUpgradeError)) throw new Error('no refusal');
    expect(authRefusalOf(refusal)).toBe('credentials');

    clock.advanceBy(2_000);
    await until(() => server.attempts() === 2);
  });

  it('an expired signature timestamp on the upgrade reads as a clock problem, not a key problem', async () => {
    const server = await refusingServer(
      401,
      '{"error":{"code":"header_timestamp_expired","message":"header timestamp expired"}}',
    );
    const client = new KalshiWsClient({ url: server.url, clock: new FakeClock() });
    cleanups.push(() => client.close());
    const refused = nextEvent(client, 'error', (e) => e.context === 'upgrade');
    client.start();
    const { error } = await refused;
    if (!(error instanceof KalshiWsUpgradeError)) throw new Error('no refusal');
    expect(authRefusalOf(error)).toBe('clock');
  });

  it('a refusal without a JSON body still carries its status', async () => {
    const server = await refusingServer(503, 'upstream unavailable');
    const client = new KalshiWsClient({ url: server.url, clock: new FakeClock() });
    cleanups.push(() => client.close());
    const refused = nextEvent(client, 'error', (e) => e.context === 'upgrade');
    client.start();
    expect((await refused).error).toMatchObject({ status: 503, code: undefined });
  });

  it('by default a connection without data or ping for two heartbeats (plus 2 s) is dropped', async () => {
    expect(DEFAULT_LIVENESS_TIMEOUT_MS).toBe(2 * KALSHI_HEARTBEAT_MS + 2_000);
    const server = await startWsServer();
    cleanups.push(() => server.close());
    const clock = new FakeClock();
    const client = new KalshiWsClient({ url: server.url, clock, random: () => 0.5 });
    cleanups.push(() => client.close());
    client.start();
    await until(() => client.state === 'live');
    clock.advanceBy(DEFAULT_LIVENESS_TIMEOUT_MS - 1);
    expect(client.state).toBe('live');
    const backoff = nextEvent(client, 'state', (e) => e.state === 'backoff');
    clock.advanceBy(1);
    await backoff;
  });

  it('emits activity for every frame and ping received', async () => {
    const server = await startWsServer();
    cleanups.push(() => server.close());
    const client = new KalshiWsClient({ url: server.url, clock: new FakeClock() });
    cleanups.push(() => client.close());
    const kinds: string[] = [];
    client.on('activity', ({ kind }) => kinds.push(kind));
    client.start();
    const connection = await server.nextConnection();
    await until(() => client.state === 'live');
    connection.socket.ping('heartbeat');
    await until(() => kinds.length === 1);
    connection.send({ type: 'ticker', sid: 9, msg: {} });
    await until(() => kinds.length === 2);
    expect(kinds).toEqual(['ping', 'frame']);
  });

  it('reconnect() drops a socket that looks alive and restores the subscriptions on a new one', async () => {
    const server = await startWsServer();
    cleanups.push(() => server.close());
    const clock = new FakeClock();
    const client = new KalshiWsClient({ url: server.url, clock, random: () => 0.5 });
    cleanups.push(() => client.close());
    client.start();
    const subscribed = client.subscribe({ channels: ['fill'] });
    const first = await server.nextConnection();
    const command = await first.nextCommand();
    first.send({ type: 'subscribed', id: command.id, msg: { channel: 'fill', sid: 1 } });
    await subscribed;
    const errors: string[] = [];
    client.on('error', (e) => errors.push(`${e.context}: ${e.error.message}`));
    const backoff = nextEvent(client, 'state', (e) => e.state === 'backoff');
    client.reconnect('fills listed over REST did not arrive');
    await backoff;
    expect(errors).toContain('reconnect: fills listed over REST did not arrive');
    expect(client.subscriptions()[0]).toMatchObject({ channel: 'fill', isStale: true });
    const next = server.nextConnection();
    clock.advanceBy(2_000);
    const second = await next;
    const again = await second.nextCommand();
    expect(again).toMatchObject({ cmd: 'subscribe', params: { channels: ['fill'] } });
    second.send({ type: 'subscribed', id: again.id, msg: { channel: 'fill', sid: 1 } });
    await until(() => client.state === 'live');
  });
});
