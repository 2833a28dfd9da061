/**
 * The client's side of the push log, message ids and the outbox, with fake
 * time and a fake socket playing a server of the extensions: the rules a real
 * server rarely shows on demand (a repeated batch, an unlogged push, a retry's
 * message id).
 */
import { Keyword } from '@sente/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SenteEvent } from '../src/index.js';
import { harness } from './support/clients.js';
import { FakeWebSocket } from './support/fake-web-socket.js';

afterEach(() => FakeWebSocket.reset());

/** A handshake of a server of the extensions, at `epoch`/`offset`. */
function extHandshake(s: FakeWebSocket, epoch: string, offset: number, recovered?: boolean): void {
  if (s.readyState !== 1) s.serverOpen();
  const ext = { v: 1, maxPayloadBytes: 1 << 20, epoch, offset, ...(recovered === undefined ? {} : { recovered }) };
  s.serverSend([[Keyword.for('chsk/handshake'), ['u1', null, null, ext]], null]);
}

const batch = (epoch: string, items: Array<[number, number | null]>) => [items.map(([n]) => ['test/n', n]), null, { e: epoch, o: items.map(([, o]) => o) }];

describe('positions', () => {
  it('hands each push over once: drops what is at or below its position, always delivers unlogged ones', () => {
    const { client } = harness({ type: 'ws', wsKaliveMs: null });
    const seen: SenteEvent[] = [];
    client.on('event', (ev) => seen.push(ev));
    extHandshake(FakeWebSocket.last, 'ep', 4);
    FakeWebSocket.last.serverSend(batch('ep', [[1, 5], [2, 6]]));
    FakeWebSocket.last.serverSend(batch('ep', [[2, 6], [99, null], [3, 7]]));
    FakeWebSocket.last.serverSend(batch('ep', [[1, 5]]));
    expect(seen.map((e) => e[1])).toEqual([1, 2, 99, 3]);
  });

  it('sends its position when it reconnects, keeps it on recovered: true, adopts the server\'s on recovered: false', () => {
    const { client, clock } = harness({ type: 'ws', wsKaliveMs: null });
    expect(FakeWebSocket.last.url).not.toContain('sente-pos');
    extHandshake(FakeWebSocket.last, 'ep', 4);
    FakeWebSocket.last.serverSend(batch('ep', [[1, 5]]));
    FakeWebSocket.last.serverClose();
    expect(new URL(FakeWebSocket.last.url).searchParams.get('sente-pos')).toBe('ep:5');
    extHandshake(FakeWebSocket.last, 'ep', 9, true);
    expect(client.state.recovered).toBe(true);
    FakeWebSocket.last.serverClose();
    clock.advance(2000);
    expect(new URL(FakeWebSocket.last.url).searchParams.get('sente-pos')).toBe('ep:5');
    extHandshake(FakeWebSocket.last, 'new', 3, false);
    expect(client.state.recovered).toBe(false);
    FakeWebSocket.last.serverClose();
    clock.advance(3000);
    expect(new URL(FakeWebSocket.last.url).searchParams.get('sente-pos')).toBe('new:3');
  });

  it('gives a Sente server (no extensions in its handshake) no position, no message ids, and no retries', () => {
    const { client } = harness({ type: 'ws', wsKaliveMs: null });
    FakeWebSocket.last.handshake();
    const replies: unknown[] = [];
    client.send(['test/q', 1], 5000, (r) => replies.push(r));
    expect(FakeWebSocket.last.frames[0]).toHaveLength(2);
    FakeWebSocket.last.serverClose();
    expect(replies).toEqual(['chsk/error']);
    expect(FakeWebSocket.last.url).not.toContain('sente-pos');
    expect(client.state.recovered).toBeUndefined();
  });
});

describe('idempotent retries', () => {
  it('sends a request again on the next socket with the same message id, its timeout still running', () => {
    const { client, clock } = harness({ type: 'ws', wsKaliveMs: null });
    extHandshake(FakeWebSocket.last, 'ep', 0);
    const replies: unknown[] = [];
    client.send(['test/q', 1], 5000, (r) => replies.push(r));
    const [, , first] = FakeWebSocket.last.frames[0] as [unknown, string, { m: string }];
    expect(first.m).toMatch(/^.{8,64}$/);
    clock.advance(1000);
    FakeWebSocket.last.serverClose();
    expect(replies).toEqual([]);
    extHandshake(FakeWebSocket.last, 'ep', 0, true);
    const [event, cbId, again] = FakeWebSocket.last.frames[0] as [unknown, string, { m: string }];
    expect(event).toEqual(['test/q', 1]);
    expect(again.m).toBe(first.m);
    clock.advance(3999);
    expect(replies).toEqual([]);
    clock.advance(1);
    expect(replies).toEqual(['chsk/timeout']);
    FakeWebSocket.last.serverSend(['late', cbId]);
    expect(replies).toEqual(['chsk/timeout']);
  });

  it('numbers its message ids after a prefix that ends with no digit, whatever it drew: a server reads the trailing digits as the number', () => {
    // Every character drawn is the alphabet's last, a digit.
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.999);
    try {
      const { client } = harness({ type: 'ws', wsKaliveMs: null });
      extHandshake(FakeWebSocket.last, 'ep', 0);
      for (let i = 0; i < 12; i++) client.send(['test/q', i], 5000, () => {});
      const ids = FakeWebSocket.last.frames.map((f) => (f as [unknown, string, { m: string }])[2].m);
      const prefix = (ids[0] as string).slice(0, -1);
      expect(prefix).toMatch(/^.{8,63}\D$/);
      // So the count never runs into the prefix: 9 is followed by 10, not by a number a digit longer.
      expect(ids).toEqual(ids.map((_, i) => `${prefix}${i}`));
    } finally {
      random.mockRestore();
    }
  });
});

describe('the outbox', () => {
  it('sends what waits in send order, retries first, before anything sent after it opens', () => {
    const { client } = harness({ type: 'ws', wsKaliveMs: null });
    extHandshake(FakeWebSocket.last, 'ep', 0);
    client.send(['test/a'], 5000, () => {});
    client.send(['test/b'], 5000, () => {});
    FakeWebSocket.last.serverClose();
    client.send(['test/c']);
    extHandshake(FakeWebSocket.last, 'ep', 0, true);
    client.send(['test/d']);
    expect(FakeWebSocket.last.frames.map((f) => ((f as unknown[])[0] as unknown[])[0])).toEqual(['test/a', 'test/b', 'test/c', 'test/d']);
  });

  it('counts bytes as UTF-8 and leaves no timer behind once it sent or failed everything', () => {
    const { client, clock } = harness({ type: 'ws', wsKaliveMs: null, outbox: { maxBytes: 55 } });
    // [["test/q","ééééé"],null] is 30 bytes in UTF-8 (25 characters): two fit in 55 characters, not in 55 bytes.
    expect(client.send(['test/q', 'ééééé'], 1000, () => {})).toBe(true);
    expect(client.send(['test/q', 'ééééé'], 1000, () => {})).toBe(false);
    FakeWebSocket.last.handshake();
    expect(FakeWebSocket.last.frames).toHaveLength(1);
    client.disconnect();
    expect(clock.pending).toBe(0);
  });
});
