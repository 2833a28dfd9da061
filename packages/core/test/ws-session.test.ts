import { describe, expect, it } from 'vitest';
import { SenteError, kw } from '../src/index.js';
import { Harness } from './support/harness.js';
import { failingOn, jsonPacker, keywordPacker } from './support/packers.js';

describe('WebSocket handshake', () => {
  it('sends [[chsk/handshake [uid nil data]] nil] as the first frame', async () => {
    const h = new Harness({ handshakeData: (req) => ({ greeting: `hi ${req.query['uid']}` }) });
    const c = await h.ws('c1', { uid: 'alice' });
    expect(c.adapter.calls).toBe(1);
    expect(c.frames()).toEqual([[['chsk/handshake', ['alice', null, { greeting: 'hi alice' }]], null]]);
  });

  it('sends nil handshake data when there is no handshakeData hook', async () => {
    const h = new Harness();
    const c = await h.ws('c1', { uid: 'alice' });
    expect(c.frames()).toEqual([[['chsk/handshake', ['alice', null, null]], null]]);
  });

  it('awaits an async handshakeData hook', async () => {
    const h = new Harness({ handshakeData: async () => ({ late: true }) });
    const c = await h.ws('c1', { uid: 'alice' });
    expect(c.frames()[0]).toEqual([['chsk/handshake', ['alice', null, { late: true }]], null]);
  });

  it('gives a client without a uid the uid sente/nil-uid, as a keyword on the wire', async () => {
    const h = new Harness({ packer: keywordPacker });
    const c = await h.ws('c1');
    expect(c.frames()).toEqual([[[kw('chsk/handshake'), [kw('sente/nil-uid'), null, null]], null]]);
  });

  it('treats an empty-string uid as no uid', async () => {
    const h = new Harness({ userId: () => '' });
    const c = await h.ws('c1');
    expect(c.frames()[0]).toEqual([['chsk/handshake', ['sente/nil-uid', null, null]], null]);
  });

  it('turns a numeric uid into its string', async () => {
    const h = new Harness({ userId: () => 42 });
    const c = await h.ws('c1');
    expect(c.frames()[0]).toEqual([['chsk/handshake', ['42', null, null]], null]);
    expect(h.server.connectedUids.any.has('42')).toBe(true);
  });

  it('reads the uid from session.uid by default and passes the client id to userId', async () => {
    const h = new Harness({ userId: undefined });
    const c = await h.ws('c1', { session: { uid: 'from-session' } });
    expect(c.frames()[0]).toEqual([['chsk/handshake', ['from-session', null, null]], null]);
    const seen: string[] = [];
    const h2 = new Harness({ userId: (_req, clientId) => void seen.push(clientId) });
    await h2.ws('tab-7');
    expect(seen).toEqual(['tab-7']);
  });

  it('answers 500 without upgrading when the handshake data cannot be packed', async () => {
    const poison = Symbol('unpackable');
    const h = new Harness({ packer: failingOn(jsonPacker, poison), handshakeData: () => ({ bad: poison }) });
    const r = await h.handle({ websocket: true, query: { 'client-id': 'c1', uid: 'alice' } });
    expect(r.response?.status).toBe(500);
    expect(r.channel).toBeUndefined();
    expect(h.errors).toHaveLength(1);
    expect(h.server.stats()).toMatchObject({ wsClients: 0, timers: 0 });
    expect(h.server.connectedUids.any.size).toBe(0);
  });

  it('never puts the CSRF token in the handshake', async () => {
    const h = new Harness({ csrfToken: () => 'secret-token', handshakeData: () => ({ x: 1 }) });
    const c = await h.ws('c1', { uid: 'alice', query: { 'csrf-token': 'secret-token' } });
    const frame = c.channel.sent[0] as string;
    expect(frame).not.toContain('secret-token');
    expect(c.frames()[0]).toEqual([['chsk/handshake', ['alice', null, { x: 1 }]], null]);
  });

  it('sends the handshake uid as a plain string when the uid is set', async () => {
    const h = new Harness({ packer: keywordPacker });
    const c = await h.ws('c1', { uid: 'alice' });
    expect(c.frames()[0]).toEqual([[kw('chsk/handshake'), ['alice', null, null]], null]);
  });
});

