import { describe, expect, it } from 'vitest';
import type { ServerStats } from '../src/index.js';
import { Harness } from './support/harness.js';
import { settle } from '../src/internal.js';

const EMPTY: ServerStats = { wsClients: 0, ajaxClients: 0, timers: 0, bufferedBatches: 0, queuedBatches: 0, queuedBytes: 0, pendingReplies: 0, loggedPushes: 0, serverRequests: 0, messageIds: 0 };

describe('cleanup', () => {
  it('leaves nothing behind once every client left and the grace periods passed', async () => {
    const h = new Harness();
    const w1 = await h.ws('w1', { uid: 'alice' });
    const w2 = await h.ws('w2');
    const a1 = await h.ajaxClient('a1', { uid: 'bob' });
    await h.ajaxGet('a2', { uid: 'carol', handshake: true });
    const post = await h.post('p1', [['q/ask'], 'ajax'], { uid: 'dave' });
    h.server.send('alice', ['chat/a']);
    h.server.send('bob', ['chat/b']);
    h.server.sendToClient('w2', ['chat/c']);
    w1.send(['chat/x']);
    w1.drop();
    w2.drop(1006);
    a1.abort();
    post.abort();
    h.server.send('alice', ['chat/late']);
    h.server.send('bob', ['chat/late'], { flush: true });
    expect(h.server.stats().timers).toBeGreaterThan(0);
    await h.advance(5000);
    expect(h.server.stats()).toEqual(EMPTY);
    expect(h.clock.pending).toBe(0);
    expect(h.server.connectedUids).toEqual({ ws: new Set(), ajax: new Set(), any: new Set() });
  });

  it('drops the open batch of a uid, and its timer, as soon as its last client is gone', async () => {
    const h = new Harness();
    const c = await h.ws('c1', { uid: 'alice' });
    c.drop();
    await h.advance(2490);
    h.server.send('alice', ['chat/late']);
    expect(h.server.stats().bufferedBatches).toBe(1);
    await h.advance(10);
    expect(h.server.stats()).toEqual(EMPTY);
    expect(h.clock.pending).toBe(0);
  });

  it('leaves nothing behind after bad input', async () => {
    const h = new Harness();
    const c = await h.ws('c1', { uid: 'alice' });
    c.sendRaw('{garbage');
    await h.handle({ method: 'POST', body: 'ppstr=%7Bgarbage&client-id=c2' });
    await h.handle({ query: {} });
    await h.handle({ method: 'PUT' });
    await h.advance(2500);
    expect(h.server.stats()).toEqual(EMPTY);
    expect(h.server.connectedUids.any.size).toBe(0);
  });
});

