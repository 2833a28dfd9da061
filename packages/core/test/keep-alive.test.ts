import { describe, expect, it } from 'vitest';
import { kw } from '../src/index.js';
import { Harness } from './support/harness.js';
import { keywordPacker } from './support/packers.js';

const PING = ['chsk/ws-ping', null];

describe('WebSocket keep-alive', () => {
  it('pings [chsk/ws-ping nil] after wsKaliveMs/2 without traffic', async () => {
    const h = new Harness({ wsKaliveMs: 25_000 });
    const c = await h.ws('c1', { uid: 'alice' });
    await h.advance(12_499);
    expect(c.pushes()).toEqual([]);
    await h.advance(1);
    expect(c.pushes()).toEqual([PING]);
  });

  it('writes the ping as a bare keyword', async () => {
    const h = new Harness({ packer: keywordPacker, wsKaliveMs: 1000 });
    const c = await h.ws('c1', { uid: 'alice' });
    await h.advance(500);
    expect(c.pushes()).toEqual([[kw('chsk/ws-ping'), null]]);
  });

  it('does not ping when the client sent something in between', async () => {
    const h = new Harness({ wsKaliveMs: 25_000 });
    const c = await h.ws('c1', { uid: 'alice' });
    await h.advance(12_000);
    c.send(['chat/msg']);
    await h.advance(500);
    expect(c.pushes()).toEqual([]);
    await h.advance(12_500);
    expect(c.pushes()).toEqual([PING]);
  });

  it('does not ping when the server pushed something in between', async () => {
    const h = new Harness({ wsKaliveMs: 25_000 });
    const c = await h.ws('c1', { uid: 'alice' });
    await h.advance(12_000);
    h.server.send('alice', ['chat/msg'], { flush: true });
    await h.advance(500);
    expect(c.pushes()).toEqual([[[['chat/msg']], null]]);
  });

  it('counts a client ping and a pong as traffic', async () => {
    const h = new Harness({ wsKaliveMs: 1000, wsPingTimeoutMs: 1000 });
    const c = await h.ws('c1', { uid: 'alice' });
    await h.advance(400);
    c.send(['chsk/ws-ping'], 'p1');
    await h.advance(100);
    expect(c.pushes()).toEqual([['pong', 'p1']]);
    await h.advance(500);
    expect(c.pushes()).toEqual([['pong', 'p1'], PING]);
    c.send(['chsk/ws-pong']);
    await h.advance(1000);
    expect(c.closed).toBeUndefined();
  });

  it('closes with 4000 when a ping gets no answer within wsPingTimeoutMs, then the grace period runs', async () => {
    const h = new Harness({ wsKaliveMs: 25_000, wsPingTimeoutMs: 10_000 });
    const c = await h.ws('c1', { uid: 'alice' });
    await h.advance(12_500);
    await h.advance(9_999);
    expect(c.closed).toBeUndefined();
    await h.advance(1);
    expect(c.closed?.code).toBe(4000);
    expect(h.errorCodes()).toEqual(['ERR_SENTE_KEEPALIVE_TIMEOUT']);
    expect(h.server.connectedUids.any.has('alice')).toBe(true);
    await h.advance(2500);
    expect(h.eventsOf('chsk/uidport-close').map((m) => m.data)).toEqual(['alice']);
    expect(h.server.stats()).toMatchObject({ wsClients: 0, timers: 0 });
  });

  it('keeps the socket when the pong arrives in time, and pings again after the next idle half period', async () => {
    const h = new Harness({ wsKaliveMs: 1000, wsPingTimeoutMs: 300 });
    const c = await h.ws('c1', { uid: 'alice' });
    await h.advance(500);
    c.send(['chsk/ws-pong']);
    await h.advance(300);
    expect(c.closed).toBeUndefined();
    await h.advance(500);
    expect(c.pushes()).toEqual([PING, PING]);
  });

  it('sends no pings with wsKaliveMs null', async () => {
    const h = new Harness({ wsKaliveMs: null });
    const c = await h.ws('c1', { uid: 'alice' });
    expect(h.server.stats().timers).toBe(0);
    await h.advance(600_000);
    expect(c.pushes()).toEqual([]);
    expect(c.closed).toBeUndefined();
  });

  it('pings but never closes with wsPingTimeoutMs null', async () => {
    const h = new Harness({ wsKaliveMs: 1000, wsPingTimeoutMs: null });
    const c = await h.ws('c1', { uid: 'alice' });
    await h.advance(2000);
    expect(c.pushes()).toEqual([PING, PING, PING, PING]);
    await h.advance(60_000);
    expect(c.closed).toBeUndefined();
  });

  it('stops the keep-alive when the socket closes', async () => {
    const h = new Harness({ wsKaliveMs: 1000 });
    const c = await h.ws('c1', { uid: 'alice' });
    c.drop();
    await h.advance(2500);
    expect(c.channel.sent).toHaveLength(1);
    expect(h.server.stats().timers).toBe(0);
  });

  it('drops a socket whose close was never reported once its ping goes unanswered', async () => {
    const h = new Harness({ wsKaliveMs: 1000, wsPingTimeoutMs: 500 });
    const c = await h.ws('c1', { uid: 'alice' });
    c.channel.vanish();
    await h.advance(500);
    expect(h.server.stats()).toMatchObject({ wsClients: 1, timers: 1 });
    await h.advance(500);
    expect(h.errorCodes()).toEqual(['ERR_SENTE_KEEPALIVE_TIMEOUT']);
    await h.advance(2500);
    expect(h.eventsOf('chsk/uidport-close').map((m) => m.data)).toEqual(['alice']);
    expect(h.server.stats()).toMatchObject({ wsClients: 0, timers: 0 });
  });

  it('restarts the keep-alive on the new socket after a reconnect', async () => {
    const h = new Harness({ wsKaliveMs: 1000, wsPingTimeoutMs: 500 });
    const c1 = await h.ws('c1', { uid: 'alice' });
    await h.advance(400);
    const c2 = await h.ws('c1', { uid: 'alice' });
    await h.advance(499);
    expect(c2.pushes()).toEqual([]);
    await h.advance(1);
    expect(c2.pushes()).toEqual([PING]);
    expect(c1.pushes()).toEqual([]);
  });

  it('checks each of many sockets on its own schedule, with one timer per delay for all of them', async () => {
    const h = new Harness({ wsKaliveMs: 1000, wsPingTimeoutMs: 300 });
    const a = await h.ws('a', { uid: 'alice' });
    await h.advance(200);
    const b = await h.ws('b', { uid: 'bob' });
    await h.advance(100);
    const c = await h.ws('c', { uid: 'carol' });
    expect(h.server.stats().timers).toBe(1);
    await h.advance(199);
    expect(a.pushes()).toEqual([]);
    await h.advance(1);
    // a idle since 0: pinged at 500; b (opened at 200) and c (at 300) not yet.
    expect([a.pushes(), b.pushes(), c.pushes()]).toEqual([[PING], [], []]);
    a.send(['chsk/ws-pong']);
    await h.advance(200);
    expect([b.pushes(), c.pushes()]).toEqual([[PING], []]);
    c.drop();
    await h.advance(100);
    expect(c.channel.sent).toHaveLength(1);
    // b never answers: closed 300 ms after its ping; a answered and stays.
    await h.advance(200);
    expect(b.closed?.code).toBe(4000);
    expect(a.closed).toBeUndefined();
    expect(h.server.stats().timers).toBeLessThanOrEqual(3);
    // a's answer was seen at its check (800): idle again from there, pinged at 1300.
    await h.advance(299);
    expect(a.pushes()).toEqual([PING]);
    await h.advance(1);
    expect(a.pushes()).toEqual([PING, PING]);
    a.drop();
    await h.advance(5000);
    expect(h.server.stats()).toMatchObject({ wsClients: 0, timers: 0 });
  });
});
