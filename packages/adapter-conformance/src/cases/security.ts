import { expect, it } from 'vitest';
import { SKIP_CSRF_CHECK, headerValue } from '@sente/core';
import { CASE_TIMEOUT_MS } from './context.js';
import { EMPTY_STATS } from '../harness.js';
import type { CaseContext } from './context.js';
import type { TestServer } from '../harness.js';
import type { Transport } from '../peer.js';

/** How a client presents itself: its CSRF token (WS query param, Ajax header) and extra headers. */
interface Credentials {
  csrfToken?: string;
  headers?: Record<string, string>;
}

/** A refused request: which one, its status, its body, and the `x-test-why` header the reject hook sets. */
interface Refusal {
  request: string;
  status: number;
  body: string;
  why?: string | undefined;
}

const why = (h: string | string[] | null | undefined): { why?: string } => (typeof h === 'string' ? { why: h } : {});

/** Tries every request kind of `transport` with `creds`; gives how each was refused (or accepted). */
async function attempt(t: TestServer, transport: Transport, creds: Credentials): Promise<Refusal[]> {
  if (transport === 'ws') {
    try {
      await t.ws({ ...creds, params: { uid: 'alice' } });
      return [{ request: 'upgrade', status: 101, body: '' }];
    } catch (e) {
      const r = e as { status?: number; body?: string; headers?: Record<string, string | string[] | undefined> };
      if (r.status === undefined) throw e;
      return [{ request: 'upgrade', status: r.status, body: r.body ?? '', ...why(r.headers?.['x-test-why']) }];
    }
  }
  const c = t.ajax({ ...creds, params: { uid: 'alice' } });
  const get = await c.get({ handshake: true });
  const post = await c.post(['test/note', 'hello']);
  return [
    { request: 'GET', status: get.status, body: get.status === 200 ? '' : get.text, ...why(get.headers.get('x-test-why')) },
    { request: 'POST', status: post.status, body: post.status === 200 ? '' : post.text, ...why(post.headers.get('x-test-why')) },
  ];
}

/** The requests of `transport`, all with the same answer. */
function all(transport: Transport, status: number, body: string, extra: Partial<Refusal> = {}): Refusal[] {
  return (transport === 'ws' ? ['upgrade'] : ['GET', 'POST']).map((request) => ({ request, status, body, ...extra }));
}

/** The requests of `transport`, all accepted. */
function accepted(transport: Transport): Refusal[] {
  return all(transport, transport === 'ws' ? 101 : 200, '');
}

