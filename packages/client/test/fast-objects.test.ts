/**
 * The objects every send and reply go through keep V8's fast properties, in
 * every client of a process, not only the first. V8 makes an object literal
 * that has a getter a dictionary, and an object given accessors of its own
 * after another object of its shape got different ones: every read from it,
 * of its methods too, then takes a generic lookup (about 100 instructions)
 * where an inline cache takes a few.
 */
import v8 from 'node:v8';
import { handshakeEnvelope } from '@sente/core';
import { FakeClock } from '@sente/core/internal';
import { describe, expect, it } from 'vitest';
import { createSenteClient as createNodeClient } from '../src/node.js';
import { createReplyCallbacks } from '../src/reply-callbacks.js';
import { createStateStore } from '../src/state.js';
import { harness } from './support/clients.js';
import { FakeWebSocket } from './support/fake-web-socket.js';

v8.setFlagsFromString('--allow-natives-syntax');
const hasFastProperties = new Function('o', 'return %HasFastProperties(o)') as (o: object) => boolean;
const haveSameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

describe('objects on the hot path', () => {
  it('every client has fast properties, and its clientId and state are enumerable getters', () => {
    for (const clientId of ['c1', 'c2', 'c3']) {
      const { client } = harness({ type: 'ws', wsKaliveMs: null, clientId });
      expect(hasFastProperties(client)).toBe(true);
      expect(Object.keys(client)).toEqual(expect.arrayContaining(['clientId', 'state', 'send', 'request']));
      expect(client.state.open).toBe(false);
      FakeWebSocket.last.handshake();
      expect(client.state.open).toBe(true);
      expect(client.clientId).toBe(clientId);
    }
  });

  it('every state store and set of reply callbacks has fast properties, and reads live values', () => {
    const clock = new FakeClock();
    for (let i = 0; i < 3; i++) {
      const store = createStateStore('ws', clock, () => {});
      expect(hasFastProperties(store)).toBe(true);
      store.update({ open: true });
      expect(store.current.open).toBe(true);

      const callbacks = createReplyCallbacks(clock, () => {});
      expect(hasFastProperties(callbacks)).toBe(true);
      callbacks.add(callbacks.newId(), () => {}, 1000);
      expect(callbacks.size()).toBe(1);
      callbacks.failAll('chsk/closed');
      expect(callbacks.size()).toBe(0);
    }
  });

  it("many clients' transport and outbox contexts share one hidden class each", () => {
    // V8 gives an object spread and then extended a new hidden class when the spread's inline cache has
    // seen too many: with a dozen clients in a process, each got contexts of its own hidden class, and
    // every read of a context on the hot paths (ctx.pack, ctx.open, ctx.ext...) went megamorphic.
    // The contexts are read through `this` of the app's own functions, which the client calls as their
    // methods, and compared when read, before V8 migrates them.
    const ext = { v: 1, maxPayloadBytes: 1 << 20, maxPostEvents: 100, epoch: 'e', offset: 0 };
    const transport: object[] = [];
    const outbox: object[] = [];
    const differing: number[] = [];
    for (let i = 0; i < 24; i++) {
      const errors: unknown[] = [];
      const client = createNodeClient('http://127.0.0.1:9/chsk', null, {
        type: 'ws',
        WebSocket: FakeWebSocket,
        clock: new FakeClock(),
        params: { uid: `u${i}` },
        wsKaliveMs: null,
        onError: (e) => errors.push(e),
        backoffMs(this: object) {
          transport.push(this);
          return 1000;
        },
        traceContext(this: object) {
          outbox.push(this);
          return undefined;
        },
      });
      const socket = FakeWebSocket.last;
      socket.serverOpen();
      // A server of the extensions: every send gets a message id, and asks for its trace context.
      socket.serverSend([handshakeEnvelope('u1', null, ext)[0]]);
      expect(client.state.open).toBe(true);
      expect(client.send(['app/x', i])).toBe(true);
      // The reconnect after a drop asks for its backoff.
      socket.serverClose();
      expect(client.state.open).toBe(false);
      expect(errors).toEqual([]);
      const [t, o] = [transport[i], outbox[i]] as [object, object];
      expect(hasFastProperties(t) && hasFastProperties(o)).toBe(true);
      if (!haveSameMap(t, transport[0] as object) || !haveSameMap(o, outbox[0] as object)) differing.push(i);
      client.disconnect();
    }
    expect(transport).toHaveLength(24);
    expect(outbox).toHaveLength(24);
    expect(differing).toEqual([]);
  });
});
