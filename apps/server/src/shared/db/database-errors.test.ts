import { describe, expect, it } from 'vitest';
import { describeDatabaseError, isDatabaseUnavailable } from './database-errors.js';

/** What drizzle throws: its own wrapper, the driver's error as the cause. */
function wrapped(cause: unknown): Error {
  return new Error('Failed query: select * from "sessions" where "jti" = $1\nparams: secret-jti', { cause });
}

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('isDatabaseUnavailable', () => {
  it.each([
    ['a refused connection', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['a reset connection', withCode('read ECONNRESET', 'ECONNRESET')],
    ['the pool giving up on a connection', new Error('timeout exceeded when trying to connect')],
    ['a connection that dropped mid-query', new Error('Connection terminated unexpectedly')],
    ['the client-side query timeout', new Error('Query read timeout')],
    ['the server-side statement timeout', withCode('canceling statement due to statement timeout', '57014')],
    ['the server shutting down', withCode('terminating connection due to administrator command', '57P01')],
    ['too many connections', withCode('sorry, too many clients already', '53300')],
    ['a connection exception (class 08)', withCode('connection failure', '08006')],
    ['a closed PGlite', new Error('PGlite is closed')],
    [
      'every address refused (happy eyeballs)',
      new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')], 'connect failed'),
    ],
  ])('%s is "unavailable", raw or wrapped by drizzle', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect(isDatabaseUnavailable(wrapped(error))).toBe(true);
  });

  it.each([
    ['a unique violation', withCode('duplicate key value violates unique constraint', '23505')],
    ['a foreign key violation', withCode('insert or update violates foreign key constraint', '23503')],
    ['a missing table', withCode('relation "fills" does not exist', '42P01')],
    ['an error of ours', new Error('disk full')],
    ['not an error at all', 'boom'],
  ])('%s is not: retrying cannot help', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
    expect(isDatabaseUnavailable(wrapped(error))).toBe(false);
  });
});

describe('describeDatabaseError', () => {
  it("names the driver's error, never drizzle's wrapper with the query parameters", () => {
    const described = describeDatabaseError(
      wrapped(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')),
    );
    expect(described).toEqual({
      name: 'Error',
      message: 'connect ECONNREFUSED 127.0.0.1:5432',
      code: 'ECONNREFUSED',
    });
    expect(JSON.stringify(described)).not.toContain('secret-jti');
  });
});
