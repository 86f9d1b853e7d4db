import type { Position } from '@kalshi-desk/contracts';
import { describe, expect, it } from 'vitest';
import { InProcessEventBus, type AccountEvent } from './stream.bus.js';
import { SseHub, type SnapshotData } from './stream.hub.js';
import { FakeSink } from './testing/fake-sse.js';

function position(ticker: string, currentPrice: number): Position {
  return {
    id: ticker,
    ticker,
    event_ticker: 'EV',
    market_title: ticker,
    side: 'YES',
    quantity: 1,
    avg_entry_price: 50,
    current_price: currentPrice,
    mark: 'bid',
    unrealized_pnl: (currentPrice - 50) / 100,
    unrealized_pnl_percent: 0,
    realized_pnl: 0,
    fees_paid: 0,
    market_exposure: 0.5,
    max_payout: 0.5,
    max_loss: 0.5,
    yes_bid: currentPrice,
    yes_ask: null,
    last_price: null,
    market_status: 'active',
    duration_held: 0,
    entry_time: '2026-11-24T12:00:00.000Z',
    expiration_date: null,
    last_updated: '2026-11-24T12:00:00.000Z',
  };
}
const update = (ticker: string, price: number): AccountEvent => ({
  type: 'position_update',
  data: { data: position(ticker, price) },
});

function snapshotFor(accountId: string): SnapshotData {
  return {
    positions: [position(`${accountId}-SNAP`, 60)],
    portfolio: {
      total_value: 1,
      cash_balance: 1,
      reserved_for_orders: 0,
      positions_value: 0,
      today_pnl: 0,
      today_pnl_percent: 0,
      total_pnl: 0,
      position_count: 1,
      last_updated: '2026-11-24T12:00:00.000Z',
    },
    orders: [],
    connection: 'live',
    is_stale: false,
    as_of: '2026-11-24T12:00:00.000Z',
  };
}

function setup(options: { ringSize?: number; queueCapacity?: number } = {}) {
  const bus = new InProcessEventBus({ ringSize: options.ringSize ?? 16, firstId: () => 100 });
  const hub = new SseHub({
    bus,
    snapshot: snapshotFor,
    queueCapacity: options.queueCapacity ?? 100,
    defer: (flush) => flush(),
  });
  return { bus, hub };
}

