import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { asSenteError, errorResponse, isSenteError, SenteError, senteError } from '../src/index.js';
import { ERRORS } from '../src/internal.js';
import type { SenteErrorCode } from '../src/index.js';

/** The table between the markers of docs/reference/protocol.md, as code → [status, close code, message]. */
function docsTable(): Record<string, [string, string, string]> {
  const md = readFileSync(new URL('../../../docs/reference/protocol.md', import.meta.url), 'utf8');
  const body = md.slice(md.indexOf('<!-- errors-table:start -->'), md.indexOf('<!-- errors-table:end -->'));
  const rows: Record<string, [string, string, string]> = {};
  for (const line of body.split('\n')) {
    const m = /^\| `(ERR_SENTE_\w+)` \| ([^|]+) \| ([^|]+) \| ([^|]+) \|$/.exec(line);
    if (m) rows[m[1] as string] = [(m[2] as string).trim(), (m[3] as string).trim(), (m[4] as string).trim()];
  }
  return rows;
}

describe('the error table', () => {
  it('is the table of docs/reference/protocol.md, row for row', () => {
    const fromCode = Object.fromEntries(
      Object.entries(ERRORS).map(([code, e]) => [code, [String(e.status ?? '—'), String(e.closeCode ?? '—'), e.message]]),
    );
    expect(docsTable()).toEqual(fromCode);
  });

  it('gives every error its status and close code from the code alone', () => {
    const e = senteError('ERR_SENTE_BAD_PACKAGE', 'Bad package: no ppstr');
    expect(e).toMatchObject({ code: 'ERR_SENTE_BAD_PACKAGE', status: 400, closeCode: 1007, message: 'Bad package: no ppstr' });
    expect(senteError('ERR_SENTE_PAYLOAD_TOO_LARGE')).toMatchObject({ status: 413, closeCode: 1009, message: 'Payload too large' });
    for (const code of Object.keys(ERRORS) as SenteErrorCode[]) {
      const err = senteError(code);
      expect([err.status, err.closeCode, err.message]).toEqual([ERRORS[code].status, ERRORS[code].closeCode, ERRORS[code].message]);
    }
  });

  it('answers a client error with its detail and a server error with its public message only', () => {
    expect(errorResponse(senteError('ERR_SENTE_NO_CLIENT_ID', 'Bad client id'))).toMatchObject({ status: 400, body: 'Bad client id' });
    const hook = senteError('ERR_SENTE_HOOK_FAILED', 'userId threw: db password rejected for user sa');
    expect(errorResponse(hook)).toMatchObject({ status: 500, body: 'Internal error' });
    expect(errorResponse(senteError('ERR_SENTE_BAD_METHOD')).headers?.['allow']).toBe('GET, POST');
  });

  it('keeps a Sente error as it is and wraps anything else under the given code', () => {
    const own = senteError('ERR_SENTE_BAD_EVENT');
    expect(asSenteError(own, 'ERR_SENTE_HOOK_FAILED')).toBe(own);
    const wrapped = asSenteError(new TypeError('boom'), 'ERR_SENTE_HOOK_FAILED', 'A hook failed.');
    expect(wrapped).toMatchObject({ code: 'ERR_SENTE_HOOK_FAILED', status: 500, message: 'A hook failed.' });
    expect((wrapped.cause as Error).message).toBe('boom');
    expect(isSenteError(wrapped)).toBe(true);
  });
});

describe('SenteError', () => {
  it('carries a code, status, close code and cause', () => {
    const cause = new Error('root');
    const e = new SenteError('ERR_SENTE_BAD_CSRF', 'Bad CSRF token', { status: 403, closeCode: 4003, cause });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('SenteError');
    expect(e.code).toBe('ERR_SENTE_BAD_CSRF');
    expect(e.status).toBe(403);
    expect(e.closeCode).toBe(4003);
    expect(e.cause).toBe(cause);
    expect(new SenteError('ERR_SENTE_TIMEOUT', 'x').cause).toBeUndefined();
  });

  it('is recognised by its brand, even across copies of the package', () => {
    expect(isSenteError(new SenteError('ERR_SENTE_TIMEOUT', 'x'))).toBe(true);
    expect(isSenteError({ [Symbol.for('sente.error')]: true })).toBe(true);
    expect(isSenteError(new Error('x'))).toBe(false);
    expect(isSenteError(null)).toBe(false);
  });
});
