import { describe, expect, it } from 'vitest';
import { dataOf, sleep, switchableWebSocket, until } from './support/cluster.js';
import { useCluster } from './support/use-cluster.js';
import type { TestClient, TestNode } from './support/cluster.js';

const cluster = useCluster();
const { node, client, conn, opened } = cluster;

describe('broadcasts', () => {
  it('interleaved with per-uid pushes from three nodes: every client gets each push once, each node\'s pushes in order, one order per uid', async () => {
    const [a, b, c] = [await node('a'), await node('b'), await node('c')];
    const ivyA = client(a.origin, 'ivy');
    const ivyB = client(b.origin, 'ivy');
    const jo = client(c.origin, 'jo');
    const kai = client(a.origin, 'kai', { type: 'ajax' });
    const all = [ivyA, ivyB, jo, kai];
    await Promise.all(all.map(opened));
    await until(() => [a, b, c].every((n) => n.server.connectedUids.any.size === 3), 8000, 'the cluster\'s uids on every node');
    // Each node numbers its pushes; a client must see each node's numbers rising, none twice, none missing.
    const expected = new Map<TestClient, string[]>(all.map((x) => [x, []]));
    const seq = new Map<string, number>();
    const push = (n: TestNode, to: 'all' | 'ivy' | 'jo'): void => {
      const k = seq.get(n.name) ?? 0;
      seq.set(n.name, k + 1);
      const data = `${n.name}:${k}`;
      if (to === 'all') n.server.broadcast(['test/x', data]);
      else n.server.send(to, ['test/x', data]);
      for (const x of to === 'all' ? all : to === 'ivy' ? [ivyA, ivyB] : [jo]) expected.get(x)?.push(data);
    };
    for (let i = 0; i < 60; i++) {
      const n = [a, b, c][i % 3] as TestNode;
      push(n, i % 4 === 0 ? 'all' : i % 4 === 1 ? 'ivy' : i % 4 === 2 ? 'all' : 'jo');
      if (i % 10 === 9) await sleep(10);
    }
    await until(() => all.every((x) => dataOf(x, 'test/x').length >= (expected.get(x) as string[]).length), 10_000, 'every push');
    await sleep(150);
    for (const x of all) {
      const got = dataOf(x, 'test/x') as string[];
      expect([...got].sort()).toEqual([...(expected.get(x) as string[])].sort());
      for (const name of ['a', 'b', 'c']) {
        const mine = got.filter((d) => d.startsWith(`${name}:`)).map((d) => Number(d.slice(2)));
        expect(mine).toEqual([...mine].sort((p, q) => p - q));
      }
      expect(x.handshakes.map((h) => h.recovered)).toEqual([undefined]);
    }
    // The two clients of ivy, on two nodes, see one order: the log's.
    expect(dataOf(ivyB, 'test/x')).toEqual(dataOf(ivyA, 'test/x'));
  });

  it('is published once, on the broadcast channel, whatever the number of uids', async () => {
    const a = await node('a', { pubsub: 'classic' });
    const b = await node('b', { pubsub: 'classic' });
    const users = ['u1', 'u2', 'u3', 'u4', 'u5'].map((u, i) => client((i % 2 === 0 ? a : b).origin, u));
    await Promise.all(users.map(opened));
    await until(() => a.server.connectedUids.any.size === 5 && b.server.connectedUids.any.size === 5, 8000, 'the cluster\'s uids');
    const watch = conn();
    const seen: string[] = [];
    watch.on('pmessage', (_p: string, channel: string) => void seen.push(channel));
    await watch.psubscribe('test:*');
    b.server.broadcast(['test/all', 'hello']);
    await until(() => users.every((u) => dataOf(u, 'test/all').length === 1));
    await sleep(100);
    expect(seen.filter((ch) => ch !== 'test:presence')).toEqual(['test:broadcast']);
    for (const u of users) expect(dataOf(u, 'test/all')).toEqual(['hello']);
  });
});

