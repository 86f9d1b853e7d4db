import type { MarketDetail } from '@kalshi-desk/contracts';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, renderHook } from '@testing-library/react';
import type { ReactNode } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeEventSource, fakeEventSourceFactory } from '../../../test/fake-event-source';
import { makeMarket } from '../../../test/fixtures';
import { marketsQueries } from '../api/markets.api';
import { useMarketStream } from './use-market-stream';

/** What our server sends: a default `message` event whose JSON carries `type` (contracts' stream.ts). */
function send(source: FakeEventSource, json: Record<string, unknown>, id = ''): void {
  source.dispatchEvent(new MessageEvent('message', { data: JSON.stringify(json), lastEventId: id }));
}

const book = {
  ticker: 'RAIN-1',
  yes: [[46, 20]],
  no: [[52, 10]],
  as_of: '2026-11-24T10:00:01.000Z',
};

function renderStream() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const detail: MarketDetail = {
    ...makeMarket({ ticker: 'RAIN-1', yes_bid: 45, yes_ask: 47, last_price: 46 }),
    no_sub_title: 'No rain',
    rules_primary: '',
    rules_secondary: '',
    result: '',
    price_level_structure: 'linear_cent',
    price_ranges: [],
    open_time: '2026-11-20T00:00:00.000Z',
  };
  client.setQueryData(marketsQueries.detail('RAIN-1').queryKey, { market: detail });
  const wrapper = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={client}>{children}</QueryClientProvider>
  );
  const hook = renderHook(() => useMarketStream('RAIN-1', fakeEventSourceFactory), { wrapper });
  return { ...hook, client, source: FakeEventSource.latest() };
}

describe('useMarketStream', () => {
  beforeEach(() => {
    FakeEventSource.reset();
  });

  it('writes streamed books and tickers into the query cache and follows the status', () => {
    const { result, client, source } = renderStream();
    expect(source.url).toBe('/api/v1/markets/RAIN-1/sse');
    act(() => {
      source.open();
      send(source, { type: 'connection_status', status: 'resyncing', detail: 'order book gap' }, '1');
    });
    expect(result.current).toBe('resyncing');
    act(() => {
      send(source, { type: 'orderbook', ...book }, '2');
      send(
        source,
        {
          type: 'ticker',
          ticker: 'RAIN-1',
          yes_bid: 46,
          yes_ask: 48,
          last_price: 47,
          volume: 12_600,
          open_interest: 4_000,
          at: '2026-11-24T10:00:01.000Z',
        },
        '3',
      );
      send(source, { type: 'connection_status', status: 'live', detail: 'order book resynced' }, '4');
    });
    expect(client.getQueryData(marketsQueries.orderbook('RAIN-1').queryKey)).toEqual(book);
    expect(client.getQueryData(marketsQueries.detail('RAIN-1').queryKey)?.market).toMatchObject({
      yes_bid: 46,
      last_price: 47,
      volume: 12_600,
    });
    expect(result.current).toBe('live');
  });

  it('ignores named SSE events, and drops a message that breaks the contract, saying so', () => {
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const consoleWarn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { client, source } = renderStream();
    act(() => {
      source.open();
      // The old wire format: `event: orderbook`, payload JSON without `type`.
      source.dispatchEvent(new MessageEvent('orderbook', { data: JSON.stringify(book) }));
    });
    expect(client.getQueryData(marketsQueries.orderbook('RAIN-1').queryKey)).toBeUndefined();
    act(() => {
      send(source, { type: 'orderbook', ticker: 'RAIN-1', yes: 'none' });
      send(source, { type: 'trade', ticker: 'RAIN-1' });
    });
    expect(client.getQueryData(marketsQueries.orderbook('RAIN-1').queryKey)).toBeUndefined();
    expect(consoleError).toHaveBeenCalledTimes(1);
    expect(consoleError).toHaveBeenCalledWith(
      expect.stringContaining('dropped a orderbook event that breaks the contract'),
      expect.anything(),
    );
    expect(consoleWarn).toHaveBeenCalledWith(expect.stringContaining('unknown type trade'));
    consoleError.mockRestore();
    consoleWarn.mockRestore();
  });
});
