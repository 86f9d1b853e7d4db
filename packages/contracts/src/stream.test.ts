import { describe, expect, it } from 'vitest';
import { marketStreamEventSchemas, marketStreamMessageSchema, parseMarketStreamEvent } from './markets.js';
import {
  parsePositionStreamEvent,
  positionStreamEventTypes,
  positionStreamMessageSchema,
  toStreamMessage,
  type PositionStreamEvent,
} from './stream.js';

const portfolio = {
  total_value: 100.5,
  cash_balance: 90,
  reserved_for_orders: 0,
  positions_value: 10.5,
  today_pnl: 0.25,
  today_pnl_percent: 0.25,
  total_pnl: 1,
  position_count: 1,
  last_updated: '2026-11-24T10:00:00.000Z',
};

describe('the positions stream wire format', () => {
  it('a message is the event type beside the payload fields, flat', () => {
    const event: PositionStreamEvent = {
      type: 'position_removed',
      data: { ticker: 'KX-1', reason: 'settled' },
    };
    expect(JSON.stringify(toStreamMessage(event))).toBe(
      '{"type":"position_removed","ticker":"KX-1","reason":"settled"}',
    );
    expect(toStreamMessage({ type: 'portfolio_update', data: { data: portfolio } })).toEqual({
      type: 'portfolio_update',
      data: portfolio,
    });
  });

  it('parses a portfolio_update message into the internal {type, data} event', () => {
    const event = parsePositionStreamEvent({ type: 'portfolio_update', data: portfolio });
    expect(event).toEqual({ type: 'portfolio_update', data: { data: portfolio } });
  });

  it('parses a snapshot with its orders, leaving `type` out of the payload', () => {
    const snapshot = {
      positions: [],
      portfolio,
      orders: [],
      connection: 'live',
      is_stale: false,
      as_of: '2026-11-24T10:00:00.000Z',
    };
    expect(parsePositionStreamEvent({ type: 'snapshot', ...snapshot })).toEqual({
      type: 'snapshot',
      data: snapshot,
    });
  });

  it('an event written with toStreamMessage parses back to itself, for every type', () => {
    const events: PositionStreamEvent[] = [
      { type: 'position_removed', data: { ticker: 'KX-1' } },
      { type: 'portfolio_update', data: { data: portfolio } },
      { type: 'orders_update', data: { orders: [] } },
      {
        type: 'connection_status',
        data: { status: 'live', detail: 'subscribed', is_stale: false, as_of: null },
      },
      { type: 'error', data: { message: 'positions are not available yet' } },
    ];
    for (const event of events) {
      const wire: unknown = JSON.parse(JSON.stringify(toStreamMessage(event)));
      expect(positionStreamMessageSchema.parse(wire)).toEqual(wire);
      expect(parsePositionStreamEvent(wire)).toEqual(event);
    }
  });

  it('the wire message schema knows every event type', () => {
    const known = positionStreamEventTypes.filter(
      (type) =>
        !positionStreamMessageSchema
          .safeParse({ type })
          .error?.issues.some((i) => i.code === 'invalid_union'),
    );
    expect(known).toEqual(positionStreamEventTypes);
    expect(positionStreamMessageSchema.safeParse({ type: 'mystery' }).success).toBe(false);
  });

  it('returns null for an event type the contract does not know, even one named like an Object method', () => {
    expect(parsePositionStreamEvent({ type: 'mystery' })).toBeNull();
    expect(parsePositionStreamEvent({ type: 'toString' })).toBeNull();
  });

  it('rejects a known event whose payload breaks the contract', () => {
    expect(() =>
      parsePositionStreamEvent({ type: 'portfolio_update', data: { ...portfolio, cash_balance: '90' } }),
    ).toThrow();
  });

  it('rejects a message without a type, such as the old payload-only JSON', () => {
    expect(() => parsePositionStreamEvent({ data: portfolio })).toThrow();
    expect(() => parsePositionStreamEvent('portfolio_update')).toThrow();
    expect(() => parsePositionStreamEvent(null)).toThrow();
  });

  it('accepts a connection_status with its freshness fields', () => {
    const event = parsePositionStreamEvent({
      type: 'connection_status',
      status: 'reconnecting',
      detail: 'upstream stalled for 30 s',
      is_stale: true,
      as_of: '2026-11-24T10:00:00.000Z',
    });
    expect(event).toEqual({
      type: 'connection_status',
      data: {
        status: 'reconnecting',
        detail: 'upstream stalled for 30 s',
        is_stale: true,
        as_of: '2026-11-24T10:00:00.000Z',
      },
    });
  });
});

describe('the market stream wire format', () => {
  const book = { ticker: 'KX-1', yes: [[45, 100]], no: [[53, 80]], as_of: '2026-11-24T10:00:00.000Z' };

  it('parses an orderbook message into {type, data}', () => {
    expect(parseMarketStreamEvent({ type: 'orderbook', ...book })).toEqual({ type: 'orderbook', data: book });
    expect(marketStreamMessageSchema.parse({ type: 'orderbook', ...book })).toEqual({
      type: 'orderbook',
      ...book,
    });
  });

  it('the wire message schema knows every market event type', () => {
    for (const type of Object.keys(marketStreamEventSchemas)) {
      const issues = marketStreamMessageSchema.safeParse({ type }).error?.issues ?? [];
      expect(issues.some((i) => i.code === 'invalid_union')).toBe(false);
    }
  });

  it('returns null for an unknown type and throws on a broken payload', () => {
    expect(parseMarketStreamEvent({ type: 'trade', ticker: 'KX-1' })).toBeNull();
    expect(() => parseMarketStreamEvent({ type: 'ticker', ticker: 'KX-1' })).toThrow();
    expect(() => parseMarketStreamEvent(book)).toThrow();
  });
});
