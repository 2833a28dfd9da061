import { Keyword } from '@sente/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createSenteClient } from '../src/index.js';
import type { HandshakeInfo, SenteEvent } from '../src/index.js';
import { harness } from './support/clients.js';
import { FakeClock } from '@sente/core/internal';
import { FakeWebSocket } from './support/fake-web-socket.js';

const K = (n: string) => Keyword.for(n);

afterEach(() => FakeWebSocket.reset());

describe('WebSocket URL', () => {
  it('carries the app params, then client-id, csrf-token and sente-ext=1, asking the params function on each attempt', () => {
    let n = 0;
    harness({ type: 'ws', params: () => ({ room: `r${++n}`, 'client-id': 'spoofed', empty: undefined }) });
    expect(FakeWebSocket.last.url).toBe('ws://127.0.0.1:9/chsk?room=r1&client-id=c1&csrf-token=tok&sente-ext=1');
    FakeWebSocket.last.serverClose();
    expect(FakeWebSocket.last.url).toBe('ws://127.0.0.1:9/chsk?room=r2&client-id=c1&csrf-token=tok&sente-ext=1');
  });

  it('asks a token function before each attempt and leaves a blank token out', () => {
    const tokens = ['t1', ''];
    const clock = new FakeClock();
    const client = createSenteClient('https://example.test/chsk', () => tokens.shift(), {
      WebSocket: FakeWebSocket,
      type: 'ws',
      clientId: 'c9',
      clock,
    });
    expect(FakeWebSocket.last.url).toBe('wss://example.test/chsk?client-id=c9&csrf-token=t1&sente-ext=1');
    FakeWebSocket.last.serverClose();
    clock.advance(1000);
    expect(FakeWebSocket.last.url).toBe('wss://example.test/chsk?client-id=c9&sente-ext=1');
    client.disconnect();
  });
});

describe('WebSocket handshake and state', () => {
  it('opens on the handshake with type, uid and handshake data, and reports the first open', () => {
    const { client, changes } = harness({ type: 'ws' });
    const handshakes: HandshakeInfo[] = [];
    client.on('handshake', (h) => handshakes.push(h));
    expect(client.state).toMatchObject({ type: 'ws', open: false, everOpened: false, uid: null });
    FakeWebSocket.last.handshake('alice', { theme: 'dark' });
    expect(client.state).toMatchObject({ type: 'ws', open: true, everOpened: true, uid: 'alice', handshakeData: { theme: 'dark' } });
    expect(handshakes).toEqual([{ uid: 'alice', handshakeData: { theme: 'dark' }, firstHandshake: true }]);
    expect(changes.at(-1)).toMatchObject({ openChanged: true, opened: true, closed: false, firstOpen: true });
    expect(Object.isFrozen(client.state)).toBe(true);
  });

  it('reads the :sente/nil-uid keyword, or its name, as the string "sente/nil-uid"', () => {
    const { client } = harness({ type: 'ws' });
    FakeWebSocket.last.handshake(K('sente/nil-uid'));
    expect(client.state.uid).toBe('sente/nil-uid');
    FakeWebSocket.last.serverClose();
    FakeWebSocket.last.handshake('sente/nil-uid');
    expect(client.state.uid).toBe('sente/nil-uid');
  });

  it('records the close, and a second open is not the first', () => {
    const { client, changes, clock } = harness({ type: 'ws' });
    FakeWebSocket.last.handshake();
    clock.advance(5);
    FakeWebSocket.last.serverClose(1001, 'going away', true);
    expect(client.state).toMatchObject({
      open: false,
      everOpened: true,
      lastClose: { udt: clock.now(), reason: 'clean' },
      lastWsClose: { udt: clock.now(), code: 1001, reason: 'going away', clean: true },
    });
    expect(changes.find((c) => c.closed)).toBeDefined();
    FakeWebSocket.last.handshake();
    expect(changes.at(-1)).toMatchObject({ opened: true, firstOpen: false });
    FakeWebSocket.last.serverClose(1006, '', false);
    expect(client.state.lastClose?.reason).toBe('unexpected');
  });

  it('records socket errors in lastWsError', () => {
    const { client, clock } = harness({ type: 'ws' });
    FakeWebSocket.last.serverError();
    expect(client.state.lastWsError).toEqual({ udt: clock.now(), event: { type: 'error' } });
  });
});

