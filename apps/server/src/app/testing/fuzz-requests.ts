/**
 * Hostile HTTP requests for the fuzz suite (app/fuzz.test.ts), generated with fast-check from
 * the OpenAPI document the server serves (/docs/json, built from the contracts' zod schemas):
 * for every operation, path parameters, query and body drawn from its declared JSON schema —
 * valid values, values of the wrong type, hostile strings, malformed JSON, wrong content types —
 * with other methods, random headers and forged sessions. A request is generated as a plan;
 * the runner turns it into an `app.inject` call, so a plan can name "the valid session" even
 * though that token changes when the fuzzer logs itself out.
 */
import fc from 'fast-check';
import { z } from 'zod';

/** The subset of JSON Schema that the server's OpenAPI document uses. */
export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
}

export interface Operation {
  method: string;
  /** OpenAPI template, e.g. /api/v1/markets/{ticker}. */
  path: string;
  pathParams: { name: string; schema: JsonSchema }[];
  query: { name: string; schema: JsonSchema }[];
  body: JsonSchema | null;
  /** A Server-Sent Events route: with a working session it would stream forever. */
  isStream: boolean;
}

const jsonSchema: z.ZodType<JsonSchema> = z.looseObject({});
const documentSchema = z.object({
  paths: z.record(
    z.string(),
    z.record(
      z.string(),
      z.looseObject({
        summary: z.string().optional(),
        parameters: z
          .array(z.object({ in: z.string(), name: z.string(), schema: jsonSchema.optional() }))
          .optional(),
        requestBody: z
          .object({ content: z.record(z.string(), z.object({ schema: jsonSchema.optional() })) })
          .optional(),
      }),
    ),
  ),
});

const HTTP_METHODS = ['get', 'head', 'post', 'put', 'patch', 'delete', 'options'];

export function operationsOf(document: unknown): Operation[] {
  const { paths } = documentSchema.parse(document);
  const operations: Operation[] = [];
  for (const [path, byMethod] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(byMethod)) {
      if (!HTTP_METHODS.includes(method)) continue;
      const parameters = operation.parameters ?? [];
      const of = (where: string) =>
        parameters.filter((p) => p.in === where).map((p) => ({ name: p.name, schema: p.schema ?? {} }));
      operations.push({
        method: method.toUpperCase(),
        path,
        pathParams: of('path'),
        query: of('query'),
        body: operation.requestBody?.content['application/json']?.schema ?? null,
        isStream: /\/sse(\/|$)/.test(path) || /Server-Sent Events/i.test(operation.summary ?? ''),
      });
    }
  }
  return operations;
}

/** How the request presents a session; resolved against the live token when it is sent. */
export type SessionPlan =
  | { kind: 'none' }
  | { kind: 'valid'; via: 'cookie' | 'bearer' }
  /** The valid token with one character changed, cut short, or with junk after it. */
  | { kind: 'tampered'; via: 'cookie' | 'bearer'; how: 'flip' | 'truncate' | 'append'; at: number }
  /** A token of a session that was logged out. */
  | { kind: 'revoked'; via: 'cookie' | 'bearer' }
  | { kind: 'forged'; via: 'cookie' | 'bearer' | 'raw-cookie' | 'raw-authorization'; token: string };

export interface RequestPlan {
  /** `METHOD /template` of the operation it was drawn from (or `random path`). */
  target: string;
  method: string;
  url: string;
  headers: [string, string][];
  body: { contentType: string | null; payload: string } | null;
  session: SessionPlan;
}

/** Domain values that make a request get further than the schema check. */
export interface FuzzHints {
  /** By parameter or body field name, e.g. `ticker` -> real market tickers. */
  values: Record<string, fc.Arbitrary<string>>;
}

