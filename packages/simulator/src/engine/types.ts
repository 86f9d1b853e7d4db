import type { CentiContracts, MicroDollars } from '@kalshi-desk/kalshi/protocol';

/**
 * The engine's data model. Units are exact integers everywhere:
 *   Micros = 1e-6 USD (prices are YES-scale micro-dollars), Centis = 0.01 contract,
 *   times are Unix epoch milliseconds of the injected clock.
 */
export type Micros = MicroDollars;
export type Centis = CentiContracts;
export type EpochMs = number;

export interface Clock {
  now(): EpochMs;
}

export interface PriceRange {
  start: Micros;
  end: Micros;
  step: Micros;
}

export type BookSide = 'bid' | 'ask';
export type MarketStatus = 'initialized' | 'active' | 'inactive' | 'closed' | 'determined' | 'finalized';
/** 'scalar': settled at `settlementValue` per YES contract (and $1 minus that per NO). */
export type MarketResult = '' | 'yes' | 'no' | 'scalar';
export type TimeInForce = 'fill_or_kill' | 'good_till_canceled' | 'immediate_or_cancel';
export type SelfTradePrevention = 'taker_at_cross' | 'maker';
export type OrderStatus = 'resting' | 'canceled' | 'executed';
export type FeeType = 'quadratic' | 'quadratic_with_maker_fees';

export interface SettlementSource {
  name: string;
  url: string;
}

export interface Series {
  ticker: string;
  title: string;
  category: string;
  frequency: string;
  tags: string[];
  feeType: FeeType;
  feeMultiplier: number;
  settlementSources: SettlementSource[];
  contractUrl: string;
  contractTermsUrl: string;
  lastUpdatedMs: EpochMs;
}

export interface EventData {
  eventTicker: string;
  seriesTicker: string;
  title: string;
  subTitle: string;
  category: string;
  mutuallyExclusive: boolean;
  strikeDateMs: EpochMs;
  marketTickers: string[];
  lastUpdatedMs: EpochMs;
}

export interface Market {
  ticker: string;
  marketId: string;
  eventTicker: string;
  seriesTicker: string;
  title: string;
  yesSubTitle: string;
  noSubTitle: string;
  rulesPrimary: string;
  rulesSecondary: string;
  earlyCloseCondition: string;
  strikeType: 'greater' | 'less' | 'between' | 'structured' | 'custom';
  floorStrike: number | null;
  capStrike: number | null;
  canCloseEarly: boolean;
  createdMs: EpochMs;
  updatedMs: EpochMs;
  openMs: EpochMs;
  closeMs: EpochMs;
  expectedExpirationMs: EpochMs;
  latestExpirationMs: EpochMs;
  settlementTimerSeconds: number;
  status: MarketStatus;
  result: MarketResult;
  priceLevelStructure: string;
  priceRanges: PriceRange[];
  volume: Centis;
  volume24h: Centis;
  openInterest: Centis;
  lastPrice: Micros;
  lastTradeSize: Centis;
  /** Notional traded, for the ticker's whole-dollar fields. */
  dollarVolume: Micros;
  previousPrice: Micros;
  previousYesBid: Micros;
  previousYesAsk: Micros;
  determinationMs: EpochMs | null;
  settledMs: EpochMs | null;
  settlementValue: Micros | null;
  /** Latent probability of YES that the simulated participants quote around. */
  latent: Micros;
  /** Where the latent probability drifts to (set by movePrice). */
  target: Micros | null;
}

export interface Order {
  orderId: string;
  userId: string;
  clientOrderId: string;
  ticker: string;
  side: BookSide;
  price: Micros;
  initial: Centis;
  remaining: Centis;
  filled: Centis;
  status: OrderStatus;
  timeInForce: TimeInForce;
  selfTradePrevention: SelfTradePrevention;
  postOnly: boolean;
  reduceOnly: boolean;
  createdMs: EpochMs;
  updatedMs: EpochMs;
  expirationMs: EpochMs | null;
  takerFillCost: Micros;
  makerFillCost: Micros;
  takerFees: Micros;
  makerFees: Micros;
  /**
   * Cash held back for the opening part of the resting quantity, exact (not on the $0.0001
   * grid): notional(side price, remaining - the closing capacity this order is given). Zero
   * once the order stops resting.
   */
  reserved: Micros;
  /** Global arrival number: time priority and list ordering. */
  seq: number;
}

