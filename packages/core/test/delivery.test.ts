import { describe, expect, it } from 'vitest';
import { kw } from '../src/index.js';
import type { Packer } from '../src/index.js';
import { Harness } from './support/harness.js';
import { failingOn, jsonPacker, keywordPacker } from './support/packers.js';

describe('batching of pushes', () => {
  it('sends a push after a quiet period at once, and the pushes within sendBufMsWs (30 ms) after it as one frame, in order', async () => {
    const h = new Harness();
    const c = await h.ws('c1', { uid: 'alice' });
    h.server.send('alice', ['chat/a', 1]);
    expect(c.pushes()).toEqual([]);
    await h.advance(0);
    expect(c.pushes()).toEqual([[[['chat/a', 1]], null]]);
    await h.advance(10);
    h.server.send('alice', ['chat/b', 2]);
    h.server.send('alice', ['chat/c']);
    await h.advance(19);
    expect(c.pushes()).toHaveLength(1);
    await h.advance(1);
    expect(c.pushes()).toEqual([
      [[['chat/a', 1]], null],
      [[['chat/b', 2], ['chat/c']], null],
    ]);
  });

  it('sends the pushes of one turn after a quiet period together, at once', async () => {
    const h = new Harness();
    const c = await h.ws('c1', { uid: 'alice' });
    for (let i = 0; i < 3; i++) h.server.send('alice', ['n/i', i]);
    await h.advance(0);
    expect(c.pushes()).toEqual([[[['n/i', 0], ['n/i', 1], ['n/i', 2]], null]]);
  });

  it('flushes the leading batches of a broadcast to many uids with one timer, each uid its own batch', async () => {
    const h = new Harness();
    const clients = [];
    for (let i = 0; i < 5; i++) clients.push(await h.ws(`c${i}`, { uid: `u${i}` }));
    const before = h.server.stats().timers;
    h.server.broadcast(['news/flash', 1]);
    expect(h.server.stats()).toMatchObject({ timers: before + 1, bufferedBatches: 5 });
    await h.advance(0);
    for (const c of clients) expect(c.pushes()).toEqual([[[['news/flash', 1]], null]]);
    expect(h.server.stats()).toMatchObject({ timers: before, bufferedBatches: 0 });
  });

  it('goes out at once again once a whole window passed without a batch', async () => {
    const h = new Harness();
    const c = await h.ws('c1', { uid: 'alice' });
    h.server.send('alice', ['chat/a']);
    await h.advance(0);
    await h.advance(29);
    h.server.send('alice', ['chat/b']);
    await h.advance(0);
    expect(c.pushes()).toHaveLength(1);
    await h.advance(1);
    expect(c.pushes()).toHaveLength(2);
    await h.advance(30);
    h.server.send('alice', ['chat/c']);
    await h.advance(0);
    expect(c.pushedEvents()).toEqual([['chat/a'], ['chat/b'], ['chat/c']]);
  });

  it('writes pushed event ids as keywords and a one-event batch as a vector', async () => {
    const h = new Harness({ packer: keywordPacker });
    const c = await h.ws('c1', { uid: 'alice' });
    h.server.send('alice', ['chat/a', 1], { flush: true });
    expect(c.pushes()).toEqual([[[[kw('chat/a'), 1]], null]]);
  });

  it('answers a parked poll at once with a push after a quiet period, and batches the next pushes for sendBufMsAjax (100 ms)', async () => {
    const h = new Harness();
    const p = await h.ajaxClient('c1', { uid: 'alice' });
    h.server.send('alice', ['chat/a', 1]);
    await h.advance(0);
    expect(p.body()).toEqual([[['chat/a', 1]], null]);
    const q = await h.ajaxGet('c1', { uid: 'alice' });
    await h.advance(50);
    h.server.send('alice', ['chat/b', 2]);
    h.server.send('alice', ['chat/c', 3]);
    await h.advance(49);
    expect(q.answered).toBe(false);
    await h.advance(1);
    expect(q.body()).toEqual([[['chat/b', 2], ['chat/c', 3]], null]);
  });

  it('uses the configured windows', async () => {
    const h = new Harness({ sendBufMsWs: 5, sendBufMsAjax: 7 });
    const c = await h.ws('c1', { uid: 'alice' });
    const p = await h.ajaxClient('c2', { uid: 'bob' });
    h.server.send('alice', ['chat/a'], { flush: true });
    h.server.send('alice', ['chat/b']);
    await h.advance(4);
    expect(c.pushes()).toHaveLength(1);
    await h.advance(1);
    expect(c.pushes()).toHaveLength(2);
    h.server.send('bob', ['chat/x'], { flush: true });
    expect(p.answered).toBe(true);
    const q = await h.ajaxGet('c2', { uid: 'bob' });
    h.server.send('bob', ['chat/y']);
    await h.advance(6);
    expect(q.answered).toBe(false);
    await h.advance(1);
    expect(q.body()).toEqual([[['chat/y']], null]);
  });

  it('sends at once with flush, with everything buffered before', async () => {
    const h = new Harness();
    const c = await h.ws('c1', { uid: 'alice' });
    const p = await h.ajaxClient('c2', { uid: 'alice' });
    h.server.send('alice', ['chat/a']);
    h.server.send('alice', ['chat/b'], { flush: true });
    expect(c.pushes()).toEqual([[[['chat/a'], ['chat/b']], null]]);
    expect(p.body()).toEqual([[['chat/a'], ['chat/b']], null]);
    expect(h.server.stats()).toMatchObject({ bufferedBatches: 0 });
    await h.advance(200);
    expect(c.pushes()).toHaveLength(1);
  });

  it('starts a new window after a flush', async () => {
    const h = new Harness();
    const c = await h.ws('c1', { uid: 'alice' });
    h.server.send('alice', ['chat/a'], { flush: true });
    h.server.send('alice', ['chat/b']);
    await h.advance(29);
    expect(c.pushes()).toEqual([[[['chat/a']], null]]);
    await h.advance(1);
    expect(c.pushes()).toEqual([[[['chat/a']], null], [[['chat/b']], null]]);
  });
});