const HOSTILE_CONSTANTS = [
  '',
  ' ',
  '0',
  '-1',
  '-0',
  '1e309',
  '-1e309',
  'NaN',
  'Infinity',
  '9007199254740993',
  '0x10',
  '1.5',
  ' 1 ',
  'true',
  'null',
  'undefined',
  '[]',
  '{}',
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '+275760-09-13T00:00:00Z',
  '-271821-04-20T00:00:00Z',
  '2026-02-30T00:00:00Z',
  '2026-06-01',
  '2026-06-01T25:00:00Z',
  '2026-06-01T00:00:00+99:99',
  '1970-01-01T00:00:00Z',
  '1999-12-31T23:59:59.999Z',
  '2100-01-01T00:00:00Z',
  'yesterday',
  "' OR '1'='1",
  '"; DROP TABLE users; --',
  '../../../etc/passwd',
  '..',
  '%00',
  '%',
  '\u0000',
  '\r\n',
  '\t',
  '<script>alert(1)</script>',
  '${7*7}',
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'BID',
  'bid ',
  'é',
  '\u{1F600}',
  '\uFEFF',
  '\u202E',
  '\uD800',
  'A'.repeat(101),
];

const controlChars = fc.string({
  unit: fc.integer({ min: 0, max: 31 }).map((code) => String.fromCharCode(code)),
  maxLength: 8,
});

/** Strings meant to break things: odd numbers, bad dates, injections, unicode, huge ones. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...HOSTILE_CONSTANTS), weight: 6 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 30 }), weight: 2 },
  { arbitrary: controlChars, weight: 1 },
  { arbitrary: fc.double().map(String), weight: 1 },
  { arbitrary: fc.bigInt().map(String), weight: 1 },
  { arbitrary: fc.integer({ min: 200, max: 20_000 }).map((n) => 'x'.repeat(n)), weight: 1 },
);

/**
 * Any JSON value, often of a type the field does not take. Only bodies get a bare PEM header:
 * Fastify logs some request headers as they are (accept-version, host), and a PEM header in a
 * log line is what the key-leak check looks for.
 */
const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: hostileString, weight: 5 },
  {
    arbitrary: fc.constantFrom('-----BEGIN PRIVATE KEY-----', '-----BEGIN RSA PRIVATE KEY-----\n'),
    weight: 1,
  },
  { arbitrary: fc.integer(), weight: 1 },
  { arbitrary: fc.double(), weight: 1 },
  { arbitrary: fc.constantFrom(null, true, false, [], {}, [[[]]], { a: { b: { c: {} } } }), weight: 2 },
  { arbitrary: fc.array(hostileString, { maxLength: 3 }), weight: 1 },
);

/** A value the schema allows (or nearly: stringMatching ignores length limits). */
function validValue(schema: JsonSchema): fc.Arbitrary<unknown> {
  if (schema.enum !== undefined && schema.enum.length > 0) return fc.constantFrom(...schema.enum);
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants !== undefined && variants.length > 0) return fc.oneof(...variants.map(validValue));
  if (schema.format === 'date-time') {
    return fc
      .date({
        min: new Date('1990-01-01T00:00:00Z'),
        max: new Date('2110-01-01T00:00:00Z'),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString());
  }
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1_000_000, max: schema.maximum ?? 1_000_000 });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e9, max: schema.maximum ?? 1e9, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(validValue(schema.items ?? {}), { maxLength: 3 });
    case 'object':
      return fc.constant({});
    default:
      if (schema.pattern !== undefined) return fc.stringMatching(new RegExp(schema.pattern));
      return fc.string({
        minLength: schema.minLength ?? 0,
        maxLength: Math.min(schema.maxLength ?? 30, 30),
      });
  }
}

/** A value for a named field: mostly plausible, often hostile. */
function fieldValue(name: string, schema: JsonSchema, hints: FuzzHints): fc.Arbitrary<unknown> {
  const hint = hints.values[name];
  return fc.oneof(
    ...(hint ? [{ arbitrary: hint as fc.Arbitrary<unknown>, weight: 4 }] : []),
    { arbitrary: validValue(schema), weight: 4 },
    { arbitrary: hostileJson, weight: 4 },
  );
}

