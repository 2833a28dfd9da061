import { describe, expect, it } from 'vitest';
import { Harness } from './support/harness.js';

const EXT = { 'sente-ext': '1' };

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
    const h = new Harness();
    let calls = 0;
    h.server.startRouter((msg) => {
      if (msg.id !== 'app/charge') return;
      calls++;
      msg.reply?.({ n: calls });
    });
    const a = await h.post('a1', [['app/charge', 1], 'ajax', { m: 'msg-9' }], { uid: 'alice', query: EXT });
    const b = await h.post('a1', [['app/charge', 1], 'ajax', { m: 'msg-9' }], { uid: 'alice', query: EXT });
    expect(calls).toBe(1);
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
});
