/**
 * The position tracker: one account's positions, market prices, market metadata and cash,
 * kept current from Kalshi's REST snapshot and WS messages (read through positions.wire.ts,
 * which maps both shapes of each to the same values). Pure (no I/O, time injected):
 * each input returns the domain changes it caused, and the exchange session turns those
 * into stream events, cache writes and subscription updates.
 */
import type { Mark, Portfolio, Position, RestingOrder } from '@kalshi-desk/contracts';
import { ceilToCashGrid, add, centis, micros, negate, subtract } from '@kalshi-desk/kalshi/protocol';
import type {
  CentiContracts,
  GetBalanceResponse,
  Market,
  MarketPosition,
  MicroDollars,
  Order as KalshiOrder,
  WsDataMessage,
} from '@kalshi-desk/kalshi/protocol';
import {
  EMPTY_QUOTE,
  fillCashFlow,
  orderReservations,
  portfolioTotals,
  positionPnl,
  settlementPayout,
  settlementResult,
  toPortfolioDto,
  toPositionDto,
  toRestingOrderDto,
  type MarketQuote,
  type PortfolioTotals,
  type PositionAmounts,
  type RestingOrderAmounts,
} from './pnl.models.js';
import {
  amountsFromRest,
  amountsFromWs,
  availableCashFromRest,
  fillFromWs,
  lastUpdatedFromRest,
  lifecycleFromWs,
  marketInfoFromRest,
  orderFromRest,
  orderFromWs,
  quoteFromWs,
  restingOrderFromRest,
  type MarketInfo,
  type OrderState,
  type TrackedFill,
} from './positions.wire.js';

// The wire mapping moved to positions.wire.ts; these names stay importable from here.
export { amountsFromRest, fillFromRest, marketInfoFromRest, restingOrderFromRest } from './positions.wire.js';
export type { MarketInfo, TrackedFill } from './positions.wire.js';

export interface TrackedPosition {
  ticker: string;
  amounts: PositionAmounts;
  /** ms: when the current (same-sign) position was opened, as best known. */
  entryTime: number;
  lastUpdated: number;
}

export type RemovalReason = 'closed' | 'settled';

export interface TrackerChanges {
  /** Tickers whose Position changed (or appeared). */
  updated: string[];
  removed: { ticker: string; reason: RemovalReason }[];
  portfolioChanged: boolean;
  /** The resting orders or what they hold back changed. */
  ordersChanged: boolean;
  /**
   * Something moved the exchange's balance (a fill, an order, a settlement): the cash here is
   * predicted from the message, and the session re-reads the balance to confirm it.
   */
  isBalanceAffected: boolean;
  fills: TrackedFill[];
  /** Markets newly held: subscribe to their ticker. */
  opened: string[];
  /** Markets no longer held: unsubscribe from their ticker. */
  closed: string[];
  /** Held markets we have no metadata for: fetch them. */
  missingMarkets: string[];
}

/** Differences found when a REST snapshot replaced the tracked state (reconciliation). */
export interface Drift {
  ticker: string | null;
  field: string;
  tracked: number | null;
  exchange: number | null;
}

export function emptyChanges(): TrackerChanges {
  return {
    updated: [],
    removed: [],
    portfolioChanged: false,
    ordersChanged: false,
    isBalanceAffected: false,
    fills: [],
    opened: [],
    closed: [],
    missingMarkets: [],
  };
}

/** Signed change a fill makes to the position: + for YES acquired (bid), - for NO (ask). */
export function fillDelta(fill: Pick<TrackedFill, 'bookSide' | 'count'>): CentiContracts {
  return fill.bookSide === 'bid' ? fill.count : negate(fill.count);
}

/**
 * When each held position was opened, from recent fills (any order): walking back from the
 * current position, the entry is the fill before which the position was flat or on the
 * other side. When the window of fills does not reach that point, the oldest fill seen is used.
 */