/** The security pipeline, on the WebSocket upgrade and on Ajax GET and POST alike (protocol §6). */
export function securityCases({ harness }: CaseContext, transport: Transport): void {
  /** A refused request leaves nothing behind and reaches no handler. */
  function expectNothingLeft(t: TestServer): void {
    expect(t.received).toEqual([]);
    expect(t.stats()).toEqual(EMPTY_STATS);
    expect(t.server.connectedUids.any.size).toBe(0);
  }

  it('answers with the reject hook’s response, status, headers and body, when it returns one', async () => {
    const t = await harness.start({
      reject: (req) =>
        headerValue(req.headers, 'x-test-reject')
          ? { status: 418, headers: { 'x-test-why': 'teapot' }, body: 'No teapots here' }
          : undefined,
    });
    expect(await attempt(t, transport, { headers: { 'x-test-reject': 'yes' } })).toEqual(
      all(transport, 418, 'No teapots here', { why: 'teapot' }),
    );
    expectNothingLeft(t);
    expect(await attempt(t, transport, {})).toEqual(accepted(transport));
  }, CASE_TIMEOUT_MS);

  it('refuses a wrong or missing CSRF token with 403 "Bad CSRF token", and accepts the right one', async () => {
    const t = await harness.start({ csrfToken: () => 'csrf-secret' });
    expect(await attempt(t, transport, { csrfToken: 'csrf-guess' })).toEqual(all(transport, 403, 'Bad CSRF token'));
    expect(await attempt(t, transport, {})).toEqual(all(transport, 403, 'Bad CSRF token'));
    expectNothingLeft(t);
    expect(await attempt(t, transport, { csrfToken: 'csrf-secret' })).toEqual(accepted(transport));
  }, CASE_TIMEOUT_MS);

  it('skips the CSRF check when csrfToken returns sente/skip-CSRF-check, and fails closed when it returns nothing', async () => {
    const t = await harness.start({
      csrfToken: (req) => {
        const mode = headerValue(req.headers, 'x-test-csrf');
        return mode === 'skip' ? SKIP_CSRF_CHECK : mode === 'none' ? undefined : 'csrf-secret';
      },
    });
    expect(await attempt(t, transport, { headers: { 'x-test-csrf': 'skip' } })).toEqual(accepted(transport));
    expect(await attempt(t, transport, { csrfToken: '', headers: { 'x-test-csrf': 'none' } })).toEqual(all(transport, 403, 'Bad CSRF token'));
    expect(await attempt(t, transport, { csrfToken: 'csrf-secret', headers: { 'x-test-csrf': 'none' } })).toEqual(
      all(transport, 403, 'Bad CSRF token'),
    );
  }, CASE_TIMEOUT_MS);

  it("runs the checks in Sente's order: client id, reject hook, CSRF, origin, authorized hook", async () => {
    const t = await harness.start({
      reject: (req) => (headerValue(req.headers, 'x-test-reject') ? { status: 418, body: 'No teapots here' } : undefined),
      csrfToken: () => 'csrf-secret',
      allowedOrigins: ['http://app.example'],
      authorized: (req) => headerValue(req.headers, 'x-test-user') === 'trusted',
    });
    const evil = { origin: 'http://evil.example' };
    expect(await attempt(t, transport, { headers: { ...evil, 'x-test-reject': 'yes' } })).toEqual(all(transport, 418, 'No teapots here'));
    expect(await attempt(t, transport, { headers: evil })).toEqual(all(transport, 403, 'Bad CSRF token'));
    expect(await attempt(t, transport, { csrfToken: 'csrf-secret', headers: evil })).toEqual(all(transport, 403, 'Unauthorized origin'));
    expect(await attempt(t, transport, { csrfToken: 'csrf-secret', headers: { origin: 'http://app.example' } })).toEqual(
      all(transport, 401, 'Unauthorized request'),
    );
    const noClientId = transport === 'ws' ? await t.wsRejected({ clientId: null, headers: { ...evil, 'x-test-reject': 'yes' } }) : undefined;
    const noClientIdAjax = transport === 'ajax' ? await t.ajax({ clientId: null, headers: { ...evil, 'x-test-reject': 'yes' } }).get() : undefined;
    expect(noClientId?.status ?? noClientIdAjax?.status).toBe(400);
    expectNothingLeft(t);
  }, CASE_TIMEOUT_MS);

  it('refuses an origin not in allowedOrigins with 403 "Unauthorized origin"', async () => {
    const t = await harness.start({ allowedOrigins: ['http://app.example'] });
    const refused = all(transport, 403, 'Unauthorized origin');
    expect(await attempt(t, transport, { headers: { origin: 'http://evil.example' } })).toEqual(refused);
    expect(await attempt(t, transport, { headers: { origin: 'http://evil.example', referer: 'http://app.example/page' } })).toEqual(refused);
    // Without an Origin header, Sente checks the Referer.
    expect(await attempt(t, transport, { headers: { referer: 'http://evil.example/page' } })).toEqual(refused);
    expect(await attempt(t, transport, {})).toEqual(refused);
    expectNothingLeft(t);
    expect(await attempt(t, transport, { headers: { origin: 'http://app.example' } })).toEqual(accepted(transport));
    expect(await attempt(t, transport, { headers: { referer: 'http://app.example/page' } })).toEqual(accepted(transport));
  }, CASE_TIMEOUT_MS);

  it('refuses a request the authorized hook denies with 401 "Unauthorized request"', async () => {
    const t = await harness.start({ authorized: (req) => headerValue(req.headers, 'x-test-user') === 'trusted' });
    expect(await attempt(t, transport, { headers: { 'x-test-user': 'stranger' } })).toEqual(all(transport, 401, 'Unauthorized request'));
    expectNothingLeft(t);
    expect(await attempt(t, transport, { headers: { 'x-test-user': 'trusted' } })).toEqual(accepted(transport));
  }, CASE_TIMEOUT_MS);

  it('answers 500 "Internal error" when a hook throws, and keeps serving', async () => {
    const t = await harness.start({
      userId: (req) => {
        if (req.query['uid'] === 'boom') throw new Error('hook failure');
        return req.query['uid'];
      },
    });
    const boom = await (async () => {
      if (transport === 'ws') {
        const r = await t.wsRejected({ params: { uid: 'boom' } });
        return [{ status: r.status, body: r.body }];
      }
      const c = t.ajax({ params: { uid: 'boom' } });
      const answers = [await c.get({ handshake: true }), await c.get()];
      return answers.map((a) => ({ status: a.status, body: a.text }));
    })();
    expect(boom).toEqual(Array(boom.length).fill({ status: 500, body: 'Internal error' }));
    expect(t.errors.map((e) => e.code)).toEqual(boom.map(() => 'ERR_SENTE_HOOK_FAILED'));
    expect(t.stats()).toEqual(EMPTY_STATS);
    expect(await attempt(t, transport, {})).toEqual(accepted(transport));
  }, CASE_TIMEOUT_MS);
}
