import { describe, expect, it } from 'vitest';
import { startProxy } from '@sente/adapter-conformance/tcp-proxy';
import { createRedisEmitter } from '../src/index.js';
import { dataOf, sleep, switchableWebSocket, until } from './support/cluster.js';
import { useCluster } from './support/use-cluster.js';
import type { TcpProxy } from '@sente/adapter-conformance/tcp-proxy';
import type { TestNode } from './support/cluster.js';

const cluster = useCluster();
const { nodeAt: node, client, opened } = cluster;
const codes = (n: TestNode): string[] => n.errors.map((e) => e.error.code);

/** True when `xs` has no repeat and is increasing. */
const increasing = (xs: number[]): boolean => xs.every((x, i) => i === 0 || x > (xs[i - 1] as number));

describe('when Redis goes away', () => {
  it('a Redis unreachable for a while: reported, pushes held and sent when it is back, nothing lost, nothing twice', async () => {
    const proxy: TcpProxy = await startProxy(cluster.redis.port);
    try {
      const url = proxy.origin.replace('http:', 'redis:');
      const a = await node('a', url);
      const b = await node('b', url);
      const ca = client(a.origin, 'ida');
      const cb = client(b.origin, 'ida', { type: 'ajax' });
      await Promise.all([opened(ca), opened(cb)]);
      for (let i = 0; i < 10; i++) a.server.send('ida', ['test/n', i]);
      await until(() => dataOf(ca, 'test/n').length === 10 && dataOf(cb, 'test/n').length === 10);
      await proxy.refuse();
      await sleep(100);
      for (let i = 10; i < 20; i++) (i % 2 ? a : b).server.send('ida', ['test/n', i]);
      await sleep(300);
      await proxy.accept();
      for (let i = 20; i < 25; i++) b.server.send('ida', ['test/n', i]);
      await until(() => dataOf(ca, 'test/n').length === 25 && dataOf(cb, 'test/n').length === 25, 10_000, 'every push after Redis came back');
      await sleep(200);
      for (const c of [ca, cb]) {
        const got = dataOf(c, 'test/n') as number[];
        expect([...got].sort((x, y) => x - y)).toEqual(Array.from({ length: 25 }, (_, i) => i));
        expect(got.filter((n) => n >= 10 && n < 20 && n % 2 === 1)).toEqual([11, 13, 15, 17, 19]);
      }
      expect(codes(a)).toContain('ERR_SENTE_BACKPLANE_UNAVAILABLE');
      expect(codes(b)).toContain('ERR_SENTE_BACKPLANE_UNAVAILABLE');
    } finally {
      // The nodes first: they leave the cluster through the proxy.
      await cluster.closeAll();
      await proxy.close();
    }
  });

  it('pushes past maxBufferedPushes while Redis is away are dropped and reported; a handshake then is answered 503', async () => {
    const proxy: TcpProxy = await startProxy(cluster.redis.port);
    try {
      const url = proxy.origin.replace('http:', 'redis:');
      const a = await node('a', url, { maxBufferedPushes: 5, timeoutMs: 300 });
      await proxy.refuse();
      await sleep(100);
      for (let i = 0; i < 8; i++) a.server.send('jo', ['test/n', i]);
      expect(codes(a)).toContain('ERR_SENTE_BACKPLANE_OVERFLOW');
      expect(a.backplane.stats().bufferedPushes).toBe(5);
      const res = await fetch(`${a.origin}/chsk?client-id=c1&uid=jo&handshake%3F=true&sente-ext=1`);
      expect(res.status).toBe(503);
      await res.arrayBuffer();
      expect(codes(a)).toContain('ERR_SENTE_BACKPLANE_UNAVAILABLE');
      await proxy.accept();
      await until(() => a.backplane.stats().bufferedPushes === 0, 8000, 'the held pushes to be sent');
    } finally {
      // The nodes first: they leave the cluster through the proxy.
      await cluster.closeAll();
      await proxy.close();
    }
  });

  it('Redis restarted empty mid-stream: clients are told recovered: false (a new epoch), never given a push twice', async () => {
    const a = await node('a', cluster.redis.url);
    const b = await node('b', cluster.redis.url);
    const ca = client(a.origin, 'kim');
    const cb = client(b.origin, 'kim', { type: 'ajax' });
    await Promise.all([opened(ca), opened(cb)]);
    let n = 0;
    const stream = async (count: number): Promise<void> => {
      for (let i = 0; i < count; i++) {
        (n % 2 ? a : b).server.send('kim', ['test/n', n++]);
        await sleep(10);
      }
    };
    await stream(10);
    await cluster.redis.kill();
    await stream(5);
    await cluster.redis.restart();
    await until(() => ca.handshakes.some((h) => h.recovered === false) && cb.handshakes.some((h) => h.recovered === false), 10_000, 'both clients told recovered: false');
    await stream(10);
    const last = n - 1;
    await until(() => dataOf(ca, 'test/n').includes(last) && dataOf(cb, 'test/n').includes(last), 10_000, 'the last push');
    await sleep(200);
    for (const c of [ca, cb]) {
      const got = dataOf(c, 'test/n') as number[];
      expect(new Set(got).size).toBe(got.length);
      // What was sent after they heard of the new epoch reached them, in each node's order.
      expect(got.filter((x) => x >= 15)).toEqual(Array.from({ length: 10 }, (_, i) => 15 + i).filter((x) => got.includes(x)));
      expect(got.filter((x) => x >= 15)).toHaveLength(10);
      expect(increasing(got.filter((x) => x % 2 === 0))).toBe(true);
    }
    expect(codes(a)).toContain('ERR_SENTE_BACKPLANE_UNAVAILABLE');
    expect(codes(a).concat(codes(b))).toContain('ERR_SENTE_BACKPLANE_LOG_LOST');
    // The nodes joined the presence again: the cluster's connected uids are right on both.
    for (const x of [a, b]) await until(() => x.server.connectedUids.ws.has('kim') && x.server.connectedUids.ajax.has('kim'), 5000, 'the presence back');
  });
});