export function entryTimesFromFills(args: {
  positions: ReadonlyMap<string, CentiContracts>;
  fills: readonly TrackedFill[];
}): Map<string, number> {
  const byTicker = new Map<string, TrackedFill[]>();
  for (const fill of args.fills) {
    const list = byTicker.get(fill.ticker) ?? [];
    list.push(fill);
    byTicker.set(fill.ticker, list);
  }
  const result = new Map<string, number>();
  for (const [ticker, position] of args.positions) {
    const fills = (byTicker.get(ticker) ?? []).slice().sort((a, b) => b.ts - a.ts);
    let after = position;
    for (const fill of fills) {
      const before = subtract(after, fillDelta(fill));
      result.set(ticker, fill.ts);
      if (before === 0 || Math.sign(before) !== Math.sign(position)) break;
      after = before;
    }
  }
  return result;
}

export interface TrackerSnapshot {
  positions: readonly MarketPosition[];
  markets: readonly Market[];
  balance: GetBalanceResponse;
  /** The account's resting orders (`GET /portfolio/orders?status=resting`). */
  orders: readonly KalshiOrder[];
  /** Entry times known from elsewhere (fills, the cache); missing ones default to last_updated_ts. */
  entryTimes?: ReadonlyMap<string, number>;
}

export interface PositionsView {
  positions: Position[];
  portfolio: Portfolio;
}

/** Ended orders remembered so that a late `resting` message cannot bring one back. */
const ENDED_ORDERS_KEPT = 5_000;

export class PositionTracker {
  private readonly positionsByTicker = new Map<string, TrackedPosition>();
  private readonly marketsByTicker = new Map<string, MarketInfo>();
  /** Realized results of markets closed or settled while tracked (total_pnl). */
  private readonly closedPnlByTicker = new Map<string, MicroDollars>();
  /**
   * The account's cash including what resting orders hold back: available = this - reserved.
   * Orders only move money between the two parts, so this changes with fills, settlements and
   * transfers only (predicted from messages, confirmed by every balance read).
   */
  private cashMicros = micros(0);
  private readonly ordersById = new Map<string, RestingOrderAmounts & { updatedMs: number }>();
  private readonly endedOrders = new Map<string, number>();
  private entrySigns = new Map<string, number>();
  private lastChange: number;

  constructor(private readonly now: () => number) {
    this.lastChange = now();
  }

  /** Available cash: the exchange's balance, what new orders can use. */
  get cash(): MicroDollars {
    return subtract(this.cashMicros, this.reserved());
  }

  /** Cash including the part held back for resting orders (what the cache keeps). */
  get cashIncludingReserved(): MicroDollars {
    return this.cashMicros;
  }

  /** What resting orders hold back in total, rounded up to the balance grid as the exchange does. */
  reserved(): MicroDollars {
    return ceilToCashGrid(add(...this.reservationsByOrder().values()));
  }

  /** Resting orders with what each holds back, oldest first. */
  ordersView(): RestingOrder[] {
    const reservations = this.reservationsByOrder();
    return [...this.ordersById.values()]
      .sort((a, b) => a.createdMs - b.createdMs || (a.orderId < b.orderId ? -1 : 1))
      .map((o) => toRestingOrderDto(o, reservations.get(o.orderId) ?? micros(0)));
  }

  private reservationsByOrder(): Map<string, MicroDollars> {
    const byTicker = new Map<string, RestingOrderAmounts[]>();
    for (const order of this.ordersById.values()) {
      const list = byTicker.get(order.ticker) ?? [];
      list.push(order);
      byTicker.set(order.ticker, list);
    }
    const result = new Map<string, MicroDollars>();
    for (const [ticker, orders] of byTicker) {
      const position = this.positionsByTicker.get(ticker)?.amounts.position ?? centis(0);
      for (const [id, value] of orderReservations({ position, orders })) result.set(id, value);
    }
    return result;
  }

  private hasOrdersIn(ticker: string): boolean {
    for (const order of this.ordersById.values()) if (order.ticker === ticker) return true;
    return false;
  }

  get lastUpdated(): number {
    return this.lastChange;
  }

  heldTickers(): string[] {
    return [...this.positionsByTicker.keys()].sort();
  }

