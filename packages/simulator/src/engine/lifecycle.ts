/**
 * Market lifecycle, driven by the clock and by commands: orders expiring, markets opening,
 * closing (which cancels their resting orders), pausing and reactivating, being determined
 * (automatically after close, or by command) and settling. Settlement payouts are the
 * ledger's (ledger.ts); taking orders off a book is matching's, reached through the state.
 */
import { centis, micros } from '@kalshi-desk/kalshi/protocol';
import type { OrderBook } from './book.js';
import { payOutSettlement } from './ledger.js';
import { isOnCashGrid, ONE_DOLLAR } from './money.js';
import { Prng } from './prng.js';
import { fail } from './result.js';
import type {
  Account,
  EngineEvent,
  EngineResult,
  EpochMs,
  EventData,
  Market,
  Micros,
  Order,
} from './types.js';

/** The part of the engine's state that the lifecycle reads and changes. */
export interface LifecycleState {
  readonly seed: number | string;
  readonly markets: ReadonlyMap<string, Market>;
  readonly marketList: readonly Market[];
  readonly events: ReadonlyMap<string, EventData>;
  readonly books: ReadonlyMap<string, OrderBook>;
  readonly accounts: ReadonlyMap<string, Account>;
  readonly expiring: ReadonlySet<Order>;
  /** Receives what settlements floor off payouts. */
  readonly houseMakerId: string;
  /** Determine markets automatically this long after close (null = only by command). */
  readonly autoDetermineAfterMs: number | null;
  now(): EpochMs;
  nextSeq(): number;
  emit(event: EngineEvent): void;
  /** Take a resting order off its book and tell everyone (matching.ts). */
  cancelResting(order: Order, now: EpochMs): void;
  /** Add to the running total of payouts floored to the $0.0001 grid. */
  keepSettlementRounding(amount: Micros): void;
}

/** Cancel every resting order whose expiration time has come. */
export function expireOrders(state: LifecycleState, now: EpochMs): void {
  if (state.expiring.size === 0) return;
  for (const order of [...state.expiring])
    if (order.expirationMs !== null && order.expirationMs <= now) state.cancelResting(order, now);
}

/** Move every market along its timeline: open, close, determine after close, settle after determination. */
export function advanceMarkets(state: LifecycleState, now: EpochMs): void {
  for (const market of state.marketList) {
    switch (market.status) {
      case 'initialized':
        if (now >= market.openMs) {
          market.status = 'active';
          market.updatedMs = now;
        }
        break;
      case 'active':
      case 'inactive':
        if (now >= market.closeMs) close(state, market, now);
        break;
      case 'closed':
        if (state.autoDetermineAfterMs !== null && now >= market.closeMs + state.autoDetermineAfterMs)
          autoDetermine(state, market);
        break;
      case 'determined':
        if (
          market.determinationMs !== null &&
          now >= market.determinationMs + market.settlementTimerSeconds * 1000
        )
          settle(state, market, now);
        break;
      default:
        break;
    }
  }
}

export function setCloseTime(state: LifecycleState, ticker: string, closeMs: EpochMs): EngineResult<Market> {
  const market = state.markets.get(ticker);
  if (!market) return fail('market_not_found');
  market.closeMs = closeMs;
  market.expectedExpirationMs = closeMs;
  market.latestExpirationMs = Math.max(market.latestExpirationMs, closeMs);
  const now = state.now();
  market.updatedMs = now;
  state.emit({ kind: 'lifecycle', market, eventType: 'close_date_updated', tsMs: now });
  return { ok: true, value: market };
}

export function closeMarket(state: LifecycleState, ticker: string): EngineResult<Market> {
  const market = state.markets.get(ticker);
  if (!market) return fail('market_not_found');
  if (market.status === 'closed' || market.status === 'determined' || market.status === 'finalized')
    return { ok: true, value: market };
  const now = state.now();
  market.closeMs = now;
  state.emit({ kind: 'lifecycle', market, eventType: 'close_date_updated', tsMs: now });
  close(state, market, now);
  return { ok: true, value: market };
}

/**
 * Pause an active market or reactivate a paused one; anything else is left as it is. Says which
 * happened, because a reactivated market needs fresh quotes from the market maker.
 */
export function setPaused(
  state: LifecycleState,
  market: Market,
  isPaused: boolean,
): 'paused' | 'reactivated' | 'unchanged' {
  const now = state.now();
  if (isPaused && market.status === 'active') {
    market.status = 'inactive';
    market.updatedMs = now;
    state.emit({ kind: 'lifecycle', market, eventType: 'deactivated', tsMs: now });
    return 'paused';
  }
  if (!isPaused && market.status === 'inactive') {
    market.status = 'active';
    market.updatedMs = now;
    // Kalshi cancels all resting orders when a paused market is reactivated (docs/kalshi-protocol.md §5.2).
    cancelAllResting(state, market, now);
    state.emit({ kind: 'lifecycle', market, eventType: 'activated', tsMs: now });
    return 'reactivated';
  }
  return 'unchanged';
}