describe('WebSocket events from clients', () => {
  it('delivers events to the router with uid, client id, transport and the upgrade request', async () => {
    const h = new Harness();
    const c = await h.ws('c1', { uid: 'alice' });
    c.send(['chat/msg', { text: 'hi' }]);
    const msgs = h.eventsOf('chat/msg');
    expect(msgs).toHaveLength(1);
    const m = msgs[0]!;
    expect(m).toMatchObject({ id: 'chat/msg', data: { text: 'hi' }, event: ['chat/msg', { text: 'hi' }], uid: 'alice', clientId: 'c1', transport: 'ws' });
    expect(m.request.query['client-id']).toBe('c1');
    expect(m.request.raw).toBe('raw-request');
    expect(m.server).toBe(h.server);
    expect(m.reply).toBeUndefined();
  });

  it('delivers events whose id is a keyword on the wire', async () => {
    const h = new Harness({ packer: keywordPacker });
    const c = await h.ws('c1', { uid: 'alice' });
    c.send([kw('chat/msg'), 1]);
    c.send([kw('chat/bare')]);
    expect(h.events.filter((m) => m.id.startsWith('chat/')).map((m) => m.event)).toEqual([['chat/msg', 1], ['chat/bare']]);
  });

  it('gives an event with a cb id a reply that answers [value cbId] at most once', async () => {
    const h = new Harness();
    const c = await h.ws('c1', { uid: 'alice' });
    c.send(['q/ask', 1], 'k3f9a1');
    const m = h.eventsOf('q/ask')[0]!;
    expect(m.reply).toBeTypeOf('function');
    expect(m.reply!({ answer: 42 })).toBe(true);
    expect(m.reply!({ answer: 43 })).toBe(false);
    expect(c.pushes()).toEqual([[{ answer: 42 }, 'k3f9a1']]);
  });

  it('throws to the handler a reply value that cannot be packed, and lets it reply again', async () => {
    const poison = Symbol('unpackable');
    const h = new Harness({ packer: failingOn(jsonPacker, poison) });
    const c = await h.ws('c1', { uid: 'alice' });
    c.send(['q/ask'], 'cb1');
    const m = h.eventsOf('q/ask')[0]!;
    expect(() => m.reply!([poison])).toThrow('cannot pack this value');
    expect(m.reply!('fixed')).toBe(true);
    expect(c.pushes()).toEqual([['fixed', 'cb1']]);
  });

  it('sends an undefined reply value as nil', async () => {
    const h = new Harness();
    const c = await h.ws('c1', { uid: 'alice' });
    c.send(['q/ask'], 'cb1');
    h.eventsOf('q/ask')[0]!.reply!(undefined);
    expect(c.pushes()).toEqual([[null, 'cb1']]);
  });

  it('does not send a reply on a socket that closed meanwhile', async () => {
    const h = new Harness();
    const c = await h.ws('c1', { uid: 'alice' });
    c.send(['q/ask'], 'cb1');
    c.drop();
    expect(h.eventsOf('q/ask')[0]!.reply!('late')).toBe(false);
    expect(c.pushes()).toEqual([]);
  });

  it('does not send a reply on the socket that replaced the asking one', async () => {
    const h = new Harness();
    const c1 = await h.ws('c1', { uid: 'alice' });
    c1.send(['q/ask'], 'cb1');
    const c2 = await h.ws('c1', { uid: 'alice' });
    expect(h.eventsOf('q/ask')[0]!.reply!('late')).toBe(false);
    expect(c2.pushes()).toEqual([]);
  });

  it('answers a client ping [[chsk/ws-ping] cb] with ["pong" cb] and does not deliver it', async () => {
    const h = new Harness();
    const c = await h.ws('c1', { uid: 'alice' });
    const before = h.events.length;
    c.send(['chsk/ws-ping'], 'p1');
    expect(c.pushes()).toEqual([['pong', 'p1']]);
    expect(h.events.length).toBe(before);
  });

  it('answers a keyword client ping with a pong', async () => {
    const h = new Harness({ packer: keywordPacker });
    const c = await h.ws('c1', { uid: 'alice' });
    c.send([kw('chsk/ws-ping')], 'p1');
    expect(c.pushes()).toEqual([['pong', 'p1']]);
  });

  it('ignores a client ping without a cb id', async () => {
    const h = new Harness();
    const c = await h.ws('c1', { uid: 'alice' });
    const before = h.events.length;
    c.send(['chsk/ws-ping']);
    expect(c.pushes()).toEqual([]);
    expect(h.events.length).toBe(before);
  });

  it('does not deliver a pong', async () => {
    const h = new Harness();
    const c = await h.ws('c1', { uid: 'alice' });
    const before = h.events.length;
    c.send(['chsk/ws-pong']);
    expect(h.events.length).toBe(before);
    expect(c.closed).toBeUndefined();
  });

  it('reads the 1-element envelope of Sente 1.18 as an event without a cb', async () => {
    const h = new Harness();
    const c = await h.ws('c1', { uid: 'alice' });
    c.sendRaw(JSON.stringify([['chat/msg', 1]]));
    expect(h.eventsOf('chat/msg')[0]!.reply).toBeUndefined();
  });

  it.each([
    ['a reserved chsk/ id', ['chsk/foo', 1]],
    ['a reserved chsk/ id Sente uses', ['chsk/uidport-open', 'bob']],
    ['a reserved sente/ id', ['sente/x']],
    ['an id without a namespace', ['plain', 1]],
    ['a 3-element event', ['a/b', 1, 2]],
    ['a non-array', 'chat/msg'],
    ['an empty array', []],
    ['a number id', [7, 1]],
  ])('delivers %s as [chsk/bad-event original]', async (_name, content) => {
    const h = new Harness();
    const c = await h.ws('c1', { uid: 'alice' });
    c.send(content);
    const bad = h.eventsOf('chsk/bad-event');
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatchObject({ event: ['chsk/bad-event', content], data: content, uid: 'alice', clientId: 'c1' });
    expect(h.eventsOf('chsk/foo')).toHaveLength(0);
    expect(h.eventsOf('chsk/uidport-open').filter((m) => m.data === 'bob')).toHaveLength(0);
    expect(c.closed).toBeUndefined();
  });

  it('closes the socket with 1007 and reports ERR_SENTE_BAD_PACKAGE when a frame cannot be unpacked', async () => {
    const h = new Harness();
    const c = await h.ws('c1', { uid: 'alice' });
    const before = h.events.length;
    c.sendRaw('{not json');
    expect(c.closed?.code).toBe(1007);
    expect(h.errors).toHaveLength(1);
    expect(h.errors[0]!.error.code).toBe('ERR_SENTE_BAD_PACKAGE');
    expect(h.errors[0]!.context).toEqual({ uid: 'alice', clientId: 'c1', transport: 'ws' });
    expect(h.events.length).toBe(before);
  });

  it.each([
    ['a SenteError without a close code', new SenteError('ERR_SENTE_BAD_PACKAGE', 'unreadable')],
    ['a SenteError with another code', new SenteError('ERR_SENTE_PACK_FAILED', 'unreadable', { closeCode: 1011 })],
    ['a plain error', new RangeError('unreadable')],
  ])('closes with 1007 and reports ERR_SENTE_BAD_PACKAGE whatever the packer throws on unpack: %s', async (_name, thrown) => {
    const h = new Harness({
      packer: {
        ...jsonPacker,
        unpack: () => {
          throw thrown;
        },
      },
    });
    const c = await h.ws('c1', { uid: 'alice' });
    c.send(['chat/msg', 1]);
    expect(c.closed?.code).toBe(1007);
    expect(h.errorCodes()).toEqual(['ERR_SENTE_BAD_PACKAGE']);
    expect(h.errors[0]!.error === thrown || h.errors[0]!.error.cause === thrown).toBe(true);
  });

  it.each([
    ['a bare value', '42'],
    ['a 3-element envelope', '[["a/b"],null,1]'],
    ['an object cb id', '[["a/b"],{"x":1}]'],
  ])('closes the socket with 1007 on a frame that is not an envelope: %s', async (_name, frame) => {
    const h = new Harness();
    const c = await h.ws('c1', { uid: 'alice' });
    c.sendRaw(frame);
    expect(c.closed?.code).toBe(1007);
    expect(h.errorCodes()).toEqual(['ERR_SENTE_BAD_PACKAGE']);
  });

  it('closes the socket with 1009 on a frame over maxPayloadBytes, without unpacking it', async () => {
    let unpacks = 0;
    const h = new Harness({
      maxPayloadBytes: 64,
      packer: { ...keywordPacker, unpack: (d) => (unpacks++, keywordPacker.unpack(d)) },
    });
    const c = await h.ws('c1', { uid: 'alice' });
    c.send(['chat/msg', 'x'.repeat(100)]);
    expect(c.closed?.code).toBe(1009);
    expect(unpacks).toBe(0);
    expect(h.errorCodes()).toEqual(['ERR_SENTE_PAYLOAD_TOO_LARGE']);
    expect(h.eventsOf('chat/msg')).toHaveLength(0);
  });

  it('measures a text frame in UTF-8 bytes, not characters', async () => {
    const h = new Harness({ maxPayloadBytes: 1000 });
    const c = await h.ws('c1', { uid: 'alice' });
    const frame = JSON.stringify([['chat/msg', '€'.repeat(400)], null]);
    expect(frame.length).toBeLessThan(1000);
    c.sendRaw(frame);
    expect(c.closed?.code).toBe(1009);
    expect(h.eventsOf('chat/msg')).toHaveLength(0);
  });

  it('accepts a multi-byte text frame of exactly maxPayloadBytes', async () => {
    const frame = JSON.stringify([['chat/msg', '€🎉é'], null]);
    const h = new Harness({ maxPayloadBytes: new TextEncoder().encode(frame).byteLength });
    const c = await h.ws('c1', { uid: 'alice' });
    c.sendRaw(frame);
    expect(c.closed).toBeUndefined();
    expect(h.eventsOf('chat/msg')[0]!.data).toBe('€🎉é');
  });

  it('accepts a frame of exactly maxPayloadBytes', async () => {
    const frame = JSON.stringify([['chat/msg', 'x'], null]);
    const h = new Harness({ maxPayloadBytes: frame.length });
    const c = await h.ws('c1', { uid: 'alice' });
    c.sendRaw(frame);
    expect(c.closed).toBeUndefined();
    expect(h.eventsOf('chat/msg')).toHaveLength(1);
  });

  it('ignores frames that arrive on a socket after the server closed it', async () => {
    const h = new Harness();
    const c = await h.ws('c1', { uid: 'alice' });
    const listener = c.channel.listener!;
    c.sendRaw('{bad');
    listener.onMessage(JSON.stringify([['chat/msg', 1], null]));
    expect(h.eventsOf('chat/msg')).toHaveLength(0);
  });

  it('counts WebSocket clients in stats', async () => {
    const h = new Harness();
    await h.ws('c1', { uid: 'alice' });
    await h.ws('c2', { uid: 'alice' });
    expect(h.server.stats()).toMatchObject({ wsClients: 2, ajaxClients: 0 });
  });
});