  position(ticker: string): TrackedPosition | undefined {
    return this.positionsByTicker.get(ticker);
  }

  market(ticker: string): MarketInfo | undefined {
    return this.marketsByTicker.get(ticker);
  }

  trackedPositions(): TrackedPosition[] {
    return [...this.positionsByTicker.values()];
  }

  closedPnl(): MicroDollars {
    return add(...this.closedPnlByTicker.values());
  }

  /** Restores positions known from the cache (served stale until the exchange answers). */
  restore(args: {
    positions: readonly TrackedPosition[];
    markets: readonly MarketInfo[];
    cash: MicroDollars;
  }): void {
    for (const market of args.markets) this.marketsByTicker.set(market.ticker, market);
    for (const p of args.positions) {
      this.positionsByTicker.set(p.ticker, p);
      this.entrySigns.set(p.ticker, Math.sign(p.amounts.position));
    }
    this.cashMicros = args.cash;
  }

  /**
   * Replaces the tracked state with a REST snapshot. Returns what changed and, field by
   * field, where the tracked state had drifted from the exchange.
   */
  loadSnapshot(snapshot: TrackerSnapshot): { changes: TrackerChanges; drift: Drift[] } {
    const changes = emptyChanges();
    const drift: Drift[] = [];
    const now = this.now();
    for (const market of snapshot.markets)
      this.marketsByTicker.set(market.ticker, marketInfoFromRest(market));

    const previousOrders = JSON.stringify(this.ordersView());
    this.ordersById.clear();
    for (const row of snapshot.orders) {
      const order = restingOrderFromRest(row);
      // Stamped with the exchange's own update time (WS updates carry the exchange's clock
      // too): our clock may run ahead of the exchange's, and an update that follows the
      // snapshot must never be taken for an older one.
      const updatedMs = orderFromRest(row).updatedMs ?? order?.createdMs ?? 0;
      if (order) this.ordersById.set(order.orderId, { ...order, updatedMs });
    }

    const seen = new Set<string>();
    for (const row of snapshot.positions) {
      const amounts = amountsFromRest(row);
      if (amounts.position === 0) continue;
      seen.add(row.ticker);
      const previous = this.positionsByTicker.get(row.ticker);
      if (previous && sameAmounts(previous.amounts, amounts)) continue;
      if (previous) {
        for (const field of ['position', 'exposure', 'realizedPnl', 'feesPaid'] as const) {
          if (previous.amounts[field] !== amounts[field]) {
            drift.push({
              ticker: row.ticker,
              field,
              tracked: previous.amounts[field],
              exchange: amounts[field],
            });
          }
        }
      } else {
        drift.push({ ticker: row.ticker, field: 'position', tracked: null, exchange: amounts.position });
      }
      const lastUpdated = lastUpdatedFromRest(row) ?? now;
      const sameSide =
        previous !== undefined && Math.sign(previous.amounts.position) === Math.sign(amounts.position);
      const entryTime = snapshot.entryTimes?.get(row.ticker) ?? (sameSide ? previous.entryTime : lastUpdated);
      this.upsert(row.ticker, amounts, entryTime, now, changes);
    }
    for (const ticker of [...this.positionsByTicker.keys()]) {
      if (seen.has(ticker)) continue;
      const previous = this.positionsByTicker.get(ticker);
      drift.push({ ticker, field: 'position', tracked: previous?.amounts.position ?? null, exchange: null });
      const market = this.marketsByTicker.get(ticker);
      this.remove(ticker, isSettledStatus(market?.status) ? 'settled' : 'closed', changes);
    }
    for (const ticker of this.heldTickers()) {
      if (!this.marketsByTicker.has(ticker)) changes.missingMarkets.push(ticker);
    }
    // The balance is what is left after the reservations of the orders and positions just read.
    const cash = add(availableCashFromRest(snapshot.balance), this.reserved());
    if (cash !== this.cashMicros) {
      drift.push({ ticker: null, field: 'cash', tracked: this.cashMicros, exchange: cash });
      this.cashMicros = cash;
      changes.portfolioChanged = true;
    }
    if (JSON.stringify(this.ordersView()) !== previousOrders) {
      changes.ordersChanged = true;
      changes.portfolioChanged = true;
    }
    if (changes.updated.length > 0 || changes.removed.length > 0) changes.portfolioChanged = true;
    this.touch(changes);
    return { changes, drift };
  }

