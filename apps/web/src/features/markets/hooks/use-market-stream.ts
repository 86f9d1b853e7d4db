import {
  marketStreamEventSchemas,
  type ConnectionState,
  type MarketStreamEventType,
} from '@kalshi-desk/contracts';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { buildUrl } from '../../../lib/api-client';
import { openEventStream, type EventSourceFactory } from '../../../lib/event-stream';
import { marketsQueries } from '../api/markets.api';

export type MarketStreamStatus = 'connecting' | 'live' | 'reconnecting' | 'unavailable' | ConnectionState;

const eventTypes = Object.keys(marketStreamEventSchemas) as MarketStreamEventType[];

/** Contract drift between server and web: the event is dropped, and a developer sees why. */
function reportDrift(type: string, error: unknown): void {
  console.error(`market stream: dropped a ${type} event that breaks the contract`, error);
}

/**
 * Watches one market over SSE while mounted. Order books and ticker updates are written into
 * the query cache, so the book and price have one home (the same entries the REST reads fill).
 */
export function useMarketStream(ticker: string, createEventSource?: EventSourceFactory): MarketStreamStatus {
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<MarketStreamStatus>('connecting');

  useEffect(() => {
    setStatus('connecting');
    const stream = openEventStream({
      url: buildUrl(`/markets/${encodeURIComponent(ticker)}/sse`),
      eventTypes,
      createEventSource,
      handlers: {
        onOpen: () => setStatus('live'),
        onError: ({ willRetry }) => setStatus(willRetry ? 'reconnecting' : 'unavailable'),
        onMessage: ({ type, data }) => {
          if (type === 'orderbook') {
            const book = marketStreamEventSchemas.orderbook.safeParse(data);
            if (book.success) queryClient.setQueryData(marketsQueries.orderbook(ticker).queryKey, book.data);
            else reportDrift(type, book.error);
          } else if (type === 'ticker') {
            const tick = marketStreamEventSchemas.ticker.safeParse(data);
            if (!tick.success) {
              reportDrift(type, tick.error);
              return;
            }
            const { yes_bid, yes_ask, last_price, volume, open_interest } = tick.data;
            queryClient.setQueryData(marketsQueries.detail(ticker).queryKey, (old) =>
              old ? { market: { ...old.market, yes_bid, yes_ask, last_price, volume, open_interest } } : old,
            );
          } else if (type === 'connection_status') {
            const parsed = marketStreamEventSchemas.connection_status.safeParse(data);
            if (parsed.success) setStatus(parsed.data.status);
          }
        },
      },
    });
    return () => stream.close();
  }, [ticker, queryClient, createEventSource]);

  return status;
}