describe('superseded WebSockets', () => {
  it('closes the old socket with 1000 when the same client id opens a new one', async () => {
    const h = new Harness();
    const c1 = await h.ws('c1', { uid: 'alice' });
    const c2 = await h.ws('c1', { uid: 'alice' });
    expect(c1.closed?.code).toBe(1000);
    expect(c2.closed).toBeUndefined();
    expect(h.server.stats().wsClients).toBe(1);
  });

  it('ignores the messages and close of the superseded socket', async () => {
    const h = new Harness();
    const c1 = await h.ws('c1', { uid: 'alice' });
    const old = c1.channel.listener!;
    const c2 = await h.ws('c1', { uid: 'alice' });
    old.onMessage(JSON.stringify([['chat/old', 1], null]));
    old.onClose(1006);
    await h.advance(10_000);
    expect(h.eventsOf('chat/old')).toHaveLength(0);
    expect(h.eventsOf('chsk/uidport-close')).toHaveLength(0);
    h.server.send('alice', ['chat/msg', 1], { flush: true });
    expect(c2.pushes()).toContainEqual([[['chat/msg', 1]], null]);
  });
});

describe('the upgrade request', () => {
  it('refuses a Sec-WebSocket-Version other than 13 with 426 and the version it speaks', async () => {
    const h = new Harness();
    for (const v of ['12', 'abc', undefined]) {
      const r = await h.handle({ websocket: true, query: { 'client-id': 'c1', uid: 'alice' }, headers: { 'sec-websocket-version': v } });
      expect(r.response?.status).toBe(426);
      expect(r.response?.headers?.['sec-websocket-version']).toBe('13');
    }
    expect(h.errorCodes()).toEqual(['ERR_SENTE_BAD_UPGRADE', 'ERR_SENTE_BAD_UPGRADE', 'ERR_SENTE_BAD_UPGRADE']);
    expect(h.server.stats().wsClients).toBe(0);
  });
});