  /**
   * A balance read: `available` is what the exchange says new orders can use; the reservations
   * of the orders known now are added back.
   */
  setBalance(available: MicroDollars): TrackerChanges {
    const changes = emptyChanges();
    const cash = add(available, this.reserved());
    if (cash !== this.cashMicros) {
      this.cashMicros = cash;
      changes.portfolioChanged = true;
    }
    this.touch(changes);
    return changes;
  }

  setMarket(market: Market): TrackerChanges {
    const changes = emptyChanges();
    this.marketsByTicker.set(market.ticker, marketInfoFromRest(market));
    if (this.positionsByTicker.has(market.ticker)) {
      changes.updated.push(market.ticker);
      changes.portfolioChanged = true;
    }
    this.touch(changes);
    return changes;
  }

  /**
   * Applies one WS data message (already validated by the protocol schemas). A fill that is
   * `isKnownFill` was already counted in a balance read (recovered over REST): its cash is not
   * counted again.
   */
  apply(message: WsDataMessage, options: { isKnownFill?: boolean } = {}): TrackerChanges {
    const changes = emptyChanges();
    const now = this.now();
    switch (message.type) {
      case 'market_position': {
        const m = message.msg;
        const amounts = amountsFromWs(m);
        if (this.hasOrdersIn(m.market_ticker)) changes.ordersChanged = true;
        if (amounts.position === 0) {
          const market = this.marketsByTicker.get(m.market_ticker);
          const isSettlement = isSettledStatus(market?.status);
          if (isSettlement && market) this.creditSettlement(m.market_ticker, market, changes);
          const reason: RemovalReason = isSettlement ? 'settled' : 'closed';
          this.remove(m.market_ticker, reason, changes, subtract(amounts.realizedPnl, amounts.feesPaid));
        } else {
          const previous = this.positionsByTicker.get(m.market_ticker);
          const sign = Math.sign(amounts.position);
          const keepsEntry = previous !== undefined && this.entrySigns.get(m.market_ticker) === sign;
          this.upsert(m.market_ticker, amounts, keepsEntry ? previous.entryTime : now, now, changes);
          // A market held again may carry a quote from before its ticker subscription was
          // dropped: fetch it afresh, as a market never seen.
          if (!this.marketsByTicker.has(m.market_ticker) || previous === undefined) {
            changes.missingMarkets.push(m.market_ticker);
          }
        }
        break;
      }
      case 'fill': {
        const fill = fillFromWs(message.msg);
        changes.fills.push(fill);
        changes.isBalanceAffected = true;
        if (!options.isKnownFill && fill.postPosition !== null) {
          this.cashMicros = add(this.cashMicros, fillCashFlow({ ...fill, postPosition: fill.postPosition }));
        }
        const post = fill.postPosition ?? 0;
        const sign = Math.sign(post);
        if (sign === 0) this.entrySigns.delete(fill.ticker);
        else if (this.entrySigns.get(fill.ticker) !== sign) {
          // This fill opened (or flipped) the position: it is the entry.
          this.entrySigns.set(fill.ticker, sign);
          const tracked = this.positionsByTicker.get(fill.ticker);
          if (tracked) {
            tracked.entryTime = fill.ts;
            changes.updated.push(fill.ticker);
          }
        } else {
          const tracked = this.positionsByTicker.get(fill.ticker);
          if (tracked && tracked.entryTime > fill.ts && Math.abs(post) === fill.count) {
            // The market_position arrived first and stamped "now": the fill knows better.
            tracked.entryTime = fill.ts;
            changes.updated.push(fill.ticker);
          }
        }
        // Cash moved: the session refreshes the balance (Kalshi has no balance channel).
        changes.portfolioChanged = true;
        break;
      }
      case 'ticker': {
        const m = message.msg;
        const market = this.marketsByTicker.get(m.market_ticker);
        const quote = quoteFromWs(m);
        if (!market) {
          if (!this.positionsByTicker.has(m.market_ticker)) break;
          this.marketsByTicker.set(m.market_ticker, placeholderMarket(m.market_ticker, quote));
          changes.missingMarkets.push(m.market_ticker);
        } else if (sameQuote(market.quote, quote)) {
          break;
        } else {
          market.quote = quote;
        }
        if (this.positionsByTicker.has(m.market_ticker)) {
          const tracked = this.positionsByTicker.get(m.market_ticker);
          if (tracked) tracked.lastUpdated = now;
          changes.updated.push(m.market_ticker);
          changes.portfolioChanged = true;
        }
        break;
      }
      case 'market_lifecycle_v2': {
        const event = lifecycleFromWs(message.msg);
        const market = this.marketsByTicker.get(event.ticker);
        if (!market) break;
        switch (event.eventType) {
          case 'activated':
            market.status = 'active';
            break;
          case 'deactivated':
            market.status = 'inactive';
            break;
          case 'close_date_updated':
            if (event.closeTime !== null) market.closeTime = event.closeTime;
            break;
          case 'determined':
            market.status = 'determined';
            market.result = event.result ?? market.result;
            if (event.settlementValue !== null) market.settlementValue = event.settlementValue;
            break;
          case 'settled':
            market.status = 'finalized';
            break;
          default:
            return changes;
        }
        if (!this.positionsByTicker.has(event.ticker)) break;
        if (event.eventType === 'settled') {
          const tracked = this.positionsByTicker.get(event.ticker);
          const result = tracked ? settlementResult(tracked.amounts, market) : micros(0);
          this.creditSettlement(event.ticker, market, changes);
          this.remove(event.ticker, 'settled', changes, result);
        } else {
          changes.updated.push(event.ticker);
          changes.portfolioChanged = true;
        }
        break;
      }
      case 'user_order': {
        this.applyOrder(orderFromWs(message.msg), now, changes);
        break;
      }
      default:
        break;
    }
    this.touch(changes);
    return changes;
  }