describe('WebSocket messages', () => {
  it('delivers a pushed batch as events in order, with keyword ids as strings', () => {
    const { client } = harness({ type: 'ws' });
    const events: SenteEvent[] = [];
    client.on('event', (e) => events.push(e));
    FakeWebSocket.last.handshake();
    FakeWebSocket.last.serverSend([[[K('chat/msg'), 1], ['chat/msg', 2], [K('chat/ping')]], null]);
    expect(events).toEqual([['chat/msg', 1], ['chat/msg', 2], ['chat/ping']]);
  });

  it('drops chsk/*, sente/* and malformed pushed events, and unreadable frames, reporting them', () => {
    const { client, errors } = harness({ type: 'ws' });
    const events: SenteEvent[] = [];
    client.on('event', (e) => events.push(e));
    FakeWebSocket.last.handshake();
    FakeWebSocket.last.serverSend([[['chsk/state', 1], ['sente/x'], ['no-namespace'], ['ok/one', 1]], null]);
    FakeWebSocket.last.serverSendRaw('{not json');
    FakeWebSocket.last.serverSendRaw(42);
    expect(events).toEqual([['ok/one', 1]]);
    expect(errors.map((e) => (e as { code: string }).code)).toEqual([
      'ERR_SENTE_BAD_EVENT',
      'ERR_SENTE_BAD_EVENT',
      'ERR_SENTE_BAD_EVENT',
      'ERR_SENTE_BAD_PACKAGE',
      'ERR_SENTE_BAD_PACKAGE',
    ]);
    expect(client.state.open).toBe(true);
  });

  it('answers a server ping with [[chsk/ws-pong] nil] and does not deliver the ping', () => {
    const { client } = harness({ type: 'ws' });
    const events: SenteEvent[] = [];
    client.on('event', (e) => events.push(e));
    FakeWebSocket.last.handshake();
    FakeWebSocket.last.serverSend([K('chsk/ws-ping'), null]);
    expect(FakeWebSocket.last.frames).toEqual([[['chsk/ws-pong'], null]]);
    expect(events).toEqual([]);
  });
});

