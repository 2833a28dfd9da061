import { describe, expect, it } from 'vitest';
import { SenteError, kw } from '../src/index.js';
import { Harness } from './support/harness.js';
import { binaryPacker, failingOn, jsonPacker, keywordPacker } from './support/packers.js';

describe('Ajax POST', () => {
  it('answers a POST without a cb with chsk/dummy-cb-200 at once and delivers the event', async () => {
    const h = new Harness();
    const r = await h.post('c1', [['chat/msg', { text: 'hi' }], null], { uid: 'alice' });
    expect(r.body()).toEqual(['chsk/dummy-cb-200', null]);
    const m = h.eventsOf('chat/msg')[0]!;
    expect(m).toMatchObject({ data: { text: 'hi' }, uid: 'alice', clientId: 'c1', transport: 'ajax' });
    expect(m.reply).toBeUndefined();
    expect(m.request.method).toBe('POST');
  });

  it('writes the dummy reply as the keyword chsk/dummy-cb-200', async () => {
    const h = new Harness({ packer: keywordPacker });
    const r = await h.post('c1', [[kw('chat/msg'), 1], null], { uid: 'alice' });
    expect(r.body()).toEqual([kw('chsk/dummy-cb-200'), null]);
  });

  it('does not count a POST as a connection', async () => {
    const h = new Harness();
    await h.post('c1', [['chat/msg', 1], null], { uid: 'alice' });
    expect(h.server.connectedUids.any.size).toBe(0);
    expect(h.server.stats()).toMatchObject({ ajaxClients: 0, timers: 0 });
  });

  it.each([
    ['the :ajax keyword', kw('ajax'), keywordPacker],
    ['the "ajax" string', 'ajax', undefined],
    ['the 0 of Sente 1.18', 0, undefined],
  ])('answers a POST whose cb is %s with the reply [value nil], at most once', async (_name, marker, packer) => {
    const h = new Harness(packer ? { packer } : {});
    const r = await h.post('c1', [['q/ask', 1], marker], { uid: 'alice' });
    expect(r.answered).toBe(false);
    const m = h.eventsOf('q/ask')[0]!;
    expect(m.reply!({ ok: true })).toBe(true);
    expect(m.reply!({ ok: false })).toBe(false);
    expect(r.channel.sent).toHaveLength(1);
    expect(r.body()).toEqual([{ ok: true }, null]);
    expect(h.server.stats()).toMatchObject({ pendingReplies: 0, timers: 0 });
  });

  it('answers a handler that replies synchronously, while the POST is being accepted', async () => {
    const h = new Harness();
    h.server.startRouter((m) => {
      if (m.id === 'q/ask') m.reply?.({ echo: m.data });
    });
    const r = await h.post('c1', [['q/ask', 7], 'ajax'], { uid: 'alice' });
    expect(r.body()).toEqual([{ echo: 7 }, null]);
    expect(h.server.stats()).toMatchObject({ pendingReplies: 0, timers: 0 });
  });

  it('sets no timer and no abort listener for a POST whose handler replied before returning', async () => {
    const h = new Harness();
    h.server.startRouter((m) => {
      if (m.id === 'q/ask') m.reply?.({ echo: m.data });
    });
    const setTimeout = h.clock.setTimeout.bind(h.clock);
    let timers = 0;
    h.clock.setTimeout = (fn, ms) => {
      timers++;
      return setTimeout(fn, ms);
    };
    const r = await h.post('c1', [['q/ask', 7], 'ajax'], { uid: 'alice' });
    expect(r.body()).toEqual([{ echo: 7 }, null]);
    expect(timers).toBe(0);
    expect(r.channel.abortListeners).toHaveLength(0);
  });

  it('answers an async handler reply', async () => {
    const h = new Harness();
    h.server.startRouter(async (m) => {
      if (m.id !== 'q/ask') return;
      await Promise.resolve();
      m.reply?.('later');
    });
    const r = await h.post('c1', [['q/ask'], 'ajax'], { uid: 'alice' });
    await h.advance(0);
    expect(r.body()).toEqual(['later', null]);
  });

  it('answers chsk/timeout when the handler does not reply within lpTimeoutMs', async () => {
    const h = new Harness({ lpTimeoutMs: 5000 });
    const r = await h.post('c1', [['q/ask', 1], 'ajax'], { uid: 'alice' });
    expect(h.server.stats().pendingReplies).toBe(1);
    await h.advance(4999);
    expect(r.answered).toBe(false);
    await h.advance(1);
    expect(r.body()).toEqual(['chsk/timeout', null]);
    expect(h.eventsOf('q/ask')[0]!.reply!('too late')).toBe(false);
    expect(r.channel.sent).toHaveLength(1);
    expect(h.server.stats()).toMatchObject({ pendingReplies: 0, timers: 0 });
  });

  it('throws to the handler a reply value that cannot be packed, and still answers the POST', async () => {
    const poison = Symbol('unpackable');
    const h = new Harness({ packer: failingOn(jsonPacker, poison), lpTimeoutMs: 5000 });
    const r1 = await h.post('c1', [['q/ask', 1], 'ajax'], { uid: 'alice' });
    const r2 = await h.post('c1', [['q/ask', 2], 'ajax'], { uid: 'alice' });
    const [m1, m2] = h.eventsOf('q/ask');
    expect(() => m1!.reply!({ bad: poison })).toThrow('cannot pack this value');
    expect(m1!.reply!('fixed')).toBe(true);
    expect(r1.body()).toEqual(['fixed', null]);
    expect(() => m2!.reply!(poison)).toThrow();
    expect(h.server.stats().pendingReplies).toBe(1);
    await h.advance(5000);
    expect(r2.body()).toEqual(['chsk/timeout', null]);
    expect(h.server.stats()).toMatchObject({ pendingReplies: 0, timers: 0 });
  });

  it('does not answer a POST whose connection closed before the close was reported', async () => {
    const h = new Harness();
    const r = await h.post('c1', [['q/ask', 1], 'ajax'], { uid: 'alice' });
    r.channel.vanish();
    expect(h.eventsOf('q/ask')[0]!.reply!('x')).toBe(false);
    expect(r.channel.sent).toEqual([]);
  });

  it('forgets a pending reply when the client aborts the POST', async () => {
    const h = new Harness();
    const r = await h.post('c1', [['q/ask', 1], 'ajax'], { uid: 'alice' });
    r.abort();
    expect(h.server.stats()).toMatchObject({ pendingReplies: 0, timers: 0 });
    expect(h.eventsOf('q/ask')[0]!.reply!('x')).toBe(false);
  });

  it.each(['string', 'bytes', 'object'] as const)('reads a form body given as %s', async (form) => {
    const h = new Harness();
    const r = await h.post('c1', [['chat/msg', 'é ü 🎉 &=+'], null], { uid: 'alice', form });
    expect(r.body()).toEqual(['chsk/dummy-cb-200', null]);
    expect(h.eventsOf('chat/msg')[0]!.data).toBe('é ü 🎉 &=+');
  });

  it('reads the client id from the query when the form has none', async () => {
    const h = new Harness();
    const packed = JSON.stringify([['chat/msg', 1], null]);
    const r = await h.handle({ method: 'POST', query: { 'client-id': 'q1', uid: 'alice' }, body: `ppstr=${encodeURIComponent(packed)}` });
    expect(r.channel?.sent).toHaveLength(1);
    expect(h.eventsOf('chat/msg')[0]!.clientId).toBe('q1');
  });

  it('reads a binary body with binary? in the query', async () => {
    const h = new Harness({ packer: binaryPacker });
    const r = await h.post('c1', [[kw('q/ask'), 1], kw('ajax')], { uid: 'alice' });
    h.eventsOf('q/ask')[0]!.reply!({ bin: true });
    expect(r.channel.sent[0]).toBeInstanceOf(Uint8Array);
    expect(r.body()).toEqual([{ bin: true }, null]);
  });

  it('accepts a binary? POST whose body the adapter read as text', async () => {
    const h = new Harness({ packer: binaryPacker });
    const text = JSON.stringify([[{ '~kw': 'chat/msg' }, 1], null]);
    const r = await h.handle({ method: 'POST', query: { 'client-id': 'c1', 'binary?': 'true', uid: 'alice' }, body: text });
    expect(r.channel?.sent).toHaveLength(1);
    expect(h.eventsOf('chat/msg')).toHaveLength(1);
  });

  it('answers 400 to a binary? POST with a pre-parsed form body', async () => {
    const h = new Harness();
    const r = await h.handle({ method: 'POST', query: { 'client-id': 'c1', 'binary?': 'true' }, body: { ppstr: '[]' } });
    expect(r.response?.status).toBe(400);
    expect(h.errorCodes()).toEqual(['ERR_SENTE_BAD_PACKAGE']);
  });

  it.each([
    ['a missing', undefined],
    ['an empty', ''],
    ['a blank', '  \t '],
  ])('answers 400 with ERR_SENTE_NO_CLIENT_ID to a POST with %s client id', async (_name, clientId) => {
    const h = new Harness();
    const r = await h.post(clientId, [['chat/msg', 1], null], { uid: 'alice' });
    expect(r.adapter.response).toMatchObject({ status: 400, body: 'Missing client id' });
    expect(h.errorCodes()).toEqual(['ERR_SENTE_NO_CLIENT_ID']);
    expect(h.eventsOf('chat/msg')).toHaveLength(0);
  });

  it('answers 400 with ERR_SENTE_NO_CLIENT_ID to a GET without a client id', async () => {
    const h = new Harness();
    const r = await h.handle({ query: { uid: 'alice' } });
    expect(r.response).toMatchObject({ status: 400, body: 'Missing client id' });
    expect(r.calls).toBe(1);
    expect(h.errors[0]!.error).toMatchObject({ code: 'ERR_SENTE_NO_CLIENT_ID', status: 400 });
    const ws = await h.handle({ websocket: true, query: { 'client-id': '' } });
    expect(ws.response?.status).toBe(400);
    expect(ws.channel).toBeUndefined();
  });

  it('answers 400 to a GET or WebSocket upgrade with a blank client id', async () => {
    const h = new Harness();
    const get = await h.handle({ query: { 'client-id': '   ' } });
    expect(get.response).toMatchObject({ status: 400, body: 'Missing client id' });
    const ws = await h.handle({ websocket: true, query: { 'client-id': ' ' } });
    expect(ws.response?.status).toBe(400);
    expect(h.server.stats()).toMatchObject({ wsClients: 0, ajaxClients: 0 });
    expect(h.errorCodes()).toEqual(['ERR_SENTE_NO_CLIENT_ID', 'ERR_SENTE_NO_CLIENT_ID']);
  });

  it('answers 400 to a client id longer than 128 characters', async () => {
    const h = new Harness();
    const r = await h.handle({ query: { 'client-id': 'x'.repeat(129) } });
    expect(r.response).toMatchObject({ status: 400, body: 'Bad client id' });
    const ok = await h.handle({ query: { 'client-id': 'x'.repeat(128) } });
    expect(ok.channel?.sent).toHaveLength(1);
  });

  it('answers 400 with ERR_SENTE_BAD_PACKAGE to a POST that cannot be unpacked', async () => {
    const h = new Harness();
    const r = await h.postRaw('c1', '{not json', { uid: 'alice' });
    expect(r.adapter.response?.status).toBe(400);
    expect(r.adapter.calls).toBe(1);
    expect(h.errors[0]!.error.code).toBe('ERR_SENTE_BAD_PACKAGE');
    expect(h.errors[0]!.context).toEqual({ uid: 'alice', clientId: 'c1', transport: 'ajax' });
  });

  it.each([
    ['a SenteError without a status', new SenteError('ERR_SENTE_BAD_PACKAGE', 'unreadable')],
    ['a SenteError with another code', new SenteError('ERR_SENTE_PACK_FAILED', 'unreadable', { status: 500 })],
    ['a plain error', new RangeError('unreadable')],
  ])('answers 400 with ERR_SENTE_BAD_PACKAGE whatever the packer throws on unpack: %s', async (_name, thrown) => {
    const h = new Harness({
      packer: {
        ...jsonPacker,
        unpack: () => {
          throw thrown;
        },
      },
    });
    const r = await h.post('c1', [['chat/msg', 1], null], { uid: 'alice' });
    expect(r.adapter.response?.status).toBe(400);
    expect(h.errors).toHaveLength(1);
    expect(h.errors[0]!.error.code).toBe('ERR_SENTE_BAD_PACKAGE');
    expect(h.errors[0]!.error === thrown || h.errors[0]!.error.cause === thrown).toBe(true);
  });

  it('answers 400 to a POST whose payload is not an envelope', async () => {
    const h = new Harness();
    const r = await h.postRaw('c1', '"just a string"', { uid: 'alice' });
    expect(r.adapter.response?.status).toBe(400);
    expect(h.errorCodes()).toEqual(['ERR_SENTE_BAD_PACKAGE']);
  });

  it('answers 400 to a POST form without ppstr, and to one without a body', async () => {
    const h = new Harness();
    const r = await h.handle({ method: 'POST', body: 'client-id=c1&udt=1' });
    expect(r.response?.status).toBe(400);
    const r2 = await h.handle({ method: 'POST', query: { 'client-id': 'c1' } });
    expect(r2.response?.status).toBe(400);
    expect(h.errorCodes()).toEqual(['ERR_SENTE_BAD_PACKAGE', 'ERR_SENTE_BAD_PACKAGE']);
  });

  it('answers 400 to a form body of bytes that are not UTF-8', async () => {
    const h = new Harness();
    const r = await h.handle({ method: 'POST', body: new Uint8Array([0x70, 0x3d, 0xff, 0xfe]) });
    expect(r.response?.status).toBe(400);
    expect(h.errorCodes()).toEqual(['ERR_SENTE_BAD_PACKAGE']);
  });

  it('answers 400 and reports ERR_SENTE_ABORTED when reading the body fails', async () => {
    const h = new Harness();
    const adapter = new (await import('./support/fake-adapter.js')).FakeAdapter(false);
    await h.server.handleHttp(
      {
        method: 'POST',
        websocket: false,
        query: {},
        headers: {},
        readBody: () => Promise.reject(new Error('socket hang up')),
        raw: 'raw',
      },
      adapter,
    );
    expect(adapter.response?.status).toBe(400);
    expect(h.errors[0]!.error).toMatchObject({ code: 'ERR_SENTE_ABORTED' });
  });

  it('delivers a reserved or invalid POSTed event as chsk/bad-event', async () => {
    const h = new Harness();
    await h.post('c1', [['chsk/uidport-close', 'bob'], null], { uid: 'alice' });
    await h.post('c1', [['plain'], null], { uid: 'alice' });
    expect(h.eventsOf('chsk/bad-event').map((m) => m.data)).toEqual([['chsk/uidport-close', 'bob'], ['plain']]);
    expect(h.eventsOf('chsk/uidport-close')).toHaveLength(0);
  });

  it('limits the payload, not its URL-encoding: a ppstr of exactly maxPayloadBytes is accepted, one byte more is 413', async () => {
    // Quotes and brackets take 3 bytes each once form-encoded: the body is far longer than the payload.
    const packed = JSON.stringify([['chat/msg', '"'.repeat(50)], null]);
    const body = new URLSearchParams({ 'client-id': 'c1', ppstr: packed }).toString();
    expect(body.length).toBeGreaterThan(packed.length * 2);
    const h = new Harness({ maxPayloadBytes: packed.length });
    const r = await h.handle({ method: 'POST', body });
    expect(r.channel?.sent).toHaveLength(1);
    const h2 = new Harness({ maxPayloadBytes: packed.length - 1 });
    const r2 = await h2.handle({ method: 'POST', body });
    expect(r2.response?.status).toBe(413);
    expect(r2.response?.body).toBe(`Payload too large: the limit is ${packed.length - 1} bytes.`);
    expect(h2.errorCodes()).toEqual(['ERR_SENTE_PAYLOAD_TOO_LARGE']);
  });

  it('stops reading a form body past three times maxPayloadBytes (plus slack) with 413', async () => {
    const h = new Harness({ maxPayloadBytes: 100 });
    const r = await h.handle({ method: 'POST', body: `client-id=c1&ppstr=${'%22'.repeat(600)}` });
    expect(r.response?.status).toBe(413);
    expect(r.response?.body).toBe('Payload too large: the limit is 100 bytes.');
  });

  it('answers 413 to a pre-parsed form whose ppstr is over maxPayloadBytes', async () => {
    const h = new Harness({ maxPayloadBytes: 100 });
    const r = await h.handle({ method: 'POST', body: { 'client-id': 'c1', ppstr: JSON.stringify([['a/b', 'x'.repeat(200)], null]) } });
    expect(r.response?.status).toBe(413);
  });

  it('measures a pre-parsed ppstr in UTF-8 bytes', async () => {
    const h = new Harness({ maxPayloadBytes: 100 });
    const ppstr = JSON.stringify([['a/b', 'é'.repeat(45)], null]);
    expect(ppstr.length).toBeLessThanOrEqual(100);
    const r = await h.handle({ method: 'POST', body: { 'client-id': 'c1', ppstr } });
    expect(r.response?.status).toBe(413);
  });

  it.each(['PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH'])('answers 405 to %s', async (method) => {
    const h = new Harness();
    const r = await h.handle({ method, query: { 'client-id': 'c1' } });
    expect(r.response).toMatchObject({ status: 405, body: 'Method not allowed' });
    expect(r.response?.headers?.['allow']).toBe('GET, POST');
  });

  it('answers 405 to a POST marked as a WebSocket upgrade', async () => {
    const h = new Harness();
    const r = await h.handle({ method: 'POST', websocket: true, query: { 'client-id': 'c1' } });
    expect(r.response?.status).toBe(405);
  });

  it('refuses a lower-case method (methods are case-sensitive) with 405 and ERR_SENTE_BAD_METHOD', async () => {
    const h = new Harness();
    const r = await h.handle({ method: 'get', query: { 'client-id': 'c1' } });
    expect(r.response?.status).toBe(405);
    expect(r.response?.headers?.['allow']).toBe('GET, POST');
    expect(h.errorCodes()).toEqual(['ERR_SENTE_BAD_METHOD']);
    expect(h.server.stats()).toMatchObject({ ajaxClients: 0, timers: 0 });
  });
});
