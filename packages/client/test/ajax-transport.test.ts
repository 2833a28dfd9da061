import { Keyword, WIRE } from '@sente/core';
import type { Packer } from '@sente/core';
import { json } from '@sente/packer-json';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SenteEvent } from '../src/index.js';
import { harness } from './support/clients.js';
import { flush } from './support/fake-fetch.js';
import { loadFallback } from '../src/lazy-ajax.js';
import { AJAX_WIRE } from '../src/ajax-wire.js';

// These tests drive the Ajax code with a fake clock, step by step: it is loaded
// beforehand, as a page has it once a client went to Ajax (lazy-ajax.test.ts
// covers the load itself).
beforeAll(() => loadFallback());

const K = (n: string) => Keyword.for(n);
const handshake = (uid = 'u1', data: unknown = null) => json.pack([[K('chsk/handshake'), [uid, null, data]], null]);

/** A binary packer for the octet-stream paths: JSON text as UTF-8 bytes. */
const bytesPacker: Packer = {
  name: 'json-bytes',
  binary: true,
  pack: (v) => new TextEncoder().encode(json.pack(v) as string),
  unpack: (d) => json.unpack(d),
};

describe('Ajax polling', () => {
  it('handshakes with a GET carrying params, udt, client-id, handshake?=1, sente-ext=1 and the X-CSRF-Token header', async () => {
    const { client, fetch, clock } = harness({ type: 'ajax', params: { room: 'r1', udt: 'spoofed' }, headers: { 'X-App': 'a' } });
    const req = fetch.last;
    expect(req.init.method).toBe('GET');
    expect(req.url.origin + req.url.pathname).toBe('http://127.0.0.1:9/chsk');
    expect(req.url.search).toBe(`?room=r1&udt=${clock.now()}&client-id=c1&handshake%3F=1&sente-ext=1`);
    expect(req.init.headers).toEqual({ 'X-App': 'a', 'X-CSRF-Token': 'tok' });
    req.respond(handshake('bob', { n: 1 }));
    await flush();
    expect(client.state).toMatchObject({ type: 'ajax', open: true, uid: 'bob', handshakeData: { n: 1 } });
    // Open now: the next poll does not ask for a handshake.
    expect(fetch.requests).toHaveLength(2);
    expect(fetch.last.url.searchParams.has('handshake?')).toBe(false);
  });

  it('delivers a polled batch in order and polls again at once; a chsk/timeout answer just repolls', async () => {
    const { client, fetch } = harness({ type: 'ajax' });
    const events: SenteEvent[] = [];
    client.on('event', (e) => events.push(e));
    fetch.last.respond(handshake());
    await flush();
    fetch.last.respond(json.pack([[['chat/a', 1], ['chat/b', 2]], null]) as string);
    await flush();
    expect(events).toEqual([['chat/a', 1], ['chat/b', 2]]);
    fetch.last.respond(json.pack([K('chsk/timeout'), null]) as string);
    await flush();
    expect(events).toHaveLength(2);
    expect(fetch.requests).toHaveLength(4);
    expect(client.state.open).toBe(true);
  });

  it('repolls at once when its own ajaxTimeoutMs aborts a poll', async () => {
    const { client, fetch, clock } = harness({ type: 'ajax', ajaxTimeoutMs: 30_000 });
    fetch.last.respond(handshake());
    await flush();
    const parked = fetch.last;
    clock.advance(30_000);
    await flush();
    expect(parked.aborted).toBe(true);
    expect(fetch.requests).toHaveLength(3);
    expect(client.state.open).toBe(true);
  });

  it('on a failed poll marks the client closed (unexpected) and retries: at once, then with backoff, asking for a handshake', async () => {
    const { client, fetch, clock } = harness({ type: 'ajax' });
    fetch.last.respond(handshake());
    await flush();
    fetch.last.fail();
    await flush();
    expect(client.state).toMatchObject({ open: false, lastClose: { reason: 'unexpected' } });
    expect(fetch.requests).toHaveLength(3);
    expect(fetch.last.url.searchParams.get('handshake?')).toBe('1');
    fetch.last.respond('', 503);
    await flush();
    expect(fetch.requests).toHaveLength(3);
    expect(client.state.udtNextReconnect).toBe(clock.now() + 2000);
    clock.advance(2000);
    expect(fetch.requests).toHaveLength(4);
    fetch.last.respond(handshake());
    await flush();
    expect(client.state.open).toBe(true);
  });

  it('treats an unreadable poll answer as a failure', async () => {
    const { client, fetch, errors } = harness({ type: 'ajax' });
    fetch.last.respond(handshake());
    await flush();
    fetch.last.respond('<html>proxy error</html>');
    await flush();
    expect(client.state.lastClose?.reason).toBe('unexpected');
    expect((errors[0] as { code: string }).code).toBe('ERR_SENTE_BAD_PACKAGE');
  });
});

