import { describe, expect, it } from 'vitest';
import { SKIP_CSRF_CHECK } from '../src/index.js';
import { Harness } from './support/harness.js';
import type { TestServerOptions } from './support/harness.js';

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