describe('close()', () => {
  it('answers 503 to new requests of every kind', async () => {
    const h = new Harness();
    await h.server.close();
    expect(h.server.closed).toBe(true);
    expect((await h.handle({ query: { 'client-id': 'c1' } })).response).toMatchObject({ status: 503, body: 'Server closing' });
    expect((await h.handle({ websocket: true, query: { 'client-id': 'c1' } })).response?.status).toBe(503);
    expect((await h.post('c1', [['a/b'], null])).adapter.response?.status).toBe(503);
    expect((await h.handle({ query: {} })).response?.status).toBe(503);
    expect((await h.handle({ method: 'POST', body: 'garbage' })).response?.status).toBe(503);
    expect(h.errors).toEqual([]);
    expect(h.server.stats()).toEqual(EMPTY);
  });

  it.each(['userId', 'handshakeData'] as const)(
    'answers 503 and records nothing when close() begins while the %s hook runs',
    async (hook) => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const slow = async (): Promise<undefined> => {
        await gate;
        return undefined;
      };
      const h = new Harness(hook === 'userId' ? { userId: slow } : { handshakeData: slow });
      const ws = h.ws('w1', { uid: 'alice' });
      const get = h.ajaxGet('a1', { uid: 'alice' });
      const post = hook === 'userId' ? h.post('p1', [['q/ask'], 'ajax'], { uid: 'alice' }) : undefined;
      await settle();
      await h.server.close();
      release();
      expect((await ws).adapter.response?.status).toBe(503);
      expect((await get).adapter.response?.status).toBe(503);
      if (post) expect((await post).adapter.response?.status).toBe(503);
      expect(h.server.stats()).toEqual(EMPTY);
      expect(h.server.connectedUids.any.size).toBe(0);
      expect(h.events).toEqual([]);
    },
  );

  it('flushes buffered pushes before closing WebSockets with 1001', async () => {
    const h = new Harness();
    const c = await h.ws('c1', { uid: 'alice' });
    h.server.send('alice', ['chat/last', 1]);
    await h.server.close();
    expect(c.pushes()).toEqual([[[['chat/last', 1]], null]]);
    expect(c.closed?.code).toBe(1001);
  });

  it('answers parked polls with chsk/timeout, or with the pushes flushed for them', async () => {
    const h = new Harness();
    const idle = await h.ajaxClient('a1', { uid: 'alice' });
    const busy = await h.ajaxClient('b1', { uid: 'bob' });
    h.server.send('bob', ['chat/last']);
    await h.server.close();
    expect(idle.body()).toEqual(['chsk/timeout', null]);
    expect(busy.body()).toEqual([[['chat/last']], null]);
  });

  it('waits for pending Ajax replies, then resolves when the last one is answered', async () => {
    const h = new Harness({ closeTimeoutMs: 5000 });
    const c = await h.ws('c1', { uid: 'alice' });
    const r = await h.post('p1', [['q/ask'], 'ajax'], { uid: 'alice' });
    let done = false;
    const closing = h.server.close().then(() => void (done = true));
    await h.advance(1000);
    expect(done).toBe(false);
    expect(c.closed).toBeUndefined();
    expect((await h.ajaxGet('c9')).adapter.response?.status).toBe(503);
    expect(h.eventsOf('q/ask')[0]!.reply!('answer')).toBe(true);
    await closing;
    expect(r.body()).toEqual(['answer', null]);
    expect(c.closed?.code).toBe(1001);
    expect(h.server.stats()).toEqual(EMPTY);
  });

  it('answers pending Ajax replies with chsk/timeout after closeTimeoutMs', async () => {
    const h = new Harness({ closeTimeoutMs: 3000, lpTimeoutMs: 20_000 });
    const r = await h.post('p1', [['q/ask'], 'ajax'], { uid: 'alice' });
    let done = false;
    const closing = h.server.close().then(() => void (done = true));
    await h.advance(2999);
    expect(done).toBe(false);
    expect(r.answered).toBe(false);
    await h.advance(1);
    await closing;
    expect(r.body()).toEqual(['chsk/timeout', null]);
    expect(h.eventsOf('q/ask')[0]!.reply!('late')).toBe(false);
    expect(h.server.stats()).toEqual(EMPTY);
  });

  it('flushes buffered pushes as soon as it begins, even while it waits for replies', async () => {
    const h = new Harness();
    const c = await h.ws('c1', { uid: 'alice' });
    await h.post('p1', [['q/ask'], 'ajax'], { uid: 'alice' });
    h.server.send('alice', ['chat/now']);
    const closing = h.server.close();
    expect(c.pushes()).toEqual([[[['chat/now']], null]]);
    expect(c.closed).toBeUndefined();
    h.eventsOf('q/ask')[0]!.reply!('ok');
    await closing;
  });

  it('delivers pushes made by handlers while it waits', async () => {
    const h = new Harness();
    const c = await h.ws('c1', { uid: 'alice' });
    await h.post('p1', [['q/ask'], 'ajax'], { uid: 'alice' });
    const closing = h.server.close();
    await h.advance(10);
    h.server.send('alice', ['chat/bye']);
    h.eventsOf('q/ask')[0]!.reply!('ok');
    await closing;
    expect(c.pushes()).toEqual([[[['chat/bye']], null]]);
    expect(c.closed?.code).toBe(1001);
  });

  it('leaves no client, timer, batch, queue or connected uid behind', async () => {
    const h = new Harness();
    await h.ws('w1', { uid: 'alice' });
    const gone = await h.ws('w2', { uid: 'bob' });
    gone.drop();
    h.server.send('bob', ['chat/queued'], { flush: true });
    await h.ajaxClient('a1', { uid: 'carol' });
    await h.ajaxGet('a2', { uid: 'dave', handshake: true });
    h.server.send('alice', ['chat/x']);
    await h.server.close();
    expect(h.server.stats()).toEqual(EMPTY);
    expect(h.clock.pending).toBe(0);
    expect(h.server.connectedUids.any.size).toBe(0);
    expect(h.eventsOf('chsk/uidport-close').map((m) => m.data).sort()).toEqual(['alice', 'bob', 'carol']);
  });

  it('is idempotent', async () => {
    const h = new Harness();
    const c = await h.ws('c1', { uid: 'alice' });
    const p1 = h.server.close();
    expect(h.server.close()).toBe(p1);
    await p1;
    expect(c.channel.closed?.code).toBe(1001);
  });

  it('closes with 1001 a WebSocket whose upgrade completes after close()', async () => {
    const h = new Harness();
    const { FakeAdapter, FakeChannel } = await import('./support/fake-adapter.js');
    let open: ((ch: InstanceType<typeof FakeChannel>) => unknown) | undefined;
    const adapter = new FakeAdapter(true);
    adapter.accept = (o) => {
      open = o as typeof open;
    };
    await h.server.handleUpgrade({ method: 'GET', websocket: true, query: { 'client-id': 'c1', uid: 'alice' }, headers: { 'sec-websocket-version': '13' }, raw: 'r' }, adapter);
    await h.server.close();
    const ch = new FakeChannel('ws');
    ch.attach(open!(ch) as Parameters<typeof ch.attach>[0]);
    expect(ch.closed?.code).toBe(1001);
    expect(ch.sent).toEqual([]);
    expect(h.server.stats()).toEqual(EMPTY);
    await settle();
  });
});

describe('without onError', () => {
  it('logs each kind of problem once, with a hint, and carries on', async () => {
    const { vi } = await import('vitest');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const h = new Harness({ onError: undefined });
      for (let i = 0; i < 3; i++) {
        const c = await h.ws(`c${i}`, { uid: 'alice' });
        c.sendRaw('not json');
        expect(c.closed?.code).toBe(1007);
      }
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]?.[0])).toMatch(/ERR_SENTE_BAD_PACKAGE.*same packer/);
    } finally {
      warn.mockRestore();
    }
  });
});

describe('clients()', () => {
  it('lists each client with its transport, liveness, queue and user agent', async () => {
    const h = new Harness();
    await h.ws('w1', { uid: 'alice', headers: { 'user-agent': 'TestAgent/1' }, query: { 'sente-ext': '1' } });
    await h.ajaxGet('a1', { uid: 'bob', handshake: true });
    const list = h.server.clients().sort((a, b) => a.clientId.localeCompare(b.clientId));
    expect(list).toEqual([
      expect.objectContaining({ uid: 'bob', clientId: 'a1', transport: 'ajax', live: false, ext: false, queuedBatches: 0 }),
      expect.objectContaining({ uid: 'alice', clientId: 'w1', transport: 'ws', live: true, ext: true, userAgent: 'TestAgent/1', since: h.clock.now() }),
    ]);
  });
});