describe('replay after every server restarted, and the emitter', () => {
  it('a client comes back to a new server and gets what was pushed while no server ran (by an emitter), in order', async () => {
    const emitter = createRedisEmitter({ url: cluster.redis.url, prefix: 'test' });
    try {
      const first = await node('a', cluster.redis.url);
      let target = first.origin;
      const c = client('http://127.0.0.1:1', 'lee', { WebSocket: switchableWebSocket(() => target) as never });
      await opened(c);
      await emitter.send('lee', ['test/n', 1]);
      first.server.send('lee', ['test/n', 2]);
      await until(() => dataOf(c, 'test/n').length === 2);
      await cluster.closeNodes();
      for (let i = 3; i <= 6; i++) await emitter.send('lee', ['test/n', i]);
      target = (await node('b', cluster.redis.url)).origin;
      await until(() => dataOf(c, 'test/n').length === 6 && c.handshakes.length === 2, 10_000, 'the replay');
      expect(dataOf(c, 'test/n')).toEqual([1, 2, 3, 4, 5, 6]);
      expect(c.handshakes.map((h) => h.recovered)).toEqual([undefined, true]);
    } finally {
      await emitter.close();
    }
  });

  it('the emitter pushes to a uid, to one client, to everyone, and closes a uid, ordered with the servers\' pushes', async () => {
    const emitter = createRedisEmitter({ url: cluster.redis.url, prefix: 'test' });
    try {
      const a = await node('a', cluster.redis.url);
      const b = await node('b', cluster.redis.url);
      const m1 = client(a.origin, 'mo');
      const m2 = client(b.origin, 'mo', { type: 'ajax' });
      const other = client(b.origin, 'ned');
      await Promise.all([m1, m2, other].map(opened));
      await until(() => a.server.connectedUids.any.size === 2);
      const sends: Promise<void>[] = [];
      for (let i = 0; i < 20; i++) {
        if (i % 2) a.server.send('mo', ['test/n', i]);
        else sends.push(emitter.send('mo', ['test/n', i]));
      }
      await Promise.all(sends);
      await emitter.sendToClient({ uid: 'mo', clientId: m2.client.clientId }, ['test/only', 'm2']);
      await emitter.sendToClient(m1.client.clientId, ['test/only', 'm1']);
      expect(await emitter.broadcast(['test/all', 'hi'])).toBeGreaterThanOrEqual(2);
      await until(() => [m1, m2, other].every((c) => dataOf(c, 'test/all').length === 1) && dataOf(m2, 'test/n').length === 20, 10_000);
      expect(dataOf(m2, 'test/n')).toEqual(dataOf(m1, 'test/n'));
      expect(dataOf(m1, 'test/only')).toEqual(['m1']);
      expect(dataOf(m2, 'test/only')).toEqual(['m2']);
      await expect(emitter.send('mo', ['chsk/close', null] as never)).rejects.toMatchObject({ code: 'ERR_SENTE_BAD_EVENT' });
      await expect(emitter.send('', ['test/n', 1])).rejects.toMatchObject({ code: 'ERR_SENTE_BAD_UID' });
      await emitter.closeUser('ned');
      await until(() => other.client.state.open === false || other.handshakes.length > 1, 5000, 'ned closed');
    } finally {
      await emitter.close();
    }
  });
});