describe('WebSocket sends and replies', () => {
  it('sends [event cbId] and hands the reply with that cb-id to the callback', () => {
    const { client, clock } = harness({ type: 'ws', wsKaliveMs: null, wsEarlyDeathMs: 0 });
    FakeWebSocket.last.handshake();
    const replies: unknown[] = [];
    expect(client.send(['chat/hello', { a: 1 }], 1000, (r) => replies.push(r))).toBe(true);
    expect(client.send(['chat/fire'])).toBe(true);
    const [withCb, noCb] = FakeWebSocket.last.frames as [[unknown, string], [unknown, null]];
    expect(withCb[0]).toEqual(['chat/hello', { a: 1 }]);
    expect(withCb[1]).toMatch(/^[1-9][0-9]*$/);
    expect(noCb).toEqual([['chat/fire'], null]);
    FakeWebSocket.last.serverSend([{ ok: true }, withCb[1]]);
    expect(replies).toEqual([{ ok: true }]);
    // The reply timer stays set until its deadline, finds nothing due then, and is not set again.
    clock.advance(1000);
    expect(replies).toEqual([{ ok: true }]);
    expect(clock.pending).toBe(0);
  });

  it('sets one timer for all the callbacks that wait, however many, and none once they are all answered or failed', () => {
    const { client, clock } = harness({ type: 'ws', wsKaliveMs: null, wsEarlyDeathMs: 0 });
    FakeWebSocket.last.handshake();
    const outcomes: unknown[] = [];
    for (let i = 0; i < 50; i++) client.send(['chat/n', i], 1000 + i, (r) => outcomes.push(r));
    expect(clock.pending).toBe(1);
    const cbIds = (FakeWebSocket.last.frames as [unknown, string][]).map((f) => f[1]);
    expect(new Set(cbIds).size).toBe(50);
    for (const cbId of cbIds.slice(0, 40)) FakeWebSocket.last.serverSend(['ok', cbId]);
    // The timer fires at the first deadline (1000 ms), finds nothing due, and is set for the next: #40's.
    clock.advance(1039);
    expect(outcomes).toEqual(Array(40).fill('ok'));
    expect(clock.pending).toBe(1);
    clock.advance(1);
    expect(outcomes.slice(40)).toEqual(['chsk/timeout']);
    // The rest go when the connection does, and take their timer with them.
    client.disconnect();
    expect(outcomes.slice(41)).toEqual(Array(9).fill('chsk/error'));
    expect(clock.pending).toBe(0);
  });

  it('gives chsk/timeout after timeoutMs and drops a reply that comes later', () => {
    const { client, clock } = harness({ type: 'ws', wsKaliveMs: null });
    FakeWebSocket.last.handshake();
    const replies: unknown[] = [];
    client.send(['chat/slow'], { timeoutMs: 500, cb: (r) => replies.push(r) });
    const cbId = (FakeWebSocket.last.frames[0] as [unknown, string])[1];
    clock.advance(499);
    expect(replies).toEqual([]);
    clock.advance(1);
    expect(replies).toEqual(['chsk/timeout']);
    FakeWebSocket.last.serverSend(['late', cbId]);
    expect(replies).toEqual(['chsk/timeout']);
  });

  it('times each waiting callback out at its own deadline, whatever the order of the sends, and a reply does not move the others', () => {
    const { client, clock } = harness({ type: 'ws', wsKaliveMs: null, wsEarlyDeathMs: 0 });
    FakeWebSocket.last.handshake();
    const outcomes: string[] = [];
    const track = (name: string) => (r: unknown) => outcomes.push(`${name}:${String(r)}`);
    client.send(['chat/long'], 3000, track('long'));
    client.send(['chat/short'], 1000, track('short'));
    client.send(['chat/answered'], 500, track('answered'));
    client.send(['chat/mid'], 2000, track('mid'));
    const cbIds = (FakeWebSocket.last.frames as [unknown, string][]).map((f) => f[1]);
    FakeWebSocket.last.serverSend(['ok', cbIds[2]]);
    clock.advance(999);
    expect(outcomes).toEqual(['answered:ok']);
    clock.advance(1);
    expect(outcomes).toEqual(['answered:ok', 'short:chsk/timeout']);
    // A send made after a timeout fired waits its own full timeout.
    client.send(['chat/later'], 500, track('later'));
    clock.advance(500);
    expect(outcomes).toEqual(['answered:ok', 'short:chsk/timeout', 'later:chsk/timeout']);
    clock.advance(500);
    expect(outcomes.at(-1)).toBe('mid:chsk/timeout');
    clock.advance(999);
    expect(outcomes).toHaveLength(4);
    clock.advance(1);
    expect(outcomes.at(-1)).toBe('long:chsk/timeout');
    expect(clock.pending).toBe(0);
  });

  it('gives a send made by a callback as it times out its own full timeout', () => {
    const { client, clock } = harness({ type: 'ws', wsKaliveMs: null, wsEarlyDeathMs: 0 });
    FakeWebSocket.last.handshake();
    const outcomes: unknown[] = [];
    client.send(['chat/first'], 1000, (r) => {
      outcomes.push(r);
      client.send(['chat/second'], 1000, (r2) => outcomes.push(r2));
    });
    clock.advance(1000);
    expect(outcomes).toEqual(['chsk/timeout']);
    clock.advance(999);
    expect(outcomes).toEqual(['chsk/timeout']);
    clock.advance(1);
    expect(outcomes).toEqual(['chsk/timeout', 'chsk/timeout']);
    expect(clock.pending).toBe(0);
  });

  it('queues a send made before the handshake and sends it on open; after disconnect() gives chsk/closed at once', () => {
    const { client } = harness({ type: 'ws' });
    const replies: unknown[] = [];
    expect(client.send(['chat/hello'], 1000, (r) => replies.push(r))).toBe(true);
    expect(FakeWebSocket.last.sent).toEqual([]);
    FakeWebSocket.last.handshake();
    expect((FakeWebSocket.last.frames[0] as unknown[])[0]).toEqual(['chat/hello']);
    client.disconnect();
    expect(client.send(['chat/bye'], 1000, (r) => replies.push(r))).toBe(false);
    expect(replies).toEqual(['chsk/error', 'chsk/closed']);
  });

  it('fails waiting callbacks with chsk/error as soon as the socket closes', () => {
    const { client, clock } = harness({ type: 'ws' });
    FakeWebSocket.last.handshake();
    const replies: unknown[] = [];
    client.send(['chat/a'], 60_000, (r) => replies.push(r));
    client.send(['chat/b'], 60_000, (r) => replies.push(r));
    FakeWebSocket.last.serverClose();
    expect(replies).toEqual(['chsk/error', 'chsk/error']);
    clock.advance(60_000);
    expect(replies).toHaveLength(2);
  });

  it('keeps working when a callback throws', () => {
    const { client, errors } = harness({ type: 'ws' });
    FakeWebSocket.last.handshake();
    client.send(['chat/a'], 1000, () => {
      throw new Error('boom');
    });
    const cbId = (FakeWebSocket.last.frames[0] as [unknown, string])[1];
    FakeWebSocket.last.serverSend(['r', cbId]);
    expect((errors[0] as Error).message).toBe('boom');
    expect(client.send(['chat/b'])).toBe(true);
  });
});