describe('Ajax sends', () => {
  it('POSTs a form with udt, client-id and ppstr, the :ajax marker, params in the query, and gives the reply', async () => {
    const { client, fetch, clock } = harness({ type: 'ajax', params: () => ({ room: 'r1' }) });
    fetch.last.respond(handshake());
    await flush();
    const replies: unknown[] = [];
    expect(client.send(['chat/hi', { t: 'a b&c' }], 5000, (r) => replies.push(r))).toBe(true);
    const post = fetch.open('POST')[0];
    expect(post).toBeDefined();
    if (post === undefined) return;
    expect(post.url.search).toBe('?room=r1&sente-ext=1');
    expect(post.init.headers).toEqual({ 'X-CSRF-Token': 'tok', 'Content-Type': 'application/x-www-form-urlencoded;charset=UTF-8' });
    const form = new URLSearchParams(post.init.body as string);
    expect([...form.keys()]).toEqual(['udt', 'client-id', 'ppstr']);
    expect(form.get('udt')).toBe(String(clock.now()));
    expect(form.get('client-id')).toBe('c1');
    expect(JSON.parse(form.get('ppstr') ?? '')).toEqual([['chat/hi', { t: 'a b&c' }], 'ajax']);
    post.respond(json.pack([{ ok: 1 }, null]) as string);
    await flush();
    expect(replies).toEqual([{ ok: 1 }]);
    expect(clock.pending).toBe(1); // only the parked poll's timeout
  });

  it('sends [event nil] without a callback and ignores the dummy reply', async () => {
    const { client, fetch, errors } = harness({ type: 'ajax' });
    fetch.last.respond(handshake());
    await flush();
    client.send(['chat/fire']);
    const post = fetch.open('POST')[0];
    expect(JSON.parse(new URLSearchParams(post?.init.body as string).get('ppstr') ?? '')).toEqual([['chat/fire'], null]);
    post?.respond(json.pack([K('chsk/dummy-cb-200'), null]) as string);
    await flush();
    expect(errors).toEqual([]);
    expect(client.state.open).toBe(true);
  });

  it('gives chsk/timeout for a server-side reply timeout and for its own timeout, chsk/error for a failed POST', async () => {
    const { client, fetch, clock } = harness({ type: 'ajax' });
    fetch.last.respond(handshake());
    await flush();
    const replies: unknown[] = [];
    client.send(['chat/a'], 5000, (r) => replies.push(`a:${String(r)}`));
    client.send(['chat/b'], 5000, (r) => replies.push(`b:${String(r)}`));
    client.send(['chat/c'], 9000, (r) => replies.push(`c:${String(r)}`));
    const [a, , c] = fetch.open('POST');
    a?.respond(json.pack([K('chsk/timeout'), null]) as string);
    await flush();
    clock.advance(5000);
    await flush();
    c?.fail();
    await flush();
    expect(replies).toEqual(['a:chsk/timeout', 'b:chsk/timeout', 'c:chsk/error']);
    expect(client.state.lastClose?.reason).toBe('unexpected');
  });

  it('a POST answered with an error status gives chsk/error and reports it, but the client stays open', async () => {
    const { client, fetch, errors } = harness({ type: 'ajax' });
    fetch.last.respond(handshake());
    await flush();
    const replies: unknown[] = [];
    client.send(['chat/huge'], 5000, (r) => replies.push(r));
    fetch.open('POST')[0]?.respond('Payload too large', 413);
    await flush();
    expect(replies).toEqual(['chsk/error']);
    expect(errors).toMatchObject([{ code: 'ERR_SENTE_TRANSPORT', status: 413 }]);
    expect(client.state.open).toBe(true);
    expect(client.send(['chat/small'])).toBe(true);
  });

  it('with a binary packer POSTs raw bytes with udt, client-id and binary?=true in the query and reads bytes back', async () => {
    const { client, fetch, clock } = harness({ type: 'ajax', packer: bytesPacker, params: { room: 'r1' } });
    fetch.last.respond(bytesPacker.pack([[K('chsk/handshake'), ['u1', null, null]], null]) as Uint8Array);
    await flush();
    expect(client.state.open).toBe(true);
    const replies: unknown[] = [];
    client.send(['chat/bin', [1, 2]], 5000, (r) => replies.push(r));
    const post = fetch.open('POST')[0];
    expect(post?.url.search).toBe(`?room=r1&udt=${clock.now()}&client-id=c1&binary%3F=true&sente-ext=1`);
    expect(post?.init.headers['Content-Type']).toBe('application/octet-stream');
    expect(post?.init.body).toBeInstanceOf(Uint8Array);
    expect(bytesPacker.unpack(post?.init.body as Uint8Array)).toEqual([['chat/bin', [1, 2]], 'ajax']);
    post?.respond(bytesPacker.pack(['yes', null]) as Uint8Array);
    await flush();
    expect(replies).toEqual(['yes']);
  });
});

describe('Ajax disconnect and breakConnection', () => {
  it('disconnect() aborts the poll and the POSTs, fails their callbacks and leaves no timer', async () => {
    const { client, fetch, clock } = harness({ type: 'ajax' });
    fetch.last.respond(handshake());
    await flush();
    const replies: unknown[] = [];
    client.send(['chat/a'], 5000, (r) => replies.push(r));
    expect(client.disconnect()).toBe(true);
    await flush();
    expect(fetch.requests.every((r) => r.settled || r.aborted)).toBe(true);
    expect(replies).toEqual(['chsk/error']);
    expect(clock.pending).toBe(0);
    expect(client.state.lastClose?.reason).toBe('requested-disconnect');
    clock.advance(120_000);
    await flush();
    expect(fetch.requests).toHaveLength(3);
  });

  it('breakConnection() aborts the poll; the client closes and handshakes again', async () => {
    const { client, fetch } = harness({ type: 'ajax' });
    fetch.last.respond(handshake());
    await flush();
    client.breakConnection();
    await flush();
    expect(client.state.lastClose?.reason).toBe('unexpected');
    expect(fetch.last.url.searchParams.get('handshake?')).toBe('1');
    fetch.last.respond(handshake());
    await flush();
    expect(client.state.open).toBe(true);
  });
});

describe("the Ajax transport's names of the wire", () => {
  it("are the core's (WIRE), of which fallback.ts keeps a copy so that the bundle every page loads does not carry them", () => {
    expect(Object.entries(AJAX_WIRE)).toEqual(Object.entries(AJAX_WIRE).map(([k]) => [k, WIRE[k as keyof typeof AJAX_WIRE]]));
    expect(Object.keys(AJAX_WIRE).length).toBe(7);
  });
});
