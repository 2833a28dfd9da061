import { afterAll, afterEach, beforeAll } from 'vitest';
import { Redis } from 'ioredis';
import { connect, startNode, startRedisServer, until } from './cluster.js';
import type { RedisServer, TestClient, TestNode } from './cluster.js';

type NodeRest = Parameters<typeof startNode> extends [string, string, ...infer R] ? R : never;

/** A test file's cluster: one redis-server for the file; nodes, clients and Redis connections closed after each test. */
export interface Cluster {
  /** The file's redis-server (set before the first test). */
  readonly redis: RedisServer;
  /** A node on the file's redis-server. */
  node(name: string, ...rest: NodeRest): Promise<TestNode>;
  /** A node on the Redis at `url` (a proxy in front of the server, say). */
  nodeAt(name: string, url: string, ...rest: NodeRest): Promise<TestNode>;
  client(...args: Parameters<typeof connect>): TestClient;
  /** A plain Redis connection to the file's server. */
  conn(): Redis;
  /** Resolves once `c` is open. */
  opened(c: TestClient): Promise<void>;
  /** Closes the nodes started so far. */
  closeNodes(): Promise<void>;
  /** Disconnects the clients and Redis connections, then closes the nodes. */
  closeAll(): Promise<void>;
}

/** Registers the file's beforeAll / afterEach / afterAll and returns the helpers they clean up after. */
export function useCluster(): Cluster {
  let redis: RedisServer | undefined;
  const nodes: TestNode[] = [];
  const clients: TestClient[] = [];
  const conns: Redis[] = [];
  const server = (): RedisServer => {
    if (redis === undefined) throw new Error('redis-server is not started yet');
    return redis;
  };
  const cluster: Cluster = {
    get redis() {
      return server();
    },
    node: (name, ...rest) => cluster.nodeAt(name, server().url, ...rest),
    async nodeAt(name, url, ...rest) {
      const n = await startNode(name, url, ...rest);
      nodes.push(n);
      return n;
    },
    client(...args) {
      const c = connect(...args);
      clients.push(c);
      return c;
    },
    conn() {
      const c = new Redis(server().url);
      conns.push(c);
      return c;
    },
    opened: (c) => until(() => c.client.state.open, 8000, 'the client to open'),
    async closeNodes() {
      await Promise.all(nodes.splice(0).map((n) => n.close()));
    },
    async closeAll() {
      for (const c of clients.splice(0)) c.client.disconnect();
      for (const c of conns.splice(0)) c.disconnect();
      await cluster.closeNodes();
    },
  };
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterEach(() => cluster.closeAll());
  afterAll(async () => {
    await redis?.stop();
  });
  return cluster;
}