/** How a value goes into a URL: encoded as a client would, or raw, or with broken escapes. */
function urlEncoded(value: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  const asText = value.map((v) => (typeof v === 'string' ? v : (JSON.stringify(v) ?? '')));
  return fc.oneof(
    { arbitrary: asText.map((text) => encodeURIComponent(toWellFormed(text))), weight: 8 },
    {
      // Broken percent-encodings a real client can send (ASCII, so they survive the wire).
      arbitrary: fc.constantFrom(
        '%',
        '%zz',
        '%E0%A4%A',
        '%C3',
        '%FF%FE',
        '%00',
        '%0A',
        '%2F',
        '%2e%2e',
        '%25',
      ),
      weight: 2,
    },
  );
}

function toWellFormed(text: string): string {
  // encodeURIComponent throws on lone surrogates; a client would have sent U+FFFD.
  return text.replace(/[\uD800-\uDFFF]/g, (c, i: number, all: string) => {
    const code = c.charCodeAt(0);
    const next = all.charCodeAt(i + 1);
    const prev = all.charCodeAt(i - 1);
    const isPaired =
      (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) ||
      (code >= 0xdc00 && prev >= 0xd800 && prev <= 0xdbff);
    return isPaired ? c : '\uFFFD';
  });
}

function queryString(operation: Operation, hints: FuzzHints): fc.Arbitrary<string> {
  const declared = operation.query.map((param) =>
    fc.option(fc.tuple(fc.constant(param.name), urlEncoded(fieldValue(param.name, param.schema, hints))), {
      freq: 2,
    }),
  );
  const extra = fc.array(
    fc.tuple(
      fc.oneof(
        fc.constantFrom('__proto__', 'constructor', 'limit[]', 'mark[x]', 'a.b', '', 'from', 'ticker'),
        fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 8 }).map(encodeURIComponent),
      ),
      urlEncoded(hostileString),
    ),
    { maxLength: 2 },
  );
  return fc
    .tuple(
      fc.tuple(...declared),
      fc.oneof({ arbitrary: fc.constant([]), weight: 4 }, { arbitrary: extra, weight: 1 }),
      fc.boolean(),
      fc.nat(20),
    )
    .map(([params, more, isDuplicated, shuffle]) => {
      const pairs = params.filter((p): p is [string, string] => p !== null);
      pairs.push(...more);
      const first = pairs[0];
      if (isDuplicated && first !== undefined && shuffle % 4 === 0) pairs.push(first);
      if (pairs.length === 0) return shuffle % 7 === 0 ? '?' : '';
      return `?${pairs.map(([k, v]) => (shuffle % 11 === 0 && v === '' ? k : `${k}=${v}`)).join('&')}`;
    });
}

function pathOf(operation: Operation, hints: FuzzHints): fc.Arbitrary<string> {
  const segments = operation.pathParams.map((param) =>
    fc.oneof(
      { arbitrary: urlEncoded(fieldValue(param.name, param.schema, hints)), weight: 9 },
      { arbitrary: fc.constantFrom('', '.', '..', '%2e', 'a/b', 'x'.repeat(150)), weight: 1 },
    ),
  );
  return fc.tuple(...segments).map((values) => {
    let path = operation.path;
    operation.pathParams.forEach((param, i) => {
      path = path.replace(`{${param.name}}`, values[i] ?? '');
    });
    return path;
  });
}

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/json; charset=latin1',
  'application/vnd.api+json',
  'text/plain',
  'text/plain; charset=utf-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/xml',
  'application/octet-stream',
  ';',
  'json',
];

