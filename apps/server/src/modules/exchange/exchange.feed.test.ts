import {
  KalshiWsUpgradeError,
  type KalshiWsEvents,
  type WsState,
  type WsSubscriptionHandle,
  type WsSubscriptionSnapshot,
} from '@kalshi-desk/kalshi';
import { describe, expect, it } from 'vitest';
import { KalshiAccountFeed, PRIVATE_CHANNELS } from './exchange.feed.js';
import { silentLogger, type FeedRefusal, type FeedState } from './exchange.ports.js';
import { flushPromises } from './testing/fake-exchange.js';

/** A WS client double that confirms every command at once and records them. */
class FakeWsClient {
  state: WsState = 'connecting';
  commands: string[] = [];
  private nextKey = 1;
  private readonly entries = new Map<number, WsSubscriptionSnapshot>();
  private readonly listeners = new Map<string, Set<(payload: never) => void>>();

  start(): void {
    this.commands.push('start');
  }
  close(): Promise<void> {
    this.commands.push('close');
    return Promise.resolve();
  }
  reconnect(reason: string): void {
    this.commands.push(`reconnect ${reason}`);
  }
  on<E extends keyof KalshiWsEvents>(event: E, listener: (payload: KalshiWsEvents[E]) => void): () => void {
    const set = this.listeners.get(event) ?? new Set();
    set.add(listener);
    this.listeners.set(event, set);
    return () => set.delete(listener);
  }
  emit<E extends keyof KalshiWsEvents>(event: E, payload: KalshiWsEvents[E]): void {
    for (const listener of this.listeners.get(event) ?? [])
      (listener as (p: KalshiWsEvents[E]) => void)(payload);
  }
  setState(state: WsState): void {
    const previous = this.state;
    this.state = state;
    this.emit('state', { state, previous, attempt: 0 });
  }
  subscribe(options: {
    channels: readonly string[];
    marketTickers?: readonly string[];
  }): Promise<WsSubscriptionHandle[]> {
    this.commands.push(
      `subscribe ${options.channels.join(',')} ${(options.marketTickers ?? []).join(',')}`.trim(),
    );
    return Promise.resolve(
      options.channels.map((channel) => {
        const key = this.nextKey++;
        this.entries.set(key, {
          key,
          channel,
          marketTickers: options.marketTickers ? [...options.marketTickers] : undefined,
          sid: key,
          isStale: false,
        });
        return { key, channel };
      }),
    );
  }
  updateSubscription(
    handle: WsSubscriptionHandle,
    change: { action: string; marketTickers: readonly string[] },
  ): Promise<void> {
    this.commands.push(`${change.action} ${change.marketTickers.join(',')}`);
    const entry = this.entries.get(handle.key);
    if (entry) {
      const current = new Set(entry.marketTickers ?? []);
      for (const t of change.marketTickers) {
        if (change.action === 'add_markets') current.add(t);
        else current.delete(t);
      }
      this.entries.set(handle.key, { ...entry, marketTickers: [...current] });
    }
    return Promise.resolve();
  }
  unsubscribe(handle: WsSubscriptionHandle): Promise<void> {
    this.commands.push(`unsubscribe ${handle.channel}`);
    this.entries.delete(handle.key);
    return Promise.resolve();
  }
  subscriptions(): WsSubscriptionSnapshot[] {
    return [...this.entries.values()];
  }
}

function setup() {
  const client = new FakeWsClient();
  const feed = new KalshiAccountFeed(client, silentLogger);
  const states: [FeedState, string][] = [];
  feed.onState((state, reason) => states.push([state, reason]));
  return { client, feed, states };
}

describe('KalshiAccountFeed', () => {
  it('subscribes the private channels and lifecycle on start, and is live only once they are confirmed', async () => {
    const { client, feed, states } = setup();
    feed.start();
    client.setState('live');
    expect(feed.state).toBe('resyncing');
    await flushPromises();
    expect(client.commands).toContain(`subscribe ${PRIVATE_CHANNELS.join(',')}`);
    expect(feed.state).toBe('live');
    expect(states.map(([s]) => s)).toEqual(['resyncing', 'live']);
  });

  it('ticker follows the held markets: subscribe, add, delete, and unsubscribe when none is held', async () => {
    const { client, feed } = setup();
    feed.start();
    client.setState('live');
    await flushPromises();
    feed.setTickerMarkets(['A', 'B']);
    await flushPromises();
    feed.setTickerMarkets(['B', 'C']);
    await flushPromises();
    feed.setTickerMarkets([]);
    await flushPromises();
    feed.setTickerMarkets([]);
    await flushPromises();
    expect(
      client.commands.filter((c) => !c.startsWith('subscribe market_positions') && c !== 'start'),
    ).toEqual(['subscribe ticker A,B', 'add_markets C', 'delete_markets A', 'unsubscribe ticker']);
  });

  it('reports backoff with the reason and the delay, and closed when closed', () => {
    const { client, feed, states } = setup();
    feed.start();
    client.emit('error', {
      error: new Error('no data or ping for 30000 ms; reconnecting'),
      context: 'liveness',
    });
    client.state = 'backoff';
    client.emit('state', { state: 'backoff', previous: 'live', attempt: 2, delayMs: 4000 });
    expect(states.at(-1)).toEqual([
      'backoff',
      'liveness: no data or ping for 30000 ms; reconnecting; reconnecting in 4 s (attempt 2)',
    ]);
    feed.close();
    expect(feed.state).toBe('closed');
    expect(client.commands).toContain('close');
  });

  it('passes on what the exchange was heard from, a refused upgrade with its status and code, and reconnect requests', () => {
    const { client, feed } = setup();
    let heard = 0;
    const refusals: FeedRefusal[] = [];
    feed.onActivity(() => (heard += 1));
    feed.onRefused((refusal) => refusals.push(refusal));
    feed.start();
    client.emit('activity', { kind: 'ping' });
    client.emit('activity', { kind: 'frame' });
    client.emit('error', { error: new Error('socket hang up'), context: 'socket' });
    client.emit('error', {
      error: new KalshiWsUpgradeError(401, 'authentication_error'),
      context: 'upgrade',
    });
    expect(heard).toBe(2);
    expect(refusals).toEqual([{ status: 401, code: 'authentication_error' }]);
    feed.reconnect('fills did not arrive');
    expect(client.commands).toContain('reconnect fills did not arrive');
    feed.close();
    feed.reconnect('after close');
    expect(client.commands).not.toContain('reconnect after close');
  });
});
