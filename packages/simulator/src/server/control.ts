/**
 * The control surface for tests, demos and benchmarks: accounts and API keys, funding,
 * trading as any participant, price moves, market lifecycle, the clock, and fault injection.
 * The same operations are available in-process (SimulatorControl) and over HTTP under
 * /_control/<operation> (POST, JSON body) when the control API is enabled.
 *
 * Money and counts cross this boundary as Kalshi-style strings ("100.00", "0.5200", "3.50").
 */
import { generateKeyPair, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  add,
  centis,
  FixedPointError,
  micros,
  parseCount,
  parseDollars,
  subtract,
} from '@kalshi-desk/kalshi/protocol';
import type { Engine } from '../engine/engine.js';
import { isOnCashGrid } from '../engine/money.js';
import type {
  BookSide,
  Centis,
  EngineResult,
  Micros,
  SelfTradePrevention,
  TimeInForce,
} from '../engine/types.js';
import type { KeyRegistry } from './auth.js';
import { fromEngineError } from './errors.js';
import {
  BASIC_RATE_LIMIT,
  GENEROUS_RATE_LIMIT,
  type RateLimitConfig,
  type RateLimiter,
} from './rate-limit.js';
import type { Faults } from './rest-handlers/context.js';
import {
  balanceJson,
  count2,
  createOrderJson,
  marketJson,
  marketPositionJson,
  money6,
  orderJson,
  price4,
  rfc3339,
} from './wire.js';
import type { WsHub } from './ws-hub.js';
import type { ConnectionInfo } from './ws-subscriptions.js';

export class ControlError extends Error {
  override readonly name = 'ControlError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ApiKey {
  keyId: string;
  /** PKCS#8 PEM. Returned once to the caller; never logged. */
  privateKeyPem: string;
}

export interface SimClock {
  now(): number;
  /** Move simulated time forward. */
  advance(ms: number): void;
}

export interface ConnectionFilter {
  userId?: string;
  connectionId?: number;
}

export interface PlaceOrderArgs {
  userId: string;
  ticker: string;
  side: BookSide;
  /** YES price, e.g. "0.5200". */
  price: string;
  /** Contracts, e.g. "10.00". */
  count: string;
  timeInForce?: TimeInForce;
  selfTradePrevention?: SelfTradePrevention;
  clientOrderId?: string;
  postOnly?: boolean;
  reduceOnly?: boolean;
}

/** One market of an account (control `getAccount`). Money: 6-dp dollar strings; counts: 2 dp. */
export interface MarketState {
  ticker: string;
  /** Signed: > 0 YES, < 0 NO. */
  position: string;
  exposure: string;
  realizedPnl: string;
  feesPaid: string;
  positionFeeCost: string;
  totalTraded: string;
  volume: string;
  /** Sum of the exact reservations of this market's resting orders. */
  reserved: string;
}

/** One resting order of an account with what it holds back (control `getAccount`). */
export interface RestingOrderState {
  orderId: string;
  clientOrderId: string;
  ticker: string;
  side: BookSide;
  /** YES price, 4 dp. */
  price: string;
  remaining: string;
  createdMs: number;
  /** Exact: notional(side price, the part that does not close the held position). */
  reserved: string;
  /** Kalshi's Order JSON, as GET /portfolio/orders shows it. */
  order: Record<string, unknown>;
}

export interface AccountState {
  /** GET /portfolio/balance. */
  balance: Record<string, unknown>;
  /** GET /portfolio/positions market_positions. */
  positions: Record<string, unknown>[];
  /** How many orders rest (the length of `resting`). */
  restingOrders: number;
  userId: string;
  /** Everything the account holds, reserved included. cash = available + reserved, exactly. */
  cash: string;
  /** What the balance holds back: reservedExact rounded up to $0.0001. */
  reserved: string;
  /** Sum of the resting orders' exact reservations. */
  reservedExact: string;
  /** cash - reserved; the same amount as balance.balance_dollars. */
  available: string;
  deposits: string;
  realizedPnl: string;
  feesPaid: string;
  /** Markets with a position or a resting order, by ticker. */
  markets: MarketState[];
  /** By ticker, then bids before asks, each in reservation priority. */
  resting: RestingOrderState[];
}

