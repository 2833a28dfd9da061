import { describe, expect, it } from 'vitest';
import { isSenteError } from '../src/index.js';
import { Harness } from './support/harness.js';

const EXT = { 'sente-ext': '1' };

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return isSenteError(e) ? e.code : String(e);
  }
}

describe('server→client requests', () => {
  it('asks a WebSocket client and resolves with its answer', async () => {
    const h = new Harness();
    const c = await h.ws('c1', { uid: 'alice', query: EXT });
    const answer = h.server.request({ uid: 'alice', clientId: 'c1' }, ['app/confirm', 'Delete?'], 1000);
    const [event, cb, ext] = c.pushes()[0] as [unknown, unknown, { q: string }];
    expect([event, cb]).toEqual([['app/confirm', 'Delete?'], null]);
    c.send(true, null, { r: ext.q });
    expect(await answer).toBe(true);
    expect(h.server.stats().serverRequests).toBe(0);
    // A second answer to the same request changes nothing.
    c.send(false, null, { r: ext.q });
    expect(h.eventsOf('chsk/bad-event')).toEqual([]);
  });

  it('asks an Ajax client in a poll answer and takes its answer from a POST', async () => {
    const h = new Harness();
    await h.ajaxGet('a1', { uid: 'alice', handshake: true, query: EXT });
    const poll = await h.ajaxGet('a1', { uid: 'alice', query: EXT });
    const answer = h.server.request('a1', ['app/confirm', 1], 1000);
    const [, , ext] = poll.body() as [unknown, null, { q: string }];
    const post = await h.post('a1', [{ yes: 1 }, null, { r: ext.q }], { uid: 'alice', query: EXT });
    expect(post.body()).toEqual(['chsk/dummy-cb-200', null]);
    expect(await answer).toEqual({ yes: 1 });
  });

  it('rejects after the timeout, for a client that is not there, and for a Sente client', async () => {
    const h = new Harness();
    await h.ws('c1', { uid: 'alice', query: EXT });
    await h.ws('plain', { uid: 'alice' });
    const late = codeOf(h.server.request('c1', ['app/q'], 500));
    await h.advance(500);
    expect(await late).toBe('ERR_SENTE_TIMEOUT');
    expect(await codeOf(h.server.request('nobody', ['app/q'], 500))).toBe('ERR_SENTE_CLOSED');
    expect(await codeOf(h.server.request('plain', ['app/q'], 500))).toBe('ERR_SENTE_UNSUPPORTED');
    expect(await codeOf(h.server.request('c1', ['chsk/x'], 500))).toBe('ERR_SENTE_BAD_EVENT');
    expect(h.server.stats()).toMatchObject({ serverRequests: 0, messageIds: 0 });
  });

  it('ignores an answer from another client, and rejects when the asked client leaves', async () => {
    const h = new Harness();
    const c = await h.ws('c1', { uid: 'alice', query: EXT });
    const m = await h.ws('m1', { uid: 'mallory', query: EXT });
    const answer = codeOf(h.server.request('c1', ['app/q'], 60_000));
    const [, , ext] = c.pushes()[0] as [unknown, null, { q: string }];
    m.send('forged', null, { r: ext.q });
    expect(h.server.stats().serverRequests).toBe(1);
    c.drop(1006);
    await h.advance(3000);
    expect(await answer).toBe('ERR_SENTE_CLOSED');
  });

  it('waits for a client that reconnects within its grace period, and rejects all on close', async () => {
    const h = new Harness();
    const c = await h.ws('c1', { uid: 'alice', query: EXT });
    c.drop(1006);
    const answer = h.server.request('c1', ['app/q'], 60_000);
    const back = await h.ws('c1', { uid: 'alice', query: EXT });
    const [, , ext] = back.pushes()[0] as [unknown, null, { q: string }];
    back.send(7, null, { r: ext.q });
    expect(await answer).toBe(7);
    const pending = codeOf(h.server.request('c1', ['app/q'], 60_000));
    await h.server.close();
    expect(await pending).toBe('ERR_SENTE_SERVER_CLOSED');
  });
});
