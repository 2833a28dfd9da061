import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createRedisBackplane } from '../src/index.js';
import { dataOf, roundRobinFetch, roundRobinWebSocket, sleep, switchableFetch, switchableWebSocket, until } from './support/cluster.js';
import { useCluster } from './support/use-cluster.js';
import type { TestClient } from './support/cluster.js';

const cluster = useCluster();
const { node, client, opened } = cluster;

describe('pushes across nodes', () => {
  it('send(uid) on one node reaches the uid\'s clients on every node, once and in order', async () => {
    const a = await node('a');
    const b = await node('b');
    const onA = client(a.origin, 'ann');
    const onB = client(b.origin, 'ann');
    await Promise.all([opened(onA), opened(onB)]);
    for (let i = 0; i < 50; i++) (i % 2 === 0 ? a : b).server.send('ann', ['test/n', i]);
    const all = Array.from({ length: 50 }, (_, i) => i);
    await until(() => dataOf(onA, 'test/n').length === 50 && dataOf(onB, 'test/n').length === 50);
    await sleep(100);
    const got = dataOf(onA, 'test/n') as number[];
    // Every push once; one order (the log's) for every client; each node's sends in send order.
    expect([...got].sort((x, y) => x - y)).toEqual(all);
    expect(dataOf(onB, 'test/n')).toEqual(got);
    expect(got.filter((n) => n % 2 === 0)).toEqual(all.filter((n) => n % 2 === 0));
    expect(got.filter((n) => n % 2 === 1)).toEqual(all.filter((n) => n % 2 === 1));
    // closeUser on one node closes the uid's connections on every node (4001), after the pushes published before it.
    // (Published: the node's own push is, as both go on its connection to Redis in order; another node's push sent at
    // the same moment goes on that node's connection, which Redis may read after this one.)
    a.server.send('ann', ['test/n', 50]);
    a.server.closeUser('ann');
    await until(() => [onA, onB].every((c) => c.client.state.lastWsClose?.code === 4001), 5000, 'both closed');
    expect(dataOf(onA, 'test/n').at(-1)).toBe(50);
    expect(dataOf(onB, 'test/n').at(-1)).toBe(50);
  });

  it('send with flush skips the batching window on every node', async () => {
    // A batching window of 8 s: only flush gets a push out before it.
    const a = await node('a', {}, { sendBufMsWs: 8000 });
    const b = await node('b', {}, { sendBufMsWs: 8000 });
    const onB = client(b.origin, 'flo');
    await opened(onB);
    a.server.send('flo', ['test/n', 1]);
    a.server.send('flo', ['test/n', 2], { flush: true });
    await until(() => dataOf(onB, 'test/n').length === 2, 5000, 'the flushed pushes before the window');
    expect(dataOf(onB, 'test/n')).toEqual([1, 2]);
  });

  it('works on classic pub/sub too', async () => {
    const a = await node('a', { pubsub: 'classic' });
    const b = await node('b', { pubsub: 'classic' });
    const onA = client(a.origin, 'cal');
    const onB = client(b.origin, 'cal', { type: 'ajax' });
    await Promise.all([opened(onA), opened(onB)]);
    for (let i = 0; i < 10; i++) b.server.send('cal', ['test/n', i]);
    await until(() => dataOf(onA, 'test/n').length === 10 && dataOf(onB, 'test/n').length === 10);
    expect(dataOf(onA, 'test/n')).toEqual(dataOf(onB, 'test/n'));
    onA.client.disconnect();
    onB.client.disconnect();
    await until(() => a.backplane.stats().heldUids === 0 && b.backplane.stats().heldUids === 0, 8000, 'both to unsubscribe');
  });

  it('a closing node sends the pushes on their way through Redis to its clients before it closes them', async () => {
    const a = await node('a');
    const c = client(a.origin, 'gil', { WebSocket: roundRobinWebSocket([a.origin, 'http://127.0.0.1:1']) as never });
    await opened(c);
    for (let i = 0; i < 5; i++) a.server.send('gil', ['test/n', i]);
    await a.close();
    // Its close frame came after them.
    await until(() => !c.client.state.open);
    expect(dataOf(c, 'test/n')).toEqual([0, 1, 2, 3, 4]);
    c.client.disconnect();
  });

  it('replays on another node what a client missed while its node went away', async () => {
    const a = await node('a');
    const b = await node('b');
    const c = client(a.origin, 'bea', { WebSocket: roundRobinWebSocket([a.origin, b.origin]) as never });
    await opened(c);
    a.server.send('bea', ['test/n', 1]);
    await until(() => dataOf(c, 'test/n').length === 1);
    await a.close();
    for (let i = 2; i <= 5; i++) b.server.send('bea', ['test/n', i]);
    await until(() => dataOf(c, 'test/n').length === 5 && c.handshakes.length === 2);
    b.server.send('bea', ['test/n', 6]);
    await until(() => dataOf(c, 'test/n').length === 6);
    await sleep(100);
    expect(dataOf(c, 'test/n')).toEqual([1, 2, 3, 4, 5, 6]);
    expect(c.handshakes.map((h) => h.recovered)).toEqual([undefined, true]);
  });

  it('a node crashes mid-stream: its clients reconnect to another node and replay; nothing lost, nothing twice, in order', async () => {
    const a = await node('a');
    const b = await node('b');
    const ws = client(a.origin, 'kit', { WebSocket: roundRobinWebSocket([a.origin, b.origin]) as never });
    let ajaxTarget = a.origin;
    const aj = client(a.origin, 'kit', { type: 'ajax', fetch: switchableFetch(() => ajaxTarget) });
    await Promise.all([opened(ws), opened(aj)]);
    let n = 0;
    for (; n < 20; n++) {
      b.server.send('kit', ['test/n', n]);
      if (n % 4 === 0) await sleep(15);
    }
    await a.crash();
    // The balancer sends the Ajax client's requests to b now.
    ajaxTarget = b.origin;
    for (; n < 40; n++) {
      b.server.send('kit', ['test/n', n]);
      if (n % 4 === 0) await sleep(15);
    }
    const all = Array.from({ length: 40 }, (_, i) => i);
    await until(() => dataOf(ws, 'test/n').length === 40, 10_000, 'the WebSocket client to catch up');
    await until(() => dataOf(aj, 'test/n').length === 40, 10_000, 'the Ajax client to catch up');
    await sleep(200);
    for (const c of [ws, aj]) {
      expect(dataOf(c, 'test/n')).toEqual(all);
      expect(c.handshakes.map((h) => h.recovered)).toEqual([undefined, true]);
    }
  });

  it('replays within the log\'s window only: past maxEntries or maxAgeMs a client is told recovered: false, given nothing', async () => {
    const replay = { maxEntries: 5, maxAgeMs: 400 };
    const a = await node('a', {}, { replay });
    const b = await node('b', {}, { replay });
    let n = 0;
    /** An Ajax handshake of a new client id at `origin` from `pos`: the handshake's extensions. */
    const handshake = async (origin: string, pos?: string): Promise<{ epoch: string; offset: number; recovered?: boolean }> => {
      const q = `client-id=h${n++}&uid=win&sente-ext=1&handshake%3F=1${pos === undefined ? '' : `&sente-pos=${pos}`}`;
      const body = JSON.parse(await (await fetch(`${origin}/chsk?${q}`)).text()) as unknown[][];
      return (body[0]?.[1] as unknown[])[3] as { epoch: string; offset: number; recovered?: boolean };
    };
    const start = await handshake(a.origin);
    // 12 pushes: more than the log keeps by count.
    for (let i = 0; i < 12; i++) a.server.send('win', ['test/n', i]);
    await sleep(50);
    const overCount = await handshake(b.origin, `${start.epoch}:${start.offset}`);
    expect(overCount).toMatchObject({ epoch: start.epoch, offset: start.offset + 12, recovered: false });
    // 2 pushes, and longer than the log keeps them.
    a.server.send('win', ['test/n', 12]);
    a.server.send('win', ['test/n', 13]);
    await sleep(600);
    const overAge = await handshake(b.origin, `${start.epoch}:${overCount.offset}`);
    expect(overAge).toMatchObject({ offset: overCount.offset + 2, recovered: false });
    // 2 pushes, back within the window: recovered.
    a.server.send('win', ['test/n', 14]);
    a.server.send('win', ['test/n', 15]);
    await sleep(50);
    expect(await handshake(b.origin, `${start.epoch}:${overAge.offset}`)).toMatchObject({ offset: overAge.offset + 2, recovered: true });
    expect(await handshake(b.origin, `${start.epoch}:${overAge.offset + 2}`)).toMatchObject({ recovered: true });
    expect(await handshake(b.origin, `${start.epoch}:${overAge.offset + 3}`)).toMatchObject({ recovered: false });
    expect(await handshake(b.origin, `other:${overAge.offset}`)).toMatchObject({ recovered: false });
  });

  it('sendToClient reaches the one client on whichever node holds it, by address or by client id alone', async () => {
    const a = await node('a');
    const b = await node('b');
    const tab1 = client(a.origin, 'cy');
    const tab2 = client(b.origin, 'cy');
    await Promise.all([opened(tab1), opened(tab2)]);
    a.server.sendToClient({ uid: 'cy', clientId: tab2.client.clientId }, ['test/only', 'by address']);
    a.server.sendToClient(tab2.client.clientId, ['test/only', 'by id']);
    b.server.sendToClient(tab1.client.clientId, ['test/only', 'to tab 1']);
    await until(() => dataOf(tab2, 'test/only').length === 2 && dataOf(tab1, 'test/only').length === 1);
    await sleep(100);
    expect(dataOf(tab2, 'test/only')).toEqual(['by address', 'by id']);
    expect(dataOf(tab1, 'test/only')).toEqual(['to tab 1']);
  });

  it('broadcast reaches every client in the cluster once', async () => {
    const a = await node('a');
    const b = await node('b');
    const c = await node('c');
    const users = [client(a.origin, 'u1'), client(b.origin, 'u2'), client(c.origin, 'u3'), client(b.origin, 'u1')];
    await Promise.all(users.map(opened));
    await until(() => a.server.connectedUids.any.size === 3, 8000, 'the cluster\'s uids on a');
    b.server.broadcast(['test/all', 1]);
    a.server.broadcast(['test/all', 2]);
    await until(() => users.every((u) => dataOf(u, 'test/all').length === 2));
    await sleep(150);
    for (const u of users) expect([...dataOf(u, 'test/all')].sort()).toEqual([1, 2]);
  });

  it('server.request reaches a client on another node, and the answer comes back', async () => {
    const a = await node('a');
    const b = await node('b');
    const ws = client(b.origin, 'dee');
    await opened(ws);
    ws.client.startRouter((msg) => {
      if (msg.id === 'test/ask') msg.reply?.({ answer: (msg.data as number) * 2 });
    });
    await expect(a.server.request({ uid: 'dee', clientId: ws.client.clientId }, ['test/ask', 21], 5000)).resolves.toEqual({ answer: 42 });
    await expect(a.server.request(ws.client.clientId, ['test/ask', 5], 5000)).resolves.toEqual({ answer: 10 });
    await expect(a.server.request({ uid: 'dee', clientId: 'nobody' }, ['test/ask', 1], 5000)).rejects.toMatchObject({ code: 'ERR_SENTE_CLOSED' });
    // A client that leaves its node before it answers: the request fails at once, not at its timeout.
    const asked = a.server.request({ uid: 'dee', clientId: ws.client.clientId }, ['test/silent', 1], 20_000);
    await sleep(100);
    const t0 = Date.now();
    ws.client.disconnect();
    await expect(asked).rejects.toMatchObject({ code: 'ERR_SENTE_CLOSED' });
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(a.server.stats().serverRequests).toBe(0);
  });

  it('an Ajax client whose polls and posts go round-robin to three nodes gets every push once, in order, and its requests answered', async () => {
    // The default Ajax grace period: a client that polls each node in turn is away from each for a while.
    const a = await node('a', {}, { msAllowReconnectBeforeCloseAjax: 5000 });
    const b = await node('b', {}, { msAllowReconnectBeforeCloseAjax: 5000 });
    const c = await node('c', {}, { msAllowReconnectBeforeCloseAjax: 5000 });
    const rr = roundRobinFetch([a.origin, b.origin, c.origin]);
    const aj = client(a.origin, 'eve', { type: 'ajax', fetch: rr.fetch });
    await opened(aj);
    for (let i = 0; i < 30; i++) {
      [a, b, c][i % 3]!.server.send('eve', ['test/n', i]);
      if (i % 5 === 0) await sleep(60);
    }
    await until(() => dataOf(aj, 'test/n').length === 30, 15_000, 'every push');
    const got = dataOf(aj, 'test/n') as number[];
    expect([...got].sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    for (const r of [0, 1, 2]) expect(got.filter((n) => n % 3 === r)).toEqual(got.filter((n) => n % 3 === r).sort((x, y) => x - y));
    const answers = await Promise.all([1, 2, 3].map((i) => new Promise((resolve) => aj.client.send(['test/echo', i], 5000, resolve))));
    expect(answers.map((x) => (x as { echo: number }).echo)).toEqual([1, 2, 3]);
    // A server request reaches it through whichever node its polls reach; its answer (a POST to any node) comes back.
    aj.client.startRouter((msg) => {
      if (msg.id === 'test/ask') msg.reply?.({ twice: (msg.data as number) * 2 });
    });
    const asked = await Promise.all([a, b, c].map((n, i) => n.server.request({ uid: 'eve', clientId: aj.client.clientId }, ['test/ask', i], 8000)));
    expect(asked).toEqual([{ twice: 0 }, { twice: 2 }, { twice: 4 }]);
    // The polls did land on every node.
    expect(new Set(rr.hits).size).toBe(3);
  });
});

describe('client ids across the cluster', () => {
  it('a client id belongs to one uid cluster-wide: by id alone, a push to an id two uids claim on two nodes is refused', async () => {
    const a = await node('a');
    const b = await node('b');
    const mine = client(a.origin, 'hugo', { clientId: 'shared-id' });
    const theirs = client(b.origin, 'ivy', { clientId: 'shared-id' });
    const other = client(b.origin, 'hugo');
    await Promise.all([opened(mine), opened(theirs), opened(other)]);
    await sleep(100);
    b.server.sendToClient('shared-id', ['test/only', 'by id']);
    a.server.sendToClient({ uid: 'ivy', clientId: 'shared-id' }, ['test/only', 'by address']);
    a.server.sendToClient(other.client.clientId, ['test/only', 'to other']);
    await until(() => dataOf(theirs, 'test/only').length === 1 && dataOf(other, 'test/only').length === 1);
    await until(() => a.errors.concat(b.errors).some((e) => e.error.code === 'ERR_SENTE_CLIENT_ID_CLASH'));
    await sleep(150);
    expect(dataOf(mine, 'test/only')).toEqual([]);
    expect(dataOf(theirs, 'test/only')).toEqual(['by address']);
    expect(dataOf(other, 'test/only')).toEqual(['to other']);
    await expect(a.server.request('shared-id', ['test/ask', 1], 2000)).rejects.toMatchObject({ code: 'ERR_SENTE_CLIENT_ID_CLASH' });
    // Once one of them left, the id is the other's again, cluster-wide.
    mine.client.disconnect();
    await until(() => a.server.stats().wsClients === 0);
    await sleep(100);
    a.server.sendToClient('shared-id', ['test/only', 'now theirs']);
    await until(() => dataOf(theirs, 'test/only').length === 2);
    expect(dataOf(theirs, 'test/only')).toEqual(['by address', 'now theirs']);
  });

  it('a poll that reaches another node takes the client over: the poll parked on the first node ends at once', async () => {
    const a = await node('a', {}, { lpTimeoutMs: 10_000 });
    const b = await node('b', {}, { lpTimeoutMs: 10_000 });
    const q = 'client-id=roamer&uid=jay&sente-ext=1';
    const hs = await fetch(`${a.origin}/chsk?${q}&handshake%3F=1`);
    expect(hs.status).toBe(200);
    await hs.text();
    const t0 = Date.now();
    const parked = fetch(`${a.origin}/chsk?${q}`).then(async (r) => ({ status: r.status, body: await r.text(), ms: Date.now() - t0 }));
    await sleep(200);
    const moved = await fetch(`${b.origin}/chsk?${q}`);
    expect(moved.status).toBe(200);
    // Answered by a handshake on the new node (the client's extensions replay from its position there).
    expect(await moved.text()).toContain('chsk/handshake');
    const first = await parked;
    // lpTimeoutMs is 10 s here: it ended because another node took the client over.
    expect(first.ms).toBeLessThan(5000);
    expect(first.body).toContain('chsk/timeout');
  });
});

describe('connected uids across the cluster', () => {
  it('are the same on every node, with uidport-open and -close once per uid per cluster', async () => {
    const a = await node('a');
    const b = await node('b');
    // A handler of uidport-open finds the uid connected, as without a backplane.
    const seenConnected: boolean[] = [];
    for (const n of [a, b]) {
      n.server.startRouter((msg) => {
        if (msg.id === 'chsk/uidport-open') seenConnected.push(msg.server.connectedUids.any.has(msg.data as string));
      });
    }
    const x1 = client(a.origin, 'fay');
    const x2 = client(b.origin, 'fay', { type: 'ajax' });
    await Promise.all([opened(x1), opened(x2)]);
    for (const n of [a, b]) await until(() => n.server.connectedUids.any.has('fay') && n.server.connectedUids.ajax.has('fay') && n.server.connectedUids.ws.has('fay'));
    const opens = (): number => [a, b].flatMap((n) => n.events).filter((m) => m.id === 'chsk/uidport-open' && m.data === 'fay').length;
    const closes = (): number => [a, b].flatMap((n) => n.events).filter((m) => m.id === 'chsk/uidport-close' && m.data === 'fay').length;
    expect(opens()).toBe(1);
    expect(seenConnected).toEqual([true]);
    x1.client.disconnect();
    await until(() => !b.server.connectedUids.ws.has('fay'));
    expect(b.server.connectedUids.any.has('fay')).toBe(true);
    expect(closes()).toBe(0);
    x2.client.disconnect();
    await until(() => !a.server.connectedUids.any.has('fay') && !b.server.connectedUids.any.has('fay'));
    await until(() => closes() === 1);
    await sleep(300);
    expect(opens()).toBe(1);
    expect(closes()).toBe(1);
  });

  it('a node that stops without leaving: its uids expire within presenceTtlMs + heartbeatMs, with one uidport-close', async () => {
    const a = await node('a');
    const b = await node('b');
    const g = client(b.origin, 'gus');
    await opened(g);
    await until(() => a.server.connectedUids.any.has('gus'));
    const t0 = Date.now();
    await b.crash();
    g.client.disconnect();
    // 800 ms of presence + 200 ms of heartbeat in these tests.
    await until(() => !a.server.connectedUids.any.has('gus'), 5000, 'the crashed node\'s uid to expire');
    // Within presenceTtlMs + heartbeatMs (1 s here; 20 s by default), give or take a busy machine.
    expect(Date.now() - t0).toBeLessThan(4000);
    await until(() => a.events.some((m) => m.id === 'chsk/uidport-close' && m.data === 'gus'));
  });
});

/** The stats of a server holding nothing. */
const EMPTY_STATS = { wsClients: 0, ajaxClients: 0, timers: 0, bufferedBatches: 0, queuedBatches: 0, queuedBytes: 0, pendingReplies: 0, loggedPushes: 0, serverRequests: 0, messageIds: 0 };

describe('options', () => {
  it('are checked: a bad one throws ERR_SENTE_BAD_OPTION', () => {
    for (const bad of [{ heartbeatMs: 0 }, { presenceTtlMs: 100, heartbeatMs: 100 }, { pubsub: 'fast' as never }, { nodeId: 'a.b' }, { maxBufferedPushes: -1 }, { timeoutMs: Number.NaN }]) {
      expect(() => createRedisBackplane({ url: cluster.redis.url, ...bad }), JSON.stringify(bad)).toThrow(expect.objectContaining({ code: 'ERR_SENTE_BAD_OPTION' }));
    }
  });
});

describe('what a node holds', () => {
  it('subscribes only to the uids it has clients of, and holds nothing once they left: stats at zero, no timer but its heartbeat', async () => {
    const probe = new Redis(cluster.redis.url);
    try {
      const a = await node('a');
      const b = await node('b');
      const numsub = async (uid: string): Promise<number> => Number(((await probe.call('PUBSUB', 'SHARDNUMSUB', `test:{${uid}}:push`)) as unknown[])[1]);
      const ola = client(a.origin, 'ola');
      const pat = client(b.origin, 'pat', { type: 'ajax' });
      await Promise.all([opened(ola), opened(pat)]);
      expect([await numsub('ola'), await numsub('pat')]).toEqual([1, 1]);
      a.server.send('pat', ['test/n', 1]);
      await until(() => dataOf(pat, 'test/n').length === 1);
      expect(a.backplane.stats().heldUids).toBe(1);
      ola.client.disconnect();
      pat.client.disconnect();
      for (const n of [a, b]) {
        await until(() => n.server.stats().wsClients + n.server.stats().ajaxClients === 0 && n.backplane.stats().heldUids === 0, 8000, `${n.name} to let go`);
        await until(() => n.backplane.stats().bufferedPushes === 0);
        expect(n.server.stats()).toEqual(EMPTY_STATS);
        expect(n.backplane.stats()).toEqual({ heldUids: 0, bufferedPushes: 0, claimedClients: 0, timers: 1, connected: true });
      }
      await until(() => a.server.connectedUids.any.size === 0 && b.server.connectedUids.any.size === 0);
      expect([await numsub('ola'), await numsub('pat')]).toEqual([0, 0]);
      expect(await probe.keys('test:client:*')).toEqual([]);
      await a.close();
      expect(a.backplane.stats().timers).toBe(0);
      expect(await probe.exists(`test:presence:${a.backplane.nodeId}`)).toBe(0);
      expect(await probe.zscore('test:nodes', a.backplane.nodeId)).toBe(null);
    } finally {
      probe.disconnect();
    }
  });
});