function money(text: unknown, what: string): Micros {
  try {
    return parseDollars(text);
  } catch (e) {
    if (e instanceof FixedPointError) throw new ControlError(400, 'bad_request', `${what}: ${e.message}`);
    throw e;
  }
}

function contracts(text: unknown, what: string): Centis {
  try {
    return parseCount(text);
  } catch (e) {
    if (e instanceof FixedPointError) throw new ControlError(400, 'bad_request', `${what}: ${e.message}`);
    throw e;
  }
}

/** Validates a control `result` (+ `settlementValue` for scalar); returns the value in micros. */
function resultValue(result: unknown, settlementValue: unknown): Micros | undefined {
  if (result === undefined) return undefined;
  if (result !== 'yes' && result !== 'no' && result !== 'scalar')
    throw new ControlError(400, 'bad_request', 'result must be yes, no or scalar');
  if (result !== 'scalar') return undefined;
  if (settlementValue === undefined)
    throw new ControlError(400, 'bad_request', 'a scalar result needs settlementValue');
  return money(settlementValue, 'settlementValue');
}

function check<T>(result: EngineResult<T>): T {
  if (result.ok) return result.value;
  const http = fromEngineError(result.error);
  throw new ControlError(http.status, result.error.code, result.error.details ?? result.error.code);
}

function newKeyPair(): Promise<{ privateKeyPem: string; publicKeyPem: string }> {
  return new Promise((resolve, reject) => {
    generateKeyPair(
      'rsa',
      {
        modulusLength: 2048,
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      },
      (error, publicKeyPem, privateKeyPem) =>
        error ? reject(error) : resolve({ privateKeyPem, publicKeyPem }),
    );
  });
}

export class SimulatorControl {
  constructor(
    private readonly deps: {
      engine: Engine;
      keys: KeyRegistry;
      hub: WsHub;
      faults: Faults;
      limiter: RateLimiter;
      clock: SimClock;
    },
  ) {}

  // ---------------------------------------------------------------- accounts

  createAccount(args: { balance?: string } = {}): { userId: string } {
    const cash = args.balance === undefined ? micros(0) : money(args.balance, 'balance');
    if (!isOnCashGrid(cash))
      throw new ControlError(400, 'bad_request', 'balance: must be a multiple of 0.0001');
    const account = this.deps.engine.createAccount({ cash });
    return { userId: account.userId };
  }

  /** Registers a new RSA key for the account. Pass your own public key, or get a fresh pair back. */
  async createApiKey(args: {
    userId: string;
    publicKeyPem?: string;
    keyId?: string;
  }): Promise<ApiKey & { userId: string }> {
    if (!this.deps.engine.getAccount(args.userId)) throw new ControlError(404, 'not_found', 'unknown user');
    const keyId = args.keyId ?? randomUUID();
    if (args.publicKeyPem !== undefined) {
      this.deps.keys.register({ keyId, userId: args.userId, publicKeyPem: args.publicKeyPem });
      return { keyId, privateKeyPem: '', userId: args.userId };
    }
    const pair = await newKeyPair();
    this.deps.keys.register({ keyId, userId: args.userId, publicKeyPem: pair.publicKeyPem });
    return { keyId, privateKeyPem: pair.privateKeyPem, userId: args.userId };
  }

  revokeApiKey(args: { keyId: string }): { ok: true } {
    this.deps.keys.revoke(args.keyId);
    return { ok: true };
  }

  fund(args: { userId: string; amount: string }): Record<string, unknown> {
    const account = check(this.deps.engine.fund(args.userId, money(args.amount, 'amount')));
    return balanceJson(this.deps.engine, account);
  }