describe('who gets a push', () => {
  it('reaches every client of the uid on both transports, and no other uid', async () => {
    const h = new Harness();
    const a1 = await h.ws('a1', { uid: 'alice' });
    const a2 = await h.ws('a2', { uid: 'alice' });
    const a3 = await h.ajaxClient('a3', { uid: 'alice' });
    const b1 = await h.ws('b1', { uid: 'bob' });
    h.server.send('alice', ['chat/a', 1], { flush: true });
    for (const c of [a1, a2]) expect(c.pushes()).toEqual([[[['chat/a', 1]], null]]);
    expect(a3.body()).toEqual([[['chat/a', 1]], null]);
    expect(b1.pushes()).toEqual([]);
  });

  it('packs a batch once for all the clients of a uid', async () => {
    let packs = 0;
    const h = new Harness({ packer: { ...jsonPacker, pack: (v) => (packs++, jsonPacker.pack(v)) } });
    for (let i = 0; i < 5; i++) await h.ws(`c${i}`, { uid: 'alice' });
    packs = 0;
    h.server.send('alice', ['chat/a', 1], { flush: true });
    expect(packs).toBe(1);
  });

  it('packs a broadcast once for all its uids when each gets it as a batch of its own', async () => {
    let packs = 0;
    const h = new Harness({ packer: { ...jsonPacker, pack: (v) => (packs++, jsonPacker.pack(v)) } });
    const clients = [];
    for (let i = 0; i < 5; i++) clients.push(await h.ws(`c${i}`, { uid: `u${i}` }));
    packs = 0;
    h.server.broadcast(['news/flash', 1]);
    await h.advance(0);
    expect(packs).toBe(1);
    for (const c of clients) expect(c.pushes()).toEqual([[[['news/flash', 1]], null]]);
    // Another event is packed anew, not mistaken for the last one.
    await h.advance(30);
    h.server.send('u0', ['news/other', 2]);
    await h.advance(0);
    expect(clients[0]!.pushes()[1]).toEqual([[['news/other', 2]], null]);
  });

  it('packs two broadcasts that meet in one window once for all their uids, and a batch of other events anew', async () => {
    let packs = 0;
    const h = new Harness({ packer: { ...jsonPacker, pack: (v) => (packs++, jsonPacker.pack(v)) } });
    const clients = [];
    for (let i = 0; i < 5; i++) clients.push(await h.ws(`c${i}`, { uid: `u${i}` }));
    h.server.broadcast(['news/flash', 0]);
    await h.advance(0);
    packs = 0;
    // Within every uid's window: both wait for it, and go out as one batch of two.
    h.server.broadcast(['news/flash', 1]);
    h.server.broadcast(['news/flash', 2]);
    await h.advance(30);
    expect(packs).toBe(1);
    for (const c of clients) expect(c.pushes()[1]).toEqual([[['news/flash', 1], ['news/flash', 2]], null]);
    h.server.send('u0', ['news/flash', 1]);
    h.server.send('u0', ['news/other', 3]);
    await h.advance(30);
    expect(packs).toBe(2);
    expect(clients[0]!.pushes()[2]).toEqual([[['news/flash', 1], ['news/other', 3]], null]);
  });

  it("packs a broadcast's events once for clients that get positions, each uid's payload with its own epoch and offset", async () => {
    let packs = 0;
    const packer: Packer = {
      ...jsonPacker,
      pack: (v) => (packs++, jsonPacker.pack(v)),
      packAround: (content, rest) => `[${content as string}${rest.map((v) => `,${JSON.stringify(v)}`).join('')}]`,
    };
    const h = new Harness({ packer });
    const clients = [];
    for (let i = 0; i < 5; i++) clients.push(await h.ws(`c${i}`, { uid: `u${i}`, query: { 'sente-ext': '1' } }));
    // u0's log is one push ahead of the others'.
    h.server.send('u0', ['news/own', 0]);
    await h.advance(0);
    await h.advance(30);
    packs = 0;
    h.server.broadcast(['news/flash', 1]);
    await h.advance(0);
    expect(packs).toBe(1);
    const epochs = new Set<string>();
    clients.forEach((c, i) => {
      const [events, cbId, ext] = c.pushes().at(-1) as [unknown, unknown, { e: string; o: unknown[] }];
      expect(events).toEqual([['news/flash', 1]]);
      expect(cbId).toBeNull();
      expect(ext.o).toEqual([i === 0 ? 2 : 1]);
      epochs.add(ext.e);
    });
    expect(epochs.size).toBe(5);
  });

  it("gives a WebSocket each positioned batch's text in two parts too, the head shared by a broadcast's uids, when the packer splits it", async () => {
    const around = (content: string, rest: readonly unknown[]): [string, string] => [`[${content}`, `${rest.map((v) => `,${JSON.stringify(v)}`).join('')}]`];
    const packer: Packer = {
      ...jsonPacker,
      packAround: (content, rest) => around(content as string, rest).join(''),
      packAroundHead: (content) => around(content, [])[0],
      packAroundTail: (rest) => around('', rest)[1],
    };
    const h = new Harness({ packer });
    const positioned = [];
    for (let i = 0; i < 3; i++) positioned.push(await h.ws(`c${i}`, { uid: `u${i}`, query: { 'sente-ext': '1' } }));
    const plain = await h.ws('p', { uid: 'plain' });
    h.server.broadcast(['news/flash', 1]);
    await h.advance(0);
    const heads = positioned.map((c) => {
      const parts = c.channel.parts.at(-1);
      expect(parts).toBeDefined();
      expect(`${parts?.head}${parts?.tail}`).toBe(c.channel.sent.at(-1));
      return parts?.head;
    });
    // One head, the same string for every uid: an adapter encodes it once.
    expect(new Set(heads).size).toBe(1);
    expect(positioned.map((c) => (c.pushes().at(-1) as [unknown, unknown, { o: unknown[] }])[2].o)).toEqual([[1], [1], [1]]);
    expect(plain.channel.parts.at(-1)).toBeUndefined();
    expect(plain.pushes().at(-1)).toEqual([[['news/flash', 1]], null]);
  });

  it('packs a positioned batch whole when the packer cannot put it together around its events', async () => {
    const packer: Packer = {
      ...jsonPacker,
      packAround: () => {
        throw new Error('cannot');
      },
    };
    const h = new Harness({ packer });
    const c = await h.ws('c1', { uid: 'alice', query: { 'sente-ext': '1' } });
    h.server.broadcast(['news/flash', 1]);
    await h.advance(0);
    const [events, , ext] = c.pushes().at(-1) as [unknown, unknown, { o: unknown[] }];
    expect(events).toEqual([['news/flash', 1]]);
    expect(ext.o).toEqual([1]);
    expect(h.errors).toEqual([]);
  });

  it('holds the batches of many uids that wait for windows closing at the same time on one timer', async () => {
    const h = new Harness();
    const clients = [];
    for (let i = 0; i < 5; i++) clients.push(await h.ws(`c${i}`, { uid: `u${i}` }));
    h.server.broadcast(['news/flash', 0]);
    await h.advance(0);
    const before = h.server.stats().timers;
    await h.advance(10);
    h.server.broadcast(['news/flash', 1]);
    expect(h.server.stats()).toMatchObject({ timers: before + 1, bufferedBatches: 5 });
    // One uid flushed early leaves the others waiting on the same timer.
    h.server.send('u0', ['news/flash', 2], { flush: true });
    expect(h.server.stats()).toMatchObject({ timers: before + 1, bufferedBatches: 4 });
    await h.advance(19);
    expect(clients[1]!.pushes()).toHaveLength(1);
    await h.advance(1);
    for (const c of clients.slice(1)) expect(c.pushes()).toEqual([[[['news/flash', 0]], null], [[['news/flash', 1]], null]]);
    expect(clients[0]!.pushes()).toEqual([[[['news/flash', 0]], null], [[['news/flash', 1], ['news/flash', 2]], null]]);
    expect(h.server.stats()).toMatchObject({ timers: before, bufferedBatches: 0 });
  });

  it('sendToClient reaches only that client', async () => {
    const h = new Harness();
    const a1 = await h.ws('a1', { uid: 'alice' });
    const a2 = await h.ws('a2', { uid: 'alice' });
    h.server.sendToClient('a2', ['chat/only', 1], { flush: true });
    expect(a1.pushes()).toEqual([]);
    expect(a2.pushes()).toEqual([[[['chat/only', 1]], null]]);
  });

  it('sendToClient orders the push with the other pushes to its uid', async () => {
    const h = new Harness();
    const a1 = await h.ws('a1', { uid: 'alice' });
    const a2 = await h.ws('a2', { uid: 'alice' });
    h.server.send('alice', ['chat/1']);
    h.server.sendToClient('a2', ['chat/2']);
    h.server.send('alice', ['chat/3']);
    await h.advance(30);
    expect(a1.pushes()).toEqual([[[['chat/1'], ['chat/3']], null]]);
    expect(a2.pushes()).toEqual([[[['chat/1'], ['chat/2'], ['chat/3']], null]]);
  });

  it('sendToClient pushes to two clients in one window reach each its own client only', async () => {
    const h = new Harness();
    const a1 = await h.ws('a1', { uid: 'alice' });
    const a2 = await h.ws('a2', { uid: 'alice' });
    const a3 = await h.ws('a3', { uid: 'alice' });
    h.server.sendToClient('a1', ['chat/for-a1']);
    h.server.send('alice', ['chat/all']);
    h.server.sendToClient('a2', ['chat/for-a2']);
    await h.advance(30);
    expect(a1.pushedEvents()).toEqual([['chat/for-a1'], ['chat/all']]);
    expect(a2.pushedEvents()).toEqual([['chat/all'], ['chat/for-a2']]);
    expect(a3.pushedEvents()).toEqual([['chat/all']]);
  });

  it('sendToClient reaches an Ajax client on its next poll', async () => {
    const h = new Harness();
    const p = await h.ajaxClient('c1', { uid: 'alice' });
    const other = await h.ajaxClient('c2', { uid: 'alice' });
    h.server.sendToClient('c1', ['chat/only']);
    await h.advance(100);
    expect(p.body()).toEqual([[['chat/only']], null]);
    expect(other.answered).toBe(false);
  });

  it('sendToClient to an unknown client does nothing and sets no timer', async () => {
    const h = new Harness();
    await h.ws('a1', { uid: 'alice' });
    const timers = h.server.stats().timers;
    h.server.sendToClient('ghost', ['chat/x']);
    expect(h.server.stats()).toMatchObject({ timers, bufferedBatches: 0 });
  });

  it('sente/all-users-without-uid reaches the clients without a uid only', async () => {
    const h = new Harness();
    const anon = await h.ws('n1');
    const anonAjax = await h.ajaxClient('n2');
    const alice = await h.ws('a1', { uid: 'alice' });
    h.server.send('sente/all-users-without-uid', ['chat/anon'], { flush: true });
    expect(anon.pushes()).toEqual([[[['chat/anon']], null]]);
    expect(anonAjax.body()).toEqual([[['chat/anon']], null]);
    expect(alice.pushes()).toEqual([]);
  });

  it('accepts a numeric uid as its string', async () => {
    const h = new Harness({ userId: () => 7 });
    const c = await h.ws('c1');
    h.server.send(7 as unknown as string, ['chat/a'], { flush: true });
    expect(c.pushes()).toEqual([[[['chat/a']], null]]);
  });

  it('broadcast reaches every connected uid', async () => {
    const h = new Harness();
    const a = await h.ws('a1', { uid: 'alice' });
    const b = await h.ajaxClient('b1', { uid: 'bob' });
    const n = await h.ws('n1');
    h.server.broadcast(['news/flash', 1], { flush: true });
    expect(a.pushes()).toEqual([[[['news/flash', 1]], null]]);
    expect(b.body()).toEqual([[['news/flash', 1]], null]);
    expect(n.pushes()).toEqual([[[['news/flash', 1]], null]]);
  });

  it('broadcast without flush waits for the window', async () => {
    const h = new Harness();
    const a = await h.ws('a1', { uid: 'alice' });
    h.server.broadcast(['news/flash'], { flush: true });
    h.server.broadcast(['news/later']);
    await h.advance(29);
    expect(a.pushes()).toEqual([[[['news/flash']], null]]);
    await h.advance(1);
    expect(a.pushes()).toEqual([[[['news/flash']], null], [[['news/later']], null]]);
  });

  it('sending to an offline uid drops the push and sets no timer', async () => {
    const h = new Harness();
    await h.ws('a1', { uid: 'alice' });
    const before = h.server.stats();
    h.server.send('nobody', ['chat/a']);
    expect(h.server.stats()).toEqual(before);
    h.server.send('nobody', ['chat/b'], { flush: true });
    expect(h.server.stats()).toEqual(before);
    expect(h.clock.pending).toBe(before.timers);
  });
});

