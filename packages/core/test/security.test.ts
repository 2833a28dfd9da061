import { describe, expect, it } from 'vitest';
import {
  allowOrigin,
  requestCsrfToken,
  sessionCsrfToken,
  SKIP_CSRF_CHECK,
  textResponse,
  timingSafeEqual,
  validCsrfToken,
} from '../src/index.js';
import { checkRequest } from '../src/internal.js';
import { Harness, request } from './support/harness.js';
import type { TestServerOptions } from './support/harness.js';

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

const GET = (extra: Record<string, string> = {}) => ({ query: { 'client-id': 'c1', uid: 'alice', ...extra } });

describe('security pipeline on the server', () => {
  it('answers with the reject hook response first, before CSRF, origin and authorization', async () => {
    const h = new Harness({
      reject: (req) => (req.query['ban'] ? { status: 429, headers: { 'retry-after': '5' }, body: 'slow down' } : null),
      csrfToken: () => 'nope',
      allowedOrigins: [],
      authorized: () => false,
    });
    const r = await h.handle(GET({ ban: '1' }));
    expect(r.response).toEqual({ status: 429, headers: { 'retry-after': '5' }, body: 'slow down' });
    expect(h.errors[0]!.error).toMatchObject({ code: 'ERR_SENTE_REJECTED', status: 429 });
    expect(h.errors[0]!.context).toEqual({ clientId: 'c1' });
  });

  it('rejects a WebSocket upgrade with the HTTP response instead of upgrading', async () => {
    const h = new Harness({ reject: () => ({ status: 403, body: 'no' }) });
    const r = await h.handle({ websocket: true, ...GET() });
    expect(r.response?.status).toBe(403);
    expect(r.channel).toBeUndefined();
    expect(r.calls).toBe(1);
    expect(h.server.stats().wsClients).toBe(0);
  });

  it('answers 403 "Bad CSRF token" to a wrong token, before the origin check', async () => {
    const h = new Harness({ csrfToken: () => 'right', allowedOrigins: [] });
    const r = await h.handle(GET({ 'csrf-token': 'wrong' }));
    expect(r.response).toMatchObject({ status: 403, body: 'Bad CSRF token' });
    expect(h.errorCodes()).toEqual(['ERR_SENTE_BAD_CSRF']);
  });

  it.each([
    ['the csrf-token query parameter', { query: { 'csrf-token': 'tok' } }],
    ['the x-csrf-token header', { headers: { 'x-csrf-token': 'tok' } }],
    ['the x-xsrf-token header', { headers: { 'x-xsrf-token': 'tok' } }],
  ])('accepts the token from %s', async (_name, where) => {
    const h = new Harness({ csrfToken: () => 'tok' });
    const r = await h.ajaxGet('c1', { uid: 'alice', ...where });
    expect(r.answered).toBe(true);
    const ws = await h.ws('c2', { uid: 'alice', ...where });
    expect(ws.frames()).toHaveLength(1);
  });

  it('checks the CSRF token of a POST too', async () => {
    const h = new Harness({ csrfToken: () => 'tok' });
    const bad = await h.post('c1', [['chat/msg', 1], null], { uid: 'alice', headers: { 'x-csrf-token': 'bad' } });
    expect(bad.adapter.response?.status).toBe(403);
    const good = await h.post('c1', [['chat/msg', 1], null], { uid: 'alice', headers: { 'x-csrf-token': 'tok' } });
    expect(good.body()).toEqual(['chsk/dummy-cb-200', null]);
    expect(h.eventsOf('chat/msg')).toHaveLength(1);
  });

  it('fails closed when csrfToken gives no reference token', async () => {
    const h = new Harness({ csrfToken: () => undefined });
    const r = await h.handle(GET({ 'csrf-token': 'anything' }));
    expect(r.response?.status).toBe(403);
  });

  it('fails closed by default when the session has no token, and passes with the session token', async () => {
    const h = new Harness({ csrfToken: undefined });
    expect((await h.handle(GET({ 'csrf-token': 'x' }))).response?.status).toBe(403);
    const ok = await h.handle({ ...GET({ 'csrf-token': 'sess' }), session: { csrfToken: 'sess' } });
    expect(ok.channel?.sent).toHaveLength(1);
  });

  it('skips the check when csrfToken returns SKIP_CSRF_CHECK', async () => {
    const h = new Harness({ csrfToken: async () => SKIP_CSRF_CHECK });
    expect((await h.handle(GET())).channel?.sent).toHaveLength(1);
  });

  it('does not check CSRF when csrfToken is null', async () => {
    const h = new Harness({ csrfToken: null });
    expect((await h.handle(GET())).channel?.sent).toHaveLength(1);
  });

  it('lets validateCsrf take precedence over csrfToken', async () => {
    const h = new Harness({ csrfToken: () => 'reference', validateCsrf: async (_req, token) => token === 'signed.ok' });
    expect((await h.handle(GET({ 'csrf-token': 'reference' }))).response?.status).toBe(403);
    expect((await h.handle(GET({ 'csrf-token': 'signed.ok' }))).channel?.sent).toHaveLength(1);
  });

  it('answers 403 "Unauthorized origin" to an origin not allowed, before authorization', async () => {
    const h = new Harness({ allowedOrigins: ['https://site.example'], authorized: () => false });
    const r = await h.handle({ ...GET(), headers: { origin: 'https://evil.example' } });
    expect(r.response).toMatchObject({ status: 403, body: 'Unauthorized origin' });
    expect(h.errorCodes()).toEqual(['ERR_SENTE_BAD_ORIGIN']);
  });

  it('accepts an allowed Origin, and a Referer only when there is no Origin', async () => {
    const h = new Harness({ allowedOrigins: ['https://site.example'] });
    expect((await h.handle({ ...GET(), headers: { origin: 'https://site.example' } })).channel).toBeDefined();
    expect((await h.handle({ ...GET(), headers: { referer: 'https://site.example/app' } })).channel).toBeDefined();
    const both = await h.handle({ ...GET(), headers: { origin: 'https://evil.example', referer: 'https://site.example/app' } });
    expect(both.response?.status).toBe(403);
  });

  it('answers 401 "Unauthorized request" when authorized says no', async () => {
    const h = new Harness({ authorized: async (req) => req.query['uid'] === 'alice' });
    const r = await h.handle({ query: { 'client-id': 'c1', uid: 'mallory' } });
    expect(r.response).toMatchObject({ status: 401, body: 'Unauthorized request' });
    expect(h.errorCodes()).toEqual(['ERR_SENTE_UNAUTHORIZED']);
    expect((await h.handle(GET())).channel).toBeDefined();
  });

  it('uses the custom rejection responses', async () => {
    const h = new Harness({
      csrfToken: () => 'tok',
      badCsrf: () => ({ status: 419, body: 'csrf' }),
      allowedOrigins: ['https://site.example'],
      badOrigin: () => ({ status: 451, body: 'origin' }),
      authorized: () => false,
      unauthorized: () => ({ status: 402, body: 'auth' }),
    });
    expect((await h.handle(GET())).response?.status).toBe(419);
    expect((await h.handle(GET({ 'csrf-token': 'tok' }))).response?.status).toBe(451);
    expect((await h.handle({ ...GET({ 'csrf-token': 'tok' }), headers: { origin: 'https://site.example' } })).response?.status).toBe(402);
  });

  const boom = (): never => {
    throw new Error('boom');
  };
  it.each<[string, (failing: () => boolean) => TestServerOptions]>([
    ['reject', (failing) => ({ reject: () => (failing() ? boom() : null) })],
    ['csrfToken', (failing) => ({ csrfToken: () => (failing() ? boom() : SKIP_CSRF_CHECK) })],
    ['validateCsrf', (failing) => ({ validateCsrf: async () => (failing() ? boom() : true) })],
    ['authorized', (failing) => ({ authorized: () => (failing() ? boom() : true) })],
    ['userId', (failing) => ({ userId: async (req) => (failing() ? boom() : req.query['uid']) })],
    ['handshakeData', (failing) => ({ handshakeData: () => (failing() ? boom() : null) })],
    ['badCsrf', (failing) => ({ csrfToken: () => (failing() ? 'x' : SKIP_CSRF_CHECK), badCsrf: boom })],
  ])('answers 500 when the %s hook throws, reports ERR_SENTE_HOOK_FAILED, and keeps working', async (_name, make) => {
    let fail = true;
    const h = new Harness(make(() => fail));
    const r = await h.handle(GET());
    expect(r.response).toMatchObject({ status: 500, body: 'Internal error' });
    expect(r.calls).toBe(1);
    expect(h.errors).toHaveLength(1);
    expect(h.errors[0]!.error.code).toBe('ERR_SENTE_HOOK_FAILED');
    expect((h.errors[0]!.error.cause as Error).message).toBe('boom');
    fail = false;
    const ok = await h.ws('c2', { uid: 'alice' });
    expect(ok.frames()).toHaveLength(1);
  });

  it('answers 500 with ERR_SENTE_BAD_UID when userId returns something that is not a uid', async () => {
    const h = new Harness({ userId: () => ({ id: 1 }) as unknown as string });
    const r = await h.handle(GET());
    expect(r.response?.status).toBe(500);
    expect(h.errorCodes()).toEqual(['ERR_SENTE_BAD_UID']);
  });

  it('keeps working when onError itself throws', async () => {
    const h = new Harness({
      onError: () => {
        throw new Error('reporter down');
      },
      csrfToken: () => 'x',
    });
    const r = await h.handle(GET());
    expect(r.response?.status).toBe(403);
  });
});

describe('the order of the checks on a POST', () => {
  it('runs the security checks before reading the body: a forbidden POST is 403 whatever its body, and its body is never read', async () => {
    let read = false;
    const h = new Harness({ csrfToken: () => 'expected-token' });
    const r = await h.handle({
      method: 'POST',
      query: {},
      body: 'not a form at all',
      onReadBody: () => (read = true),
    });
    expect(r.response?.status).toBe(403);
    expect(read).toBe(false);
  });
});
