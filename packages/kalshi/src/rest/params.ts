/** Query parameters, named exactly as Kalshi names them (docs/kalshi-protocol.md §5). */
export type QueryValue = string | number | boolean | readonly string[] | undefined;

export interface PageParams {
  limit?: number;
  cursor?: string;
}

export interface GetBalanceParams {
  subaccount?: number;
  exchange_index?: number;
}

export interface GetPositionsParams extends PageParams {
  /** Comma list of `position`, `total_traded`. */
  count_filter?: string;
  ticker?: string;
  event_ticker?: string;
  subaccount?: number;
  exchange_index?: number;
}

export interface GetFillsParams extends PageParams {
  ticker?: string;
  order_id?: string;
  /** Unix seconds. */
  min_ts?: number;
  max_ts?: number;
  subaccount?: number;
  exchange_index?: number;
}

export interface GetOrdersParams extends PageParams {
  ticker?: string;
  /** Up to 10 event tickers. */
  event_ticker?: string | readonly string[];
  min_ts?: number;
  max_ts?: number;
  status?: 'resting' | 'canceled' | 'executed';
  subaccount?: number;
  exchange_index?: number;
}

export interface GetSettlementsParams extends PageParams {
  ticker?: string;
  event_ticker?: string;
  min_ts?: number;
  max_ts?: number;
  subaccount?: number;
}

export interface GetMarketsParams extends PageParams {
  event_ticker?: string;
  series_ticker?: string;
  tickers?: string | readonly string[];
  /** Filter vocabulary, not object statuses. */
  status?: 'unopened' | 'open' | 'paused' | 'closed' | 'settled';
  min_created_ts?: number;
  max_created_ts?: number;
  min_close_ts?: number;
  max_close_ts?: number;
  min_settled_ts?: number;
  max_settled_ts?: number;
  min_updated_ts?: number;
  mve_filter?: 'only' | 'exclude';
}

export interface GetOrderbookParams {
  /** 0 = all levels, 1-100. */
  depth?: number;
}

export interface GetEventsParams extends PageParams {
  with_nested_markets?: boolean;
  with_milestones?: boolean;
  status?: 'unopened' | 'open' | 'closed' | 'settled';
  series_ticker?: string;
  tickers?: string | readonly string[];
  min_close_ts?: number;
  min_updated_ts?: number;
}

export interface GetEventParams {
  with_nested_markets?: boolean;
}

export interface GetSeriesParams {
  include_volume?: boolean;
}

export interface GetSeriesListParams {
  category?: string;
  tags?: string;
  include_product_metadata?: boolean;
  include_volume?: boolean;
  min_updated_ts?: number;
}

export interface GetTradesParams extends PageParams {
  ticker?: string;
  min_ts?: number;
  max_ts?: number;
  is_block_trade?: boolean;
}

export interface CancelOrderParams {
  subaccount?: number;
  exchange_index?: number;
  market_ticker?: string;
}

/** Serialises params; arrays become comma lists, undefined values are dropped. */
export function toQueryString(params: object | undefined): string {
  if (!params) return '';
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params) as [string, QueryValue][]) {
    if (value === undefined) continue;
    search.set(key, Array.isArray(value) ? value.join(',') : String(value));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}