export interface Fill {
  tradeId: string;
  orderId: string;
  userId: string;
  clientOrderId: string;
  ticker: string;
  side: BookSide;
  yesPrice: Micros;
  count: Centis;
  isTaker: boolean;
  fee: Micros;
  createdMs: EpochMs;
  postPosition: Centis;
  seq: number;
}

export interface Trade {
  tradeId: string;
  ticker: string;
  yesPrice: Micros;
  count: Centis;
  takerSide: BookSide;
  createdMs: EpochMs;
  seq: number;
}

export interface Position {
  ticker: string;
  eventTicker: string;
  /** Signed: > 0 YES contracts, < 0 NO contracts. */
  position: Centis;
  /** Cost basis of the open contracts (fees excluded), at average cost. */
  exposure: Micros;
  realizedPnl: Micros;
  feesPaid: Micros;
  /** Fees paid on fills that opened the contracts still held. */
  positionFeeCost: Micros;
  totalTraded: Micros;
  volume: Centis;
  lastUpdatedMs: EpochMs;
}

export interface Settlement {
  ticker: string;
  eventTicker: string;
  marketResult: 'yes' | 'no' | 'scalar';
  yesCount: Centis;
  yesTotalCost: Micros;
  noCount: Centis;
  noTotalCost: Micros;
  /** Integer cents credited, truncated (Kalshi keeps this field in cents). */
  revenueCents: number;
  /** What was credited: the payout floored to $0.0001. */
  revenue: Micros;
  settledMs: EpochMs;
  feeCost: Micros;
  /** Payout of one YES contract in cents (truncated for a scalar value). */
  valueCents: number;
  seq: number;
}

export interface Account {
  userId: string;
  isHouse: boolean;
  /** Cash including what is reserved for resting orders. Always a whole number of $0.0001. */
  cash: Micros;
  /**
   * Sum of the exact reservations of the account's resting orders (Order.reserved). What the
   * balance holds back is this rounded up to $0.0001 (Engine.reservedOnGrid).
   */
  reserved: Micros;
  deposits: Micros;
  positions: Map<string, Position>;
  orders: Order[];
  ordersById: Map<string, Order>;
  clientOrderIds: Set<string>;
  fills: Fill[];
  settlements: Settlement[];
  realizedTotal: Micros;
  feesTotal: Micros;
  updatedMs: EpochMs;
}

export interface CreateOrderInput {
  ticker: string;
  side: BookSide;
  price: Micros;
  count: Centis;
  timeInForce: TimeInForce;
  selfTradePrevention: SelfTradePrevention;
  clientOrderId?: string | undefined;
  postOnly?: boolean | undefined;
  reduceOnly?: boolean | undefined;
  /** Unix milliseconds. */
  expirationMs?: EpochMs | null | undefined;
}

export interface CreateOrderResult {
  order: Order;
  fillCount: Centis;
  remainingCount: Centis;
  /** Volume-weighted fill price (YES scale) and fee per contract, when something filled. */
  averageFillPrice: Micros | null;
  averageFeePaid: Micros | null;
  tsMs: EpochMs;
}

export interface CancelOrderResult {
  order: Order;
  reducedBy: Centis;
  tsMs: EpochMs;
}

export type EngineErrorCode =
  | 'not_found'
  | 'market_not_found'
  | 'market_inactive'
  | 'invalid_price'
  | 'invalid_order'
  | 'invalid_order_size'
  | 'insufficient_balance'
  | 'order_already_exists';

export interface EngineError {
  code: EngineErrorCode;
  details?: string;
}

export type EngineResult<T> = { ok: true; value: T } | { ok: false; error: EngineError };

export type LifecycleEventType =
  'created' | 'activated' | 'deactivated' | 'close_date_updated' | 'determined' | 'settled';

/** Everything observable that happened, in order. The server turns these into WS messages. */
export type EngineEvent =
  | {
      kind: 'book_delta';
      market: Market;
      side: BookSide;
      price: Micros;
      delta: Centis;
      tsMs: EpochMs;
      order: Order;
    }
  | { kind: 'trade'; market: Market; trade: Trade }
  | { kind: 'fill'; userId: string; market: Market; fill: Fill }
  | { kind: 'position'; userId: string; market: Market; position: Position; tsMs: EpochMs }
  | { kind: 'order'; userId: string; order: Order }
  | { kind: 'ticker'; market: Market; tsMs: EpochMs }
  | { kind: 'lifecycle'; market: Market; eventType: LifecycleEventType; tsMs: EpochMs }
  | { kind: 'event_lifecycle'; event: EventData; tsMs: EpochMs };
