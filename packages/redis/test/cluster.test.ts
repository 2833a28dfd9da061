import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect, dataOf, roundRobinFetch, roundRobinWebSocket, sleep, startNode, startRedisServer, until } from './support/cluster.js';
import type { RedisServer, TestClient, TestNode } from './support/cluster.js';

let redis: RedisServer;
const nodes: TestNode[] = [];
const clients: TestClient[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.client.disconnect();
  await Promise.all(nodes.splice(0).map((n) => n.close()));
});

async function node(name: string, ...rest: Parameters<typeof startNode> extends [string, string, ...infer R] ? R : never): Promise<TestNode> {
  const n = await startNode(name, redis.url, ...rest);
  nodes.push(n);
  return n;
}
function client(...args: Parameters<typeof connect>): TestClient {
  const c = connect(...args);
  clients.push(c);
  return c;
}
const opened = (c: TestClient): Promise<void> => until(() => c.client.state.open, 8000, 'the client to open');

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
});
