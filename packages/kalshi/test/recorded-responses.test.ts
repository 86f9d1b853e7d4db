import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  accountLimitsResponseSchema,
  balanceResponseSchema,
  bareMsgErrorBodySchema,
  cancelOrderV2ResponseSchema,
  createOrderV2RequestSchema,
  createOrderV2ResponseSchema,
  describeErrorBody,
  endpointCostsResponseSchema,
  exchangeStatusSchema,
  fillsResponseSchema,
  flatErrorBodySchema,
  marketResponseSchema,
  marketsResponseSchema,
  nestedErrorBodySchema,
  orderbookResponseSchema,
  orderbookDeltaMessageSchema,
  orderbookSnapshotMessageSchema,
  orderResponseSchema,
  ordersResponseSchema,
  positionsResponseSchema,
  seriesFeeChangesResponseSchema,
  settlementsResponseSchema,
  tradesResponseSchema,
  wsInboundMessageSchema,
  wsReplySchema,
  wsSubscribeCommandSchema,
} from '../src/protocol/index.js';
import { KalshiApiError, KalshiRestClient } from '../src/rest/index.js';
import { findRecordingsDir, loadRecordings, type RestRecording } from '../src/testing/recordings.js';

const dir = findRecordingsDir();

/** Which schema a successful recorded body must satisfy, chosen from its method and path. */
function successSchemaFor(method: string, path: string): z.ZodType {
  const route = path.replace(/^\/trade-api\/v2/, '').replace(/\?.*$/, '');
  const table: [string, RegExp, z.ZodType][] = [
    ['GET', /^\/portfolio\/balance$/, balanceResponseSchema],
    ['GET', /^\/portfolio\/positions$/, positionsResponseSchema],
    ['GET', /^\/portfolio\/fills$/, fillsResponseSchema],
    ['GET', /^\/portfolio\/orders$/, ordersResponseSchema],
    ['GET', /^\/portfolio\/orders\/[^/]+$/, orderResponseSchema],
    ['GET', /^\/portfolio\/settlements$/, settlementsResponseSchema],
    ['GET', /^\/markets$/, marketsResponseSchema],
    ['GET', /^\/markets\/trades$/, tradesResponseSchema],
    ['GET', /^\/markets\/[^/]+\/orderbook$/, orderbookResponseSchema],
    ['GET', /^\/markets\/[^/]+$/, marketResponseSchema],
    ['GET', /^\/exchange\/status$/, exchangeStatusSchema],
    ['GET', /^\/account\/limits$/, accountLimitsResponseSchema],
    ['GET', /^\/account\/endpoint_costs$/, endpointCostsResponseSchema],
    ['GET', /^\/series\/fee_changes$/, seriesFeeChangesResponseSchema],
    ['POST', /^\/portfolio\/events\/orders$/, createOrderV2ResponseSchema],
    ['DELETE', /^\/portfolio\/events\/orders\/[^/]+$/, cancelOrderV2ResponseSchema],
    // Legacy V1 order endpoints (recorded while they still worked) answer with {order}.
    ['POST', /^\/portfolio\/orders$/, orderResponseSchema],
    ['DELETE', /^\/portfolio\/orders\/[^/]+$/, orderResponseSchema],
  ];
  const hit = table.find(([m, re]) => m === method && re.test(route));
  if (!hit) throw new Error(`no schema mapped for ${method} ${route}`);
  return hit[2];
}

/** Error recordings and the code a caller must be able to branch on. */
const expectedErrorCodes: Record<string, string> = {
  auth__bad_signature: 'authentication_error',
  auth__unknown_key_id: 'authentication_error',
  auth__missing_signature_header: 'signature_is_missing_from_headers',
  auth__skew_minus30s: 'header_timestamp_expired',
  auth__skew_minus5min: 'header_timestamp_expired',
  auth__skew_plus5min: 'header_timestamp_expired',
  cleanup__leftover_0: 'not_found',
  cleanup__leftover_1: 'not_found',
  cleanup__leftover_2: 'not_found',
  orders__cancel_already_canceled: 'not_found',
  orders__cancel_executed: 'not_found',
  orders__cancel_unknown_id: 'not_found',
  orders__duplicate_client_order_id: 'order_already_exists',
  orders__reuse_canceled_client_id: 'order_already_exists',
  orders__insufficient_balance: 'insufficient_balance',
  orders__invalid_price_structure: 'invalid_price',
  orders__post_only_cross: 'invalid_order',
  orders__numeric_field_types: 'bad_request',
  markets__limit_over_max: 'bad_request',
};

function restCases(): RestRecording[] {
  return loadRecordings(dir).rest;
}