  /**
   * An account's exact numbers, for tests. Kalshi's own views (`balance`, `positions`) plus the
   * simulator's books to the micro-dollar: `cash = available + reserved` exactly, where
   * `reserved` is `reservedExact` (the sum of the resting orders' reservations) rounded up to
   * $0.0001 and `available` is what `balance_dollars` shows. Money as 6-decimal dollar strings,
   * counts as 2-decimal strings; `markets` and `resting` are in a fixed order (ticker; then book
   * side bid before ask and reservation priority).
   */
  getAccount(args: { userId: string }): AccountState {
    const { engine } = this.deps;
    engine.tick();
    const account = engine.getAccount(args.userId);
    if (!account) throw new ControlError(404, 'not_found', 'unknown user');
    const resting: RestingOrderState[] = [];
    const reservedByMarket = new Map<string, Micros>();
    const tickers = new Set(account.positions.keys());
    // ordersById, not orders: house accounts keep only their live orders there.
    for (const o of account.ordersById.values()) if (o.status === 'resting') tickers.add(o.ticker);
    const sorted = [...tickers].sort();
    for (const ticker of sorted) {
      for (const side of ['bid', 'ask'] as const) {
        for (const o of engine.restingInPriority(account, ticker, side)) {
          reservedByMarket.set(ticker, add(reservedByMarket.get(ticker) ?? 0, o.reserved));
          resting.push({
            orderId: o.orderId,
            clientOrderId: o.clientOrderId,
            ticker,
            side,
            price: price4(o.price),
            remaining: count2(o.remaining),
            createdMs: o.createdMs,
            reserved: money6(o.reserved),
            order: orderJson(o),
          });
        }
      }
    }
    const markets: MarketState[] = sorted.map((ticker) => {
      const p = account.positions.get(ticker);
      return {
        ticker,
        position: count2(p?.position ?? centis(0)),
        exposure: money6(p?.exposure ?? micros(0)),
        realizedPnl: money6(p?.realizedPnl ?? micros(0)),
        feesPaid: money6(p?.feesPaid ?? micros(0)),
        positionFeeCost: money6(p?.positionFeeCost ?? micros(0)),
        totalTraded: money6(p?.totalTraded ?? micros(0)),
        volume: count2(p?.volume ?? centis(0)),
        reserved: money6(reservedByMarket.get(ticker) ?? micros(0)),
      };
    });
    return {
      balance: balanceJson(engine, account),
      positions: [...account.positions.values()].map(marketPositionJson),
      restingOrders: resting.length,
      userId: account.userId,
      cash: money6(account.cash),
      reserved: money6(engine.reservedOnGrid(account)),
      reservedExact: money6(account.reserved),
      available: money6(engine.availableCash(account)),
      deposits: money6(account.deposits),
      realizedPnl: money6(account.realizedTotal),
      feesPaid: money6(account.feesTotal),
      markets,
      resting,
    };
  }

  // ---------------------------------------------------------------- trading

  /** Place an order for any account, exactly as POST /portfolio/events/orders would. */
  placeOrder(args: PlaceOrderArgs): Record<string, unknown> {
    this.deps.engine.tick();
    const result = check(
      this.deps.engine.placeOrder(args.userId, {
        ticker: args.ticker,
        side: args.side,
        price: money(args.price, 'price'),
        count: contracts(args.count, 'count'),
        timeInForce: args.timeInForce ?? 'good_till_canceled',
        selfTradePrevention: args.selfTradePrevention ?? 'taker_at_cross',
        clientOrderId: args.clientOrderId,
        postOnly: args.postOnly,
        reduceOnly: args.reduceOnly,
      }),
    );
    return createOrderJson(result);
  }

  cancelOrder(args: { userId: string; orderId: string }): { reducedBy: string } {
    const result = check(this.deps.engine.cancelOrder(args.userId, args.orderId));
    return { reducedBy: count2(result.reducedBy) };
  }