  private applyOrder(order: OrderState, now: number, changes: TrackerChanges): void {
    if (this.endedOrders.has(order.orderId)) return;
    const updatedMs = order.updatedMs ?? now;
    const known = this.ordersById.get(order.orderId);
    if (known && known.updatedMs > updatedMs) return; // an older message arriving late
    changes.ordersChanged = true;
    changes.portfolioChanged = true;
    changes.isBalanceAffected = true;
    if (order.isResting) {
      this.ordersById.set(order.orderId, {
        orderId: order.orderId,
        ticker: order.ticker,
        bookSide: order.bookSide,
        yesPrice: order.yesPrice,
        remaining: order.remaining,
        createdMs: order.createdMs ?? known?.createdMs ?? updatedMs,
        updatedMs,
      });
      return;
    }
    this.ordersById.delete(order.orderId);
    this.endedOrders.set(order.orderId, updatedMs);
    if (this.endedOrders.size > ENDED_ORDERS_KEPT) {
      const oldest = this.endedOrders.keys().next();
      if (!oldest.done) this.endedOrders.delete(oldest.value);
    }
  }

  /** Settlement pays the held contracts: predicted here, confirmed by the next balance read. */
  private creditSettlement(ticker: string, market: MarketInfo, changes: TrackerChanges): void {
    const tracked = this.positionsByTicker.get(ticker);
    if (!tracked) return;
    const payout = settlementPayout({
      position: tracked.amounts.position,
      result: market.result,
      settlementValue: market.settlementValue,
    });
    if (payout !== null) this.cashMicros = add(this.cashMicros, payout);
    changes.isBalanceAffected = true;
  }

  /** Current positions as our API's `Position`, valued at `mark`. */
  positionsView(mark: Mark): Position[] {
    const now = this.now();
    return this.heldTickers().flatMap((ticker) => {
      const dto = this.positionView(ticker, mark, now);
      return dto ? [dto] : [];
    });
  }