describe('push validation', () => {
  it.each([
    ['an id without a namespace', ['plain', 1], 'Bad event: an event id must be namespaced ("ns/name"), not "plain".'],
    ['a 3-element event', ['a/b', 1, 2], 'Bad event: an event must have 1 or 2 elements, not 3.'],
    ['an empty event', [], 'Bad event: an event must have 1 or 2 elements, not 0.'],
    ['a non-array', 'a/b', 'Bad event: an event must be an array [id, data?].'],
    ['a reserved chsk/ id', ['chsk/foo'], 'Bad event: "chsk/foo" is reserved by Sente.'],
    ['a reserved sente/ id', ['sente/x', 1], 'Bad event: "sente/x" is reserved by Sente.'],
  ])('throws ERR_SENTE_BAD_EVENT for %s', async (_name, event, message) => {
    const h = new Harness();
    await h.ws('a1', { uid: 'alice' });
    const ev = event as unknown as readonly [string];
    for (const push of [() => h.server.send('alice', ev), () => h.server.sendToClient('a1', ev), () => h.server.broadcast(ev)]) {
      expect(push).toThrowError(expect.objectContaining({ code: 'ERR_SENTE_BAD_EVENT', message }));
    }
    expect(h.server.stats().bufferedBatches).toBe(0);
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a number', 42],
  ])('throws ERR_SENTE_BAD_EVENT, not a TypeError, for %s as the event', async (_name, event) => {
    const h = new Harness();
    await h.ws('a1', { uid: 'alice' });
    const ev = event as unknown as readonly [string];
    for (const push of [() => h.server.send('alice', ev), () => h.server.sendToClient('a1', ev), () => h.server.broadcast(ev)]) {
      expect(push).toThrowError(
        expect.objectContaining({ code: 'ERR_SENTE_BAD_EVENT', message: 'Bad event: an event must be an array [id, data?].' }),
      );
    }
  });

  it.each([
    ['an empty uid', ''],
    ['an object', {}],
    ['null', null],
  ])('throws ERR_SENTE_BAD_UID for %s', async (_name, uid) => {
    const h = new Harness();
    expect(() => h.server.send(uid as string, ['chat/a'])).toThrowError(expect.objectContaining({ code: 'ERR_SENTE_BAD_UID' }));
    expect(() => h.server.closeUser(uid as string)).toThrowError(expect.objectContaining({ code: 'ERR_SENTE_BAD_UID' }));
  });
});

