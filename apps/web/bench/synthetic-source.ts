import type { Position } from '@kalshi-desk/contracts';
import type { EventSourceFactory } from '../src/lib/event-stream';

/** Deterministic pseudo-random numbers (mulberry32), so every run sees the same stream. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round = (value: number, places: number) => Math.round(value * 10 ** places) / 10 ** places;

export function makeBenchPositions(count: number, random: () => number): Position[] {
  const now = Date.now();
  return Array.from({ length: count }, (_, i) => {
    const quantity = 1 + Math.floor(random() * 500);
    const avg = 5 + Math.floor(random() * 90);
    const price = Math.max(1, Math.min(99, avg + Math.floor(random() * 21) - 10));
    const exposure = round((quantity * avg) / 100, 2);
    const pnl = round(((price - avg) * quantity) / 100, 2);
    return {
      id: `bench-${i}`,
      ticker: `KXBENCH-${String(i).padStart(4, '0')}`,
      event_ticker: `KXBENCH-EV${i % 40}`,
      market_title: `Synthetic market number ${i}: will the value close above ${avg}?`,
      side: i % 3 === 0 ? 'NO' : 'YES',
      quantity,
      avg_entry_price: avg,
      current_price: price,
      mark: 'bid',
      unrealized_pnl: pnl,
      unrealized_pnl_percent: round((pnl / exposure) * 100, 2),
      realized_pnl: 0,
      fees_paid: round(quantity * 0.0007, 4),
      market_exposure: exposure,
      max_payout: round(quantity - exposure, 2),
      max_loss: exposure,
      yes_bid: price,
      yes_ask: Math.min(99, price + 1),
      last_price: price,
      market_status: 'active',
      duration_held: 3600,
      entry_time: new Date(now - 3_600_000 - i * 1000).toISOString(),
      expiration_date: new Date(now + (1 + (i % 30)) * 86_400_000).toISOString(),
      last_updated: new Date(now).toISOString(),
    } satisfies Position;
  });
}

/**
 * An EventSource stand-in that sends a snapshot and then `ratePerSecond` position_update
 * events as real SSE MessageEvents (JSON text), so the app parses and validates each one
 * exactly as it would from the server.
 */
export function syntheticEventSource({
  positions,
  ratePerSecond,
  random,
}: {
  positions: Position[];
  ratePerSecond: number;
  random: () => number;
}): { factory: EventSourceFactory; sent: () => number } {
  let sent = 0;
  const factory: EventSourceFactory = () => {
    const target = new EventTarget() as EventTarget & Partial<EventSource> & { readyState: number };
    Object.assign(target, { CONNECTING: 0, OPEN: 1, CLOSED: 2, readyState: 0, onopen: null, onerror: null });
    let timer: ReturnType<typeof setInterval> | null = null;
    const emit = (type: string, data: unknown) => {
      sent += type === 'position_update' ? 1 : 0;
      // As our server sends it: a default message whose JSON is `{type, ...payload}`.
      const message = JSON.stringify({ type, ...(data as object) });
      target.dispatchEvent(new MessageEvent('message', { data: message, lastEventId: String(sent) }));
    };
    setTimeout(() => {
      target.readyState = 1;
      (target.onopen as ((e: Event) => void) | null)?.(new Event('open'));
      const value = positions.reduce((s, p) => s + p.market_exposure + (p.unrealized_pnl ?? 0), 0);
      emit('snapshot', {
        positions,
        portfolio: {
          total_value: round(10_000 + value, 2),
          cash_balance: 10_000,
          positions_value: round(value, 2),
          today_pnl: 12.5,
          today_pnl_percent: 0.12,
          total_pnl: 40,
          position_count: positions.length,
          last_updated: new Date().toISOString(),
        },
        connection: 'live',
        is_stale: false,
        as_of: new Date().toISOString(),
      });
      // Timers fire about every 4-10 ms; send however many events are due since the start.
      const start = performance.now();
      timer = setInterval(() => {
        const due = Math.floor(((performance.now() - start) / 1000) * ratePerSecond);
        while (sent < due) {
          const index = Math.floor(random() * positions.length);
          const base = positions[index];
          if (!base) continue;
          const price = Math.max(1, Math.min(99, (base.current_price ?? 50) + Math.floor(random() * 5) - 2));
          const pnl = round(((price - base.avg_entry_price) * base.quantity) / 100, 2);
          const next: Position = {
            ...base,
            current_price: price,
            yes_bid: price,
            yes_ask: Math.min(99, price + 1),
            unrealized_pnl: pnl,
            unrealized_pnl_percent: round((pnl / base.market_exposure) * 100, 2),
            last_updated: new Date().toISOString(),
          };
          positions[index] = next;
          emit('position_update', { data: next });
        }
      }, 5);
    }, 0);
    target.close = () => {
      if (timer !== null) clearInterval(timer);
      target.readyState = 2;
    };
    return target as unknown as EventSource;
  };
  return { factory, sent: () => sent };
}
