import { act, renderHook } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeEventSource, fakeEventSourceFactory } from '../../../test/fake-event-source';
import {
  makePortfolio,
  makePortfolioResponse,
  makePosition,
  makePositionsResponse,
  T0,
} from '../../../test/fixtures';
import { installMockApi, MockFailure } from '../../../test/mock-api';
import { usePositionsStore } from '../stores/positions.store';
import { usePositionSSE } from './use-position-sse';

const syncFlush = (flush: () => void) => flush();

/**
 * What our server sends: a default `message` event (no SSE `event:` field) whose JSON is the
 * event type beside the payload's fields.
 */
function send(source: FakeEventSource, json: Record<string, unknown>, id = ''): void {
  source.dispatchEvent(new MessageEvent('message', { data: JSON.stringify(json), lastEventId: id }));
}

function renderStream(extra: { onUnauthorized?: () => void } = {}) {
  return renderHook(() =>
    usePositionSSE({
      isEnabled: true,
      createEventSource: fakeEventSourceFactory,
      maxStreamErrors: 3,
      pollIntervalMs: 3_000,
      streamRetryMs: 10_000,
      scheduleFlush: syncFlush,
      ...extra,
    }),
  );
}

const snapshot = {
  type: 'snapshot',
  positions: [makePosition({ ticker: 'A' })],
  portfolio: makePortfolio(),
  orders: [],
  connection: 'live',
  is_stale: false,
  as_of: T0,
};

