import { parseMarketStreamEvent, type ConnectionState, type MarketStreamEvent } from '@kalshi-desk/contracts';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { buildUrl } from '../../../lib/api-client';
import { messageTypeOf, openEventStream, type EventSourceFactory } from '../../../lib/event-stream';
import { marketsQueries } from '../api/markets.api';

export type MarketStreamStatus = 'connecting' | 'live' | 'reconnecting' | 'unavailable' | ConnectionState;

/**
 * The message's event, or null when it is dropped: contract drift between server and web
 * (a developer sees why) or a type this build does not know (a newer server).
 */
function readMessage(data: unknown): MarketStreamEvent | null {
  let event: MarketStreamEvent | null;
  try {
    event = parseMarketStreamEvent(data);
  } catch (error) {
    console.error(`market stream: dropped a ${messageTypeOf(data)} event that breaks the contract`, error);
    return null;
  }
  if (event === null) console.warn(`market stream: ignored a message of unknown type ${messageTypeOf(data)}`);
  return event;
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
      createEventSource,
      handlers: {
        onOpen: () => setStatus('live'),
        onError: ({ willRetry }) => setStatus(willRetry ? 'reconnecting' : 'unavailable'),
        onMessage: ({ data }) => {
          const event = readMessage(data);
          if (event?.type === 'orderbook') {
            queryClient.setQueryData(marketsQueries.orderbook(ticker).queryKey, event.data);
          } else if (event?.type === 'ticker') {
            const { yes_bid, yes_ask, last_price, volume, open_interest } = event.data;
            queryClient.setQueryData(marketsQueries.detail(ticker).queryKey, (old) =>
              old ? { market: { ...old.market, yes_bid, yes_ask, last_price, volume, open_interest } } : old,
            );
          } else if (event?.type === 'connection_status') {
            setStatus(event.data.status);
          }
        },
      },
    });
    return () => stream.close();
  }, [ticker, queryClient, createEventSource]);

  return status;
}
