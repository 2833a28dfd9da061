import { expect, it } from 'vitest';
import { CASE_TIMEOUT_MS } from './context.js';
import { collectBatches, connect } from '../peer.js';
import { until } from '../wait.js';
import type { CaseContext } from './context.js';
import type { SenteEvent } from '@sente/core';
import type { Transport } from '../peer.js';
import type { TestServer } from '../harness.js';

const ev = (i: number): SenteEvent => ['test/push', { i }];

/** Server push on one transport: addressing, batching, flushing and order (protocol §1.4, §3.7). */
export function pushCases({ harness, wire }: CaseContext, transport: Transport): void {
  const received = (events: SenteEvent[]): SenteEvent[] => events.map((e) => wire.received(e));

  it('pushes to every client of a uid', async () => {
    const t = await harness.start();
    const a = await connect(t, transport, { uid: 'alice' });
    const b = await connect(t, transport, { uid: 'alice' });
    t.server.send('alice', ev(1));
    expect(await a.nextPush()).toEqual(received([ev(1)]));
    expect(await b.nextPush()).toEqual(received([ev(1)]));
  }, CASE_TIMEOUT_MS);

  it('sends to one client only with sendToClient, not to the other tabs of its uid', async () => {
    const t = await harness.start();
    const a = await connect(t, transport, { uid: 'alice' });
    const b = await connect(t, transport, { uid: 'alice' });
    t.server.sendToClient(a.clientId, ev(1));
    expect(await a.nextPush()).toEqual(received([ev(1)]));
    // Pushes to a uid keep send order: b's first batch would hold ev(1) had it been sent to b.
    t.server.send('alice', ev(2));
    expect(await b.nextPush()).toEqual(received([ev(2)]));
    expect(await a.nextPush()).toEqual(received([ev(2)]));
  }, CASE_TIMEOUT_MS);

  it('reaches the clients without a uid through sente/all-users-without-uid, and only them', async () => {
    const t = await harness.start();
    const anon = await connect(t, transport);
    const alice = await connect(t, transport, { uid: 'alice' });
    t.server.send('sente/all-users-without-uid', ev(1));
    expect(await anon.nextPush()).toEqual(received([ev(1)]));
    t.server.send('alice', ev(2));
    expect(await alice.nextPush()).toEqual(received([ev(2)]));
  }, CASE_TIMEOUT_MS);

  it('batches the pushes sent within one window into one payload', async () => {
    const t = await harness.start();
    const raw = await (async () => {
      if (transport === 'ws') {
        const c = await t.ws({ params: { uid: 'alice' } });
        for (let i = 0; i < 3; i++) t.server.send('alice', ev(i));
        return (await c.next('the batch')).raw;
      }
      const c = t.ajax({ params: { uid: 'alice' } });
      await c.handshake();
      const poll = c.poll();
      await t.uidport('open', 'alice'); // the poll is parked
      for (let i = 0; i < 3; i++) t.server.send('alice', ev(i));
      return (await poll).body;
    })();
    expect(wire.packer.unpack(raw)).toEqual(wire.batch([ev(0), ev(1), ev(2)]));
  }, CASE_TIMEOUT_MS);

  it('sends what is buffered for the uid at once with flush', async () => {
    // A window far longer than the wait: only the flush can deliver in time.
    const t = await harness.start({ sendBufMsWs: 60_000, sendBufMsAjax: 60_000 });
    const a = await connect(t, transport, { uid: 'alice' });
    t.server.send('alice', ev(1));
    expect(t.stats().bufferedBatches).toBe(1);
    t.server.send('alice', ev(2), { flush: true });
    expect(t.stats().bufferedBatches).toBe(0);
    expect(await a.nextPush()).toEqual(received([ev(1), ev(2)]));
  }, CASE_TIMEOUT_MS);

  /** Sends ev(0)…ev(6) to alice in four batches: two flushed, two closed by their window. */
  async function sendFourBatches(t: TestServer): Promise<void> {
    t.server.send('alice', ev(0));
    t.server.send('alice', ev(1), { flush: true });
    t.server.send('alice', ev(2));
    await until(() => t.stats().bufferedBatches === 0, 'the batching window to close');
    t.server.send('alice', ev(3));
    t.server.send('alice', ev(4));
    t.server.send('alice', ev(5), { flush: true });
    t.server.send('alice', ev(6));
    await until(() => t.stats().bufferedBatches === 0, 'the batching window to close');
  }
  const FOUR_BATCHES = (): SenteEvent[][] => [received([ev(0), ev(1)]), received([ev(2)]), received([ev(3), ev(4), ev(5)]), received([ev(6)])];

  it('delivers pushes in send order across several batches', async () => {
    const t = await harness.start();
    const a = await connect(t, transport, { uid: 'alice' });
    await sendFourBatches(t);
    expect(await collectBatches(a, 7)).toEqual(FOUR_BATCHES());
  }, CASE_TIMEOUT_MS);

  if (transport === 'ajax') {
    it('queues the batches sent between polls and answers each poll with the next one, in order', async () => {
      const t = await harness.start();
      const c = t.ajax({ params: { uid: 'alice' } });
      await c.handshake();
      await sendFourBatches(t);
      expect(t.stats().queuedBatches).toBe(4);
      const answers: SenteEvent[][] = [];
      for (let i = 0; i < 4; i++) answers.push(wire.pushedEvents((await c.poll()).body));
      expect(answers).toEqual(FOUR_BATCHES());
      expect(t.stats().queuedBatches).toBe(0);
    }, CASE_TIMEOUT_MS);
  } else {
    it('delivers the pushes sent while a WebSocket reconnects after its new handshake, in order', async () => {
      const t = await harness.start({ msAllowReconnectBeforeCloseWs: 5000 });
      const first = await t.ws({ params: { uid: 'alice' } });
      await first.close();
      await sendFourBatches(t);
      const again = await t.ws({ params: { uid: 'alice' }, clientId: first.clientId });
      expect(wire.packer.unpack(again.handshake.raw)).toEqual(wire.handshake('alice'));
      const batches: SenteEvent[][] = [];
      for (let i = 0; i < 4; i++) batches.push(await again.nextPush());
      expect(batches).toEqual(FOUR_BATCHES());
    }, CASE_TIMEOUT_MS);

    it('sends each broadcast to every socket as the same frame, of the packer\'s kind', async () => {
      const t = await harness.start();
      const sockets = await Promise.all(['alice', 'bob', 'carol'].map((uid) => t.ws({ params: { uid } })));
      for (const round of [1, 2]) {
        t.server.broadcast(ev(round));
        for (const s of sockets) {
          const frame = await s.next(`broadcast ${round}`);
          // Text packers go as text frames, binary ones as binary frames, to the first socket and the others alike.
          expect(frame.binary).toBe(wire.packer.binary);
          expect(wire.pushedEvents(frame.raw)).toEqual(received([ev(round)]));
        }
      }
    }, CASE_TIMEOUT_MS);
  }
}

