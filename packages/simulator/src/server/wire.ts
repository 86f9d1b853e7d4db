/**
 * Engine objects -> Kalshi's JSON, field for field as recorded on the demo exchange
 * (fixtures/kalshi-spec/recorded-demo-2026-06, docs/kalshi-protocol.md §4.1): prices as 4-dp
 * dollar strings, portfolio money as 6-dp strings, counts as 2-dp strings, the few integer-cent
 * fields in cents, and each timestamp in the format Kalshi uses for that field. The REST
 * bodies are built here; the WebSocket messages in ws-wire.ts, from the same formatters.
 */
import {
  abs,
  add,
  centis,
  formatCount,
  formatDollars,
  micros,
  microsToCentsTruncated,
  notional,
  subtract,
} from '@kalshi-desk/kalshi/protocol';
import type { Engine } from '../engine/engine.js';
import { floorToCashGrid, ONE_DOLLAR } from '../engine/money.js';
import type {
  Account,
  CancelOrderResult,
  Centis,
  CreateOrderResult,
  EpochMs,
  EventData,
  Fill,
  Market,
  Micros,
  Order,
  Position,
  Series,
  Settlement,
  Trade,
} from '../engine/types.js';

type Json = Record<string, unknown>;

export const price4 = (v: Micros): string => formatDollars(v, 4);
export const money6 = (v: Micros): string => formatDollars(v, 6);
/** 4 decimals when exact, else 6 (sub-cent grids and fractional counts can need them). */
export const money4 = (v: Micros): string => formatDollars(v, v % 100 === 0 ? 4 : 6);
export const count2 = (v: Centis): string => formatCount(v);

/** RFC 3339 in UTC with the fraction trimmed like Go's RFC3339Nano ("…:29Z", "…:31.28563Z"). */
export function rfc3339(ms: EpochMs): string {
  const iso = new Date(ms).toISOString(); // 2026-06-11T06:29:20.866Z
  const [head, fraction = ''] = iso.slice(0, -1).split('.');
  const trimmed = fraction.replace(/0+$/, '');
  return trimmed === '' ? `${head}Z` : `${head}.${trimmed}Z`;
}

/**
 * JSON with object keys in alphabetical order at every level: every recorded Kalshi REST
 * success body is laid out that way (error bodies are not: code, message, details).
 */
