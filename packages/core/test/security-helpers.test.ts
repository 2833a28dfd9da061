import { describe, expect, it } from 'vitest';
import {
  SKIP_CSRF_CHECK,
  allowOrigin,
  requestCsrfToken,
  sessionCsrfToken,
  textResponse,
  timingSafeEqual,
  validCsrfToken,
} from '../src/index.js';
import { checkRequest } from '../src/internal.js';
import { request } from './support/harness.js';

describe('allowOrigin', () => {
  it('allows everything for "all"', () => {
    expect(allowOrigin('all', request())).toBe(true);
    expect(allowOrigin('all', request({ headers: { origin: 'https://evil.example' } }))).toBe(true);
  });

  it('allows an Origin header that exactly equals an allowed origin', () => {
    const allowed = ['https://site.example', 'https://other.example'];
    expect(allowOrigin(allowed, request({ headers: { origin: 'https://other.example' } }))).toBe(true);
    expect(allowOrigin(allowed, request({ headers: { origin: 'https://site.example.evil' } }))).toBe(false);
    expect(allowOrigin(allowed, request({ headers: { origin: 'https://site.example/' } }))).toBe(false);
    expect(allowOrigin(allowed, request({ headers: { origin: 'http://site.example' } }))).toBe(false);
  });

  it('uses the Referer only when there is no Origin header', () => {
    const allowed = ['https://site.example'];
    expect(allowOrigin(allowed, request({ headers: { referer: 'https://site.example/page' } }))).toBe(true);
    expect(allowOrigin(allowed, request({ headers: { referer: 'https://site.example.evil/page' } }))).toBe(false);
    expect(allowOrigin(allowed, request({ headers: { referer: 'https://site.example' } }))).toBe(false);
    expect(
      allowOrigin(allowed, request({ headers: { origin: 'https://evil.example', referer: 'https://site.example/page' } })),
    ).toBe(false);
  });

  it('rejects a request with neither Origin nor Referer', () => {
    expect(allowOrigin(['https://site.example'], request())).toBe(false);
  });

  it('reads the first value of a repeated header', () => {
    expect(allowOrigin(['https://a.example'], request({ headers: { origin: ['https://a.example', 'https://b.example'] } }))).toBe(true);
  });
});

describe('CSRF tokens', () => {
  it('reads the request token from query csrf-token, then x-csrf-token, then x-xsrf-token', () => {
    expect(
      requestCsrfToken(request({ query: { 'csrf-token': 'q' }, headers: { 'x-csrf-token': 'h', 'x-xsrf-token': 'x' } })),
    ).toBe('q');
    expect(requestCsrfToken(request({ headers: { 'x-csrf-token': 'h', 'x-xsrf-token': 'x' } }))).toBe('h');
    expect(requestCsrfToken(request({ headers: { 'x-xsrf-token': 'x' } }))).toBe('x');
    expect(requestCsrfToken(request())).toBeUndefined();
  });

  it('reads the reference token from session csrfToken, then csrf-token', () => {
    expect(sessionCsrfToken(request({ session: { csrfToken: 'a', 'csrf-token': 'b' } }))).toBe('a');
    expect(sessionCsrfToken(request({ session: { 'csrf-token': 'b' } }))).toBe('b');
    expect(sessionCsrfToken(request({ session: { csrfToken: 42 } }))).toBeUndefined();
    expect(sessionCsrfToken(request())).toBeUndefined();
    expect(sessionCsrfToken(request({ session: null }))).toBeUndefined();
  });

  it('validCsrfToken passes a matching token from any of the three places', () => {
    expect(validCsrfToken('t0k', request({ query: { 'csrf-token': 't0k' } }))).toBe(true);
    expect(validCsrfToken('t0k', request({ headers: { 'x-csrf-token': 't0k' } }))).toBe(true);
    expect(validCsrfToken('t0k', request({ headers: { 'x-xsrf-token': 't0k' } }))).toBe(true);
  });

  it('validCsrfToken fails a wrong or missing request token', () => {
    expect(validCsrfToken('t0k', request({ query: { 'csrf-token': 't0K' } }))).toBe(false);
    expect(validCsrfToken('t0k', request({ query: { 'csrf-token': 't0k0' } }))).toBe(false);
    expect(validCsrfToken('t0k', request())).toBe(false);
  });

  it('validCsrfToken fails closed without a reference token', () => {
    expect(validCsrfToken(undefined, request({ query: { 'csrf-token': 'anything' } }))).toBe(false);
    expect(validCsrfToken(null, request({ query: { 'csrf-token': '' } }))).toBe(false);
    expect(validCsrfToken('', request({ query: { 'csrf-token': '' } }))).toBe(false);
  });

  it('validCsrfToken skips the check for SKIP_CSRF_CHECK', () => {
    expect(SKIP_CSRF_CHECK).toBe('sente/skip-CSRF-check');
    expect(validCsrfToken(SKIP_CSRF_CHECK, request())).toBe(true);
  });
});