  positionView(ticker: string, mark: Mark, now = this.now()): Position | null {
    const tracked = this.positionsByTicker.get(ticker);
    if (!tracked) return null;
    const market = this.marketsByTicker.get(ticker);
    const quote = market?.quote ?? EMPTY_QUOTE;
    const pnl = positionPnl({ amounts: tracked.amounts, quote, mark });
    return toPositionDto(
      pnl,
      {
        ticker,
        eventTicker: market?.eventTicker ?? '',
        marketTitle: market?.title ?? ticker,
        marketStatus: market?.status ?? 'unknown',
        quote,
        entryTime: tracked.entryTime,
        expirationTime: market?.expirationTime ?? null,
        lastUpdated: tracked.lastUpdated,
        now,
      },
      mark,
    );
  }

  /** Portfolio totals at the default (bid) mark. */
  totals(dayBaseline: MicroDollars | null): PortfolioTotals {
    const pnls = this.trackedPositions().map((p) =>
      positionPnl({
        amounts: p.amounts,
        quote: this.marketsByTicker.get(p.ticker)?.quote ?? EMPTY_QUOTE,
        mark: 'bid',
      }),
    );
    const reserved = this.reserved();
    return portfolioTotals({
      cash: subtract(this.cashMicros, reserved),
      reserved,
      positions: pnls,
      closedPnl: this.closedPnl(),
      dayBaseline,
    });
  }

  portfolioView(dayBaseline: MicroDollars | null): Portfolio {
    return toPortfolioDto(this.totals(dayBaseline), this.lastChange);
  }

  private upsert(
    ticker: string,
    amounts: PositionAmounts,
    entryTime: number,
    now: number,
    changes: TrackerChanges,
  ): void {
    const isNew = !this.positionsByTicker.has(ticker);
    this.positionsByTicker.set(ticker, { ticker, amounts, entryTime, lastUpdated: now });
    this.entrySigns.set(ticker, Math.sign(amounts.position));
    // A reopened market's realized P&L and fees are cumulative again in Kalshi's fields.
    this.closedPnlByTicker.delete(ticker);
    if (isNew) changes.opened.push(ticker);
    changes.updated.push(ticker);
    changes.portfolioChanged = true;
  }

  private remove(
    ticker: string,
    reason: RemovalReason,
    changes: TrackerChanges,
    result?: MicroDollars,
  ): void {
    const tracked = this.positionsByTicker.get(ticker);
    if (!tracked) return;
    this.positionsByTicker.delete(ticker);
    this.entrySigns.delete(ticker);
    this.closedPnlByTicker.set(
      ticker,
      result ?? subtract(tracked.amounts.realizedPnl, tracked.amounts.feesPaid),
    );
    changes.removed.push({ ticker, reason });
    changes.closed.push(ticker);
    changes.portfolioChanged = true;
  }

  private touch(changes: TrackerChanges): void {
    if (changes.portfolioChanged || changes.updated.length > 0 || changes.removed.length > 0) {
      this.lastChange = this.now();
    }
    changes.updated = [...new Set(changes.updated)].filter((t) => this.positionsByTicker.has(t));
  }
}

function sameAmounts(a: PositionAmounts, b: PositionAmounts): boolean {
  return (
    a.position === b.position &&
    a.exposure === b.exposure &&
    a.realizedPnl === b.realizedPnl &&
    a.feesPaid === b.feesPaid
  );
}

function sameQuote(a: MarketQuote, b: MarketQuote): boolean {
  return a.yesBid === b.yesBid && a.yesAsk === b.yesAsk && a.last === b.last;
}

function isSettledStatus(status: string | undefined): boolean {
  return status === 'determined' || status === 'finalized' || status === 'amended' || status === 'disputed';
}

function placeholderMarket(ticker: string, quote: MarketQuote): MarketInfo {
  return {
    ticker,
    eventTicker: '',
    title: ticker,
    status: 'unknown',
    quote,
    closeTime: null,
    expirationTime: null,
    result: null,
    settlementValue: null,
  };
}
