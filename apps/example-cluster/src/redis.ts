import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { startRedisServer } from '@sente/adapter-conformance/redis-server';

/** The Redis the cluster uses: one given by the user, or a `redis-server` of its own. */
export interface ClusterRedis {
  readonly url: string;
  /** Stops the `redis-server` this example started (nothing for one given by `REDIS_URL`). */
  stop(): Promise<void>;
}

/** What to say when `redis-server` is not installed: every way to get it, and the way around it. */
export const INSTALL_REDIS = [
  'The cluster example needs Redis, and `redis-server` is not on the PATH. Install it:',
  '  Debian/Ubuntu:  sudo apt-get install redis-server',
  '  Fedora:         sudo dnf install redis',
  '  macOS:          brew install redis',
  'or point the example at a Redis you run: REDIS_URL=redis://127.0.0.1:6379 npm run example:cluster',
].join('\n');

/** Thrown when `redis-server` is not installed; its message says how to install it. */
export class RedisServerMissing extends Error {
  constructor() {
    super(INSTALL_REDIS);
    this.name = 'RedisServerMissing';
  }
}

/** Whether `bin` is an executable on the PATH (or an executable path). */
export function onPath(bin: string): boolean {
  const candidates = bin.includes('/') ? [bin] : (process.env['PATH'] ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, bin));
  return candidates.some((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * `url` when given; otherwise starts `redis-server` on a free loopback port,
 * with no persistence (the chat keeps nothing worth saving). Rejects with
 * {@link RedisServerMissing} when there is no `redis-server` to start.
 */
export async function clusterRedis(url: string | undefined): Promise<ClusterRedis> {
  if (url !== undefined && url !== '') return { url, stop: async () => {} };
  const bin = process.env['REDIS_SERVER'] ?? 'redis-server';
  if (!onPath(bin)) throw new RedisServerMissing();
  const server = await startRedisServer({ bin });
  return { url: server.url, stop: () => server.stop() };
}
