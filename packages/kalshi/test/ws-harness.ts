import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { KalshiWsClient, KalshiWsEvents } from '../src/ws/client.js';

export interface ServerConnection {
  socket: WebSocket;
  headers: IncomingHttpHeaders;
  path: string;
  commands: Record<string, unknown>[];
  send(frame: unknown): void;
  /** Resolves with the next command received on this connection (or an already queued one). */
  nextCommand(): Promise<{ id: number; cmd: string; params?: Record<string, unknown> }>;
}

/** An in-test stand-in for Kalshi's WS endpoint: records upgrades and commands, sends what the test says. */
export async function startWsServer(onConnection?: (connection: ServerConnection) => void): Promise<{
  url: string;
  connections: ServerConnection[];
  nextConnection(): Promise<ServerConnection>;
  close(): Promise<void>;
}> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const connections: ServerConnection[] = [];
  const connectionWaiters: ((c: ServerConnection) => void)[] = [];
  wss.on('connection', (socket, request) => {
    const queue: Record<string, unknown>[] = [];
    const waiters: ((c: Record<string, unknown>) => void)[] = [];
    const connection: ServerConnection = {
      socket,
      headers: request.headers,
      path: request.url ?? '',
      commands: [],
      send: (frame) => socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
      nextCommand: () =>
        new Promise((resolve) => {
          const queued = queue.shift();
          if (queued) resolve(queued as never);
          else waiters.push(resolve as never);
        }),
    };
    socket.on('message', (data: Buffer) => {
      const command = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
      connection.commands.push(command);
      const waiter = waiters.shift();
      if (waiter) waiter(command);
      else queue.push(command);
    });
    connections.push(connection);
    onConnection?.(connection);
    const waiter = connectionWaiters.shift();
    if (waiter) waiter(connection);
  });
  const port = (wss.address() as AddressInfo).port;
  let seen = 0;
  return {
    url: `ws://127.0.0.1:${port}/trade-api/ws/v2`,
    connections,
    nextConnection: () =>
      new Promise((resolve) => {
        const existing = connections[seen];
        seen += 1;
        if (existing) resolve(existing);
        else connectionWaiters.push(resolve);
      }),
    close: () =>
      new Promise((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
}

/** Resolves with the next event of a kind that satisfies `predicate`. */
export function nextEvent<E extends keyof KalshiWsEvents>(
  client: KalshiWsClient,
  event: E,
  predicate: (payload: KalshiWsEvents[E]) => boolean = () => true,
): Promise<KalshiWsEvents[E]> {
  return new Promise((resolve) => {
    const off = client.on(event, (payload) => {
      if (!predicate(payload)) return;
      off();
      resolve(payload);
    });
  });
}
