import type {
  MarketSummary,
  Portfolio,
  PortfolioResponse,
  Position,
  PositionsResponse,
  PositionStreamEvent,
  RestingOrder,
} from '@kalshi-desk/contracts';

export const T0 = '2026-11-24T10:00:00.000Z';

export function makePosition(overrides: Partial<Position> = {}): Position {
  const ticker = overrides.ticker ?? 'KXRAIN-26NOV24-T1';
  return {
    id: `pos-${ticker}`,
    ticker,
    event_ticker: 'KXRAIN-26NOV24',
    market_title: 'Will it rain in NYC on Nov 24?',
    side: 'YES',
    quantity: 10,
    avg_entry_price: 42,
    current_price: 45,
    mark: 'bid',
    unrealized_pnl: 0.3,
    unrealized_pnl_percent: 7.14,
    realized_pnl: 0,
    fees_paid: 0.07,
    market_exposure: 4.2,
    max_payout: 5.8,
    max_loss: 4.2,
    yes_bid: 45,
    yes_ask: 47,
    last_price: 46,
    market_status: 'active',
    duration_held: 3600,
    entry_time: '2026-11-24T09:00:00.000Z',
    expiration_date: '2026-11-26T12:00:00.000Z',
    last_updated: T0,
    ...overrides,
  };
}

export function makePortfolio(overrides: Partial<Portfolio> = {}): Portfolio {
  return {
    total_value: 1004.5,
    cash_balance: 1000,
    reserved_for_orders: 0,
    positions_value: 4.5,
    today_pnl: 0.3,
    today_pnl_percent: 0.03,
    total_pnl: 4.5,
    position_count: 1,
    last_updated: T0,
    ...overrides,
  };
}

/** A resting bid for YES: 5 contracts at 40¢ hold back $2.00. */
export function makeRestingOrder(overrides: Partial<RestingOrder> = {}): RestingOrder {
  return {
    order_id: 'ord-1',
    ticker: 'KXRAIN-26NOV24-T1',
    side: 'YES',
    book_side: 'bid',
    price: 40,
    yes_price: 40,
    remaining_count: 5,
    reserved: 2,
    created_time: '2026-11-24T09:30:00.000Z',
    ...overrides,
  };
}

/** Two resting orders: a YES bid and a NO bid (an ask on the YES book) in another market. */
export function makeRestingOrders(): RestingOrder[] {
  return [
    makeRestingOrder(),
    makeRestingOrder({
      order_id: 'ord-2',
      ticker: 'KXCPI-26DEC-T3.1',
      side: 'NO',
      book_side: 'ask',
      price: 35,
      yes_price: 65,
      remaining_count: 12.5,
      reserved: 4.375,
      created_time: '2026-11-24T09:45:00.000Z',
    }),
  ];
}

export function makePortfolioResponse(overrides: Partial<PortfolioResponse> = {}): PortfolioResponse {
  return { ...makePortfolio(), connection: 'live', is_stale: false, as_of: T0, ...overrides };
}

export function makePositionsResponse(
  positions: Position[],
  overrides: Partial<PositionsResponse> = {},
): PositionsResponse {
  return { positions, connection: 'live', is_stale: false, as_of: T0, ...overrides };
}

export type SnapshotData = Extract<PositionStreamEvent, { type: 'snapshot' }>['data'];

/** A live snapshot of the positions stream: no positions or resting orders unless given. */
export function makeSnapshot(overrides: Partial<SnapshotData> = {}): SnapshotData {
  return {
    positions: [],
    portfolio: makePortfolio(),
    orders: [],
    connection: 'live',
    is_stale: false,
    as_of: T0,
    ...overrides,
  };
}

export function makeMarket(overrides: Partial<MarketSummary> = {}): MarketSummary {
  return {
    ticker: 'KXRAIN-26NOV24-T1',
    event_ticker: 'KXRAIN-26NOV24',
    series_ticker: 'KXRAIN',
    title: 'Will it rain in NYC on Nov 24?',
    yes_sub_title: 'Rain',
    category: 'Climate',
    status: 'active',
    yes_bid: 45,
    yes_ask: 47,
    last_price: 46,
    volume: 12_500,
    volume_24h: 800,
    open_interest: 4_000,
    close_time: '2026-11-26T12:00:00.000Z',
    expiration_time: '2026-11-26T12:00:00.000Z',
    ...overrides,
  };
}