  /**
   * Another participant trades: an immediate-or-cancel order from the house taker on `side`
   * (bid = buys YES). Without `price` it takes the best opposite level. When nothing rests at
   * `price`, the house maker posts the other side first so the trade happens anyway.
   */
  trade(args: { ticker: string; side: BookSide; count: string; price?: string }): Record<string, unknown> {
    const { engine } = this.deps;
    engine.tick();
    const count = contracts(args.count, 'count');
    const top = engine.topOfBook(args.ticker);
    let price =
      args.price === undefined ? (args.side === 'bid' ? top.ask : top.bid) : money(args.price, 'price');
    if (
      args.price === undefined &&
      ((args.side === 'bid' && top.askSize === 0) || (args.side === 'ask' && top.bidSize === 0))
    ) {
      throw new ControlError(400, 'no_liquidity', 'nothing to trade against; pass a price');
    }
    const first = check(
      engine.placeOrder(engine.houseTakerId, {
        ticker: args.ticker,
        side: args.side,
        price,
        count,
        timeInForce: 'immediate_or_cancel',
        selfTradePrevention: 'taker_at_cross',
      }),
    );
    if (first.fillCount >= count || args.price === undefined) return createOrderJson(first);
    price = money(args.price, 'price');
    check(
      engine.placeOrder(engine.houseMakerId, {
        ticker: args.ticker,
        side: args.side === 'bid' ? 'ask' : 'bid',
        price,
        count: subtract(count, first.fillCount),
        timeInForce: 'good_till_canceled',
        selfTradePrevention: 'maker',
      }),
    );
    const second = check(
      engine.placeOrder(engine.houseTakerId, {
        ticker: args.ticker,
        side: args.side,
        price,
        count: subtract(count, first.fillCount),
        timeInForce: 'immediate_or_cancel',
        selfTradePrevention: 'taker_at_cross',
      }),
    );
    return { ...createOrderJson(second), fill_count: count2(add(first.fillCount, second.fillCount)) };
  }

  /** Alias of `trade`: another participant trades (the name used in the simulator's brief). */
  tradeAs(args: { ticker: string; side: BookSide; count: string; price?: string }): Record<string, unknown> {
    return this.trade(args);
  }

  /** The simulated market makers re-quote around `price` (the book moves, no trade prints). */
  movePrice(args: { ticker: string; price: string }): Record<string, unknown> {
    this.deps.engine.tick();
    return marketJson(
      this.deps.engine,
      check(this.deps.engine.movePrice(args.ticker, money(args.price, 'price'))),
    );
  }

  /** A jump: resting orders between the old price and `price` fill, a trade prints at `price`. */
  jumpPrice(args: { ticker: string; price: string }): Record<string, unknown> {
    this.deps.engine.tick();
    return marketJson(
      this.deps.engine,
      check(this.deps.engine.jumpPrice(args.ticker, money(args.price, 'price'))),
    );
  }

  // ---------------------------------------------------------------- lifecycle

  setCloseTime(args: { ticker: string; closeTime: string | number }): Record<string, unknown> {
    const ms = typeof args.closeTime === 'number' ? args.closeTime : Date.parse(args.closeTime);
    if (!Number.isFinite(ms))
      throw new ControlError(400, 'bad_request', 'closeTime must be epoch ms or an ISO time');
    const market = check(this.deps.engine.setCloseTime(args.ticker, ms));
    this.deps.engine.tick();
    return marketJson(this.deps.engine, market);
  }

  pauseMarket(args: { ticker: string; paused: boolean }): Record<string, unknown> {
    return marketJson(this.deps.engine, check(this.deps.engine.pauseMarket(args.ticker, args.paused)));
  }

  closeMarket(args: { ticker: string }): Record<string, unknown> {
    this.deps.engine.tick();
    return marketJson(this.deps.engine, check(this.deps.engine.closeMarket(args.ticker)));
  }

  /** `result` yes / no, or scalar with `settlementValue` (YES payout, "0.4537"). */
  determineMarket(args: {
    ticker: string;
    result: 'yes' | 'no' | 'scalar';
    settlementValue?: string;
  }): Record<string, unknown> {
    if ((args.result as unknown) === undefined)
      throw new ControlError(400, 'bad_request', 'result must be yes, no or scalar');
    const value = resultValue(args.result, args.settlementValue);
    this.deps.engine.tick();
    return marketJson(
      this.deps.engine,
      check(this.deps.engine.determineMarket(args.ticker, args.result, value)),
    );
  }

  /** Settle now; determines first when `result` is given and the market is not yet determined. */
  settleMarket(args: {
    ticker: string;
    result?: 'yes' | 'no' | 'scalar';
    settlementValue?: string;
  }): Record<string, unknown> {
    const value = resultValue(args.result, args.settlementValue);
    this.deps.engine.tick();
    return marketJson(
      this.deps.engine,
      check(this.deps.engine.settleMarket(args.ticker, args.result, value)),
    );
  }