describe('usePositionSSE', () => {
  beforeEach(() => {
    FakeEventSource.reset();
    usePositionsStore.getState().dispatch({ type: 'reset' });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('opens one stream and feeds the store with parsed events', () => {
    renderStream();
    expect(FakeEventSource.instances).toHaveLength(1);
    const source = FakeEventSource.latest();
    expect(source.url).toBe('/api/v1/account/sse/positions');
    act(() => {
      source.open();
      send(source, snapshot, '1');
      send(
        source,
        { type: 'position_update', data: makePosition({ ticker: 'A', unrealized_pnl: 2.5 }) },
        '2',
      );
      send(source, { type: 'portfolio_update', data: makePortfolio({ cash_balance: 123 }) }, '3');
    });
    const state = usePositionsStore.getState();
    expect(state.transport).toBe('open');
    expect(state.positions.A?.unrealized_pnl).toBe(2.5);
    expect(state.portfolio?.cash_balance).toBe(123);
    expect(state.lastEventId).toBe('3');
    act(() => send(source, { type: 'position_removed', ticker: 'A', reason: 'settled' }, '4'));
    expect(usePositionsStore.getState().positions).toEqual({});
  });

  it('listens to default messages only: a named SSE event is not one of ours', () => {
    renderStream();
    const source = FakeEventSource.latest();
    act(() => {
      source.open();
      // The old wire format: `event: snapshot`, payload JSON without `type`.
      const { type, ...payload } = snapshot;
      source.dispatchEvent(new MessageEvent(type, { data: JSON.stringify(payload), lastEventId: '1' }));
    });
    expect(usePositionsStore.getState().hasSnapshot).toBe(false);
    act(() => send(source, snapshot, '2'));
    expect(usePositionsStore.getState().hasSnapshot).toBe(true);
  });

  it('skips a message of a type it does not know, noting it in the console', () => {
    const consoleWarn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    renderStream();
    const source = FakeEventSource.latest();
    act(() => {
      source.open();
      send(source, snapshot, '1');
      send(source, { type: 'fills_update', fills: [] }, '2');
    });
    const state = usePositionsStore.getState();
    expect(state.lastError).toBeNull();
    expect(state.lastEventId).toBe('1');
    expect(consoleWarn).toHaveBeenCalledWith(expect.stringContaining('fills_update'));
    consoleWarn.mockRestore();
  });

  it('ignores an event that breaks the contract and says so', () => {
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    renderStream();
    const source = FakeEventSource.latest();
    act(() => {
      source.open();
      send(source, snapshot);
      send(source, { type: 'position_update', data: { ticker: 'A', unrealized_pnl: '2.5' } });
    });
    const state = usePositionsStore.getState();
    expect(state.positions.A?.unrealized_pnl).toBe(0.3);
    expect(state.lastError).toMatch(/position_update event that breaks the contract/);
    expect(consoleError).toHaveBeenCalledTimes(1);
    // The old format, a payload without `type`, is drift too.
    act(() => send(source, { data: makePosition({ ticker: 'A', unrealized_pnl: 9 }) }));
    expect(consoleError).toHaveBeenCalledTimes(2);
    expect(usePositionsStore.getState().lastError).toMatch(/untyped event that breaks the contract/);
    expect(usePositionsStore.getState().positions.A?.unrealized_pnl).toBe(0.3);
    consoleError.mockRestore();
  });

  it('falls back to polling after repeated errors, then returns to the stream when it comes back', async () => {
    vi.useFakeTimers();
    const { requests } = installMockApi({
      'GET /api/v1/account/positions': () =>
        makePositionsResponse([makePosition({ ticker: 'P', unrealized_pnl: 9 })]),
      'GET /api/v1/account/portfolio': () => makePortfolioResponse(),
    });
    renderStream();
    const first = FakeEventSource.latest();
    act(() => {
      first.fail({ willRetry: true });
      first.fail({ willRetry: true });
    });
    expect(usePositionsStore.getState().transport).toBe('reconnecting');
    await act(async () => {
      first.fail({ willRetry: true });
      await vi.advanceTimersByTimeAsync(0);
    });
    expect(first.isClosed).toBe(true);
    expect(usePositionsStore.getState().transport).toBe('polling');
    expect(usePositionsStore.getState().positions.P?.unrealized_pnl).toBe(9);

    const pollsBefore = requests.filter((r) => r.path === '/api/v1/account/positions').length;
    await act(() => vi.advanceTimersByTimeAsync(6_000));
    expect(requests.filter((r) => r.path === '/api/v1/account/positions').length).toBe(pollsBefore + 2);

    // The probe after streamRetryMs opens a new stream; when it opens, polling stops.
    await act(() => vi.advanceTimersByTimeAsync(4_000));
    expect(FakeEventSource.instances).toHaveLength(2);
    const probe = FakeEventSource.latest();
    act(() => {
      probe.open();
      send(probe, snapshot);
    });
    expect(usePositionsStore.getState().transport).toBe('open');
    const pollsAtReturn = requests.length;
    await act(() => vi.advanceTimersByTimeAsync(20_000));
    expect(requests.length).toBe(pollsAtReturn);
    expect(usePositionsStore.getState().positions.A).toBeDefined();
  });

  it('polls at once when the server refuses the stream, and signs out on 401', async () => {
    vi.useFakeTimers();
    installMockApi({
      'GET /api/v1/account/positions': () => new MockFailure(401, 'session_expired', 'Your session expired.'),
      'GET /api/v1/account/portfolio': () => new MockFailure(401, 'session_expired', 'Your session expired.'),
    });
    const onUnauthorized = vi.fn();
    renderStream({ onUnauthorized });
    await act(async () => {
      FakeEventSource.latest().fail({ willRetry: false });
      await vi.advanceTimersByTimeAsync(0);
    });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    expect(usePositionsStore.getState().transport).toBe('closed');
  });

  it('closes the stream and empties the store when disabled', () => {
    const { unmount } = renderStream();
    const source = FakeEventSource.latest();
    act(() => {
      source.open();
      send(source, snapshot);
    });
    unmount();
    expect(source.isClosed).toBe(true);
    expect(usePositionsStore.getState().positions).toEqual({});
    expect(usePositionsStore.getState().hasSnapshot).toBe(false);
  });
});
