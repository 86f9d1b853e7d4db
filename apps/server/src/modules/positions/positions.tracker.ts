/**
 * The position tracker: one account's positions, market prices, market metadata and cash,
 * kept current from Kalshi's REST snapshot and WS messages. Pure (no I/O, time injected):
 * each input returns the domain changes it caused, and the exchange session turns those
 * into stream events, cache writes and subscription updates.
 */
import type { Mark, Portfolio, Position } from '@kalshi-desk/contracts';
import {
  parseCount,
  parseDollars,
  type CentiContracts,
  type Fill as KalshiFill,
  type GetBalanceResponse,
  type Market,
  type MarketPosition,
  type MicroDollars,
  type WsDataMessage,
  notional,
} from '@kalshi-desk/kalshi/protocol';
import {
  EMPTY_QUOTE,
  ONE_DOLLAR,
  normalizeQuote,
  portfolioTotals,
  positionPnl,
  toPortfolioDto,
  toPositionDto,
  type MarketQuote,
  type PortfolioTotals,
  type PositionAmounts,
} from './pnl.models.js';

export interface MarketInfo {
  ticker: string;
  eventTicker: string;
  title: string;
  /** Kalshi object status (active, closed, determined, finalized, ...). */
  status: string;
  quote: MarketQuote;
  closeTime: number | null;
  expirationTime: number | null;
  /** 'yes' | 'no' | 'scalar' once determined. */
  result: string | null;
  /** YES payout per contract once determined (scalar markets pay between 0 and $1). */
  settlementValue: MicroDollars | null;
}

export interface TrackedPosition {
  ticker: string;
  amounts: PositionAmounts;
  /** ms: when the current (same-sign) position was opened, as best known. */
  entryTime: number;
  lastUpdated: number;
}

/** One of our own fills, as recorded for the audit trail. */
export interface TrackedFill {
  tradeId: string;
  orderId: string;
  ticker: string;
  outcomeSide: 'yes' | 'no';
  bookSide: 'bid' | 'ask';
  count: CentiContracts;
  yesPrice: MicroDollars;
  fee: MicroDollars;
  isTaker: boolean;
  /** Signed position after the fill, when the exchange says so. */
  postPosition: CentiContracts | null;
  ts: number;
}

export type RemovalReason = 'closed' | 'settled';

export interface TrackerChanges {
  /** Tickers whose Position changed (or appeared). */
  updated: string[];
  removed: { ticker: string; reason: RemovalReason }[];
  portfolioChanged: boolean;
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
    fills: [],
    opened: [],
    closed: [],
    missingMarkets: [],
  };
}

