import { describe, expect, it } from 'vitest';
import { parseRetryHint } from '../src/index.js';
import { Harness } from './support/harness.js';

describe('admission control', () => {
  it('turns a new WebSocket client away over maxConnections: open, then closed 1013 with a retry hint', async () => {
    const h = new Harness({ limits: { maxConnections: 2, retry: { afterMs: 3000, jitterMs: 1000 } } });
    await h.ws('c1', { uid: 'alice' });
    await h.ws('c2', { uid: 'bob' });
    const third = await h.ws('c3', { uid: 'carol' });
    expect(third.closed?.code).toBe(1013);
    expect(parseRetryHint(third.closed?.reason)).toEqual({ afterMs: 3000, jitterMs: 1000 });
    expect(third.frames()).toEqual([]);
    expect(h.errorCodes()).toEqual(['ERR_SENTE_OVER_CAPACITY']);
    expect(h.server.stats().wsClients).toBe(2);
    // A client already known reconnects within its grace period, over the limit or not.
    const again = await h.ws('c1', { uid: 'alice' });
    expect(again.closed).toBeUndefined();
  });

  it('answers a new Ajax client over a limit 503 with Retry-After', async () => {
    const h = new Harness({ limits: { maxConnectionsPerUid: 1 } });
    await h.ajaxClient('a1', { uid: 'alice' });
    const r = await h.ajaxGet('a2', { uid: 'alice', handshake: true });
    expect(r.adapter.response).toMatchObject({ status: 503, headers: { 'retry-after': '5' } });
    expect((await h.ajaxGet('b1', { uid: 'bob', handshake: true })).answered).toBe(true);
  });

  it('counts clients per remote address, and lets them in again once they left', async () => {
    const h = new Harness({ limits: { maxConnectionsPerAddress: 1 } });
    const a = await h.ws('c1', { uid: 'alice', remoteAddress: '10.0.0.1' });
    expect((await h.ws('c2', { uid: 'bob', remoteAddress: '10.0.0.1' })).closed?.code).toBe(1013);
    expect((await h.ws('c3', { uid: 'bob', remoteAddress: '10.0.0.2' })).closed).toBeUndefined();
    a.drop();
    await h.advance(3000);
    expect((await h.ws('c2', { uid: 'bob', remoteAddress: '10.0.0.1' })).closed).toBeUndefined();
  });

  it('counts an Ajax client at its first address when its later polls come from another (a phone changing networks)', async () => {
    const h = new Harness({ limits: { maxConnectionsPerAddress: 1 } });
    const hs = await h.ajaxGet('a1', { uid: 'alice', remoteAddress: '10.0.0.1', handshake: true });
    expect(hs.answered).toBe(true);
    await h.ajaxGet('a1', { uid: 'alice', remoteAddress: '10.0.0.9' });
    await h.ajaxGet('a1', { uid: 'alice', remoteAddress: '10.0.0.7' });
    expect(h.server.clients().map((c) => c.remoteAddress)).toEqual(['10.0.0.1']);
    expect((await h.ajaxGet('b1', { uid: 'bob', remoteAddress: '10.0.0.1', handshake: true })).adapter.response?.status).toBe(503);
    // Gone for its whole grace period: its place at its first address is free again, and no other address was touched.
    await h.advance(60_000);
    expect(h.server.stats().ajaxClients).toBe(0);
    expect((await h.ajaxGet('b1', { uid: 'bob', remoteAddress: '10.0.0.1', handshake: true })).answered).toBe(true);
    expect((await h.ajaxGet('c1', { uid: 'carol', remoteAddress: '10.0.0.9', handshake: true })).answered).toBe(true);
  });
});

describe('drain', () => {
  it('closes every client over the window with 1012 and a retry hint, turns new ones away, then closes', async () => {
    let r = 0;
    const h = new Harness({ random: () => (r = (r + 0.37) % 1) });
    const sockets = await Promise.all(['a', 'b', 'c', 'd'].map((id) => h.ws(id, { uid: id })));
    const poll = await h.ajaxClient('p', { uid: 'p' });
    h.server.send('a', ['app/last', 1]);
    const drained = h.server.drain({ windowMs: 1000, retryAfterMs: 4000, retryJitterMs: 2000 });
    // Buffered pushes go out before anything closes.
    expect(sockets[0]?.pushes()).toEqual([[[['app/last', 1]], null]]);
    const late = await h.ws('late', { uid: 'late' });
    expect(late.closed?.code).toBe(1012);
    const lateAjax = await h.ajaxGet('late2', { uid: 'late', handshake: true });
    expect(lateAjax.adapter.response?.status).toBe(503);
    await h.advance(400);
    const closedEarly = sockets.filter((s) => s.closed !== undefined).length;
    expect(closedEarly).toBeGreaterThan(0);
    expect(closedEarly).toBeLessThan(4);
    await h.advance(600);
    await drained;
    for (const s of sockets) {
      expect(s.closed?.code).toBe(1012);
      expect(parseRetryHint(s.closed?.reason)).toEqual({ afterMs: 4000, jitterMs: 2000 });
    }
    // The parked poll is answered 503 with the hint, which the client obeys.
    expect(poll.adapter.response).toMatchObject({ status: 503, headers: { 'retry-after': '4' } });
    expect(h.server.closed).toBe(true);
    expect(h.server.stats()).toMatchObject({ wsClients: 0, ajaxClients: 0, timers: 0 });
  });
});