describe('recorded Kalshi demo responses', () => {
  const cases = restCases();

  it('covers every recording file in the directory', () => {
    const all = loadRecordings(dir);
    expect(all.rest.length).toBeGreaterThan(50);
    expect(all.ws.length).toBe(2);
    expect(all.metaOnly).toEqual(['session__manifest']);
  });

  describe.each(cases.filter((c) => (c.meta?.status ?? 200) < 400).map((c) => [c.name, c] as const))(
    'successful body %s',
    (_name, recording) => {
      it('parses under the schema of its endpoint', () => {
        // markets__high_temp has no meta file: it is a GET /markets page.
        const method = recording.meta?.method ?? 'GET';
        const path = recording.meta?.path ?? '/trade-api/v2/markets';
        const result = successSchemaFor(method, path).safeParse(recording.body);
        expect(result.error?.issues ?? []).toEqual([]);
      });
    },
  );

  describe.each(cases.filter((c) => (c.meta?.status ?? 200) >= 400).map((c) => [c.name, c] as const))(
    'error body %s',
    (name, recording) => {
      it('parses under one of the error-body shapes and yields its code', () => {
        const shapes = [nestedErrorBodySchema, flatErrorBodySchema, bareMsgErrorBodySchema];
        expect(shapes.some((s) => s.safeParse(recording.body).success)).toBe(true);
        const described = describeErrorBody(recording.meta?.status ?? 0, recording.body);
        expect(described.code).toBe(expectedErrorCodes[name]);
        expect(described.message.length).toBeGreaterThan(0);
      });
    },
  );

  it('turns every recorded error response into a KalshiApiError carrying its code', async () => {
    const errors = cases.filter((c) => (c.meta?.status ?? 200) >= 400);
    expect(errors.length).toBe(Object.keys(expectedErrorCodes).length);
    for (const recording of errors) {
      const status = recording.meta?.status ?? 0;
      const client = new KalshiRestClient({
        baseUrl: 'https://replay.test/trade-api/v2',
        retry: { maxRetries: 0, baseDelayMs: 1 },
        fetch: () => Promise.resolve(new Response(recording.raw, { status })),
      });
      const error = await client.getExchangeStatus().catch((e: unknown) => e);
      expect(error, recording.name).toBeInstanceOf(KalshiApiError);
      expect(error, recording.name).toMatchObject({ status, code: expectedErrorCodes[recording.name] });
    }
  });

  it('keeps details of nested and flat error bodies', () => {
    const byName = new Map(cases.map((c) => [c.name, c]));
    expect(describeErrorBody(401, byName.get('auth__bad_signature')?.body).details).toBe(
      'INCORRECT_API_KEY_SIGNATURE',
    );
    expect(describeErrorBody(400, byName.get('orders__post_only_cross')?.body).details).toBe(
      'post only cross',
    );
    expect(describeErrorBody(400, byName.get('orders__numeric_field_types')?.body).details).toMatch(
      /cannot unmarshal number/,
    );
  });

  it('accepts every recorded V2 order request body except the one with JSON numbers', () => {
    const creates = cases.filter(
      (c) => c.meta?.method === 'POST' && c.meta.path === '/trade-api/v2/portfolio/events/orders',
    );
    expect(creates.length).toBeGreaterThan(5);
    for (const c of creates) {
      const request = c.meta?.request_body;
      const result = createOrderV2RequestSchema.safeParse(request);
      expect(result.success, c.name).toBe(c.name !== 'orders__numeric_field_types');
    }
  });

  it('parses every recorded WebSocket frame and the recorded subscribe command', () => {
    const { ws } = loadRecordings(dir);
    for (const recording of ws) {
      expect(wsSubscribeCommandSchema.safeParse(recording.meta?.['subscribe_cmd']).success).toBe(true);
      const types = recording.frames.map((frame) => {
        const parsed = wsInboundMessageSchema.parse(JSON.parse(frame));
        return parsed.type;
      });
      expect(types.slice(0, 3)).toEqual(['subscribed', 'subscribed', 'orderbook_snapshot']);
      expect(types.slice(3).every((t) => t === 'orderbook_delta')).toBe(true);
      const [first, , snapshot, ...deltas] = recording.frames.map((f) => JSON.parse(f) as unknown);
      expect(wsReplySchema.parse(first)).toMatchObject({ type: 'subscribed', id: 1, msg: { sid: 1 } });
      expect(orderbookSnapshotMessageSchema.parse(snapshot).seq).toBe(1);
      expect(deltas.map((d) => orderbookDeltaMessageSchema.parse(d).seq)).toEqual(
        deltas.map((_d, i) => i + 2),
      );
    }
  });
});