describe('WebSocket reconnects', () => {
  it('waits backoffMs(n) before attempt n (here 0 for attempt 1), and a socket that lived wsEarlyDeathMs resets the count', () => {
    const { client, clock } = harness({ type: 'ws' });
    expect(FakeWebSocket.instances).toHaveLength(1);
    FakeWebSocket.last.serverClose();
    expect(FakeWebSocket.instances).toHaveLength(2);
    FakeWebSocket.last.serverClose();
    expect(FakeWebSocket.instances).toHaveLength(2);
    expect(client.state.udtNextReconnect).toBe(clock.now() + 2000);
    clock.advance(1999);
    expect(FakeWebSocket.instances).toHaveLength(2);
    clock.advance(1);
    expect(FakeWebSocket.instances).toHaveLength(3);
    FakeWebSocket.last.serverClose();
    expect(client.state.udtNextReconnect).toBe(clock.now() + 3000);
    clock.advance(3000);
    FakeWebSocket.last.handshake();
    expect(client.state.udtNextReconnect).toBeNull();
    clock.advance(2000);
    FakeWebSocket.last.serverClose();
    expect(FakeWebSocket.instances).toHaveLength(5);
  });

  it('caps the default backoff at maxBackoffMs however long the outage', () => {
    const { client, clock } = harness({ type: 'ws', backoffMs: undefined, maxBackoffMs: 8000 });
    const waits: number[] = [];
    for (let i = 0; i < 30; i++) {
      FakeWebSocket.last.serverClose();
      if (client.state.udtNextReconnect !== null) {
        waits.push(client.state.udtNextReconnect - clock.now());
        clock.advance(client.state.udtNextReconnect - clock.now());
      }
    }
    // Attempt 1 waits too, within [0, 1000).
    expect(waits).toHaveLength(30);
    expect(waits[0]).toBeLessThan(1000);
    expect(Math.max(...waits)).toBeLessThanOrEqual(8000);
  });

  it('reconnect() closes with 1000 and opens a new socket at once, recording requested-reconnect', () => {
    const { client } = harness({ type: 'ws' });
    const first = FakeWebSocket.last;
    first.handshake();
    client.reconnect();
    expect(first.closeCalls).toEqual([{ code: 1000, reason: 'CLOSE_NORMAL' }]);
    expect(client.state.lastClose?.reason).toBe('requested-reconnect');
    expect(FakeWebSocket.instances).toHaveLength(2);
    first.serverClose(1000, '', true);
    expect(FakeWebSocket.instances).toHaveLength(2);
  });
});