export function stringifySorted(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : stringifySorted(v))).join(',')}]`;
  const record = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const v = record[key];
    if (v === undefined) continue;
    parts.push(`${JSON.stringify(key)}:${stringifySorted(v)}`);
  }
  return `{${parts.join(',')}}`;
}

export const unixSeconds = (ms: EpochMs): number => Math.floor(ms / 1000);

/**
 * Direction vocabulary: bid = YES, ask = NO. V2 orders are YES-leg only, so the deprecated
 * legacy pair is side "yes" with action "buy" (bid) or "sell" (ask), as recorded
 * (portfolio__orders_list: an ask reads action "sell", side "yes", outcome_side "no").
 */
export function direction(side: 'bid' | 'ask'): {
  outcome: 'yes' | 'no';
  action: 'buy' | 'sell';
  legacySide: 'yes';
} {
  return {
    outcome: side === 'bid' ? 'yes' : 'no',
    action: side === 'bid' ? 'buy' : 'sell',
    legacySide: 'yes',
  };
}

export function marketJson(engine: Engine, m: Market): Json {
  const top = engine.topOfBook(m.ticker);
  const json: Json = {
    can_close_early: m.canCloseEarly,
    close_time: rfc3339(m.closeMs),
    created_time: rfc3339(m.createdMs),
    event_ticker: m.eventTicker,
    exchange_index: 0,
    expected_expiration_time: rfc3339(m.expectedExpirationMs),
    expiration_time: rfc3339(m.latestExpirationMs),
    expiration_value: expirationValue(m),
    last_price_dollars: price4(m.lastPrice),
    latest_expiration_time: rfc3339(m.latestExpirationMs),
    liquidity_dollars: '0.0000',
    market_type: 'binary',
    no_ask_dollars: price4(subtract(ONE_DOLLAR, top.bid)),
    no_bid_dollars: price4(subtract(ONE_DOLLAR, top.ask)),
    no_sub_title: m.noSubTitle,
    notional_value_dollars: '1.0000',
    occurrence_datetime: rfc3339(m.expectedExpirationMs),
    open_interest_fp: count2(m.openInterest),
    open_time: rfc3339(m.openMs),
    previous_price_dollars: price4(m.previousPrice),
    previous_yes_ask_dollars: price4(m.previousYesAsk),
    previous_yes_bid_dollars: price4(m.previousYesBid),
    price_level_structure: m.priceLevelStructure,
    price_ranges: m.priceRanges.map((r) => ({
      end: price4(r.end),
      start: price4(r.start),
      step: price4(r.step),
    })),
    result: m.result,
    rules_primary: m.rulesPrimary,
    rules_secondary: m.rulesSecondary,
    settlement_timer_seconds: m.settlementTimerSeconds,
    status: m.status,
    strike_type: m.strikeType,
    ticker: m.ticker,
    title: m.title,
    updated_time: rfc3339(m.updatedMs),
    volume_24h_fp: count2(m.volume24h),
    volume_fp: count2(m.volume),
    yes_ask_dollars: price4(top.ask),
    yes_ask_size_fp: count2(top.askSize),
    yes_bid_dollars: price4(top.bid),
    yes_bid_size_fp: count2(top.bidSize),
    yes_sub_title: m.yesSubTitle,
  };
  if (m.earlyCloseCondition !== '') json.early_close_condition = m.earlyCloseCondition;
  if (m.floorStrike !== null) json.floor_strike = m.floorStrike;
  if (m.capStrike !== null) json.cap_strike = m.capStrike;
  if (m.settlementValue !== null) json.settlement_value_dollars = price4(m.settlementValue);
  if (m.settledMs !== null) json.settlement_ts = rfc3339(m.settledMs);
  return json;
}

/** "Yes" / "No" once determined; a scalar result shows its settlement value (a guess: unrecorded). */
function expirationValue(m: Market): string {
  if (m.status !== 'determined' && m.status !== 'finalized') return '';
  if (m.result === 'scalar') return price4(m.settlementValue ?? micros(0));
  return m.result === 'yes' ? 'Yes' : 'No';
}

export function eventJson(engine: Engine, e: EventData, withMarkets: boolean): Json {
  const json: Json = {
    available_on_brokers: false,
    category: e.category,
    collateral_return_type: e.mutuallyExclusive ? 'MECNET' : '',
    event_ticker: e.eventTicker,
    exchange_index: 0,
    last_updated_ts: rfc3339(e.lastUpdatedMs),
    mutually_exclusive: e.mutuallyExclusive,
    series_ticker: e.seriesTicker,
    strike_date: rfc3339(e.strikeDateMs),
    sub_title: e.subTitle,
    title: e.title,
  };
  if (withMarkets) {
    json.markets = e.marketTickers
      .map((t) => engine.getMarket(t))
      .filter((m): m is Market => m !== undefined)
      .map((m) => marketJson(engine, m));
  }
  return json;
}

export function seriesJson(s: Series, volume: Centis | null): Json {
  const json: Json = {
    additional_prohibitions: [],
    category: s.category,
    contract_terms_url: s.contractTermsUrl,
    contract_url: s.contractUrl,
    exchange_index: 0,
    fee_multiplier: s.feeMultiplier,
    fee_type: s.feeType,
    frequency: s.frequency,
    last_updated_ts: rfc3339(s.lastUpdatedMs),
    settlement_sources: s.settlementSources.map((x) => ({ name: x.name, url: x.url })),
    tags: s.tags,
    ticker: s.ticker,
    title: s.title,
  };
  if (volume !== null) json.volume_fp = count2(volume);
  return json;
}

/** REST orderbook: bids only, YES bids and NO bids (NO price = 1 - YES ask), ascending. */
export function orderbookJson(engine: Engine, ticker: string, depth: number): Json {
  const book = engine.getBook(ticker);
  const yes: [string, string][] = [];
  const no: [string, string][] = [];
  if (book) {
    let n = 0;
    for (const level of book.bids.bestFirst()) {
      if (depth > 0 && n >= depth) break;
      yes.unshift([price4(level.price), count2(level.total)]);
      n += 1;
    }
    n = 0;
    for (const level of book.asks.bestFirst()) {
      if (depth > 0 && n >= depth) break;
      no.unshift([price4(subtract(ONE_DOLLAR, level.price)), count2(level.total)]);
      n += 1;
    }
  }
  return { orderbook_fp: { no_dollars: no, yes_dollars: yes } };
}

export function tradeJson(t: Trade): Json {
  const outcome = direction(t.takerSide).outcome;
  return {
    count_fp: count2(t.count),
    created_time: rfc3339(t.createdMs),
    is_block_trade: false,
    no_price_dollars: price4(subtract(ONE_DOLLAR, t.yesPrice)),
    taker_book_side: t.takerSide,
    taker_outcome_side: outcome,
    taker_side: outcome,
    ticker: t.ticker,
    trade_id: t.tradeId,
    yes_price_dollars: price4(t.yesPrice),
  };
}

/**
 * `balance_dollars` is the available cash: cash minus the reservation of the resting orders
 * rounded up to $0.0001 (Engine.availableCash). Cash is kept on that grid, so it is exact; the
 * floor only guards against an off-grid value. `balance` is the same in cents, truncated.
 */
export function balanceJson(engine: Engine, account: Account): Json {
  const available = engine.availableCash(account);
  const onGrid = floorToCashGrid(available);
  let value = micros(0); // positions at the last trade price (YES) or its complement (NO)
  for (const p of account.positions.values()) {
    const m = engine.getMarket(p.ticker);
    if (!m || p.position === 0) continue;
    const mark = p.position > 0 ? m.lastPrice : subtract(ONE_DOLLAR, m.lastPrice);
    value = add(value, notional(mark, abs(p.position)));
  }
  return {
    balance: microsToCentsTruncated(available),
    balance_breakdown: [{ balance: price4(onGrid), exchange_index: 0 }],
    balance_dollars: price4(onGrid),
    portfolio_value: microsToCentsTruncated(value),
    updated_ts: unixSeconds(account.updatedMs),
  };
}

export function marketPositionJson(p: Position): Json {
  return {
    exchange_index: 0,
    fees_paid_dollars: money6(p.feesPaid),
    last_updated_ts: rfc3339(p.lastUpdatedMs),
    market_exposure_dollars: money6(p.exposure),
    position_fp: count2(p.position),
    realized_pnl_dollars: money6(p.realizedPnl),
    ticker: p.ticker,
    total_traded_dollars: money6(p.totalTraded),
  };
}

export function eventPositionsJson(positions: readonly Position[]): Json[] {
  const byEvent = new Map<
    string,
    { cost: Micros; shares: Centis; exposure: Micros; realized: Micros; fees: Micros }
  >();
  for (const p of positions) {
    const e = byEvent.get(p.eventTicker) ?? {
      cost: micros(0),
      shares: centis(0),
      exposure: micros(0),
      realized: micros(0),
      fees: micros(0),
    };
    e.cost = add(e.cost, p.totalTraded);
    e.shares = add(e.shares, p.volume);
    e.exposure = add(e.exposure, p.exposure);
    e.realized = add(e.realized, p.realizedPnl);
    e.fees = add(e.fees, p.feesPaid);
    byEvent.set(p.eventTicker, e);
  }
  return [...byEvent.entries()].map(([eventTicker, e]) => ({
    event_exposure_dollars: money6(e.exposure),
    event_ticker: eventTicker,
    fees_paid_dollars: money6(e.fees),
    realized_pnl_dollars: money6(e.realized),
    total_cost_dollars: money6(e.cost),
    total_cost_shares_fp: count2(e.shares),
  }));
}

export function fillJson(f: Fill): Json {
  const { outcome, action, legacySide } = direction(f.side);
  return {
    action,
    book_side: f.side,
    count_fp: count2(f.count),
    created_time: rfc3339(f.createdMs),
    exchange_index: 0,
    fee_cost: money6(f.fee),
    fill_id: f.tradeId,
    is_taker: f.isTaker,
    market_ticker: f.ticker,
    no_price_dollars: price4(subtract(ONE_DOLLAR, f.yesPrice)),
    order_id: f.orderId,
    outcome_side: outcome,
    side: legacySide,
    subaccount_number: 0,
    ticker: f.ticker,
    trade_id: f.tradeId,
    ts: unixSeconds(f.createdMs),
    yes_price_dollars: price4(f.yesPrice),
  };
}

export function orderJson(o: Order): Json {
  const { outcome, action, legacySide } = direction(o.side);
  const json: Json = {
    action,
    book_side: o.side,
    client_order_id: o.clientOrderId,
    created_time: rfc3339(o.createdMs),
    exchange_index: 0,
    fill_count_fp: count2(o.filled),
    initial_count_fp: count2(o.initial),
    last_update_time: rfc3339(o.updatedMs),
    maker_fees_dollars: money6(o.makerFees),
    maker_fill_cost_dollars: money6(o.makerFillCost),
    no_price_dollars: price4(subtract(ONE_DOLLAR, o.price)),
    order_id: o.orderId,
    outcome_side: outcome,
    remaining_count_fp: count2(o.remaining),
    self_trade_prevention_type: o.selfTradePrevention,
    side: legacySide,
    status: o.status,
    subaccount_number: 0,
    taker_fees_dollars: money6(o.takerFees),
    taker_fill_cost_dollars: money6(o.takerFillCost),
    ticker: o.ticker,
    type: 'limit',
    user_id: o.userId,
    yes_price_dollars: price4(o.price),
  };
  if (o.expirationMs !== null) json.expiration_time = rfc3339(o.expirationMs);
  return json;
}

export function settlementJson(s: Settlement): Json {
  return {
    event_ticker: s.eventTicker,
    exchange_index: 0,
    fee_cost: money6(s.feeCost),
    market_result: s.marketResult,
    no_count_fp: count2(s.noCount),
    no_total_cost_dollars: money6(s.noTotalCost),
    revenue: s.revenueCents,
    settled_time: rfc3339(s.settledMs),
    ticker: s.ticker,
    value: s.valueCents,
    yes_count_fp: count2(s.yesCount),
    yes_total_cost_dollars: money6(s.yesTotalCost),
  };
}

export function createOrderJson(r: CreateOrderResult): Json {
  const json: Json = {};
  if (r.fillCount > 0 && r.averageFeePaid !== null && r.averageFillPrice !== null) {
    json.average_fee_paid = money4(r.averageFeePaid);
    json.average_fill_price = money4(r.averageFillPrice);
  }
  if (r.order.clientOrderId !== '') json.client_order_id = r.order.clientOrderId;
  json.fill_count = count2(r.fillCount);
  json.order_id = r.order.orderId;
  json.remaining_count = count2(r.remainingCount);
  json.ts_ms = r.tsMs;
  return json;
}

/** The recorded cancel answer carries no client_order_id even when the order had one. */
export function cancelOrderJson(r: CancelOrderResult): Json {
  const json: Json = {};
  json.order_id = r.order.orderId;
  json.reduced_by = count2(r.reducedBy);
  json.ts_ms = r.tsMs;
  return json;
}
