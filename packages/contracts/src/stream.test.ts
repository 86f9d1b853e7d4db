import { describe, expect, it } from 'vitest';
import { parsePositionStreamEvent } from './stream.js';

const portfolio = {
  total_value: 100.5,
  cash_balance: 90,
  positions_value: 10.5,
  today_pnl: 0.25,
  today_pnl_percent: 0.25,
  total_pnl: 1,
  position_count: 1,
  last_updated: '2026-11-24T10:00:00.000Z',
};

describe('parsePositionStreamEvent', () => {
  it('parses a portfolio_update into a typed event', () => {
    const event = parsePositionStreamEvent('portfolio_update', { data: portfolio });
    expect(event).toEqual({ type: 'portfolio_update', data: { data: portfolio } });
  });

  it('returns null for an event type the contract does not know', () => {
    expect(parsePositionStreamEvent('mystery', {})).toBeNull();
  });

  it('rejects a known event whose payload breaks the contract', () => {
    expect(() =>
      parsePositionStreamEvent('portfolio_update', { data: { ...portfolio, cash_balance: '90' } }),
    ).toThrow();
  });

  it('accepts a connection_status with its freshness fields', () => {
    const event = parsePositionStreamEvent('connection_status', {
      status: 'reconnecting',
      detail: 'upstream stalled for 30 s',
      is_stale: true,
      as_of: '2026-11-24T10:00:00.000Z',
    });
    expect(event?.type).toBe('connection_status');
  });
});