/**
 * Fix the result. `scalar` settles at `settlementValue` per YES contract ($1 minus that per
 * NO), a multiple of $0.0001 from 0 to $1; yes/no pay $1 / 0 per YES contract.
 */
export function determineMarket(
  state: LifecycleState,
  ticker: string,
  result: 'yes' | 'no' | 'scalar',
  settlementValue?: Micros,
): EngineResult<Market> {
  const market = state.markets.get(ticker);
  if (!market) return fail('market_not_found');
  if (market.status === 'determined' || market.status === 'finalized')
    return fail('invalid_order', 'market already determined');
  let value = result === 'yes' ? ONE_DOLLAR : micros(0);
  if (result === 'scalar') {
    if (
      settlementValue === undefined ||
      !isOnCashGrid(settlementValue) ||
      settlementValue < 0 ||
      settlementValue > ONE_DOLLAR
    )
      return fail('invalid_order', 'a scalar result needs a settlement value from 0 to 1 in steps of 0.0001');
    value = settlementValue;
  }
  const now = state.now();
  if (market.status !== 'closed') {
    market.closeMs = Math.min(market.closeMs, now);
    close(state, market, now);
  }
  market.status = 'determined';
  market.result = result;
  market.determinationMs = now;
  market.settlementValue = value;
  market.updatedMs = now;
  state.emit({ kind: 'lifecycle', market, eventType: 'determined', tsMs: now });
  return { ok: true, value: market };
}

/** Settle now (normally this happens settlement_timer_seconds after determination). */
export function settleMarket(
  state: LifecycleState,
  ticker: string,
  result?: 'yes' | 'no' | 'scalar',
  settlementValue?: Micros,
): EngineResult<Market> {
  const market = state.markets.get(ticker);
  if (!market) return fail('market_not_found');
  if (market.status === 'finalized') return { ok: true, value: market };
  if (market.status !== 'determined') {
    if (!result) return fail('invalid_order', 'market is not determined; pass a result');
    const determined = determineMarket(state, ticker, result, settlementValue);
    if (!determined.ok) return determined;
  }
  settle(state, market, state.now());
  return { ok: true, value: market };
}

function close(state: LifecycleState, market: Market, now: EpochMs): void {
  market.status = 'closed';
  market.updatedMs = now;
  cancelAllResting(state, market, now);
}

function cancelAllResting(state: LifecycleState, market: Market, now: EpochMs): void {
  const book = state.books.get(market.ticker);
  if (!book) return;
  for (const side of ['bid', 'ask'] as const) {
    const half = book.half(side);
    for (const level of [...half.bestFirst()])
      for (const order of [...level.orders]) state.cancelResting(order, now);
  }
}

/** The result follows the latent probability; in a mutually exclusive event exactly one market wins. */
function autoDetermine(state: LifecycleState, market: Market): void {
  const event = state.events.get(market.eventTicker);
  const rng = new Prng(`${String(state.seed)}:result:${market.eventTicker}`);
  if (event?.mutuallyExclusive) {
    const siblings = event.marketTickers
      .map((t) => state.markets.get(t))
      .filter((m): m is Market => m !== undefined);
    if (siblings.some((m) => m.status === 'active' || m.status === 'inactive' || m.status === 'initialized'))
      return;
    const undetermined = siblings.filter((m) => m.status === 'closed');
    const alreadyWon = siblings.some((m) => m.result === 'yes');
    let winner: Market | undefined;
    if (!alreadyWon) {
      const total = undetermined.reduce((sum, m) => sum + m.latent, 0);
      let draw = rng.next() * total;
      for (const m of undetermined) {
        draw -= m.latent;
        if (draw < 0) {
          winner = m;
          break;
        }
      }
      winner ??= undetermined[undetermined.length - 1];
    }
    for (const m of undetermined) determineMarket(state, m.ticker, m === winner ? 'yes' : 'no');
    return;
  }
  determineMarket(state, market.ticker, rng.next() * ONE_DOLLAR < market.latent ? 'yes' : 'no');
}

/** Finalize a determined market: pay out every position (ledger.ts) and report it settled. */
function settle(state: LifecycleState, market: Market, now: EpochMs): void {
  const yesValue = market.settlementValue ?? (market.result === 'yes' ? ONE_DOLLAR : micros(0));
  market.status = 'finalized';
  market.settledMs = now;
  market.updatedMs = now;
  const kept = payOutSettlement({
    market,
    yesValue,
    accounts: state.accounts.values(),
    exchange: state.accounts.get(state.houseMakerId),
    book: state.books.get(market.ticker),
    now,
    nextSeq: () => state.nextSeq(),
    emit: (event) => state.emit(event),
  });
  state.keepSettlementRounding(kept);
  market.openInterest = centis(0);
  state.emit({ kind: 'lifecycle', market, eventType: 'settled', tsMs: now });
}