describe('WebSocket keep-alive', () => {
  it('pings an idle socket every wsKaliveMs/2 and reconnects when no pong comes in wsPingTimeoutMs', () => {
    const { client, clock } = harness({ type: 'ws', wsKaliveMs: 20_000, wsPingTimeoutMs: 5000 });
    const first = FakeWebSocket.last;
    first.handshake();
    clock.advance(9_999);
    expect(first.sent).toHaveLength(0);
    clock.advance(1);
    const [ping] = first.frames as [[unknown, string]];
    expect(ping[0]).toEqual(['chsk/ws-ping']);
    expect(ping[1]).toMatch(/^[1-9][0-9]*$/);
    clock.advance(5000);
    expect(client.state.lastClose?.reason).toBe('ws-ping-timeout');
    expect(first.closeCalls).toEqual([{ code: 1000, reason: 'CLOSE_NORMAL' }]);
    expect(FakeWebSocket.instances).toHaveLength(2);
  });

  it('stays disconnected when a state listener disconnects on a ping timeout', () => {
    const { client, clock } = harness({ type: 'ws', wsKaliveMs: 20_000, wsPingTimeoutMs: 5000 });
    client.on('state', (c) => {
      if (c.closed && c.new.lastClose?.reason === 'ws-ping-timeout') client.disconnect();
    });
    FakeWebSocket.last.handshake();
    clock.advance(15_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(clock.pending).toBe(0);
  });

  it('stays connected when the server answers "pong", and does not ping a busy socket', () => {
    const { clock } = harness({ type: 'ws', wsKaliveMs: 20_000 });
    const s = FakeWebSocket.last;
    s.handshake();
    clock.advance(10_000);
    const cbId = (s.frames[0] as [unknown, string])[1];
    s.serverSend(['pong', cbId]);
    for (let i = 0; i < 5; i++) {
      clock.advance(9_000);
      s.serverSend([[['chat/tick', i]], null]);
    }
    expect(s.sent).toHaveLength(1);
    expect(FakeWebSocket.instances).toHaveLength(1);
  });
});

describe('disconnect and breakConnection', () => {
  it('disconnect() closes with 1000 CLOSE_NORMAL, fails waiting callbacks and leaves no timer', () => {
    const { client, clock } = harness({ type: 'ws' });
    const s = FakeWebSocket.last;
    s.handshake();
    const replies: unknown[] = [];
    client.send(['chat/a'], 5000, (r) => replies.push(r));
    expect(client.disconnect()).toBe(true);
    expect(s.closeCalls).toEqual([{ code: 1000, reason: 'CLOSE_NORMAL' }]);
    expect(client.state).toMatchObject({ open: false, lastClose: { reason: 'requested-disconnect' } });
    expect(replies).toEqual(['chsk/error']);
    expect(clock.pending).toBe(0);
    s.serverClose(1000, '', true);
    clock.advance(120_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(client.send(['chat/b'])).toBe(false);
  });

  it('disconnect() while waiting to retry cancels the retry', () => {
    const { client, clock } = harness({ type: 'ws' });
    FakeWebSocket.last.serverClose();
    FakeWebSocket.last.serverClose();
    expect(clock.pending).toBe(1);
    client.disconnect();
    expect(clock.pending).toBe(0);
    clock.advance(60_000);
    expect(FakeWebSocket.instances).toHaveLength(2);
  });

  it('breakConnection() closes with 3000 CLOSE_ABNORMAL by default; the close counts as unexpected and the client reconnects', () => {
    const { client } = harness({ type: 'ws' });
    const s = FakeWebSocket.last;
    s.handshake();
    client.breakConnection();
    expect(s.closeCalls).toEqual([{ code: 3000, reason: 'CLOSE_ABNORMAL' }]);
    s.serverClose(3000, 'CLOSE_ABNORMAL', true);
    expect(client.state.lastClose?.reason).toBe('unexpected');
    expect(FakeWebSocket.instances).toHaveLength(2);
  });

  it('breakConnection({ closeWs: false }) leaves a dead socket that the keep-alive finds', () => {
    const { client, clock } = harness({ type: 'ws', wsKaliveMs: 20_000, wsPingTimeoutMs: 5000 });
    const s = FakeWebSocket.last;
    s.handshake();
    client.breakConnection({ closeWs: false, wsCode: 4000 });
    expect(s.closeCalls).toEqual([]);
    expect(client.state.open).toBe(true);
    expect(client.send(['chat/into-the-void'])).toBe(true);
    s.serverSend([[['chat/lost']], null]);
    expect(s.sent).toHaveLength(0);
    clock.advance(20_000 + 5000);
    expect(client.state.lastClose?.reason).toBe('ws-ping-timeout');
    expect(FakeWebSocket.instances).toHaveLength(2);
  });
});
