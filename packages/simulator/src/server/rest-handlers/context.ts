/**
 * What every REST handler is given and gives back: the exchange and server state
 * (RestContext), the parsed request, and a reply. Also the small steps most handlers share.
 */
import type { Engine } from '../../engine/engine.js';
import type { Account, EngineResult } from '../../engine/types.js';
import type { AuthWindow, KeyRegistry } from '../auth.js';
import { fromEngineError, NOT_FOUND, type HttpError } from '../errors.js';
import type { RateLimiter } from '../rate-limit.js';
import { RequestError } from '../rest-params.js';
import { stringifySorted } from '../wire.js';

/** Injected REST failures (control API): the next answers fail, every answer waits. */
export interface Faults {
  failNext: { status: number; count: number } | null;
  latencyMs: number;
}

export interface RestContext {
  engine: Engine;
  keys: KeyRegistry;
  limiter: RateLimiter;
  faults: Faults;
  authWindow: AuthWindow;
  /** Wall-clock milliseconds for the signature timestamp window (clients sign with real time). */
  wallClock: () => number;
}

export interface RestRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: string;
  /** The signed-in user on private routes, null on public ones. */
  userId: string | null;
}

/** Status and JSON body, errors included (the same shape as HttpError). */
export type Reply = HttpError;

export type Handler = (ctx: RestContext, req: RestRequest, params: string[]) => Reply;

/** A success body, keys sorted as Kalshi lays them out. */
export const ok = (body: unknown, status = 200): Reply => ({ status, body: stringifySorted(body) });

export function requireAccount(ctx: RestContext, req: RestRequest): Account {
  const account = req.userId === null ? undefined : ctx.engine.getAccount(req.userId);
  if (!account) throw new RequestError(NOT_FOUND);
  return account;
}

/** The value of a successful engine result; a failure becomes Kalshi's error answer. */
export function unwrap<T>(result: EngineResult<T>): T {
  if (!result.ok) throw new RequestError(fromEngineError(result.error));
  return result.value;
}
