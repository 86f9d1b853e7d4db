/**
 * Telling "the database is not answering" apart from every other database error. The first
 * is transient: a request gets 503 `database_unavailable` (never 401, never a silent "not
 * found") and a write is kept and retried. Anything else (a constraint the row breaks, a bug
 * in a query) is permanent: retrying it cannot help.
 *
 * Drizzle wraps every driver error in a DrizzleQueryError whose message holds the SQL and its
 * parameters, so the decision is made on the chain of causes, and logs get the innermost
 * error only.
 */

/** Socket-level failures of node-postgres (and Node's net module under it). */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

/**
 * SQLSTATEs that say "try again later": query_canceled (our statement_timeout), the server
 * shutting down or starting, too many connections, serialization failures and deadlocks.
 */
const TRANSIENT_SQLSTATES = new Set(['57014', '57P01', '57P02', '57P03', '55P03', '40001', '40P01']);
/** SQLSTATE classes: 08 connection exception, 53 insufficient resources (disk full, memory). */
const TRANSIENT_SQLSTATE_CLASSES = new Set(['08', '53']);

/**
 * Errors node-postgres and PGlite raise without a code when the connection is gone or never
 * came (see pg-pool's and pg's client sources), or when our own client-side timeouts fire.
 */
const UNAVAILABLE_MESSAGES = [
  /timeout exceeded when trying to connect/i,
  /connection terminated/i,
  /query read timeout/i,
  /is not queryable/i,
  /cannot use a pool after calling end/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
  /pglite is closed/i,
];

/** The error and its causes, outermost first (AggregateError members included). */
function chain(error: unknown): unknown[] {
  const found: unknown[] = [];
  const queue: unknown[] = [error];
  while (queue.length > 0 && found.length < 16) {
    const next = queue.shift();
    if (next === undefined || next === null || found.includes(next)) continue;
    found.push(next);
    if (next instanceof AggregateError) queue.push(...(next.errors as unknown[]));
    if (next instanceof Error && next.cause !== undefined) queue.push(next.cause);
  }
  return found;
}

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const { code } = error;
  return typeof code === 'string' ? code : undefined;
}

/** True when the error (or one of its causes) says the database cannot be reached right now. */
export function isDatabaseUnavailable(error: unknown): boolean {
  return chain(error).some((link) => {
    const code = codeOf(link);
    if (code !== undefined) {
      if (NETWORK_CODES.has(code) || TRANSIENT_SQLSTATES.has(code)) return true;
      if (/^[0-9A-Z]{5}$/.test(code) && TRANSIENT_SQLSTATE_CLASSES.has(code.slice(0, 2))) return true;
    }
    return link instanceof Error && UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(link.message));
  });
}

/**
 * The innermost error: the driver's, not drizzle's wrapper (whose message carries the query
 * and its parameters). What to keep as an AppError's cause, which gets logged.
 */
export function rootDatabaseError(error: unknown): unknown {
  return chain(error).findLast((link) => link instanceof Error) ?? error;
}

/** The innermost error's name, message and code, for a log line. */
export function describeDatabaseError(error: unknown): { name: string; message: string; code?: string } {
  const root = rootDatabaseError(error);
  if (!(root instanceof Error)) return { name: 'unknown', message: String(root) };
  const code = codeOf(root);
  return { name: root.name, message: root.message, ...(code === undefined ? {} : { code }) };
}
