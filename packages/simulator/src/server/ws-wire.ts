/**
 * Engine objects -> Kalshi's WebSocket JSON (asyncapi.yaml, recorded ws__* frames): the `msg`
 * of every data message and the {type, sid, seq?, msg} frame around it. Prices are 4-dp dollar
 * strings, counts 2-dp, WS money 4 dp (6 when needed).
 *
 * Throughput: the hub serialises each engine event's `msg` once (per variant) and wraps it per
 * subscription, so the hottest shapes (orderbook delta, snapshot, frame) are built by string
 * concatenation rather than JSON.stringify.
 */
import { micros, subtract } from '@kalshi-desk/kalshi/protocol';
import type { OrderBook, TopOfBook } from '../engine/book.js';
import { ONE_DOLLAR } from '../engine/money.js';
import type {
  BookSide,
  Centis,
  EventData,
  Fill,
  LifecycleEventType,
  Market,
  Micros,
  Order,
  Position,
  Trade,
} from '../engine/types.js';
import { count2, direction, money4, price4, rfc3339, unixSeconds } from './wire.js';

/** A data message: `seq` only on sequenced channels (orderbook). */
export function dataFrame(type: string, sid: number, seq: number | null, msgJson: string): string {
  return seq === null
    ? `{"type":"${type}","sid":${sid},"msg":${msgJson}}`
    : `{"type":"${type}","sid":${sid},"seq":${seq},"msg":${msgJson}}`;
}

/** The whole book of one market: YES bids, and NO bids (asks as $1 - price, or YES prices when asked). */
export function orderbookSnapshotMsg(market: Market, book: OrderBook, useYesPrice: boolean): string {
  const yes: string[] = [];
  for (const level of book.bids.bestFirst())
    yes.unshift(`["${price4(level.price)}","${count2(level.total)}"]`);
  const no: string[] = [];
  for (const level of book.asks.bestFirst()) {
    const entry = `["${price4(useYesPrice ? level.price : subtract(ONE_DOLLAR, level.price))}","${count2(level.total)}"]`;
    if (useYesPrice) no.push(entry);
    else no.unshift(entry);
  }
  let msg = `{"market_ticker":"${market.ticker}","market_id":"${market.marketId}"`;
  if (yes.length > 0) msg += `,"yes_dollars_fp":[${yes.join(',')}]`;
  if (no.length > 0) msg += `,"no_dollars_fp":[${no.join(',')}]`;
  msg += '}';
  return msg;
}

/** One level's change; the owner's own order also carries its client_order_id. */
export function orderbookDeltaMsg(args: {
  market: Market;
  side: BookSide;
  price: Micros;
  delta: Centis;
  tsMs: number;
  useYesPrice: boolean;
  owner: Order | null;
}): string {
  const { market, side, price, delta, tsMs, owner } = args;
  const shown = side === 'bid' || args.useYesPrice ? price : subtract(ONE_DOLLAR, price);
  let msg = `{"market_ticker":"${market.ticker}","market_id":"${market.marketId}","price_dollars":"${price4(shown)}","delta_fp":"${count2(delta)}","side":"${side === 'bid' ? 'yes' : 'no'}"`;
  if (owner) msg += `,"client_order_id":${JSON.stringify(owner.clientOrderId)},"subaccount":0`;
  msg += `,"ts":"${rfc3339(tsMs)}","ts_ms":${tsMs}}`;
  return msg;
}

export function tickerMsg(market: Market, top: TopOfBook, tsMs: number): string {
  return JSON.stringify({
    market_ticker: market.ticker,
    market_id: market.marketId,
    price_dollars: price4(market.lastPrice),
    yes_bid_dollars: price4(top.bid),
    yes_ask_dollars: price4(top.ask),
    volume_fp: count2(market.volume),
    open_interest_fp: count2(market.openInterest),
    dollar_volume: Math.floor(market.dollarVolume / ONE_DOLLAR),
    dollar_open_interest: Math.floor((market.openInterest * market.lastPrice) / 100 / ONE_DOLLAR),
    yes_bid_size_fp: count2(top.bidSize),
    yes_ask_size_fp: count2(top.askSize),
    last_trade_size_fp: count2(market.lastTradeSize),
    ts: unixSeconds(tsMs),
    ts_ms: tsMs,
    time: rfc3339(Math.floor(tsMs / 1000) * 1000),
  });
}

