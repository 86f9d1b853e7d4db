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
  positions: [makePosition({ ticker: 'A' })],
  portfolio: makePortfolio(),
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
      source.emit('snapshot', snapshot, '1');
      source.emit('position_update', { data: makePosition({ ticker: 'A', unrealized_pnl: 2.5 }) }, '2');
    });
    const state = usePositionsStore.getState();
    expect(state.transport).toBe('open');
    expect(state.positions.A?.unrealized_pnl).toBe(2.5);
    expect(state.lastEventId).toBe('2');
  });

  it('ignores an event that breaks the contract and says so', () => {
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    renderStream();
    const source = FakeEventSource.latest();
    act(() => {
      source.open();
      source.emit('snapshot', snapshot);
      source.emit('position_update', { data: { ticker: 'A', unrealized_pnl: '2.5' } });
    });
    const state = usePositionsStore.getState();
    expect(state.positions.A?.unrealized_pnl).toBe(0.3);
    expect(state.lastError).toMatch(/breaks the contract/);
    expect(consoleError).toHaveBeenCalledTimes(1);
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
      probe.emit('snapshot', snapshot);
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
      source.emit('snapshot', snapshot);
    });
    unmount();
    expect(source.isClosed).toBe(true);
    expect(usePositionsStore.getState().positions).toEqual({});
    expect(usePositionsStore.getState().hasSnapshot).toBe(false);
  });
});
