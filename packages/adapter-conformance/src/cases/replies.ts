import { expect, it } from 'vitest';
import { randomId } from '@sente/core';
import { CASE_TIMEOUT_MS } from './context.js';
import { until } from '../wait.js';
import type { CaseContext } from './context.js';
import type { ServerEventMsg } from '@sente/core';

// Text that form encoding, UTF-8 and JSON escaping can each get wrong.
const DATA = { text: 'hi a+b & c=d %20 ☃ héllo 🎉 "q" \\', n: 42, list: [1, 'two', null, true] };

/** Replies `['echoed', data]` to `test/echo` and returns what `reply` returned each time. */
function echo(log: boolean[]): (msg: ServerEventMsg<any>) => void {
  return (msg) => {
    if (msg.id === 'test/echo' && msg.reply) {
      log.push(msg.reply(['echoed', msg.data]));
      log.push(msg.reply('again'));
    }
  };
}

/** Client-to-server events and replies over WebSocket: the cb-id round trip (protocol §3.3–3.4). */
export function wsReplyCases({ harness, wire }: CaseContext): void {
  it('answers a request with its reply under the same cb-id, once', async () => {
    const t = await harness.start();
    const replies: boolean[] = [];
    t.handler = echo(replies);
    const c = await t.ws({ params: { uid: 'alice' } });
    const { cbId, frame } = await c.request(['test/echo', DATA]);
    expect(wire.packer.unpack(frame.raw)).toEqual(wire.reply(['echoed', DATA], cbId));
    const [msg] = t.eventsOf('test/echo');
    expect(msg).toMatchObject({ uid: 'alice', clientId: c.clientId, transport: 'ws', data: wire.canonical(DATA) });
    expect(replies).toEqual([true, false]);
    // The handshake and the one reply: the second reply call sent nothing.
    await c.request(['test/echo', 2]);
    expect(c.frames).toHaveLength(3);
  }, CASE_TIMEOUT_MS);

  it('delivers an event without a cb-id with no reply function, and sends nothing back', async () => {
    const t = await harness.start();
    t.handler = echo([]);
    const c = await t.ws({ params: { uid: 'alice' } });
    c.sendEvent(['test/note', DATA]);
    const { msg } = await t.event((m) => m.id === 'test/note', 'test/note');
    expect(msg.reply).toBeUndefined();
    expect(msg.data).toEqual(wire.canonical(DATA));
    const { cbId, frame } = await c.request(['test/echo', 1]);
    expect(c.frames).toEqual([c.handshake, frame]);
    expect(wire.decode(frame.raw).cbId).toBe(cbId);
  }, CASE_TIMEOUT_MS);

  it('answers a client ping that has a cb-id with "pong"', async () => {
    const t = await harness.start();
    const c = await t.ws();
    const cbId = randomId(6);
    c.send(wire.event(['chsk/ws-ping'], cbId));
    const pong = await until(() => c.frames.find((f) => wire.decode(f.raw).cbId === cbId), 'the pong');
    expect(wire.packer.unpack(pong.raw)).toEqual(wire.reply('pong', cbId));
  }, CASE_TIMEOUT_MS);
}

/** Client-to-server events and replies over Ajax POSTs (protocol §3.4, §3.6). */
export function ajaxReplyCases({ harness, wire }: CaseContext): void {
  it('answers a POST with the :ajax marker with the reply as its body, once', async () => {
    const t = await harness.start();
    const replies: boolean[] = [];
    t.handler = echo(replies);
    const c = t.ajax();
    const a = await c.post(['test/echo', DATA], { reply: true });
    expect(a.status).toBe(200);
    expect(wire.packer.unpack(a.body)).toEqual(wire.reply(['echoed', DATA], null));
    expect(replies).toEqual([true, false]);
    const [msg] = t.eventsOf('test/echo');
    expect(msg).toMatchObject({ clientId: c.clientId, transport: 'ajax', data: wire.canonical(DATA) });
    expect(t.stats().pendingReplies).toBe(0);
  }, CASE_TIMEOUT_MS);

  it('answers chsk/timeout when the handler does not reply within lpTimeoutMs', async () => {
    const t = await harness.start();
    let late: ((v: unknown) => boolean) | undefined;
    t.handler = (msg) => {
      if (msg.id === 'test/slow') late = msg.reply;
    };
    const c = t.ajax();
    const a = await c.post(['test/slow', 1], { reply: true });
    expect(a.status).toBe(200);
    expect(wire.packer.unpack(a.body)).toEqual(wire.keyword('chsk/timeout'));
    expect(late?.('too late')).toBe(false);
    expect(t.stats()).toMatchObject({ pendingReplies: 0, timers: 0 });
  }, CASE_TIMEOUT_MS);

  it('acknowledges a POST without a cb marker with chsk/dummy-cb-200', async () => {
    const t = await harness.start();
    const c = t.ajax();
    const a = await c.post(['test/note', DATA]);
    expect(a.status).toBe(200);
    expect(wire.packer.unpack(a.body)).toEqual(wire.keyword('chsk/dummy-cb-200'));
    const [msg] = t.eventsOf('test/note');
    expect(msg?.reply).toBeUndefined();
    expect(msg?.data).toEqual(wire.canonical(DATA));
  }, CASE_TIMEOUT_MS);
}