function timeOrNull(text: string | null | undefined): number | null {
  if (!text) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

/** Kalshi's REST Market -> what we track about it. */
export function marketInfoFromRest(market: Market): MarketInfo {
  return {
    ticker: market.ticker,
    eventTicker: market.event_ticker,
    title: market.title ?? market.yes_sub_title,
    status: market.status,
    quote: normalizeQuote({
      yesBid: parseDollars(market.yes_bid_dollars),
      yesAsk: parseDollars(market.yes_ask_dollars),
      last: parseDollars(market.last_price_dollars),
    }),
    closeTime: timeOrNull(market.close_time),
    expirationTime: timeOrNull(market.expected_expiration_time) ?? timeOrNull(market.latest_expiration_time),
    result: market.result === '' ? null : market.result,
    settlementValue: market.settlement_value_dollars ? parseDollars(market.settlement_value_dollars) : null,
  };
}

export function amountsFromRest(row: MarketPosition): PositionAmounts {
  return {
    position: parseCount(row.position_fp),
    exposure: parseDollars(row.market_exposure_dollars),
    realizedPnl: parseDollars(row.realized_pnl_dollars),
    feesPaid: parseDollars(row.fees_paid_dollars),
  };
}

export function fillFromRest(fill: KalshiFill): TrackedFill {
  return {
    tradeId: fill.trade_id,
    orderId: fill.order_id,
    ticker: fill.ticker,
    outcomeSide: fill.outcome_side,
    bookSide: fill.book_side,
    count: parseCount(fill.count_fp),
    yesPrice: parseDollars(fill.yes_price_dollars),
    fee: parseDollars(fill.fee_cost),
    isTaker: fill.is_taker,
    postPosition: null,
    ts: fill.ts !== undefined ? fill.ts * 1000 : (timeOrNull(fill.created_time) ?? 0),
  };
}

/** Signed change a fill makes to the position: + for YES acquired (bid), - for NO (ask). */
export function fillDelta(fill: Pick<TrackedFill, 'bookSide' | 'count'>): CentiContracts {
  return fill.bookSide === 'bid' ? fill.count : -fill.count;
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
      const before = after - fillDelta(fill);
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
  /** Entry times known from elsewhere (fills, the cache); missing ones default to last_updated_ts. */
  entryTimes?: ReadonlyMap<string, number>;
}

export interface PositionsView {
  positions: Position[];
  portfolio: Portfolio;
}

export class PositionTracker {
  private readonly positionsByTicker = new Map<string, TrackedPosition>();
  private readonly marketsByTicker = new Map<string, MarketInfo>();
  /** Realized results of markets closed or settled while tracked (total_pnl). */
  private readonly closedPnlByTicker = new Map<string, MicroDollars>();
  private cashMicros: MicroDollars = 0;
  private entrySigns = new Map<string, number>();
  private lastChange: number;

  constructor(private readonly now: () => number) {
    this.lastChange = now();
  }

  get cash(): MicroDollars {
    return this.cashMicros;
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
    let sum = 0;
    for (const value of this.closedPnlByTicker.values()) sum += value;
    return sum;
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

    const cash = parseDollars(snapshot.balance.balance_dollars);
    if (cash !== this.cashMicros) {
      drift.push({ ticker: null, field: 'cash', tracked: this.cashMicros, exchange: cash });
      this.cashMicros = cash;
      changes.portfolioChanged = true;
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
      const lastUpdated = timeOrNull(row.last_updated_ts) ?? now;
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
    if (changes.updated.length > 0 || changes.removed.length > 0) changes.portfolioChanged = true;
    this.touch(changes);
    return { changes, drift };
  }

  setCash(cash: MicroDollars): TrackerChanges {
    const changes = emptyChanges();
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

  /** Applies one WS data message (already validated by the protocol schemas). */
  apply(message: WsDataMessage): TrackerChanges {
    const changes = emptyChanges();
    const now = this.now();
    switch (message.type) {
      case 'market_position': {
        const m = message.msg;
        const amounts: PositionAmounts = {
          position: parseCount(m.position_fp),
          exposure: parseDollars(m.position_cost_dollars),
          realizedPnl: parseDollars(m.realized_pnl_dollars),
          feesPaid: parseDollars(m.fees_paid_dollars),
        };
        if (amounts.position === 0) {
          const market = this.marketsByTicker.get(m.market_ticker);
          const reason: RemovalReason = isSettledStatus(market?.status) ? 'settled' : 'closed';
          this.remove(m.market_ticker, reason, changes, amounts.realizedPnl - amounts.feesPaid);
        } else {
          const previous = this.positionsByTicker.get(m.market_ticker);
          const sign = Math.sign(amounts.position);
          const keepsEntry = previous !== undefined && this.entrySigns.get(m.market_ticker) === sign;
          this.upsert(m.market_ticker, amounts, keepsEntry ? previous.entryTime : now, now, changes);
          if (!this.marketsByTicker.has(m.market_ticker)) changes.missingMarkets.push(m.market_ticker);
        }
        break;
      }
      case 'fill': {
        const m = message.msg;
        const fill: TrackedFill = {
          tradeId: m.trade_id,
          orderId: m.order_id,
          ticker: m.market_ticker,
          outcomeSide: m.outcome_side,
          bookSide: m.book_side,
          count: parseCount(m.count_fp),
          yesPrice: parseDollars(m.yes_price_dollars),
          fee: parseDollars(m.fee_cost),
          isTaker: m.is_taker,
          postPosition: parseCount(m.post_position_fp),
          ts: m.ts_ms,
        };
        changes.fills.push(fill);
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
        const quote = normalizeQuote({
          yesBid: parseDollars(m.yes_bid_dollars),
          yesAsk: parseDollars(m.yes_ask_dollars),
          last: parseDollars(m.price_dollars),
        });
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
        const m = message.msg;
        const market = this.marketsByTicker.get(m.market_ticker);
        if (!market) break;
        switch (m.event_type) {
          case 'activated':
            market.status = 'active';
            break;
          case 'deactivated':
            market.status = 'inactive';
            break;
          case 'close_date_updated':
            if (m.close_ts !== undefined) market.closeTime = m.close_ts * 1000;
            break;
          case 'determined':
            market.status = 'determined';
            market.result = m.result ?? market.result;
            if (m.settlement_value) market.settlementValue = parseDollars(m.settlement_value);
            break;
          case 'settled':
            market.status = 'finalized';
            break;
          default:
            return changes;
        }
        if (!this.positionsByTicker.has(m.market_ticker)) break;
        if (m.event_type === 'settled') {
          const tracked = this.positionsByTicker.get(m.market_ticker);
          const result = tracked ? settlementResult(tracked.amounts, market) : 0;
          this.remove(m.market_ticker, 'settled', changes, result);
        } else {
          changes.updated.push(m.market_ticker);
          changes.portfolioChanged = true;
        }
        break;
      }
      default:
        break;
    }
    this.touch(changes);
    return changes;
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
    return portfolioTotals({
      cash: this.cashMicros,
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
    this.closedPnlByTicker.set(ticker, result ?? tracked.amounts.realizedPnl - tracked.amounts.feesPaid);
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

/**
 * Final result of a settled position: Kalshi's realized P&L so far, plus the payout
 * (YES wins $1 per contract on "yes", NO on "no"; scalar pays the settlement value per YES
 * and $1 minus it per NO), minus the cost still open, minus all fees.
 */
export function settlementResult(amounts: PositionAmounts, market: MarketInfo): MicroDollars {
  const quantity = Math.abs(amounts.position);
  const isYes = amounts.position > 0;
  let perContract: MicroDollars;
  if (market.result === 'yes') perContract = isYes ? ONE_DOLLAR : 0;
  else if (market.result === 'no') perContract = isYes ? 0 : ONE_DOLLAR;
  else {
    const value = market.settlementValue ?? 0;
    perContract = isYes ? value : ONE_DOLLAR - value;
  }
  const payout = notional(perContract, quantity);
  return amounts.realizedPnl + payout - amounts.exposure - amounts.feesPaid;
}
