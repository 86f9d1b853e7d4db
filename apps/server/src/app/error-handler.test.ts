/**
 * Every error answer is `{"error", "message"}` and nothing else, whichever door the failure
 * came through: Fastify's error handler, its framework errors (raised before any route runs),
 * or the HTTP server's client errors (requests Node cannot parse). Fastify's own bodies
 * (`{"statusCode", "code": "FST_ERR_...", ...}`) used to leak out of the last two, quoting the
 * URL back.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { errorBodySchema } from '@kalshi-desk/contracts';
import { appError } from '../shared/errors.js';
import { createExchangeFactory } from '../shared/exchange.js';
import { errorHandlingOptions, registerErrorHandler } from './error-handler.js';
import { startTestServer, type TestServer } from './testing/test-server.js';

const exactErrorBody = errorBodySchema.strict();

/** The body is exactly our error shape, and says nothing of Fastify's internals. */
function expectErrorBody(body: string, error: string): void {
  const parsed = exactErrorBody.parse(JSON.parse(body));
  expect(parsed.error).toBe(error);
  expect(body).not.toMatch(/FST_|statusCode/);
}

/** One raw HTTP exchange over a socket: what Node itself answers to bytes it cannot parse. */
function rawExchange(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('end', () => resolve(answer));
    socket.on('close', () => resolve(answer));
    socket.on('error', (error) => (answer === '' ? reject(error) : resolve(answer)));
    socket.write(request);
  });
}