export function tradeMsg(t: Trade): string {
  const outcome = t.takerSide === 'bid' ? 'yes' : 'no';
  return JSON.stringify({
    trade_id: t.tradeId,
    market_ticker: t.ticker,
    yes_price_dollars: price4(t.yesPrice),
    no_price_dollars: price4(subtract(ONE_DOLLAR, t.yesPrice)),
    count_fp: count2(t.count),
    taker_side: outcome,
    taker_outcome_side: outcome,
    taker_book_side: t.takerSide,
    is_block_trade: false,
    ts: unixSeconds(t.createdMs),
    ts_ms: t.createdMs,
  });
}

export function fillMsg(f: Fill): string {
  const { outcome, action, legacySide } = direction(f.side);
  const msg: Record<string, unknown> = {
    trade_id: f.tradeId,
    order_id: f.orderId,
    market_ticker: f.ticker,
    exchange_index: 0,
    is_taker: f.isTaker,
    side: legacySide,
    action,
    outcome_side: outcome,
    book_side: f.side,
    yes_price_dollars: price4(f.yesPrice),
    count_fp: count2(f.count),
    fee_cost: money4(f.fee),
    post_position_fp: count2(f.postPosition),
    purchased_side: outcome,
    ts: unixSeconds(f.createdMs),
    ts_ms: f.createdMs,
  };
  if (f.clientOrderId !== '') msg.client_order_id = f.clientOrderId;
  msg.subaccount = 0;
  return JSON.stringify(msg);
}

export function marketPositionMsg(userId: string, p: Position): string {
  return JSON.stringify({
    user_id: userId,
    market_ticker: p.ticker,
    position_fp: count2(p.position),
    position_cost_dollars: money4(p.exposure),
    realized_pnl_dollars: money4(p.realizedPnl),
    fees_paid_dollars: money4(p.feesPaid),
    position_fee_cost_dollars: money4(p.positionFeeCost),
    volume_fp: count2(p.volume),
    exchange_index: 0,
  });
}

export function userOrderMsg(o: Order): string {
  const { outcome, legacySide } = direction(o.side);
  const msg: Record<string, unknown> = {
    order_id: o.orderId,
    user_id: o.userId,
    ticker: o.ticker,
    status: o.status,
    side: legacySide,
    is_yes: true,
    outcome_side: outcome,
    book_side: o.side,
    yes_price_dollars: price4(o.price),
    fill_count_fp: count2(o.filled),
    remaining_count_fp: count2(o.remaining),
    initial_count_fp: count2(o.initial),
    taker_fill_cost_dollars: money4(o.takerFillCost),
    maker_fill_cost_dollars: money4(o.makerFillCost),
    taker_fees_dollars: money4(o.takerFees),
    maker_fees_dollars: money4(o.makerFees),
    client_order_id: o.clientOrderId,
    self_trade_prevention_type: o.selfTradePrevention,
    created_time: rfc3339(o.createdMs),
    created_ts_ms: o.createdMs,
    last_updated_ts_ms: o.updatedMs,
    subaccount_number: 0,
  };
  if (o.expirationMs !== null) msg.expiration_ts_ms = o.expirationMs;
  return JSON.stringify(msg);
}

/** market_lifecycle_v2: the fields that go with each event type. */
export function marketLifecycleMsg(m: Market, eventType: LifecycleEventType, tsMs: number): string {
  const msg: Record<string, unknown> = {
    market_ticker: m.ticker,
    event_type: eventType,
    exchange_index: 0,
  };
  switch (eventType) {
    case 'determined':
      msg.result = m.result;
      msg.determination_ts = unixSeconds(m.determinationMs ?? tsMs);
      msg.settlement_value = price4(m.settlementValue ?? micros(0));
      break;
    case 'settled':
      msg.settled_ts = unixSeconds(m.settledMs ?? tsMs);
      break;
    case 'close_date_updated':
      msg.close_ts = unixSeconds(m.closeMs);
      break;
    case 'activated':
    case 'deactivated':
      msg.is_deactivated = eventType === 'deactivated';
      break;
    default:
      msg.open_ts = unixSeconds(m.openMs);
      msg.close_ts = unixSeconds(m.closeMs);
  }
  return JSON.stringify(msg);
}

export function eventLifecycleMsg(e: EventData): string {
  return JSON.stringify({
    event_ticker: e.eventTicker,
    exchange_index: 0,
    title: e.title,
    subtitle: e.subTitle,
    collateral_return_type: e.mutuallyExclusive ? 'MECNET' : '',
    series_ticker: e.seriesTicker,
  });
}