/** Server push to a uid connected on both transports (protocol §3.7, §5). */
export function mixedPushCases({ harness, wire }: CaseContext): void {
  it('pushes to a uid with a WebSocket and an Ajax client: each gets every event once', async () => {
    const t = await harness.start();
    const ws = await connect(t, 'ws', { uid: 'alice' });
    const ajax = await connect(t, 'ajax', { uid: 'alice' });
    t.server.send('alice', ev(1));
    expect(await ws.nextPush()).toEqual([wire.received(ev(1))]);
    expect(await ajax.nextPush()).toEqual([wire.received(ev(1))]);
    t.server.send('alice', ev(2));
    expect(await ws.nextPush()).toEqual([wire.received(ev(2))]);
    expect(await ajax.nextPush()).toEqual([wire.received(ev(2))]);
  }, CASE_TIMEOUT_MS);

  it('sends to one client on whichever transport it uses with sendToClient', async () => {
    const t = await harness.start();
    const ws = await connect(t, 'ws', { uid: 'alice' });
    const ajax = await connect(t, 'ajax', { uid: 'alice' });
    t.server.sendToClient(ajax.clientId, ev(1));
    expect(await ajax.nextPush()).toEqual([wire.received(ev(1))]);
    t.server.sendToClient(ws.clientId, ev(2));
    expect(await ws.nextPush()).toEqual([wire.received(ev(2))]);
    t.server.send('alice', ev(3));
    expect(await ajax.nextPush()).toEqual([wire.received(ev(3))]);
  }, CASE_TIMEOUT_MS);
}
