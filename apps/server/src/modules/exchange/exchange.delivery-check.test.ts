import type { Fill } from '@kalshi-desk/kalshi/protocol';
import { describe, expect, it } from 'vitest';
import { DeliveryCheck } from './exchange.delivery-check.js';
import { FakeRest, flushPromises, ManualScheduler } from './testing/fake-exchange.js';

function restFill(tradeId: string, tsSeconds: number): Fill {
  return {
    fill_id: `f-${tradeId}`,
    trade_id: tradeId,
    order_id: 'o-1',
    ticker: 'KXA-1',
    outcome_side: 'yes',
    book_side: 'bid',
    count_fp: '1.00',
    yes_price_dollars: '0.5000',
    no_price_dollars: '0.5000',
    is_taker: true,
    fee_cost: '0.0100',
    ts: tsSeconds,
  };
}

function setup() {
  const rest = new FakeRest();
  rest.pageSize = 1_000;
  const scheduler = new ManualScheduler();
  const check = new DeliveryCheck({ rest: rest.asPort(), scheduler, graceMs: 3_000 });
  return { rest, scheduler, check };
}

describe('DeliveryCheck', () => {
  it('reads one page of fills since a second before the newest known, and finds nothing missing without waiting', async () => {
    const { rest, scheduler, check } = setup();
    rest.fills = [restFill('a', 1_000)];
    const missed = await check.missedFills({ sinceMs: 1_000_500, isKnown: (id) => id === 'a' });
    expect(missed).toEqual([]);
    expect(rest.fillRequests).toEqual([{ limit: 100, min_ts: 999, cursor: undefined }]);
    expect(scheduler.pending).toBe(0);
  });

  it('a fill still unknown after the grace period is missed; one delivered meanwhile is not', async () => {
    const { rest, scheduler, check } = setup();
    rest.fills = [restFill('late', 1_001), restFill('lost', 1_001)];
    const known = new Set<string>();
    const result = check.missedFills({ sinceMs: null, isKnown: (id) => known.has(id) });
    await flushPromises();
    expect(rest.fillRequests).toEqual([{ limit: 100, cursor: undefined }]);
    known.add('late');
    scheduler.advanceBy(3_000);
    expect(await result).toEqual(['lost']);
  });

  it('cancel ends a grace wait: nothing is reported and no timer is left', async () => {
    const { rest, scheduler, check } = setup();
    rest.fills = [restFill('lost', 1_001)];
    const result = check.missedFills({ sinceMs: null, isKnown: () => false });
    await flushPromises();
    expect(scheduler.pending).toBe(1);
    check.cancel();
    expect(await result).toEqual([]);
    expect(scheduler.pending).toBe(0);
  });
});