describe('the whole server', () => {
  let server: TestServer;
  let port: number;

  beforeAll(async () => {
    server = await startTestServer({
      // Never called: none of these requests reaches the exchange.
      exchange: createExchangeFactory({
        env: 'custom',
        restBaseUrl: 'http://127.0.0.1:1/trade-api/v2',
        wsUrl: 'ws://127.0.0.1:1/trade-api/ws/v2',
      }),
    });
    await server.app.listen({ port: 0, host: '127.0.0.1' });
    port = (server.app.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await server.close();
  });

  it.each([
    ['/api/v1/markets/%E0%A4%A'],
    ['/api/v1/events/%zz'],
    ['/api/v1/nope/%'],
    ['/docs/static/%E0%A4%A'],
  ])('a malformed percent-encoding in %s is a 400 in our shape, not quoting the URL', async (url) => {
    const res = await server.app.inject({ url });
    expect(res.statusCode).toBe(400);
    expectErrorBody(res.body, 'bad_request');
    expect(res.body).not.toContain(url);
  });

  it('a path parameter over the length limit is a 414 in our shape', async () => {
    const url = `/api/v1/markets/${'A'.repeat(500)}/orderbook`;
    const res = await server.app.inject({ url });
    expect(res.statusCode).toBe(414);
    expectErrorBody(res.body, 'bad_request');
    expect(res.body).not.toContain('AAAAAAAAAA');
  });

  it('wrong content type, oversized body, bad JSON and unknown routes answer in our shape', async () => {
    const post = (headers: Record<string, string>, payload: string) =>
      server.app.inject({ method: 'POST', url: '/api/v1/account/authenticate', headers, payload });
    const cases = [
      [await post({ 'content-type': 'application/xml' }, '<a/>'), 415, 'bad_request'],
      [await post({ 'content-type': 'application/json' }, `"${'x'.repeat(70_000)}"`), 413, 'bad_request'],
      [await post({ 'content-type': 'application/json' }, '{"key_id": '), 400, 'bad_request'],
      [await post({ 'content-type': 'application/json' }, '{"__proto__": {"a": 1}}'), 400, 'bad_request'],
      [await server.app.inject({ method: 'PUT', url: '/api/v1/account/authenticate' }), 404, 'not_found'],
      [await server.app.inject({ method: 'OPTIONS', url: '/api/v1/markets' }), 404, 'not_found'],
    ] as const;
    for (const [res, status, error] of cases) {
      expect(res.statusCode).toBe(status);
      expectErrorBody(res.body, error);
    }
  });

  it('the not-found message quotes at most 200 characters of the path', async () => {
    const res = await server.app.inject({ url: `/api/v1/${'b'.repeat(5000)}` });
    expect(res.statusCode).toBe(404);
    expectErrorBody(res.body, 'not_found');
    expect(res.body.length).toBeLessThan(300);
  });

  it('a request Node cannot parse gets our 400 on the socket', async () => {
    const answer = await rawExchange(port, 'GET /api/v1/health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    const body = answer.slice(answer.indexOf('\r\n\r\n') + 4);
    expectErrorBody(body, 'bad_request');
  });

  it('headers over the size limit get our 431 on the socket', async () => {
    const answer = await rawExchange(
      port,
      `GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'y'.repeat(20_000)}\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    expectErrorBody(answer.slice(answer.indexOf('\r\n\r\n') + 4), 'bad_request');
  });
});

describe('the error handler on its own', () => {
  let app: FastifyInstance;
  const logs: string[] = [];

  beforeAll(async () => {
    app = Fastify({
      logger: { level: 'info', stream: { write: (line: string) => void logs.push(line) } },
      ...errorHandlingOptions,
    }).withTypeProvider<ZodTypeProvider>();
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    registerErrorHandler(app);
    app.get('/sql', () => {
      throw new Error('duplicate key value violates unique constraint: select * from "sessions"');
    });
    // A route whose schema for 400 is not the error body: our answer must still go out.
    app.get('/odd-schema', { schema: { response: { 400: z.object({ unrelated: z.number() }) } } }, () => {
      throw appError('bad_request', 400, 'That is not a good request.');
    });
    // A streaming route that fails after its response has started.
    app.get('/hijacked', async (_request, reply) => {
      reply.hijack();
      reply.raw.writeHead(200, { 'content-type': 'text/event-stream' });
      reply.raw.write('data: one\n\n');
      await Promise.resolve();
      reply.raw.end();
      throw new Error('failed after the stream started');
    });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
  });

  it('an unexpected error is a bare 500: no message, SQL or stack reaches the client; it is logged', async () => {
    const res = await app.inject({ url: '/sql' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: 'internal_error', message: 'Something went wrong on the server.' });
    expect(logs.some((line) => line.includes('"level":50') && line.includes('unique constraint'))).toBe(true);
  });

  it("a route's response schema cannot turn an error answer into Fastify's own body", async () => {
    const res = await app.inject({ url: '/odd-schema' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'bad_request', message: 'That is not a good request.' });
  });

  it('an error after a stream started is logged, and nothing more is written to the stream', async () => {
    const res = await app.inject({ url: '/hijacked' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('data: one\n\n');
    expect(logs.join('\n')).not.toMatch(/FST_ERR_REP_ALREADY_SENT|already sent/i);
  });

  it("a request that arrives while the server closes gets our 503, not Fastify's", async () => {
    const closingApp = Fastify({ ...errorHandlingOptions });
    registerErrorHandler(closingApp);
    let release = () => {};
    let isSlowRunning = false;
    const held = new Promise<void>((resolve) => (release = resolve));
    closingApp.get('/slow', async () => {
      isSlowRunning = true;
      await held;
      return { ok: true };
    });
    closingApp.get('/fast', () => ({ ok: true }));
    await closingApp.listen({ port: 0, host: '127.0.0.1' });
    const port = (closingApp.server.address() as AddressInfo).port;
    // Two requests on one kept-alive connection: the second arrives once closing has begun.
    const socket = net.connect({ port, host: '127.0.0.1' });
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    const ended = new Promise((resolve) => socket.on('close', resolve));
    socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await expect.poll(() => isSlowRunning).toBe(true);
    const closed = closingApp.close();
    socket.write('GET /fast HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    await ended;
    await closed;
    const second = answer.slice(answer.indexOf('HTTP/1.1', 1));
    expect(second).toMatch(/^HTTP\/1\.1 503 /);
    expectErrorBody(second.slice(second.indexOf('\r\n\r\n') + 4), 'not_available');
  });
});