describe('a broadcast is written once', () => {
  /** Calls of `cmd` Redis counted since it started (commands called by scripts included). */
  const calls = async (cmd: string): Promise<number> => {
    const info = await conn().info('commandstats');
    return Number(new RegExp(`cmdstat_${cmd}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
  };

  it('one entry and one message, whatever the number of uids: no write per uid', async () => {
    const a = await node('a');
    const b = await node('b');
    const users = Array.from({ length: 40 }, (_, i) => client((i % 2 === 0 ? a : b).origin, `w${i}`));
    await Promise.all(users.map(opened));
    await until(() => a.server.connectedUids.any.size === 40, 8000, 'the cluster\'s uids');
    const watch = conn();
    const sizes: number[] = [];
    watch.on('smessage', (_channel: string, msg: string) => void sizes.push(msg.length));
    watch.on('message', (_channel: string, msg: string) => void sizes.push(msg.length));
    await watch.ssubscribe('test:broadcast');
    const before = await calls('xadd');
    const logged = await conn().xlen('test:blog');
    for (let i = 0; i < 10; i++) (i % 2 === 0 ? a : b).server.broadcast(['test/all', i]);
    await until(() => users.every((u) => dataOf(u, 'test/all').length === 10), 8000, 'every broadcast everywhere');
    await sleep(100);
    // Ten entries in all, in the broadcast stream; nothing in the uids' own logs.
    expect((await calls('xadd')) - before).toBe(10);
    expect((await conn().xlen('test:blog')) - logged).toBe(10);
    expect(await conn().exists(...users.map((_, i) => `test:{w${i}}:log`))).toBe(0);
    // Each message carries the body, not the uids.
    expect(sizes).toHaveLength(10);
    for (const n of sizes) expect(n).toBeLessThan(80);
    // One order for all (Redis's, between the two nodes' broadcasts), each node's in its own order.
    const order = dataOf(users[0] as TestClient, 'test/all') as number[];
    expect([...order].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(order.filter((n) => n % 2 === 0)).toEqual([0, 2, 4, 6, 8]);
    expect(order.filter((n) => n % 2 === 1)).toEqual([1, 3, 5, 7, 9]);
    for (const u of users) expect(dataOf(u, 'test/all')).toEqual(order);
  });

  it('replayed with the uid\'s own pushes, in the one order every client of the uid saw, on another node', async () => {
    const a = await node('a');
    const b = await node('b');
    const c = await node('c');
    let target = a.origin;
    const away = client(a.origin, 'max', { WebSocket: switchableWebSocket(() => target) as never, backoffMs: () => 50 });
    const stays = client(b.origin, 'max');
    const other = client(c.origin, 'nia');
    await Promise.all([away, stays, other].map(opened));
    a.server.send('max', ['test/x', 'a0']);
    b.server.broadcast(['test/x', 'all0']);
    await until(() => dataOf(away, 'test/x').length === 2);
    // Away: its node is gone, and nothing answers where it reconnects.
    target = 'http://127.0.0.1:1';
    await a.crash();
    for (let i = 1; i <= 6; i++) {
      b.server.broadcast(['test/x', `all${i}`]);
      (i % 2 === 0 ? b : c).server.send('max', ['test/x', `own${i}`]);
      c.server.send('nia', ['test/x', `nia${i}`]);
    }
    await until(() => dataOf(stays, 'test/x').length === 14);
    target = b.origin;
    await until(() => away.handshakes.length === 2, 8000, 'the client to come back');
    c.server.broadcast(['test/x', 'all7']);
    await until(() => dataOf(away, 'test/x').length === 15 && dataOf(stays, 'test/x').length === 15);
    await sleep(100);
    expect(away.handshakes.map((h) => h.recovered)).toEqual([undefined, true]);
    // Exactly what it missed, once, in the log's order: the order its other client saw live.
    expect(dataOf(away, 'test/x')).toEqual(dataOf(stays, 'test/x'));
    // Each node's pushes in the order it sent them (two nodes' pushes at once are ordered by Redis).
    const own = (dataOf(away, 'test/x') as string[]).filter((d) => d.startsWith('own'));
    expect(own.filter((d) => Number(d.slice(3)) % 2 === 0)).toEqual(['own2', 'own4', 'own6']);
    expect(own.filter((d) => Number(d.slice(3)) % 2 === 1)).toEqual(['own1', 'own3', 'own5']);
    expect((dataOf(away, 'test/x') as string[]).filter((d) => d.startsWith('all'))).toEqual(['all0', 'all1', 'all2', 'all3', 'all4', 'all5', 'all6', 'all7']);
    // Another uid got the broadcasts and its own pushes, each in order.
    await until(() => dataOf(other, 'test/x').length === 14);
    const seen = dataOf(other, 'test/x') as string[];
    expect(seen.filter((d) => d.startsWith('all'))).toEqual(['all0', 'all1', 'all2', 'all3', 'all4', 'all5', 'all6', 'all7']);
    expect(seen.filter((d) => d.startsWith('nia'))).toEqual(['nia1', 'nia2', 'nia3', 'nia4', 'nia5', 'nia6']);
  });

  it('a position just before what the uid\'s stream kept is still found: the broadcasts and pushes after it are replayed', async () => {
    const replay = { maxAgeMs: 1000 };
    const a = await node('a', {}, { replay });
    const b = await node('b', {}, { replay });
    let target = a.origin;
    const ula = client(a.origin, 'ula', { WebSocket: switchableWebSocket(() => target) as never, backoffMs: () => 50 });
    await opened(ula);
    for (let i = 1; i <= 63; i++) a.server.send('ula', ['test/n', i]);
    await until(() => dataOf(ula, 'test/n').length === 63);
    await sleep(1100);
    target = 'http://127.0.0.1:1';
    await a.crash();
    b.server.broadcast(['test/n', 'all1']);
    b.server.broadcast(['test/n', 'all2']);
    // The 64th push cuts the stream: its 63 entries before it are past the window; the client's position is right after the last of them.
    b.server.send('ula', ['test/n', 64]);
    const redis = conn();
    let ids: string[] = [];
    for (let i = 0; i < 50 && ids.length !== 1; i++) {
      ids = (await redis.xrange('test:{ula}:log', '-', '+')).map(([id]) => id.split('-')[0] as string);
      if (ids.length !== 1) await sleep(20);
    }
    expect(ids).toEqual(['64']);
    target = b.origin;
    await until(() => ula.handshakes.length === 2 && dataOf(ula, 'test/n').length === 66, 8000, 'the client to come back');
    await sleep(100);
    expect(ula.handshakes.map((h) => h.recovered)).toEqual([undefined, true]);
    expect(dataOf(ula, 'test/n').slice(62)).toEqual([63, 'all1', 'all2', 64]);
  });

  it('a user connected longer than the position TTL, who gets only broadcasts, keeps its position', async () => {
    const replay = { positionTtlMs: 1200, maxAgeMs: 10_000 };
    const a = await node('a', {}, { replay });
    const b = await node('b', {}, { replay });
    let target = a.origin;
    const viv = client(a.origin, 'viv', { WebSocket: switchableWebSocket(() => target) as never, backoffMs: () => 50 });
    await opened(viv);
    for (let i = 0; i < 12; i++) {
      b.server.broadcast(['test/n', i]);
      await sleep(250);
    }
    await until(() => dataOf(viv, 'test/n').length === 12);
    // 3 s connected, past the 1.2 s TTL: the position lives on while a node holds the uid.
    expect(await conn().pttl('test:{viv}:meta')).toBeGreaterThan(0);
    target = b.origin;
    viv.client.breakConnection();
    await until(() => viv.handshakes.length === 2, 8000, 'the client to come back');
    await sleep(100);
    expect(viv.handshakes.map((h) => h.recovered)).toEqual([undefined, true]);
    expect(dataOf(viv, 'test/n')).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });
});

describe('a node that missed broadcasts', () => {
  it('its push subscriber cut while broadcasts and pushes went on: it fills the gap from both logs, merged, once, in order; its clients never reconnect', async () => {
    const a = await node('a');
    const b = await node('b');
    const reyA = client(a.origin, 'rey');
    const reyB = client(b.origin, 'rey');
    const sol = client(a.origin, 'sol');
    await Promise.all([reyA, reyB, sol].map(opened));
    b.server.broadcast(['test/x', 'all0']);
    await until(() => [reyA, reyB, sol].every((c) => dataOf(c, 'test/x').length === 1));
    const redis = conn();
    const list = String(await redis.client('LIST'));
    const id = new RegExp(`id=(\\d+) [^\\n]*name=sente-push:${a.backplane.nodeId}`).exec(list)?.[1];
    expect(id).toBeDefined();
    await redis.client('KILL', 'ID', id as string);
    for (let i = 1; i <= 8; i++) {
      b.server.broadcast(['test/x', `all${i}`]);
      if (i % 2 === 0) b.server.send('rey', ['test/x', `rey${i}`]);
      if (i % 3 === 0) b.server.send('sol', ['test/x', `sol${i}`]);
    }
    await until(() => dataOf(reyA, 'test/x').length === 13 && dataOf(reyB, 'test/x').length === 13 && dataOf(sol, 'test/x').length === 11, 8000, 'every push on every client');
    await sleep(150);
    expect(dataOf(reyA, 'test/x')).toEqual(['all0', 'all1', 'all2', 'rey2', 'all3', 'all4', 'rey4', 'all5', 'all6', 'rey6', 'all7', 'all8', 'rey8']);
    expect(dataOf(reyB, 'test/x')).toEqual(dataOf(reyA, 'test/x'));
    expect(dataOf(sol, 'test/x')).toEqual(['all0', 'all1', 'all2', 'all3', 'sol3', 'all4', 'all5', 'all6', 'sol6', 'all7', 'all8']);
    for (const c of [reyA, reyB, sol]) expect(c.handshakes).toHaveLength(1);
  });
});

describe('the broadcast log lost', () => {
  it('alone (its keys deleted, the uids\' logs kept): each uid starts a new epoch, its clients are told recovered: false, nothing twice', async () => {
    const a = await node('a');
    const b = await node('b');
    const pia = client(a.origin, 'pia');
    const quin = client(b.origin, 'quin', { type: 'ajax' });
    await Promise.all([pia, quin].map(opened));
    for (let i = 1; i <= 3; i++) a.server.broadcast(['test/n', i]);
    a.server.send('pia', ['test/n', 'own']);
    await until(() => dataOf(pia, 'test/n').length === 4 && dataOf(quin, 'test/n').length === 3);
    const epoch = await conn().hget('test:{pia}:meta', 'e');
    await conn().del('test:bcast', 'test:blog');
    b.server.broadcast(['test/n', 4]);
    await until(() => [pia, quin].every((c) => c.handshakes.some((h) => h.recovered === false)), 8000, 'both told recovered: false');
    b.server.broadcast(['test/n', 5]);
    await until(() => [pia, quin].every((c) => dataOf(c, 'test/n').includes(5)), 8000, 'the next broadcast');
    await sleep(100);
    expect(await conn().hget('test:{pia}:meta', 'e')).not.toBe(epoch);
    for (const c of [pia, quin]) {
      const got = dataOf(c, 'test/n');
      expect(new Set(got).size).toBe(got.length);
      expect(got.filter((x) => typeof x === 'number' && x <= 3)).toEqual([1, 2, 3]);
      expect(got.at(-1)).toBe(5);
    }
    expect([...a.errors, ...b.errors].map((e) => e.error.code)).toContain('ERR_SENTE_BACKPLANE_LOG_LOST');
  });
});

describe('broadcast uids', () => {
  it('any string is a uid for a broadcast: quotes, slashes, a newline, non-ASCII', async () => {
    const a = await node('a');
    const b = await node('b');
    const uids = ['zoë', 'say "hi"', 'a/b\\c', 'two\nlines', '東京'];
    const users = uids.map((u, i) => client((i % 2 === 0 ? a : b).origin, u));
    await Promise.all(users.map(opened));
    await until(() => a.server.connectedUids.any.size === uids.length, 8000, 'the cluster\'s uids');
    a.server.broadcast(['test/all', 1]);
    b.server.broadcast(['test/all', 2]);
    await until(() => users.every((u) => dataOf(u, 'test/all').length === 2));
    await sleep(100);
    for (const u of users) expect([...dataOf(u, 'test/all')].sort()).toEqual([1, 2]);
  });
});

describe('the age window (replay.maxAgeMs)', () => {
  it('holds on read: an entry older than the window, still in the stream, is not replayed, and the client is told recovered: false', async () => {
    const replay = { maxAgeMs: 1000 };
    const a = await node('a', {}, { replay });
    const b = await node('b', {}, { replay });
    let target = a.origin;
    const eve = client(a.origin, 'eve', { WebSocket: switchableWebSocket(() => target) as never, backoffMs: () => 50 });
    await opened(eve);
    b.server.send('eve', ['test/n', 1]);
    await until(() => dataOf(eve, 'test/n').length === 1);
    // The client is away (its node is gone, and nothing answers where it reconnects) ...
    target = 'http://127.0.0.1:1';
    await a.crash();
    b.server.send('eve', ['test/n', 2]);
    await sleep(700);
    b.server.send('eve', ['test/n', 3]);
    await sleep(500);
    // ... past the window for push 2, not for push 3; both are still in the stream.
    const offsets = (await conn().xrange('test:{eve}:log', '-', '+')).map(([id]) => id.split('-')[0]);
    expect(offsets).toEqual(['1', '2', '3']);
    target = b.origin;
    await until(() => eve.handshakes.length === 2, 8000, 'the client to come back');
    b.server.send('eve', ['test/n', 4]);
    await until(() => dataOf(eve, 'test/n').length === 2);
    await sleep(100);
    expect(eve.handshakes.map((h) => h.recovered)).toEqual([undefined, false]);
    expect(dataOf(eve, 'test/n')).toEqual([1, 4]);
  });

  it('the stream is cut as pushes go on (every 64th offset): entries past the window, then by count (maxEntries)', async () => {
    const a = await node('a', {}, { replay: { maxAgeMs: 1000, maxEntries: 10 } });
    const ola = client(a.origin, 'ola');
    await opened(ola);
    const redisConn = conn();
    const offsets = async (): Promise<number[]> => (await redisConn.xrange('test:{ola}:log', '-', '+')).map(([id]) => Number(id.split('-')[0]));
    for (let i = 1; i <= 10; i++) a.server.send('ola', ['test/n', i]);
    await until(() => dataOf(ola, 'test/n').length === 10);
    await sleep(1100);
    for (let i = 11; i <= 64; i++) a.server.send('ola', ['test/n', i]);
    await until(() => dataOf(ola, 'test/n').length === 64);
    // At offset 64, the 10 entries past the window went.
    expect((await offsets())[0]).toBe(11);
    for (let i = 65; i <= 128; i++) a.server.send('ola', ['test/n', i]);
    await until(() => dataOf(ola, 'test/n').length === 128);
    // At offset 128, the oldest entries went by count (whole stream nodes, as MAXLEN ~ does).
    const left = await offsets();
    expect(left.length).toBeLessThan(118);
    expect(left.length).toBeGreaterThanOrEqual(10);
    expect(left[left.length - 1]).toBe(128);
    expect(dataOf(ola, 'test/n')).toEqual(Array.from({ length: 128 }, (_, i) => i + 1));
    expect(a.errors).toEqual([]);
  });
});
