/** Kalshi wire objects for tests, in the exact shapes the protocol schemas accept. */
import type {
  GetBalanceResponse,
  Market,
  MarketPosition,
  Order,
  WsDataMessage,
} from '@kalshi-desk/kalshi/protocol';

export function kalshiMarket(overrides: Partial<Market> & { ticker: string }): Market {
  return {
    event_ticker: overrides.ticker.split('-').slice(0, -1).join('-') || overrides.ticker,
    market_type: 'binary',
    yes_sub_title: 'Yes',
    no_sub_title: 'No',
    title: `Will ${overrides.ticker} happen?`,
    created_time: '2026-11-01T00:00:00Z',
    updated_time: '2026-11-01T00:00:00Z',
    open_time: '2026-11-01T00:00:00Z',
    close_time: '2026-12-01T00:00:00Z',
    latest_expiration_time: '2026-12-08T00:00:00Z',
    expected_expiration_time: '2026-12-01T12:00:00Z',
    settlement_timer_seconds: 60,
    status: 'active',
    yes_bid_dollars: '0.5000',
    yes_bid_size_fp: '10.00',
    yes_ask_dollars: '0.5200',
    yes_ask_size_fp: '10.00',
    no_bid_dollars: '0.4800',
    no_ask_dollars: '0.5000',
    last_price_dollars: '0.5100',
    volume_fp: '100.00',
    volume_24h_fp: '10.00',
    result: '',
    can_close_early: true,
    open_interest_fp: '50.00',
    notional_value_dollars: '1.0000',
    previous_yes_bid_dollars: '0.0000',
    previous_yes_ask_dollars: '0.0000',
    previous_price_dollars: '0.0000',
    expiration_value: '',
    rules_primary: '',
    rules_secondary: '',
    price_level_structure: 'linear_cent',
    price_ranges: [{ start: '0.0000', end: '1.0000', step: '0.0100' }],
    ...overrides,
  };
}

export function kalshiPosition(
  ticker: string,
  position: string,
  exposure: string,
  extra: Partial<MarketPosition> = {},
): MarketPosition {
  return {
    ticker,
    position_fp: position,
    market_exposure_dollars: exposure,
    total_traded_dollars: exposure,
    realized_pnl_dollars: '0.000000',
    fees_paid_dollars: '0.000000',
    last_updated_ts: '2026-11-24T10:00:00.000000Z',
    ...extra,
  };
}

export function kalshiBalance(dollars: string): GetBalanceResponse {
  return { balance: 0, balance_dollars: dollars, portfolio_value: 0, updated_ts: 0 };
}

export function tickerMessage(ticker: string, bid: string, ask: string, last = '0.5000'): WsDataMessage {
  return {
    type: 'ticker',
    sid: 1,
    msg: {
      market_ticker: ticker,
      price_dollars: last,
      yes_bid_dollars: bid,
      yes_ask_dollars: ask,
      volume_fp: '0.00',
      open_interest_fp: '0.00',
    },
  };
}

export function marketPositionMessage(
  ticker: string,
  position: string,
  cost: string,
  realized = '0.0000',
  fees = '0.0000',
): WsDataMessage {
  return {
    type: 'market_position',
    sid: 2,
    msg: {
      market_ticker: ticker,
      position_fp: position,
      position_cost_dollars: cost,
      realized_pnl_dollars: realized,
      fees_paid_dollars: fees,
    },
  };
}

export function fillMessage(args: {
  ticker: string;
  bookSide: 'bid' | 'ask';
  count: string;
  yesPrice: string;
  post: string;
  tsMs: number;
  tradeId?: string;
}): WsDataMessage {
  return {
    type: 'fill',
    sid: 3,
    msg: {
      trade_id: args.tradeId ?? `t-${args.tsMs}`,
      order_id: 'o-1',
      market_ticker: args.ticker,
      is_taker: true,
      yes_price_dollars: args.yesPrice,
      count_fp: args.count,
      fee_cost: '0.0100',
      outcome_side: args.bookSide === 'bid' ? 'yes' : 'no',
      book_side: args.bookSide,
      post_position_fp: args.post,
      ts_ms: args.tsMs,
    },
  };
}

export function lifecycleMessage(
  ticker: string,
  eventType: 'determined' | 'settled' | 'deactivated' | 'activated',
  result?: string,
): WsDataMessage {
  return {
    type: 'market_lifecycle_v2',
    sid: 4,
    msg: { market_ticker: ticker, event_type: eventType, ...(result ? { result } : {}) },
  };
}

export function userOrderMessage(args: {
  orderId: string;
  ticker: string;
  bookSide: 'bid' | 'ask';
  yesPrice: string;
  remaining: string;
  status?: 'resting' | 'canceled' | 'executed';
  createdMs?: number;
  updatedMs?: number;
}): WsDataMessage {
  return {
    type: 'user_order',
    sid: 5,
    msg: {
      order_id: args.orderId,
      ticker: args.ticker,
      status: args.status ?? 'resting',
      outcome_side: args.bookSide === 'bid' ? 'yes' : 'no',
      book_side: args.bookSide,
      yes_price_dollars: args.yesPrice,
      fill_count_fp: '0.00',
      remaining_count_fp: args.remaining,
      initial_count_fp: args.remaining,
      taker_fill_cost_dollars: '0.0000',
      maker_fill_cost_dollars: '0.0000',
      taker_fees_dollars: '0.0000',
      maker_fees_dollars: '0.0000',
      client_order_id: `c-${args.orderId}`,
      created_ts_ms: args.createdMs ?? 1,
      last_updated_ts_ms: args.updatedMs ?? args.createdMs ?? 1,
    },
  };
}

/** A REST Order (`GET /portfolio/orders`), resting unless overridden. */
export function kalshiOrder(overrides: Partial<Order> & { order_id: string; ticker: string }): Order {
  return {
    user_id: 'u-1',
    client_order_id: `c-${overrides.order_id}`,
    outcome_side: overrides.book_side === 'ask' ? 'no' : 'yes',
    book_side: 'bid',
    type: 'limit',
    status: 'resting',
    yes_price_dollars: '0.5000',
    no_price_dollars: '0.5000',
    fill_count_fp: '0.00',
    remaining_count_fp: '1.00',
    initial_count_fp: '1.00',
    taker_fill_cost_dollars: '0.0000',
    maker_fill_cost_dollars: '0.0000',
    taker_fees_dollars: '0.0000',
    maker_fees_dollars: '0.0000',
    created_time: '2026-11-24T11:00:00Z',
    ...overrides,
  };
}