describe('timingSafeEqual', () => {
  it('is true only for identical strings', () => {
    expect(timingSafeEqual('', '')).toBe(true);
    expect(timingSafeEqual('abc', 'abc')).toBe(true);
    expect(timingSafeEqual('abc', 'abd')).toBe(false);
    expect(timingSafeEqual('abc', 'ab')).toBe(false);
    expect(timingSafeEqual('ab', 'abc')).toBe(false);
    expect(timingSafeEqual('', 'a')).toBe(false);
    expect(timingSafeEqual('é', 'e')).toBe(false);
  });

  it('reads every character even when the first ones differ (no early exit)', () => {
    const reads: number[] = [];
    const spy = (text: string): string =>
      ({ length: text.length, charCodeAt: (i: number) => (reads.push(i), text.charCodeAt(i)) }) as unknown as string;
    expect(timingSafeEqual(spy('xbcdef'), 'abcdef')).toBe(false);
    expect(reads).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('is not fooled by a prefix whose missing characters would compare as 0', () => {
    expect(timingSafeEqual('a\u0000', 'a')).toBe(false);
  });
});

describe('checkRequest', () => {
  const ok = { csrfToken: null } as const;

  it('accepts when every check passes', async () => {
    expect(await checkRequest(ok, request())).toBeUndefined();
  });

  it('returns the reject hook response before any other check', async () => {
    const r = { status: 429, body: 'slow down' };
    expect(await checkRequest({ reject: () => r, allowedOrigins: [], authorized: () => false }, request())).toEqual({
      code: 'ERR_SENTE_REJECTED',
      response: r,
    });
  });

  it('falls through when the reject hook returns nothing', async () => {
    expect(await checkRequest({ ...ok, reject: () => null }, request())).toBeUndefined();
    expect(await checkRequest({ ...ok, reject: async () => undefined }, request())).toBeUndefined();
  });

  it('checks CSRF before the origin, and the origin before authorization', async () => {
    const all = { allowedOrigins: ['https://site.example'], authorized: () => false } as const;
    expect(await checkRequest({ ...all, csrfToken: () => 'x' }, request())).toEqual({
      code: 'ERR_SENTE_BAD_CSRF',
      response: textResponse(403, 'Bad CSRF token'),
    });
    expect(await checkRequest({ ...all, csrfToken: null }, request())).toEqual({
      code: 'ERR_SENTE_BAD_ORIGIN',
      response: textResponse(403, 'Unauthorized origin'),
    });
    expect(await checkRequest({ ...all, csrfToken: null }, request({ headers: { origin: 'https://site.example' } }))).toEqual({
      code: 'ERR_SENTE_UNAUTHORIZED',
      response: textResponse(401, 'Unauthorized request'),
    });
  });

  it('reads the session token by default and fails closed without one', async () => {
    expect((await checkRequest({}, request()))?.code).toBe('ERR_SENTE_BAD_CSRF');
    expect(await checkRequest({}, request({ session: { csrfToken: 's' }, headers: { 'x-csrf-token': 's' } }))).toBeUndefined();
  });

  it('lets validateCsrf decide, with the request token, even when csrfToken is set', async () => {
    const seen: (string | undefined)[] = [];
    const opts = {
      csrfToken: () => 'reference',
      validateCsrf: (_req: unknown, token: string | undefined) => {
        seen.push(token);
        return token === 'signed';
      },
    };
    expect(await checkRequest(opts, request({ headers: { 'x-csrf-token': 'signed' } }))).toBeUndefined();
    expect((await checkRequest(opts, request({ query: { 'csrf-token': 'reference' } })))?.code).toBe('ERR_SENTE_BAD_CSRF');
    expect(seen).toEqual(['signed', 'reference']);
  });

  it('uses the custom rejection responses', async () => {
    const badCsrf = () => ({ status: 419, body: 'csrf' });
    const badOrigin = () => ({ status: 451, body: 'origin' });
    const unauthorized = () => ({ status: 402, body: 'auth' });
    expect((await checkRequest({ csrfToken: () => 'x', badCsrf }, request()))?.response.status).toBe(419);
    expect((await checkRequest({ csrfToken: null, allowedOrigins: [], badOrigin }, request()))?.response.status).toBe(451);
    expect(
      (await checkRequest({ csrfToken: null, authorized: async () => false, unauthorized }, request()))?.response.status,
    ).toBe(402);
  });
});
