import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { positionStreamEventSchemas, positionStreamMessageSchema } from '@kalshi-desk/contracts';
import { createTestClock } from '../../shared/clock.js';
import { ManualScheduler } from '../exchange/testing/fake-exchange.js';
import { InProcessEventBus } from './stream.bus.js';
import { openSseStream, streamPositions, type SseStream } from './stream.http.js';
import { SseHub, type SnapshotData } from './stream.hub.js';
import { parseSse, type ParsedSseMessage } from './testing/fake-sse.js';

const snapshot: SnapshotData = {
  positions: [],
  portfolio: {
    total_value: 10,
    cash_balance: 10,
    reserved_for_orders: 0,
    positions_value: 0,
    today_pnl: 0,
    today_pnl_percent: 0,
    total_pnl: 0,
    position_count: 0,
    last_updated: '2026-11-24T12:00:00.000Z',
  },
  orders: [],
  connection: 'live',
  is_stale: false,
  as_of: '2026-11-24T12:00:00.000Z',
};

let app: FastifyInstance | null = null;
afterEach(async () => {
  await app?.close();
  app = null;
});

async function start() {
  const bus = new InProcessEventBus({ firstId: () => 0 });
  const hub = new SseHub({ bus, snapshot: () => snapshot });
  const scheduler = new ManualScheduler();
  app = Fastify();
  app.get('/sse', (request, reply) => {
    streamPositions({ request, reply, hub, accountId: 'u1', sessionId: 's1', scheduler });
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { bus, hub, port };
}

/** A bare stream from the writer, its timers run by hand and its session ending at `expiresAt`. */
async function startBare(options: { expiresAt?: number; cookie?: string } = {}) {
  const clock = createTestClock();
  const scheduler = new ManualScheduler();
  const streams: SseStream[] = [];
  app = Fastify();
  app.get('/sse', (request, reply) => {
    // What a hook or the session guard put on the reply before the stream opened.
    if (options.cookie !== undefined) void reply.header('set-cookie', options.cookie);
    void reply.header('x-ratelimit-remaining', '41');
    streams.push(
      openSseStream({
        request,
        reply,
        clock,
        scheduler,
        ...(options.expiresAt === undefined ? {} : { expiresAt: clock.now() + options.expiresAt }),
      }),
    );
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  let text = '';
  let isEnded = false;
  const request = http.get({ host: '127.0.0.1', port, path: '/sse' }, (response) => {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      text += chunk;
    });
    response.on('end', () => {
      isEnded = true;
    });
  });
  const response = await new Promise<http.IncomingMessage>((resolve) => request.on('response', resolve));
  await vi.waitFor(() => expect(text).not.toBe(''));
  return {
    response,
    scheduler,
    streams,
    request,
    get text() {
      return text;
    },
    get isEnded() {
      return isEnded;
    },
  };
}

/** Opens the stream and collects messages until `until` says stop. */
function readStream(
  port: number,
  headers: Record<string, string>,
  until: (messages: ParsedSseMessage[]) => boolean,
  onOpen?: () => void,
): Promise<{
  headers: http.IncomingHttpHeaders;
  text: string;
  messages: ParsedSseMessage[];
  request: http.ClientRequest;
}> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/sse', headers }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
        const { messages } = parseSse(text);
        if (messages.length === 1 && onOpen) onOpen();
        if (until(messages)) resolve({ headers: response.headers, text, messages, request });
      });
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

