/** Building the engine's `EngineResult` answers. */
import type { EngineError, EngineResult } from './types.js';

export function fail<T>(code: EngineError['code'], details?: string): EngineResult<T> {
  return { ok: false, error: details === undefined ? { code } : { code, details } };
}
