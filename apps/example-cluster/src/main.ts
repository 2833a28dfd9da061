/**
 * `npm run example:cluster`: the chat on three server processes behind one
 * port, sharing users on Redis. REDIS_URL to use a Redis of yours (otherwise
 * it starts `redis-server` on a free loopback port), PORT and HOST for the
 * balancer.
 */
import { startCluster } from './cluster.js';
import { RedisServerMissing } from './redis.js';

try {
  const cluster = await startCluster({
    port: Number(process.env['PORT'] ?? 3100),
    host: process.env['HOST'] ?? '127.0.0.1',
    redisUrl: process.env['REDIS_URL'],
  });
  console.log(
    [
      `Sente example chat on ${cluster.url} — three processes behind one round-robin balancer, users shared on ${cluster.redisUrl}.`,
      `Each process directly: ${cluster.nodeUrls.join(' ')}`,
      `The inspector of the whole cluster (every node and the total): ${cluster.nodeUrls[0]?.replace(/\/$/, '')}/inspector (on any process, directly)`,
      'Open it in two tabs (and ?type=ajax in a third), log in and chat. Ctrl-C stops everything.',
    ].join('\n'),
  );
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void cluster.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (e) {
  console.error(e instanceof RedisServerMissing ? e.message : e);
  process.exit(1);
}