describe('SseHub', () => {
  it('a new client first gets a snapshot carrying the id of the latest event, then live events', () => {
    const { bus, hub } = setup();
    bus.publish('u1', update('A', 51));
    const sink = new FakeSink();
    hub.open({ accountId: 'u1', sessionId: 's1', lastEventId: null, sink });
    bus.publish('u1', update('A', 52));
    const messages = sink.messages();
    expect(messages.map((m) => [m.event, m.id])).toEqual([
      ['snapshot', 101],
      ['position_update', 102],
    ]);
  });

  it('every event is a default SSE message (no `event:` line) whose JSON is {type, ...payload}', () => {
    const { bus, hub } = setup();
    const sink = new FakeSink();
    hub.open({ accountId: 'u1', sessionId: 's1', lastEventId: null, sink });
    bus.publish('u1', update('A', 52));
    bus.publish('u1', { type: 'position_removed', data: { ticker: 'A', reason: 'settled' } });
    expect(sink.written).not.toMatch(/^event:/m);
    expect(sink.written).toContain(
      'id: 102\ndata: {"type":"position_removed","ticker":"A","reason":"settled"}\n\n',
    );
    const [snapshot, positionUpdate] = sink.messages();
    expect(snapshot?.data).toEqual({ type: 'snapshot', ...snapshotFor('u1') });
    expect(positionUpdate?.data).toEqual({ type: 'position_update', data: position('A', 52) });
    expect(sink.messages().map((m) => m.eventField)).toEqual([null, null, null]);
  });

  it("one account never sees another account's events", () => {
    const { bus, hub } = setup();
    const a = new FakeSink();
    const b = new FakeSink();
    hub.open({ accountId: 'u1', sessionId: 's1', lastEventId: null, sink: a });
    hub.open({ accountId: 'u2', sessionId: 's2', lastEventId: null, sink: b });
    bus.publish('u1', update('ONLY-U1', 55));
    expect(a.messages().map((m) => m.event)).toEqual(['snapshot', 'position_update']);
    expect(b.messages().map((m) => m.event)).toEqual(['snapshot']);
    expect(JSON.stringify(b.messages())).not.toContain('ONLY-U1');
  });

  it('Last-Event-ID within the retained history replays exactly the missed events', () => {
    const { bus, hub } = setup();
    for (let i = 0; i < 5; i++) bus.publish('u1', update(`T${i}`, 50 + i));
    const sink = new FakeSink();
    hub.open({ accountId: 'u1', sessionId: 's1', lastEventId: 102, sink });
    expect(sink.messages().map((m) => m.id)).toEqual([103, 104, 105]);
  });

  it('Last-Event-ID older than the retained history, or unknown, gets a fresh snapshot', () => {
    const { bus, hub } = setup({ ringSize: 4 });
    for (let i = 0; i < 10; i++) bus.publish('u1', update(`T${i}`, 50));
    const old = new FakeSink();
    hub.open({ accountId: 'u1', sessionId: 's1', lastEventId: 101, sink: old });
    expect(old.messages().map((m) => [m.event, m.id])).toEqual([['snapshot', 110]]);
    const future = new FakeSink();
    hub.open({ accountId: 'u1', sessionId: 's1', lastEventId: 999, sink: future });
    expect(future.messages().map((m) => m.event)).toEqual(['snapshot']);
  });

  it('a slow client gets the latest state of each ticker, in increasing id order, once it drains', () => {
    const { bus, hub } = setup();
    const sink = new FakeSink();
    hub.open({ accountId: 'u1', sessionId: 's1', lastEventId: null, sink });
    sink.take();
    sink.isCongested = true;
    bus.publish('u1', update('A', 51)); // written, then congestion is noticed
    for (let i = 0; i < 1000; i++) {
      bus.publish('u1', update('A', 52 + (i % 40)));
      bus.publish('u1', update('B', 60 + (i % 30)));
    }
    bus.publish('u1', { type: 'position_removed', data: { ticker: 'B', reason: 'closed' } });
    expect(sink.take().map((m) => m.id)).toEqual([101]);
    sink.drain();
    const after = sink.take();
    expect(after.map((m) => m.event)).toEqual(['position_update', 'position_removed']);
    expect(after[0]?.data).toMatchObject({ data: { ticker: 'A', current_price: 52 + (999 % 40) } });
    const ids = after.map((m) => m.id ?? 0);
    expect(ids[0]).toBeLessThan(ids[1] ?? 0);
  });

  it('a client that keeps up gets every event, even several of one ticker in one flush batch', () => {
    const bus = new InProcessEventBus({ firstId: () => 0 });
    const batches: (() => void)[] = [];
    const hub = new SseHub({
      bus,
      snapshot: snapshotFor,
      defer: (flush) => batches.push(flush),
    });
    const sink = new FakeSink();
    hub.open({ accountId: 'u1', sessionId: 's1', lastEventId: null, sink });
    sink.take();
    bus.publish('u1', update('A', 51));
    bus.publish('u1', update('A', 52));
    bus.publish('u1', update('A', 53));
    expect(sink.take()).toEqual([]);
    for (const flush of batches.splice(0)) flush();
    const written = sink.take();
    expect(written.map((m) => m.id)).toEqual([1, 2, 3]);
    expect(sink.written).toBe('');
  });

  it('a client too far behind even after conflation gets one fresh snapshot instead of its backlog', () => {
    const { bus, hub } = setup({ queueCapacity: 3 });
    const sink = new FakeSink();
    hub.open({ accountId: 'u1', sessionId: 's1', lastEventId: null, sink });
    sink.take();
    sink.isCongested = true;
    for (let i = 0; i < 10; i++) bus.publish('u1', update(`T${i}`, 50));
    sink.take();
    sink.drain();
    const after = sink.take();
    expect(after.map((m) => [m.event, m.id])).toEqual([['snapshot', 110]]);
  });

  it('closing one session closes only its streams and unsubscribes them', () => {
    const { bus, hub } = setup();
    const s1 = new FakeSink();
    const s2 = new FakeSink();
    hub.open({ accountId: 'u1', sessionId: 's1', lastEventId: null, sink: s1 });
    hub.open({ accountId: 'u1', sessionId: 's2', lastEventId: null, sink: s2 });
    expect(hub.closeStreams('u1', 's1')).toBe(1);
    expect(s1.isEnded).toBe(true);
    expect(s2.isEnded).toBe(false);
    s1.take();
    bus.publish('u1', update('A', 70));
    expect(s1.take()).toEqual([]);
    expect(hub.streamCount('u1')).toBe(1);
    expect(hub.closeStreams('u1')).toBe(1);
    expect(hub.clientCount).toBe(0);
  });

  it('a snapshot that cannot be built becomes an error event, not an exception', () => {
    const bus = new InProcessEventBus({ firstId: () => 0 });
    const hub = new SseHub({
      bus,
      snapshot: () => {
        throw new Error('no account');
      },
    });
    const sink = new FakeSink();
    hub.open({ accountId: 'u1', sessionId: 's1', lastEventId: null, sink });
    expect(sink.messages()).toEqual([
      {
        id: 0,
        event: 'error',
        eventField: null,
        data: { type: 'error', message: 'positions are not available yet' },
      },
    ]);
  });
});

describe('InProcessEventBus', () => {
  it('ids increase per account and each account has its own sequence', () => {
    let seed = 1000;
    const bus = new InProcessEventBus({ firstId: () => (seed += 1000) });
    expect(bus.publish('a', update('X', 1))).toBe(2001);
    expect(bus.publish('a', update('X', 2))).toBe(2002);
    expect(bus.publish('b', update('X', 1))).toBe(3001);
    expect(bus.replay('a', 2001)?.map((e) => e.id)).toEqual([2002]);
    expect(bus.replay('a', 2002)).toEqual([]);
  });

  it('drop forgets the history so a resume needs a snapshot', () => {
    const bus = new InProcessEventBus({ firstId: () => 0 });
    bus.publish('a', update('X', 1));
    bus.publish('a', update('X', 2));
    bus.drop('a');
    expect(bus.replay('a', 1)).toBeNull();
  });
});