/** JSON text of an object, keys in the given order (so `__proto__` is a real key). */
function objectText(entries: [string, unknown][]): string {
  return `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value) ?? 'null'}`).join(',')}}`;
}

function bodyOf(schema: JsonSchema | null, hints: FuzzHints): fc.Arbitrary<RequestPlan['body']> {
  const fields = Object.entries(schema?.properties ?? {});
  const objectBody = fc
    .tuple(
      fc.tuple(
        ...fields.map(([name, field]) =>
          fc.option(fc.tuple(fc.constant(name), fieldValue(name, field, hints)), { freq: 8 }),
        ),
      ),
      fc.oneof(
        { arbitrary: fc.constant([]), weight: 3 },
        {
          arbitrary: fc.array(
            fc.tuple(
              fc.oneof(fc.constantFrom('__proto__', 'constructor', 'extra'), fc.string()),
              hostileJson,
            ),
            { minLength: 1, maxLength: 3 },
          ),
          weight: 1,
        },
      ),
    )
    .map(([present, extra]) =>
      objectText([...present.filter((e): e is [string, unknown] => e !== null), ...extra]),
    );
  const wrongTopLevel = fc.oneof(
    fc.constantFrom('[]', 'null', '0', '-1', '"text"', 'true', '{}', '1e999'),
    fc.integer({ min: 1_000, max: 30_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
    fc.integer({ min: 1_000, max: 10_000 }).map((depth) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)),
  );
  const malformed = fc.oneof(
    fc.constantFrom(
      '',
      ' ',
      '{',
      '{"key_id": ',
      "{'key_id': 'x'}",
      '{"a":1,}',
      'NaN',
      '\uFEFF{}',
      '{"a":1}{"b":2}',
      '{"a":"\\ud800"}',
      '{"a":"\\u0000"}',
      '{"__proto__":{"polluted":true}}',
      '{"constructor":{"prototype":{"polluted":true}}}',
    ),
    fc.string({ unit: 'binary', maxLength: 40 }),
  );
  const huge = fc.integer({ min: 65_000, max: 80_000 }).map((n) => JSON.stringify({ key_id: 'x'.repeat(n) }));
  const payload = fc.oneof(
    { arbitrary: objectBody, weight: schema === null ? 1 : 10 },
    { arbitrary: wrongTopLevel, weight: 2 },
    { arbitrary: malformed, weight: 2 },
    { arbitrary: huge, weight: 1 },
  );
  const contentType = fc.oneof(
    { arbitrary: fc.constant('application/json'), weight: 12 },
    { arbitrary: fc.constantFrom(...CONTENT_TYPES), weight: 3 },
    { arbitrary: fc.constant(null), weight: 1 },
  );
  return fc.record({ contentType, payload });
}

const headerSafe = (text: string) => text.replace(/[^\t\x20-\x7e\x80-\xff]/g, '');

const HEADER_NAMES = [
  'origin',
  'referer',
  'x-forwarded-for',
  'x-forwarded-host',
  'forwarded',
  'accept',
  'accept-encoding',
  'accept-language',
  'accept-version',
  'last-event-id',
  'if-none-match',
  'if-modified-since',
  'range',
  'x-requested-with',
  'x-http-method-override',
  'user-agent',
  'sec-fetch-site',
  'sec-fetch-mode',
  'expect',
  'content-length',
];

const extraHeaders: fc.Arbitrary<[string, string][]> = fc.array(
  fc.tuple(
    fc.oneof(
      { arbitrary: fc.constantFrom(...HEADER_NAMES), weight: 4 },
      { arbitrary: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), weight: 1 },
    ),
    fc
      .oneof(
        hostileString,
        fc.constantFrom(
          'http://evil.example',
          'null',
          '*',
          '127.0.0.1, 10.0.0.1',
          'text/event-stream',
          '999999',
        ),
      )
      .map(headerSafe),
  ),
  { maxLength: 3 },
);

const forgedTokens: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    'null',
    'undefined',
    'a.b.c',
    '..',
    'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
    'eyJhbGciOiJIUzI1NiJ9.e30.AAAA',
    'A'.repeat(8_000),
    '%E0%A4%A',
    'x; kd_session=y',
    'x,y',
  ),
  fc
    .array(fc.base64String({ maxLength: 60 }), { minLength: 1, maxLength: 4 })
    .map((parts) => parts.map((p) => p.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')).join('.')),
  hostileString.map(headerSafe),
);

const via = fc.constantFrom<'cookie' | 'bearer'>('cookie', 'bearer');

function sessionOf(operation: Operation | null): fc.Arbitrary<SessionPlan> {
  const broken: fc.Arbitrary<SessionPlan>[] = [
    fc.constant({ kind: 'none' as const }),
    fc.record({
      kind: fc.constant('tampered' as const),
      via,
      how: fc.constantFrom<'flip' | 'truncate' | 'append'>('flip', 'truncate', 'append'),
      at: fc.nat(),
    }),
    fc.record({ kind: fc.constant('revoked' as const), via }),
    fc.record({
      kind: fc.constant('forged' as const),
      via: fc.constantFrom<'cookie' | 'bearer' | 'raw-cookie' | 'raw-authorization'>(
        'cookie',
        'bearer',
        'raw-cookie',
        'raw-authorization',
      ),
      token: forgedTokens,
    }),
  ];
  // A stream with a working session never ends; streams get every session but that one.
  if (operation === null || operation.isStream) return fc.oneof(...broken);
  return fc.oneof(
    { arbitrary: fc.record({ kind: fc.constant('valid' as const), via }), weight: 4 },
    { arbitrary: fc.oneof(...broken), weight: 5 },
  );
}

const OTHER_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'PROPFIND'];

function requestFor(operation: Operation, hints: FuzzHints): fc.Arbitrary<RequestPlan> {
  return fc
    .record({
      method: fc.oneof(
        { arbitrary: fc.constant(operation.method), weight: 7 },
        { arbitrary: fc.constantFrom(...OTHER_METHODS), weight: 1 },
      ),
      path: pathOf(operation, hints),
      query: queryString(operation, hints),
      body:
        operation.body !== null
          ? bodyOf(operation.body, hints)
          : fc.oneof(
              { arbitrary: fc.constant(null), weight: 9 },
              { arbitrary: bodyOf(null, hints), weight: 1 },
            ),
      session: sessionOf(operation),
      headers: extraHeaders,
    })
    .map(({ method, path, query, body, session, headers }) => ({
      target: `${operation.method} ${operation.path}`,
      method,
      url: `${path}${query}`,
      headers,
      body,
      session,
    }));
}

/** Paths no operation has: typos, traversal, broken escapes, the web app's fallback. */
const randomPath: fc.Arbitrary<RequestPlan> = fc
  .record({
    method: fc.constantFrom(...OTHER_METHODS),
    path: fc.oneof(
      fc.constantFrom(
        '/',
        '/api',
        '/api/',
        '/api/v1',
        '/api/v2/health',
        '/api/v1/../v1/health',
        '/api/v1/%2e%2e/health',
        '/API/V1/HEALTH',
        '//api//v1//health',
        '/api/v1/health/',
        '/api/v1/markets//orderbook',
        '/api/v1/account/',
        '/index.html',
        '/%',
        '/%E0%A4%A',
      ),
      urlEncoded(hostileString).map((segment) => `/api/v1/${segment}`),
    ),
    session: sessionOf(null),
    headers: extraHeaders,
  })
  .map(({ method, path, session, headers }) => ({
    target: 'random path',
    method,
    url: path,
    headers,
    body: null,
    session,
  }));

/** Requests for every operation, and a few for paths that exist nowhere. */
export function fuzzRequests(operations: Operation[], hints: FuzzHints): fc.Arbitrary<RequestPlan> {
  return fc.oneof(
    ...operations.map((operation) => ({ arbitrary: requestFor(operation, hints), weight: 10 })),
    { arbitrary: randomPath, weight: 3 },
  );
}
