import { expect, it } from 'vitest';
import { CASE_TIMEOUT_MS } from './context.js';
import { EMPTY_STATS, openSockets } from '../harness.js';
import { connect } from '../peer.js';
import { until, within } from '../wait.js';
import type { CaseContext } from './context.js';
import type { Transport } from '../peer.js';

/** Nothing leaks, and a server closes gracefully (STYLE: bad input never leaves anything behind). */
export function lifecycleCases({ harness, wire }: CaseContext, transport: Transport): void {
  it('holds no client, timer, batch, queued push or pending reply once every client left and the grace period passed', async () => {
    const t = await harness.start();
    const baseline = openSockets();
    t.handler = (msg) => {
      if (msg.id === 'test/echo') msg.reply?.(msg.data);
    };
    const alice = await connect(t, transport, { uid: 'alice' });
    const anon = await connect(t, transport);
    t.server.send('alice', ['test/push', 1]);
    t.server.send('sente/all-users-without-uid', ['test/push', 2]);
    await Promise.all([alice.nextPush(), anon.nextPush()]);
    const bob = transport === 'ws' ? await t.ws({ params: { uid: 'bob' } }) : undefined;
    await bob?.request(['test/echo', 1]);
    if (transport === 'ajax') {
      await t.ajax().post(['test/echo', 1], { reply: true });
      await t.ajax().post(['test/ignored', 1], { reply: true }); // answered chsk/timeout
    }
    // Polls end by timing out, not by aborts: fetch keeps a spare socket open for a while after an abort.
    // bob's connection drops without a close frame.
    await Promise.all([alice.leave({ abort: false }), anon.leave({ abort: false }), bob?.terminate()]);
    // A push to a user in its grace period waits for it, then goes with it.
    t.server.send('alice', ['test/push', 3]);
    await until(() => t.eventsOf('chsk/uidport-close').length === (transport === 'ws' ? 3 : 2), 'every uidport-close');
    expect(t.stats()).toEqual(EMPTY_STATS);
    expect([...t.server.connectedUids.any]).toEqual([]);
    expect([...t.server.connectedUids.ws]).toEqual([]);
    expect([...t.server.connectedUids.ajax]).toEqual([]);
    await until(() => openSockets() <= baseline, `the sockets to close (${openSockets()} open, ${baseline} before)`);
  }, CASE_TIMEOUT_MS);

  if (transport === 'ajax') {
    it('forgets a pending reply when the client aborts its POST', async () => {
      const t = await harness.start({ lpTimeoutMs: 30_000 });
      let reply: ((v: unknown) => boolean) | undefined;
      t.handler = (msg) => {
        if (msg.id === 'test/slow') reply = msg.reply;
      };
      const c = t.ajax();
      const post = c.post(['test/slow', 1], { reply: true });
      await until(() => t.stats().pendingReplies === 1, 'the pending reply');
      c.abort();
      await expect(post).rejects.toThrow();
      await until(() => t.stats().pendingReplies === 0, 'the pending reply to be dropped');
      expect(t.stats()).toEqual(EMPTY_STATS);
      expect(reply?.('too late')).toBe(false);
    }, CASE_TIMEOUT_MS);
  }

  if (transport === 'ws') {
    it('closes gracefully: buffered pushes first, then close code 1001, then 503 to new requests', async () => {
      // A window far longer than the test: only close() flushes it.
      const t = await harness.start({ sendBufMsWs: 60_000 });
      const c = await t.ws({ params: { uid: 'alice' } });
      t.server.send('alice', ['test/push', 1]);
      t.server.send('alice', ['test/push', 2]);
      await t.server.close();
      const closed = await within(c.closed, 'the close');
      expect(c.frames.slice(1).map((f) => wire.pushedEvents(f.raw))).toEqual([[wire.received(['test/push', 1]), wire.received(['test/push', 2])]]);
      expect(closed.code).toBe(1001);
      const late = await t.wsRejected({ params: { uid: 'bob' } });
      expect({ status: late.status, body: late.body }).toEqual({ status: 503, body: 'Server closing' });
      expect(t.stats()).toEqual(EMPTY_STATS);
      expect(t.server.connectedUids.any.size).toBe(0);
    }, CASE_TIMEOUT_MS);
  } else {
    it('closes gracefully: parked polls answered, pending replies given time, then 503 to new requests', async () => {
      const t = await harness.start({ sendBufMsAjax: 60_000 });
      let reply: ((v: unknown) => boolean) | undefined;
      t.handler = (msg) => {
        if (msg.id === 'test/slow') reply = msg.reply;
      };
      const alice = t.ajax({ params: { uid: 'alice' } });
      const bob = t.ajax({ params: { uid: 'bob' } });
      await Promise.all([alice.handshake(), bob.handshake()]);
      const alicePoll = alice.poll();
      const bobPoll = bob.poll();
      await Promise.all([t.uidport('open', 'alice'), t.uidport('open', 'bob')]);
      const post = t.ajax().post(['test/slow', 1], { reply: true });
      await until(() => reply, 'the slow request');
      t.server.send('alice', ['test/push', 1]);
      const closing = t.server.close();
      // While close() waits for the pending reply, new requests are refused.
      const late = t.ajax();
      expect((await late.get({ handshake: true })).status).toBe(503);
      const latePost = await late.post(['test/note', 1]);
      expect({ status: latePost.status, body: latePost.text }).toEqual({ status: 503, body: 'Server closing' });
      expect(reply?.('done')).toBe(true);
      await closing;
      expect(wire.packer.unpack((await post).body)).toEqual(wire.reply('done', null));
      expect(wire.packer.unpack((await alicePoll).body)).toEqual(wire.batch([['test/push', 1]]));
      expect(wire.packer.unpack((await bobPoll).body)).toEqual(wire.keyword('chsk/timeout'));
      expect(t.stats()).toEqual(EMPTY_STATS);
      expect(t.server.connectedUids.any.size).toBe(0);
    }, CASE_TIMEOUT_MS);
  }
}
