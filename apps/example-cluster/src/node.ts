/**
 * One process of the cluster: the Express example chat, on a free loopback
 * port, with the Redis backplane and sessions on Redis so that it shares its
 * users with the other processes. Started by `cluster.ts`; tells it its URL
 * over IPC and exits when told to, or when its parent goes away.
 */
import { Redis } from 'ioredis';
import { createRedisBackplane } from '@sente/redis';
import { startExample } from '@sente/example-express';
import { RedisSessionStore } from './session-store.js';

const redisUrl = process.env['REDIS_URL'];
const secret = process.env['EXAMPLE_SECRET'];
if (redisUrl === undefined || secret === undefined || process.send === undefined) {
  throw new Error('node.ts is started by the cluster (src/cluster.ts), with REDIS_URL, EXAMPLE_SECRET and an IPC channel');
}

const backplane = createRedisBackplane({ url: redisUrl, prefix: 'sente-example' });
const sessions = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 3 });
const example = await startExample({ port: 0, backplane, secret, sessionStore: new RedisSessionStore(sessions) });
await backplane.ready;
process.send({ url: example.url, pid: process.pid });

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  // The example closes Sente, which closes the backplane it was given.
  void example
    .close()
    .then(() => sessions.quit())
    .finally(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
process.once('disconnect', stop);
