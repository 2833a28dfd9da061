import { expect, it } from 'vitest';
import { kw } from '@sente/core';
import { CASE_TIMEOUT_MS } from './context.js';
import { EMPTY_STATS } from '../harness.js';
import { until, within } from '../wait.js';
import type { CaseContext } from './context.js';
import type { TestServer } from '../harness.js';
import type { Transport } from '../peer.js';

/** Event contents a client must not send: bad ids, reserved ids, not events at all. */
const BAD_EVENTS: readonly (readonly [string, unknown])[] = [
  ['an id without a namespace', [kw('no-namespace'), 1]],
  ['an id that is not a keyword or string', [42, 'x']],
  ['three elements', [kw('test/ok'), 1, 2]],
  ['not a vector', 'just a string'],
  ['a reserved chsk/ id', [kw('chsk/uidport-open'), 'mallory']],
  ['a reserved sente/ id', [kw('sente/nil-uid')]],
];

/** Bad input on the WebSocket: close codes, never a crash (protocol §6.3). */
export function wsBadInputCases({ harness, wire }: CaseContext): void {
  /** The socket is dropped like any other: its client leaves after the grace period, with nothing left behind. */
  async function expectDropped(t: TestServer): Promise<void> {
    await t.uidport('close', 'alice');
    expect(t.received.map((r) => r.msg.id)).toEqual(['chsk/uidport-open', 'chsk/uidport-close']);
    expect(t.stats()).toEqual(EMPTY_STATS);
  }

  it('closes with 1007 on a frame the packer cannot unpack', async () => {
    const t = await harness.start();
    const c = await t.ws({ params: { uid: 'alice' } });
    c.send(wire.malformed());
    expect((await within(c.closed, 'the close')).code).toBe(1007);
    await expectDropped(t);
  }, CASE_TIMEOUT_MS);

  it('closes with 1007 on a frame that is not a Sente envelope', async () => {
    const t = await harness.start();
    const c = await t.ws({ params: { uid: 'alice' } });
    c.send(wire.packer.pack([kw('test/a'), 'b', 'c']));
    expect((await within(c.closed, 'the close')).code).toBe(1007);
    await expectDropped(t);
  }, CASE_TIMEOUT_MS);

  it('closes with 1009 on a frame over maxPayloadBytes', async () => {
    const t = await harness.start({ maxPayloadBytes: 1024 });
    const c = await t.ws({ params: { uid: 'alice' } });
    c.sendEvent(['test/big', 'x'.repeat(4096)]);
    expect((await within(c.closed, 'the close')).code).toBe(1009);
    await expectDropped(t);
  }, CASE_TIMEOUT_MS);

  it('hands bad and reserved event ids to the router as chsk/bad-event and keeps the socket', async () => {
    const t = await harness.start();
    const c = await t.ws();
    for (const [, content] of BAD_EVENTS) c.send(wire.rawEvent(content));
    await until(() => t.eventsOf('chsk/bad-event').length === BAD_EVENTS.length, 'every chsk/bad-event');
    expect(t.eventsOf('chsk/bad-event').map((m) => m.data)).toEqual(BAD_EVENTS.map(([, content]) => wire.canonical(content)));
    expect(t.eventsOf('chsk/uidport-open')).toHaveLength(1);
    expect(c.isOpen).toBe(true);
  }, CASE_TIMEOUT_MS);
}

/** Bad input on Ajax POSTs: statuses, never a crash (protocol §6.3). */
export function ajaxBadInputCases({ harness, wire }: CaseContext): void {
  it('answers 400 to a POST whose payload the packer cannot unpack, or that has none', async () => {
    const t = await harness.start();
    const c = t.ajax();
    expect((await c.postPayload(wire.malformed())).status).toBe(400);
    expect((await c.postPayload(wire.packer.pack([kw('test/a'), 'b', 'c']))).status).toBe(400);
    const form = await c.postRaw({ body: `udt=1&client-id=${c.clientId}`, contentType: 'application/x-www-form-urlencoded;charset=UTF-8' });
    expect(form.status).toBe(400);
    expect(t.received).toEqual([]);
    expect(t.stats()).toEqual(EMPTY_STATS);
  }, CASE_TIMEOUT_MS);

  it('answers 413 to a POST over maxPayloadBytes', async () => {
    const t = await harness.start({ maxPayloadBytes: 1024 });
    const a = await t.ajax().post(['test/big', 'x'.repeat(4096)]);
    expect(a.status).toBe(413);
    expect(t.received).toEqual([]);
  }, CASE_TIMEOUT_MS);

  it('hands bad and reserved event ids to the router as chsk/bad-event', async () => {
    const t = await harness.start();
    const c = t.ajax();
    for (const [what, content] of BAD_EVENTS) {
      const a = await c.postPayload(wire.rawEvent(content));
      expect(wire.packer.unpack(a.body), what).toEqual(wire.keyword('chsk/dummy-cb-200'));
    }
    expect(t.received.map((r) => r.msg.id)).toEqual(BAD_EVENTS.map(() => 'chsk/bad-event'));
    expect(t.received.map((r) => r.msg.data)).toEqual(BAD_EVENTS.map(([, content]) => wire.canonical(content)));
  }, CASE_TIMEOUT_MS);
}

/** Client ids: mandatory and bounded, on every request (protocol §6.1, §6.3). */
export function clientIdCases({ harness }: CaseContext, transport: Transport): void {
  /** The answers of every request kind of `transport` with this client id (`null`: none). */
  async function answers(t: TestServer, clientId: string | null): Promise<{ status: number; body: string }[]> {
    if (transport === 'ws') {
      const r = await t.wsRejected({ clientId });
      return [{ status: r.status, body: r.body }];
    }
    const c = t.ajax({ clientId });
    const get = await c.get({ handshake: true });
    const poll = await c.get();
    const post = await c.post(['test/note', 1]);
    return [get, poll, post].map((a) => ({ status: a.status, body: a.text }));
  }
  const kinds = transport === 'ws' ? 1 : 3;

  it('answers 400 "Missing client id" to a request without a client id', async () => {
    const t = await harness.start();
    expect(await answers(t, null)).toEqual(Array(kinds).fill({ status: 400, body: 'Missing client id' }));
    expect(t.received).toEqual([]);
    expect(t.stats()).toEqual(EMPTY_STATS);
  }, CASE_TIMEOUT_MS);

  it('answers 400 "Bad client id" to an overlong client id', async () => {
    const t = await harness.start();
    expect(await answers(t, 'x'.repeat(129))).toEqual(Array(kinds).fill({ status: 400, body: 'Bad client id' }));
    expect(t.received).toEqual([]);
    expect(t.stats()).toEqual(EMPTY_STATS);
  }, CASE_TIMEOUT_MS);
}
