/**
 * A replay "exchange" built only from the verbatim demo recordings, so the contract suite can
 * be checked against what real Kalshi sent. It verifies signatures with the registered public
 * key and picks the recorded body that answers each request; it models no trading logic.
 */
import { constants, verify } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { loadRecordings, type Recordings } from './recordings.js';

export interface RecordedExchange {
  restBaseUrl: string;
  wsUrl: string;
  /** The market all trading recordings are about. */
  tradingTicker: string;
  close(): Promise<void>;
}

const TRADING_TICKER = 'KXWTACHALLENGERMATCH-26JUN11JIMLEP-LEP';

export async function startRecordedExchange(options: {
  dir: string;
  keyId: string;
  publicKeyPem: string;
}): Promise<RecordedExchange> {
  const recordings = loadRecordings(options.dir);
  const body = (name: string): string => {
    const found = recordings.rest.find((r) => r.name === name);
    if (!found) throw new Error(`recording ${name} missing`);
    return found.raw;
  };
  const cursorOf = (name: string): string => {
    const found = recordings.rest.find((r) => r.name === name)?.body as { cursor?: string } | undefined;
    return found?.cursor ?? '';
  };
  const marketPages = new Map<string, string>([
    ['', 'markets__page1'],
    [cursorOf('markets__page1'), 'markets__page2'],
    [cursorOf('markets__page2'), 'markets__page3'],
    // The recording stops after page 3; the single-market last page (cursor "") ends the walk.
    [cursorOf('markets__page3'), 'markets__single_filter_lastpage'],
  ]);
  const createdOrderId = (
    recordings.rest.find((r) => r.name === 'orders__create_v2_maker')?.body as { order_id: string }
  ).order_id;
  const usedClientOrderIds = new Set<string>();
  const canceled = new Set<string>();

  const isSignedByKey = (request: IncomingMessage, path: string): 'ok' | 'missing' | 'bad' | 'unknown' => {
    const key = request.headers['kalshi-access-key'];
    const ts = request.headers['kalshi-access-timestamp'];
    const sig = request.headers['kalshi-access-signature'];
    if (typeof sig !== 'string') return 'missing';
    if (key !== options.keyId) return 'unknown';
    const ok = verify(
      'sha256',
      Buffer.from(`${String(ts)}${request.method ?? ''}${path}`),
      {
        key: options.publicKeyPem,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      },
      Buffer.from(sig, 'base64'),
    );
    return ok ? 'ok' : 'bad';
  };

  const route = async (request: IncomingMessage): Promise<[number, string]> => {
    const url = new URL(request.url ?? '/', 'http://replay.invalid');
    const path = url.pathname;
    const route = path.replace(/^\/trade-api\/v2/, '');
    const method = request.method ?? 'GET';
    const text = await readBody(request);

    if (route.startsWith('/portfolio')) {
      const auth = isSignedByKey(request, path);
      if (auth === 'missing') return [401, body('auth__missing_signature_header')];
      if (auth === 'unknown') return [401, body('auth__unknown_key_id')];
      if (auth === 'bad') return [401, body('auth__bad_signature')];
    }
    if (method === 'GET') {
      const limit = url.searchParams.get('limit');
      if (limit !== null && Number(limit) > 1000) return [400, body('markets__limit_over_max')];
      if (route === '/exchange/status') return [200, body('exchange__status')];
      if (route === '/markets') {
        const page = marketPages.get(url.searchParams.get('cursor') ?? '');
        return page ? [200, body(page)] : [200, body('markets__single_filter_lastpage')];
      }
      if (route === `/markets/${TRADING_TICKER}`) return [200, body('markets__single')];
      if (route === `/markets/${TRADING_TICKER}/orderbook`) return [200, body('orderbook__base')];
      if (/^\/markets\/[^/]+$/.test(route)) return [200, body('markets__single')];
      if (/^\/markets\/[^/]+\/orderbook$/.test(route)) return [200, body('orderbook__base')];
      if (route === '/portfolio/balance') return [200, body('auth__balance_ok')];
      if (route === '/portfolio/positions') return [200, body('portfolio__positions')];
      if (route === '/portfolio/fills') return [200, body('fills__after_taker')];
      if (route === '/portfolio/orders') return [200, body('portfolio__orders_list')];
      if (route === '/portfolio/settlements') return [200, body('settlements__page')];
    }
    if (method === 'POST' && route === '/portfolio/events/orders') {
      const order = JSON.parse(text || '{}') as { client_order_id?: string; count?: unknown };
      if (typeof order.count !== 'string') return [400, body('orders__numeric_field_types')];
      if (order.client_order_id && usedClientOrderIds.has(order.client_order_id)) {
        return [409, body('orders__duplicate_client_order_id')];
      }
      if (order.client_order_id) usedClientOrderIds.add(order.client_order_id);
      return [201, body('orders__create_v2_maker')];
    }
    if (method === 'DELETE' && route.startsWith('/portfolio/events/orders/')) {
      const id = decodeURIComponent(route.slice('/portfolio/events/orders/'.length));
      if (id === createdOrderId && !canceled.has(id)) {
        canceled.add(id);
        return [200, body('orders__cancel_v2')];
      }
      return [404, body('orders__cancel_unknown_id')];
    }
    return [404, JSON.stringify({ error: { code: 'not_found', message: 'not found' } })];
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    route(request)
      .then(([status, payload]) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(payload);
      })
      .catch((error: unknown) => {
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { code: 'replay_error', message: String(error) } }));
      });
  });
  const wss = new WebSocketServer({ server, path: '/trade-api/ws/v2' });
  wss.on('connection', (socket) => {
    socket.on('message', (data: Buffer) => {
      const command = JSON.parse(data.toString('utf8')) as { id: number; cmd: string };
      if (command.cmd !== 'subscribe') return;
      for (const frame of replayFrames(recordings, command.id)) socket.send(frame);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    restBaseUrl: `http://127.0.0.1:${port}/trade-api/v2`,
    wsUrl: `ws://127.0.0.1:${port}/trade-api/ws/v2`,
    tradingTicker: TRADING_TICKER,
    close: () =>
      new Promise((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The recorded NO-scale session: its orderbook_delta `subscribed`, snapshot and deltas, re-id'd. */
function replayFrames(recordings: Recordings, id: number): string[] {
  const session = recordings.ws.find((w) => w.name === 'ws__orderbook_trade_noleg');
  if (!session) return [];
  return session.frames
    .map((frame) => JSON.parse(frame) as { type: string; id?: number; msg?: { channel?: string } })
    .filter((frame) => frame.type !== 'subscribed' || frame.msg?.channel === 'orderbook_delta')
    .map((frame) => JSON.stringify(frame.type === 'subscribed' ? { ...frame, id } : frame));
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
