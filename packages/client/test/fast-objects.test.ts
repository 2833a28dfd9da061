/**
 * The objects every send and reply go through keep V8's fast properties, in
 * every client of a process, not only the first. V8 makes an object literal
 * that has a getter a dictionary, and an object given accessors of its own
 * after another object of its shape got different ones: every read from it,
 * of its methods too, then takes a generic lookup (about 100 instructions)
 * where an inline cache takes a few.
 */
import v8 from 'node:v8';
import { FakeClock } from '@sente/core/internal';
import { describe, expect, it } from 'vitest';
import { createReplyCallbacks } from '../src/reply-callbacks.js';
import { createStateStore } from '../src/state.js';
import { harness } from './support/clients.js';
import { FakeWebSocket } from './support/fake-web-socket.js';

v8.setFlagsFromString('--allow-natives-syntax');
const hasFastProperties = new Function('o', 'return %HasFastProperties(o)') as (o: object) => boolean;

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
});
