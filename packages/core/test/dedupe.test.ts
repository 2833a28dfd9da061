import { describe, expect, it } from 'vitest';
import { Harness } from './support/harness.js';

const EXT = { 'sente-ext': '1' };

/** A server whose `app/charge` handler counts its calls and replies with that count. */
function charging(): { h: Harness; calls: () => number } {
  const h = new Harness();
  let calls = 0;
  h.server.startRouter((msg) => {
    if (msg.id !== 'app/charge') return;
    calls++;
    msg.reply?.({ n: calls });
  });
  return { h, calls: () => calls };
}

describe('idempotent retries (message ids)', () => {
  it('handles a WebSocket event once when it is retried on a new socket, and the retry gets the reply', async () => {
    const h = new Harness();
    let calls = 0;
    let reply: ((v: unknown) => boolean) | undefined;
    h.server.startRouter((msg) => {
      if (msg.id !== 'app/charge') return;
      calls++;
      reply = msg.reply;
    });
    const first = await h.ws('c1', { uid: 'alice', query: EXT });
    first.send(['app/charge', 10], 'cb-1', { m: 'msg-1' });
    first.drop(1006); // the connection is lost before the reply
    const retry = await h.ws('c1', { uid: 'alice', query: EXT });
    retry.send(['app/charge', 10], 'cb-2', { m: 'msg-1' });
    expect(calls).toBe(1);
    expect(reply?.({ ok: true })).toBe(true);
    expect(retry.pushes()).toEqual([[{ ok: true }, 'cb-2']]);
    // A retry after the reply gets the same reply at once, still without a second charge.
    retry.send(['app/charge', 10], 'cb-3', { m: 'msg-1' });
    expect(calls).toBe(1);
    expect(retry.pushes().at(-1)).toEqual([{ ok: true }, 'cb-3']);
  });

  it('handles a retried Ajax POST once, and answers the retry with the first reply', async () => {
    const { h, calls } = charging();
    const a = await h.post('a1', [['app/charge', 1], 'ajax', { m: 'msg-9' }], { uid: 'alice', query: EXT });
    const b = await h.post('a1', [['app/charge', 1], 'ajax', { m: 'msg-9' }], { uid: 'alice', query: EXT });
    expect(calls()).toBe(1);
    expect(a.body()).toEqual([{ n: 1 }, null]);
    expect(b.body()).toEqual([{ n: 1 }, null]);
  });

  it('handles an event without reply once per message id, and different ids each', async () => {
    const h = new Harness();
    const c = await h.ws('c1', { uid: 'alice', query: EXT });
    c.send(['app/log', 1], null, { m: 'a' });
    c.send(['app/log', 1], null, { m: 'a' });
    c.send(['app/log', 2], null, { m: 'b' });
    expect(h.eventsOf('app/log').map((m) => m.data)).toEqual([1, 2]);
  });

  it('keeps message ids of two clients apart', async () => {
    const h = new Harness();
    const a = await h.ws('c1', { uid: 'alice', query: EXT });
    const b = await h.ws('c2', { uid: 'alice', query: EXT });
    a.send(['app/log', 'a'], null, { m: 'same' });
    b.send(['app/log', 'b'], null, { m: 'same' });
    expect(h.eventsOf('app/log').map((m) => m.data)).toEqual(['a', 'b']);
  });

  it('closes with 1007 a frame whose extension slot is malformed', async () => {
    const h = new Harness();
    const c = await h.ws('c1', { uid: 'alice', query: EXT });
    c.send(['app/log', 1], null, { m: 42 });
    expect(c.closed?.code).toBe(1007);
    expect(h.eventsOf('app/log')).toEqual([]);
  });

  it('remembers the last 1000 message ids of a client: an older retry is handled again, a newer one is not', async () => {
    const h = new Harness();
    const c = await h.ws('c1', { uid: 'alice', query: EXT });
    for (let i = 0; i < 1001; i++) c.send(['app/log', i], null, { m: `m${i}` });
    c.send(['app/log', 'again'], null, { m: 'm1' }); // still remembered
    c.send(['app/log', 'again'], null, { m: 'm1000' });
    c.send(['app/log', 'again'], null, { m: 'm0' }); // the oldest, forgotten
    const data = h.eventsOf('app/log').map((m) => m.data);
    expect(data).toHaveLength(1002);
    expect(data.at(-1)).toBe('again');
    // Another client of the same user has its own 1000.
    const d = await h.ws('c2', { uid: 'alice', query: EXT });
    d.send(['app/log', 'c2'], null, { m: 'm1' });
    expect(h.eventsOf('app/log')).toHaveLength(1003);
  });

  it('forgets a message id once the replay window (replay.maxAgeMs) has passed, not before', async () => {
    const h = new Harness({ replay: { maxAgeMs: 10_000 } });
    const c = await h.ws('c1', { uid: 'alice', query: EXT });
    c.send(['app/log', 1], null, { m: 'a' });
    await h.advance(9_000);
    c.send(['app/log', 1], null, { m: 'a' });
    expect(h.eventsOf('app/log')).toHaveLength(1);
    await h.advance(11_000);
    c.send(['app/log', 1], null, { m: 'a' });
    expect(h.eventsOf('app/log')).toHaveLength(2);
  });

  it('answers the first send and the retries that waited when the handler replies after the id was forgotten', async () => {
    const h = new Harness();
    let reply: ((v: unknown) => boolean) | undefined;
    h.server.startRouter((msg) => {
      if (msg.id === 'app/slow') reply = msg.reply;
    });
    const first = await h.ws('c1', { uid: 'alice', query: EXT });
    first.send(['app/slow', 1], 'cb-1', { m: 'slow' });
    first.drop(1006);
    const retry = await h.ws('c1', { uid: 'alice', query: EXT });
    retry.send(['app/slow', 1], 'cb-2', { m: 'slow' });
    // 1000 more ids push the waiting one out.
    for (let i = 0; i < 1000; i++) retry.send(['app/log', i], null, { m: `m${i}` });
    expect(reply?.('done')).toBe(true);
    expect(retry.pushes().filter((p) => Array.isArray(p) && p[1] === 'cb-2')).toEqual([['done', 'cb-2']]);
    // A reply is given once.
    expect(reply?.('again')).toBe(false);
  });
  it('says in the handshake that it takes the replies a client got (acks)', async () => {
    const h = new Harness();
    const c = await h.ws('c1', { uid: 'alice', query: EXT });
    expect(c.frames()[0]).toMatchObject([['chsk/handshake', ['alice', null, null, { acks: true }]], null]);
  });

  it('lets go of the replies a client says it got (a): a duplicate of one is neither handled nor answered, a later id\'s retry still gets its reply', async () => {
    const { h, calls } = charging();
    const c = await h.ws('c1', { uid: 'alice', query: EXT });
    for (let i = 0; i < 3; i++) c.send(['app/charge', i], `cb-${i}`, { m: `p${i}` });
    // The client got the replies of p0 and p1: p2 is the first it still waits for.
    c.send(['app/charge', 3], 'cb-3', { m: 'p3', a: 'p2' });
    expect(calls()).toBe(4);
    const answered = c.pushes().length;
    c.send(['app/charge', 1], 'cb-again', { m: 'p1' });
    expect(calls()).toBe(4);
    expect(c.pushes()).toHaveLength(answered);
    // p2's reply is still kept: its retry gets it, unhandled.
    c.send(['app/charge', 2], 'cb-retry', { m: 'p2' });
    expect(calls()).toBe(4);
    expect(c.pushes().at(-1)).toEqual([{ n: 3 }, 'cb-retry']);
    // The ids stay: a duplicate is no new event, and they count as before.
    expect(h.server.stats().messageIds).toBe(4);
  });

  it('keeps the replies from the first id still waiting for its handler on, whatever a says', async () => {
    const h = new Harness();
    let slow: ((v: unknown) => boolean) | undefined;
    h.server.startRouter((msg) => {
      if (msg.id === 'app/slow') slow = msg.reply;
      else msg.reply?.('fast');
    });
    const c = await h.ws('c1', { uid: 'alice', query: EXT });
    c.send(['app/slow', 0], 'cb-0', { m: 'p0' });
    c.send(['app/fast', 1], 'cb-1', { m: 'p1' });
    c.send(['app/fast', 2], 'cb-2', { m: 'p2', a: 'p2' });
    expect(slow?.('slow')).toBe(true);
    c.send(['app/slow', 0], 'cb-0b', { m: 'p0' });
    c.send(['app/fast', 1], 'cb-1b', { m: 'p1' });
    expect(c.pushes().slice(-2)).toEqual([
      ['slow', 'cb-0b'],
      ['fast', 'cb-1b'],
    ]);
  });

  it('releases nothing for an a of another numbering than the client\'s ids, and closes with 1007 on a malformed one', async () => {
    const h = new Harness();
    h.server.startRouter((msg) => msg.reply?.(msg.data));
    const c = await h.ws('c1', { uid: 'alice', query: EXT });
    c.send(['app/echo', 0], 'cb-0', { m: 'p0' });
    c.send(['app/echo', 1], 'cb-1', { m: 'p1', a: 'other9' });
    c.send(['app/echo', 0], 'cb-0b', { m: 'p0' });
    expect(c.pushes().at(-1)).toEqual([0, 'cb-0b']);
    c.send(['app/echo', 2], 'cb-2', { m: 'p2', a: 2 });
    expect(c.closed?.code).toBe(1007);
  });

  it('lets go of the replies an Ajax client says it got: a duplicate POST of one is not answered', async () => {
    const h = new Harness();
    let calls = 0;
    h.server.startRouter((msg) => msg.reply?.({ n: ++calls }));
    await h.post('a1', [['app/charge', 0], 'ajax', { m: 'q0' }], { uid: 'alice', query: EXT });
    await h.post('a1', [['app/charge', 1], 'ajax', { m: 'q1', a: 'q1' }], { uid: 'alice', query: EXT });
    const again = await h.post('a1', [['app/charge', 0], 'ajax', { m: 'q0' }], { uid: 'alice', query: EXT });
    expect(calls).toBe(2);
    expect(again.answered).toBe(false);
  });

  it('counts the ids it remembers in stats().messageIds; past the window they go at the next event', async () => {
    const h = new Harness({ replay: { maxAgeMs: 10_000 } });
    const c = await h.ws('c1', { uid: 'alice', query: EXT });
    c.send(['app/log', 1], null, { m: 'p.1' });
    c.send(['app/log', 2], null, { m: 'p.2' });
    c.send(['app/log', 3], null, { m: 'free-form' });
    c.send(['app/log', 3], null, { m: 'free-form' }); // a retry: not counted twice
    expect(h.server.stats().messageIds).toBe(3);
    const d = await h.ws('c2', { uid: 'bob', query: EXT });
    d.send(['app/log', 4], null, { m: 'p.1' });
    expect(h.server.stats().messageIds).toBe(4);
    // Swept as they are used, with no timer: the next event after the window finds them gone.
    await h.advance(11_000);
    expect(h.server.stats().messageIds).toBe(4);
    d.send(['app/log', 5], null, { m: 'p.2' });
    expect(h.server.stats().messageIds).toBe(1);
  });
});