describe('chsk/close', () => {
  it('closes every socket of the uid with 4001 and ends its parked polls', async () => {
    const h = new Harness();
    const a1 = await h.ws('a1', { uid: 'alice' });
    const a2 = await h.ajaxClient('a2', { uid: 'alice' });
    const b = await h.ws('b1', { uid: 'bob' });
    h.server.send('alice', ['chsk/close']);
    expect(a1.closed?.code).toBe(4001);
    expect(a2.channel.isOpen()).toBe(false);
    expect(b.closed).toBeUndefined();
  });

  it('flushes first with the flush option', async () => {
    const h = new Harness();
    const a1 = await h.ws('a1', { uid: 'alice' });
    h.server.send('alice', ['chat/last']);
    h.server.send('alice', ['chsk/close'], { flush: true });
    expect(a1.pushes()).toEqual([[[['chat/last']], null]]);
    expect(a1.closed?.code).toBe(4001);
  });

  it('starts the grace period: uidport-close only if the client does not come back', async () => {
    const h = new Harness();
    await h.ws('a1', { uid: 'alice' });
    h.server.closeUser('alice');
    await h.advance(2499);
    expect(h.server.connectedUids.any.has('alice')).toBe(true);
    await h.advance(1);
    expect(h.eventsOf('chsk/uidport-close').map((m) => m.data)).toEqual(['alice']);
  });
});