describe('the SSE stream over a real socket', () => {
  it('sends the stream headers (security ones included), a snapshot, then published events', async () => {
    const { bus, port } = await start();
    const result = await readStream(
      port,
      {},
      (messages) => messages.length >= 2,
      () =>
        bus.publish('u1', {
          type: 'connection_status',
          data: { status: 'live', detail: 'ok', is_stale: false, as_of: null },
        }),
    );
    result.request.destroy();
    expect(result.text.startsWith('retry: 3000\n\n')).toBe(true);
    expect(result.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(result.headers['cache-control']).toBe('no-cache, no-transform');
    expect(result.headers['x-accel-buffering']).toBe('no');
    expect(result.headers['x-content-type-options']).toBe('nosniff');
    expect(result.headers['content-security-policy']).toContain("default-src 'none'");
    expect(result.messages.map((m) => [m.event, m.id])).toEqual([
      ['snapshot', 0],
      ['connection_status', 1],
    ]);
    expect(positionStreamEventSchemas.snapshot.parse(result.messages[0]?.data)).toEqual(snapshot);
    // Default message events only: the JSON says what each one is.
    expect(result.text).not.toMatch(/^event:/m);
    expect(result.messages.map((m) => positionStreamMessageSchema.parse(m.data).type)).toEqual([
      'snapshot',
      'connection_status',
    ]);
  });

  it('a reconnect with Last-Event-ID replays what was missed, and a disconnect cleans up', async () => {
    const { bus, hub, port } = await start();
    for (let i = 0; i < 3; i++) bus.publish('u1', { type: 'error', data: { message: `m${i}` } });
    const result = await readStream(port, { 'Last-Event-ID': '1' }, (messages) => messages.length >= 2);
    expect(result.messages.map((m) => m.id)).toEqual([2, 3]);
    expect(hub.clientCount).toBe(1);
    result.request.destroy();
    await vi.waitFor(() => expect(hub.clientCount).toBe(0));
  });

  it('a heartbeat comment goes out every 15 s, and the timers stop when the stream closes', async () => {
    const stream = await startBare({ expiresAt: 86_400_000 });
    stream.scheduler.advanceBy(14_999);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(parseSse(stream.text).comments).toEqual([]);
    stream.scheduler.advanceBy(1);
    await vi.waitFor(() => expect(parseSse(stream.text).comments).toEqual(['heartbeat']));
    stream.scheduler.advanceBy(30_000);
    await vi.waitFor(() => expect(parseSse(stream.text).comments).toHaveLength(3));
    stream.request.destroy();
    await vi.waitFor(() => expect(stream.scheduler.pending).toBe(0));
  });

  it('the stream ends when the session behind it expires, and says so to its owner', async () => {
    const stream = await startBare({ expiresAt: 60_000 });
    let closes = 0;
    stream.streams[0]?.onClose(() => closes++);
    stream.scheduler.advanceBy(59_999);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stream.isEnded).toBe(false);
    stream.scheduler.advanceBy(1);
    await vi.waitFor(() => expect(stream.isEnded).toBe(true));
    expect(closes).toBe(1);
    expect(stream.scheduler.pending).toBe(0);
  });

  it('headers set on the reply before the stream opened go out with it (a renewed cookie)', async () => {
    const stream = await startBare({ cookie: 'kd_session=renewed; Path=/; HttpOnly; SameSite=Lax' });
    expect(stream.response.headers['set-cookie']).toEqual([
      'kd_session=renewed; Path=/; HttpOnly; SameSite=Lax',
    ]);
    expect(stream.response.headers['x-ratelimit-remaining']).toBe('41');
    expect(stream.response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    stream.request.destroy();
  });

  it('a stream opened for a client that already left closes at once, timers and all', async () => {
    const clock = createTestClock();
    const scheduler = new ManualScheduler();
    let reachedHandler: () => void = () => undefined;
    const handlerReached = new Promise<void>((resolve) => {
      reachedHandler = resolve;
    });
    let clientGone: () => void = () => undefined;
    const gone = new Promise<void>((resolve) => {
      clientGone = resolve;
    });
    let closes = 0;
    let stream: SseStream | null = null;
    app = Fastify();
    app.get('/sse', async (request, reply) => {
      reachedHandler();
      // The route awaited something while the client went away.
      await gone;
      stream = openSseStream({ request, reply, clock, scheduler, expiresAt: clock.now() + 60_000 });
      stream.onClose(() => closes++);
      return reply;
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    const request = http.get({ host: '127.0.0.1', port, path: '/sse' });
    request.on('error', () => undefined);
    await handlerReached;
    request.destroy();
    const server = app.server;
    await vi.waitFor(
      () =>
        new Promise<void>((resolve, reject) =>
          server.getConnections((error, count) =>
            error || count > 0 ? reject(error ?? new Error('open')) : resolve(),
          ),
        ),
    );
    clientGone();
    await vi.waitFor(() => expect(stream).not.toBeNull());
    expect(closes).toBe(1);
    expect(scheduler.pending).toBe(0);
    let late = 0;
    (stream as SseStream | null)?.onClose(() => late++);
    expect(late).toBe(1);
  });
});
