import { describe, expect, it } from 'vitest';
import { MAX_POST_EVENTS, kw } from '../src/index.js';
import { Harness } from './support/harness.js';
import { failingOn, jsonPacker, keywordPacker } from './support/packers.js';

const EXT = { 'sente-ext': '1' };

describe('batch POST (several events in one POST, for clients of the extensions)', () => {
  it('offers it in the handshake of a client of the extensions only', async () => {
    const h = new Harness();
    const ext = await h.ajaxGet('e1', { uid: 'alice', handshake: true, query: EXT });
    expect(ext.body()).toMatchObject([['chsk/handshake', ['alice', null, null, { maxPostEvents: MAX_POST_EVENTS }]], null]);
    const plain = await h.ajaxGet('p1', { uid: 'alice', handshake: true });
    expect(plain.body()).toEqual([['chsk/handshake', ['alice', null, null]], null]);
  });

  it('handles the events in order and answers once with every reply, in order', async () => {
    const h = new Harness();
    const r = await h.post('c1', [[[['q/a', 1], 'ajax'], [['note/b', 2], null], [['q/c', 3], 'ajax']], null, { b: 3 }], { uid: 'alice', query: EXT });
    expect(h.events.map((m) => m.id)).toEqual(['q/a', 'note/b', 'q/c']);
    const [a, b, c] = h.events;
    expect(b!.reply).toBeUndefined();
    expect(c!.reply!({ c: true })).toBe(true);
    expect(r.answered).toBe(false);
    expect(a!.reply!('A')).toBe(true);
    expect(a!.reply!('again')).toBe(false);
    expect(r.body()).toEqual([['A', 'chsk/dummy-cb-200', { c: true }], null]);
    expect(r.channel.sent).toHaveLength(1);
    expect(h.server.stats()).toMatchObject({ pendingReplies: 0, timers: 0 });
  });

  it('answers chsk/timeout for the replies that did not come within lpTimeoutMs', async () => {
    const h = new Harness({ lpTimeoutMs: 5000, packer: keywordPacker });
    const r = await h.post('c1', [[[[kw('q/a'), 1], kw('ajax')], [[kw('q/b'), 2], kw('ajax')]], null, { b: 2 }], { uid: 'alice', query: EXT });
    h.events[1]!.reply!('B');
    await h.advance(4999);
    expect(r.answered).toBe(false);
    await h.advance(1);
    expect(r.body()).toEqual([[kw('chsk/timeout'), 'B'], null]);
    expect(h.events[0]!.reply!('late')).toBe(false);
    expect(h.server.stats()).toMatchObject({ pendingReplies: 0, timers: 0 });
  });

  it('throws to the handler a reply that cannot be packed and keeps its slot open', async () => {
    const poison = Symbol('unpackable');
    const h = new Harness({ packer: failingOn(jsonPacker, poison) });
    const r = await h.post('c1', [[[['q/a', 1], 'ajax']], null, { b: 1 }], { uid: 'alice', query: EXT });
    expect(() => h.events[0]!.reply!(poison)).toThrow();
    expect(r.answered).toBe(false);
    expect(h.events[0]!.reply!('ok')).toBe(true);
    expect(r.body()).toEqual([['ok'], null]);
  });

  it('handles a retried event once (message ids) and gives the retry the first reply', async () => {
    const h = new Harness();
    const env = [['app/charge', 1], 'ajax', { m: 'msg-1' }];
    const first = await h.post('c1', [[env], null, { b: 1 }], { uid: 'alice', query: EXT });
    h.events[0]!.reply!('charged');
    expect(first.body()).toEqual([['charged'], null]);
    const retry = await h.post('c1', [[env, [['q/x'], 'ajax']], null, { b: 2 }], { uid: 'alice', query: EXT });
    expect(h.eventsOf('app/charge')).toHaveLength(1);
    h.eventsOf('q/x')[0]!.reply!('x');
    expect(retry.body()).toEqual([['charged', 'x'], null]);
  });

  it.each([
    ['a count that is not its length', [[[['q/a'], null]], null, { b: 2 }]],
    ['an entry that is not an envelope', [[[['q/a'], null], 'nope'], null, { b: 2 }]],
    ['a batch inside a batch', [[[[[['q/a'], null]], null, { b: 1 }]], null, { b: 1 }]],
    [`over ${MAX_POST_EVENTS} events`, [Array.from({ length: MAX_POST_EVENTS + 1 }, () => [['q/a'], null]), null, { b: MAX_POST_EVENTS + 1 }]],
    ['a count that is not a positive integer', [[[['q/a'], null]], null, { b: 0 }]],
  ])('refuses %s with 400, handling none of its events', async (_name, envelope) => {
    const h = new Harness();
    const r = await h.post('c1', envelope, { uid: 'alice', query: EXT });
    expect(r.adapter.response?.status).toBe(400);
    expect(h.events.filter((m) => m.id === 'q/a')).toEqual([]);
    expect(h.errors[0]!.error).toMatchObject({ code: 'ERR_SENTE_BAD_PACKAGE' });
    expect(h.server.stats()).toMatchObject({ pendingReplies: 0, timers: 0 });
  });

  it('stops waiting for replies when the client left', async () => {
    const h = new Harness();
    const r = await h.post('c1', [[[['q/a'], 'ajax']], null, { b: 1 }], { uid: 'alice', query: EXT });
    r.abort();
    expect(h.server.stats()).toMatchObject({ pendingReplies: 0, timers: 0 });
    expect(h.events[0]!.reply!('late')).toBe(false);
  });

  it('answers the pending replies with chsk/timeout when the server closes', async () => {
    const h = new Harness({ closeTimeoutMs: 100 });
    const r = await h.post('c1', [[[['q/a'], 'ajax'], [['q/b'], 'ajax']], null, { b: 2 }], { uid: 'alice', query: EXT });
    h.events[0]!.reply!('A');
    const closed = h.server.close();
    await h.advance(100);
    await closed;
    expect(r.body()).toEqual([['A', 'chsk/timeout'], null]);
  });
});
