import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { positionStreamEventSchemas, positionStreamMessageSchema } from '@kalshi-desk/contracts';
import { InProcessEventBus } from './stream.bus.js';
import { streamPositions } from './stream.http.js';
import { SseHub, type SnapshotData } from './stream.hub.js';
import { parseSse, ManualTimers, type ParsedSseMessage } from './testing/fake-sse.js';

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
  const hub = new SseHub({ bus, snapshot: () => snapshot, timers: new ManualTimers() });
  app = Fastify();
  app.get('/sse', (request, reply) => {
    streamPositions({ request, reply, hub, accountId: 'u1', sessionId: 's1' });
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { bus, hub, port };
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
});