  // ---------------------------------------------------------------- clock

  advanceClock(args: { ms: number }): { now: string; nowMs: number } {
    if (!Number.isFinite(args.ms) || args.ms < 0)
      throw new ControlError(400, 'bad_request', 'ms must be a non-negative number');
    this.deps.clock.advance(args.ms);
    this.deps.engine.tick();
    return this.now();
  }

  now(): { now: string; nowMs: number } {
    const nowMs = this.deps.clock.now();
    return { now: rfc3339(nowMs), nowMs };
  }

  // ---------------------------------------------------------------- faults

  connections(): ConnectionInfo[] {
    return this.deps.hub.connections();
  }

  /** Stop sending on matching connections (one channel, or everything incl. pings) without closing. */
  stallChannel(args: ConnectionFilter & { channel?: string } = {}): { connections: number } {
    return { connections: this.deps.hub.stall(args) };
  }

  resumeChannel(args: ConnectionFilter & { channel?: string } = {}): { connections: number } {
    return { connections: this.deps.hub.resume(args) };
  }

  dropConnections(args: ConnectionFilter = {}): { connections: number } {
    return { connections: this.deps.hub.drop(args) };
  }

  skipSeq(args: ConnectionFilter & { sid?: number } = {}): { subscriptions: number } {
    return { subscriptions: this.deps.hub.skipSeq(args) };
  }

  failNext(args: { status: 429 | 500 | 503; count?: number }): { ok: true } {
    if (![429, 500, 503].includes(args.status))
      throw new ControlError(400, 'bad_request', 'status must be 429, 500 or 503');
    this.deps.faults.failNext = { status: args.status, count: args.count ?? 1 };
    return { ok: true };
  }

  latency(args: { ms: number }): { ok: true } {
    this.deps.faults.latencyMs = Math.max(0, args.ms);
    return { ok: true };
  }

  setRateLimit(args: { preset?: 'basic' | 'generous'; config?: RateLimitConfig }): { ok: true } {
    this.deps.limiter.configure(
      args.config ?? (args.preset === 'basic' ? BASIC_RATE_LIMIT : GENEROUS_RATE_LIMIT),
    );
    return { ok: true };
  }

  // ---------------------------------------------------------------- HTTP

  /** POST /_control/<operation> with a JSON body of the operation's argument. Never throws. */
  async handleHttp(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const name = url.pathname.slice('/_control/'.length);
    const send = (status: number, body: unknown): void => {
      const text = JSON.stringify(body);
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
    };
    try {
      const operation = CONTROL_OPERATIONS.find((op) => op === name);
      if (!operation) throw new ControlError(404, 'not_found', `unknown control operation ${name}`);
      if (
        req.method !== 'POST' &&
        !(req.method === 'GET' && (operation === 'connections' || operation === 'now'))
      ) {
        throw new ControlError(405, 'method_not_allowed', 'use POST');
      }
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      let args: unknown = {};
      if (text.trim() !== '') {
        try {
          args = JSON.parse(text);
        } catch {
          throw new ControlError(400, 'bad_request', 'body is not JSON');
        }
      }
      const invoke = (this[operation] as (a: unknown) => unknown).bind(this);
      send(200, await invoke(args));
    } catch (e) {
      if (e instanceof ControlError) send(e.status, { error: { code: e.code, message: e.message } });
      else send(500, { error: { code: 'internal_error', message: 'control operation failed' } });
    }
  }
}

export const CONTROL_OPERATIONS = [
  'createAccount',
  'createApiKey',
  'revokeApiKey',
  'fund',
  'getAccount',
  'placeOrder',
  'cancelOrder',
  'trade',
  'tradeAs',
  'movePrice',
  'jumpPrice',
  'setCloseTime',
  'pauseMarket',
  'closeMarket',
  'determineMarket',
  'settleMarket',
  'advanceClock',
  'now',
  'connections',
  'stallChannel',
  'resumeChannel',
  'dropConnections',
  'skipSeq',
  'failNext',
  'latency',
  'setRateLimit',
] as const satisfies readonly (keyof SimulatorControl)[];