describe('push order across batches, polls and reconnects', () => {
  it('delivers pushes to a WebSocket in send order across batches', async () => {
    const h = new Harness();
    const c = await h.ws('c1', { uid: 'alice' });
    for (let i = 0; i < 10; i++) {
      h.server.send('alice', ['n/i', i]);
      await h.advance(i % 3 === 0 ? 30 : 7);
    }
    await h.advance(100);
    expect(c.pushedEvents()).toEqual(Array.from({ length: 10 }, (_, i) => ['n/i', i]));
  });

  it('answers each poll with one batch and queues the later ones for the next polls', async () => {
    const h = new Harness();
    let p = await h.ajaxClient('c1', { uid: 'alice' });
    h.server.send('alice', ['n/i', 0], { flush: true });
    h.server.send('alice', ['n/i', 1], { flush: true });
    h.server.send('alice', ['n/i', 2]);
    h.server.send('alice', ['n/i', 3]);
    await h.advance(100);
    expect(p.body()).toEqual([[['n/i', 0]], null]);
    expect(h.server.stats().queuedBatches).toBe(2);
    const seen: unknown[] = [];
    for (let i = 0; i < 2; i++) {
      p = await h.ajaxGet('c1', { uid: 'alice' });
      seen.push(p.body());
    }
    expect(seen).toEqual([
      [[['n/i', 1]], null],
      [[['n/i', 2], ['n/i', 3]], null],
    ]);
    expect(h.server.stats().queuedBatches).toBe(0);
    p = await h.ajaxGet('c1', { uid: 'alice' });
    expect(p.answered).toBe(false);
  });

  it('delivers pushes made between the Ajax handshake and the first poll on that poll', async () => {
    const h = new Harness();
    await h.ajaxGet('c1', { uid: 'alice', handshake: true });
    h.server.send('alice', ['n/i', 1]);
    await h.advance(100);
    const first = await h.ajaxGet('c1', { uid: 'alice' });
    expect(first.body()).toEqual([[['n/i', 1]], null]);
  });

  it('delivers a push made by a uidport-open handler after the handshake', async () => {
    const h = new Harness();
    h.server.startRouter((m) => {
      if (m.id === 'chsk/uidport-open') m.server.send(m.uid, ['app/welcome', m.clientId], { flush: true });
    });
    const c = await h.ws('c1', { uid: 'alice' });
    expect(c.frames()).toEqual([
      [['chsk/handshake', ['alice', null, null]], null],
      [[['app/welcome', 'c1']], null],
    ]);
    const p = await h.ajaxClient('a1', { uid: 'bob' });
    expect(p.body()).toEqual([[['app/welcome', 'a1']], null]);
    expect(h.server.stats().ajaxClients).toBe(1);
  });

  it('delivers pushes made between polls on the next poll, in order', async () => {
    const h = new Harness();
    const p1 = await h.ajaxClient('c1', { uid: 'alice' });
    await h.advance(20_000);
    expect(p1.body()).toEqual(['chsk/timeout', null]);
    h.server.send('alice', ['n/i', 1]);
    await h.advance(100);
    h.server.send('alice', ['n/i', 2]);
    await h.advance(100);
    const p2 = await h.ajaxGet('c1', { uid: 'alice' });
    const p3 = await h.ajaxGet('c1', { uid: 'alice' });
    expect([p2.body(), p3.body()]).toEqual([
      [[['n/i', 1]], null],
      [[['n/i', 2]], null],
    ]);
  });

  it('queues pushes while a WebSocket reconnects and delivers them in order after the new handshake', async () => {
    const h = new Harness();
    const c1 = await h.ws('c1', { uid: 'alice' });
    h.server.send('alice', ['n/i', 0], { flush: true });
    c1.drop(1006);
    h.server.send('alice', ['n/i', 1]);
    await h.advance(30);
    h.server.send('alice', ['n/i', 2], { flush: true });
    expect(h.server.stats().queuedBatches).toBe(2);
    await h.advance(1000);
    const c2 = await h.ws('c1', { uid: 'alice' });
    expect(c2.frames()).toEqual([
      [['chsk/handshake', ['alice', null, null]], null],
      [[['n/i', 1]], null],
      [[['n/i', 2]], null],
    ]);
    h.server.send('alice', ['n/i', 3], { flush: true });
    expect(c2.pushedEvents()).toEqual([1, 2, 3].map((i) => ['n/i', i]));
    expect(h.server.stats().queuedBatches).toBe(0);
  });

  it('drops what was queued for a client whose grace period ran out, and reports it as ERR_SENTE_UNDELIVERED', async () => {
    const h = new Harness();
    const c1 = await h.ws('c1', { uid: 'alice' });
    c1.drop();
    h.server.send('alice', ['n/i', 1], { flush: true });
    expect(h.server.stats().queuedBatches).toBe(1);
    await h.advance(2500);
    expect(h.server.stats()).toMatchObject({ queuedBatches: 0, wsClients: 0 });
    expect(h.errorCodes()).toEqual(['ERR_SENTE_UNDELIVERED']);
    expect(h.errors[0]!.context).toEqual({ uid: 'alice', clientId: 'c1', transport: 'ws' });
    const c2 = await h.ws('c1', { uid: 'alice' });
    expect(c2.pushes()).toEqual([]);
  });

  it('bounds the queue at maxQueuedBatches, dropping the oldest with ERR_SENTE_QUEUE_OVERFLOW', async () => {
    const h = new Harness({ maxQueuedBatches: 3 });
    const c1 = await h.ws('c1', { uid: 'alice' });
    c1.drop();
    for (let i = 0; i < 5; i++) h.server.send('alice', ['n/i', i], { flush: true });
    expect(h.server.stats().queuedBatches).toBe(3);
    expect(h.errorCodes()).toEqual(['ERR_SENTE_QUEUE_OVERFLOW', 'ERR_SENTE_QUEUE_OVERFLOW']);
    expect(h.errors[0]!.context).toEqual({ uid: 'alice', clientId: 'c1', transport: 'ws' });
    const c2 = await h.ws('c1', { uid: 'alice' });
    expect(c2.pushedEvents()).toEqual([2, 3, 4].map((i) => ['n/i', i]));
  });

  it('bounds the queue of an Ajax client between polls too', async () => {
    const h = new Harness({ maxQueuedBatches: 2 });
    await h.ajaxGet('c1', { uid: 'alice', handshake: true });
    for (let i = 0; i < 4; i++) h.server.send('alice', ['n/i', i], { flush: true });
    expect(h.server.stats().queuedBatches).toBe(2);
    expect(h.errorCodes()).toEqual(['ERR_SENTE_QUEUE_OVERFLOW', 'ERR_SENTE_QUEUE_OVERFLOW']);
    expect((await h.ajaxGet('c1', { uid: 'alice' })).body()).toEqual([[['n/i', 2]], null]);
  });

  it('drops an event that cannot be packed, reports it, and delivers the rest of the batch', async () => {
    const poison = Symbol('unpackable');
    const h = new Harness({ packer: failingOn(jsonPacker, poison) });
    const c = await h.ws('c1', { uid: 'alice' });
    h.server.send('alice', ['n/a', 1]);
    h.server.send('alice', ['n/bad', poison]);
    h.server.send('alice', ['n/c', 3]);
    await h.advance(30);
    expect(c.pushes()).toEqual([[[['n/a', 1], ['n/c', 3]], null]]);
    expect(h.errorCodes()).toEqual(['ERR_SENTE_PACK_FAILED']);
    expect(h.errors[0]!.error.message).toContain('n/bad');
  });

  it('drops and reports a batch the packer rejects as a whole, without throwing from the flush', async () => {
    // A packer with a size limit: every event fits, two together do not.
    const isBigBatch = (v: unknown): boolean =>
      Array.isArray(v) && Array.isArray(v[0]) && v[0].length >= 2 && v[0].every((e: unknown) => Array.isArray(e));
    const h = new Harness({
      packer: {
        ...jsonPacker,
        pack: (v) => {
          if (isBigBatch(v)) throw new RangeError('payload too big');
          return jsonPacker.pack(v);
        },
      },
    });
    const c = await h.ws('c1', { uid: 'alice' });
    h.server.send('alice', ['n/a', 1]);
    h.server.send('alice', ['n/b', 2]);
    await expect(h.advance(30)).resolves.toBeUndefined();
    expect(() => {
      h.server.send('alice', ['n/c', 3]);
      h.server.send('alice', ['n/d', 4], { flush: true });
    }).not.toThrow();
    expect(h.errorCodes()).toEqual(['ERR_SENTE_PACK_FAILED', 'ERR_SENTE_PACK_FAILED']);
    h.server.send('alice', ['n/e', 5], { flush: true });
    expect(c.pushes()).toEqual([[[['n/e', 5]], null]]);
    expect(h.server.stats()).toMatchObject({ bufferedBatches: 0, queuedBatches: 0 });
  });

  it('sends nothing when no event of a batch can be packed', async () => {
    const poison = Symbol('unpackable');
    const h = new Harness({ packer: failingOn(jsonPacker, poison) });
    const c = await h.ws('c1', { uid: 'alice' });
    h.server.send('alice', ['n/bad', poison], { flush: true });
    expect(c.pushes()).toEqual([]);
    expect(h.errorCodes()).toEqual(['ERR_SENTE_PACK_FAILED']);
    expect(h.server.stats()).toMatchObject({ queuedBatches: 0, bufferedBatches: 0 });
  });
});
