import { describe, expect, it } from 'vitest';
import { kw } from '../src/index.js';
import { Harness } from './support/harness.js';
import type { Backplane, BackplaneClient, BackplaneNode, LogPosition, Recovery, Transport, WireEvent } from '../src/index.js';

const EXT = { 'sente-ext': '1' };

/** A backplane in memory whose reads the test answers when it wants. */
class FakeBackplane implements Backplane {
  readonly nodeId = 'n1';
  readonly ready = Promise.resolve();
  node!: BackplaneNode;
  readonly calls: unknown[][] = [];
  /** The recovery a handshake waits for: the test resolves it. */
  recovery: ((r: Recovery) => void) | undefined;
  joined = true;

  attach(node: BackplaneNode): void {
    this.node = node;
  }
  publish(uid: string, event: WireEvent, clientId?: string): void {
    this.calls.push(['publish', uid, event, clientId]);
  }
  publishToClient(clientId: string, event: WireEvent): void {
    this.calls.push(['publishToClient', clientId, event]);
  }
  broadcast(event: WireEvent): void {
    this.calls.push(['broadcast', event]);
  }
  closeUser(uid: string): void {
    this.calls.push(['closeUser', uid]);
  }
  hold(uid: string): Promise<void> {
    this.calls.push(['hold', uid]);
    return Promise.resolve();
  }
  release(uid: string): void {
    this.calls.push(['release', uid]);
  }
  position(): Promise<LogPosition> {
    return Promise.resolve({ epoch: 'E', offset: 0 });
  }
  recover(): Promise<Recovery> {
    return new Promise((resolve) => (this.recovery = resolve));
  }
  connected(uid: string, transport: Transport, delta: 1 | -1): Promise<boolean> {
    this.calls.push(['connected', uid, transport, delta]);
    return Promise.resolve(this.joined);
  }
  claim(client: BackplaneClient, transport: Transport): void {
    this.calls.push(['claim', client.uid, client.clientId, transport]);
  }
  unclaim(client: BackplaneClient): void {
    this.calls.push(['unclaim', client.uid, client.clientId]);
  }
  request(uid: string | undefined, clientId: string, id: string, event: WireEvent): void {
    this.calls.push(['request', uid, clientId, id, event]);
  }
  answer(): boolean {
    return false;
  }
  fail(id: string): void {
    this.calls.push(['fail', id]);
  }
  settle(): Promise<void> {
    this.calls.push(['settle']);
    return Promise.resolve();
  }
  close(): Promise<void> {
    this.calls.push(['close']);
    return Promise.resolve();
  }
  named(name: string): unknown[][] {
    return this.calls.filter((c) => c[0] === name);
  }
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('a server with a backplane', () => {
  it('queues a push that arrives while the replay is read after the replay, in order: none lost, none ahead of it', async () => {
    const bp = new FakeBackplane();
    const h = new Harness({ backplane: bp });
    const opening = h.ws('c1', { uid: 'alice', query: { ...EXT, 'sente-pos': 'E:2' } });
    await tick();
    expect(bp.recovery).toBeDefined();
    // Published on another node meanwhile, after the log was read: offset 5.
    bp.node.deliver({ uid: 'alice', epoch: 'E', offset: 5, event: [kw('app/n'), 5], clientId: undefined });
    await h.advance(50);
    bp.recovery?.({
      recovered: true,
      entries: [
        { offset: 3, event: [kw('app/n'), 3], clientId: undefined },
        { offset: 4, event: [kw('app/n'), 4], clientId: undefined },
      ],
      top: { epoch: 'E', offset: 4 },
    });
    const c = await opening;
    await h.advance(50);
    const frames = c.frames() as unknown[][];
    expect(((frames[0]?.[0] as unknown[])[1] as unknown[])[3]).toMatchObject({ epoch: 'E', offset: 4, recovered: true });
    expect(frames.slice(1)).toEqual([
      [[['app/n', 3], ['app/n', 4]], null, { e: 'E', o: [3, 4] }],
      [[['app/n', 5]], null, { e: 'E', o: [5] }],
    ]);
  });

  it('sends pushes, broadcasts and closes through the backplane; its clients get what the backplane delivers', async () => {
    const bp = new FakeBackplane();
    const h = new Harness({ backplane: bp });
    const c = await h.ws('c1', { uid: 'alice' });
    // Subscribed to alice's pushes before the handshake; the client id claimed for alice.
    expect(bp.named('hold').length).toBeGreaterThan(0);
    expect(new Set(bp.named('hold').map((x) => x[1]))).toEqual(new Set(['alice']));
    expect(bp.named('claim')).toContainEqual(['claim', 'alice', 'c1', 'ws']);
    h.server.send('alice', ['app/a', 1]);
    h.server.sendToClient({ uid: 'alice', clientId: 'c1' }, ['app/b', 2]);
    h.server.sendToClient('c9', ['app/c', 3]);
    h.server.broadcast(['app/d', 4]);
    h.server.closeUser('bob');
    expect(bp.calls.filter((x) => x[0] !== 'hold' && x[0] !== 'claim' && x[0] !== 'connected')).toEqual([
      ['publish', 'alice', [kw('app/a'), 1], undefined],
      ['publish', 'alice', [kw('app/b'), 2], 'c1'],
      ['publishToClient', 'c9', [kw('app/c'), 3]],
      ['broadcast', [kw('app/d'), 4]],
      ['closeUser', 'bob'],
    ]);
    await h.advance(50);
    expect(c.pushes()).toEqual([]);
    bp.node.deliver({ uid: 'alice', epoch: 'E', offset: 1, event: [kw('app/a'), 1], clientId: undefined });
    bp.node.deliver({ uid: 'alice', epoch: 'E', offset: 2, event: [kw('app/b'), 2], clientId: 'c2' });
    await h.advance(50);
    // Not a client of the extensions: plain batches; the push for another client is not its.
    expect(c.pushes()).toEqual([[[['app/a', 1]], null]]);
    bp.node.closeUser('alice');
    expect(c.closed).toMatchObject({ code: 4001 });
  });

  it('emits uidport-open and -close when the backplane says the uid joined or left the cluster, not otherwise', async () => {
    const bp = new FakeBackplane();
    const h = new Harness({ backplane: bp, msAllowReconnectBeforeCloseWs: 100 });
    const c1 = await h.ws('c1', { uid: 'alice' });
    await tick();
    bp.joined = false;
    const c2 = await h.ws('c2', { uid: 'alice' });
    await tick();
    expect(h.events.map((e) => e.id)).toEqual(['chsk/uidport-open']);
    c2.drop();
    await h.advance(150);
    await tick();
    expect(h.events.map((e) => e.id)).toEqual(['chsk/uidport-open']);
    bp.joined = true;
    c1.drop();
    await h.advance(150);
    await tick();
    expect(h.events.map((e) => e.id)).toEqual(['chsk/uidport-open', 'chsk/uidport-close']);
    expect(bp.named('connected').map((x) => x[3])).toEqual([1, 1, -1, -1]);
    expect(bp.named('release')).toEqual([['release', 'alice']]);
    // The cluster's connected uids are what the backplane says.
    bp.node.presence({ uid: 'zed', transport: 'ajax', connected: true });
    expect([...h.server.connectedUids.ajax]).toEqual(['zed']);
    bp.node.uidport('zed', false);
    expect(h.events.at(-1)).toMatchObject({ id: 'chsk/uidport-close', data: 'zed', clientId: '' });
    await h.server.close();
    expect(bp.calls.filter((x) => x[0] === 'settle' || x[0] === 'close')).toEqual([['settle'], ['close']]);
  });
});
