/**
 * Redis's cost of the backplane's scripts, measured on a real redis-server:
 * broadcasts to N uids (all connected, as presence says) and single pushes,
 * then INFO commandstats and the server's CPU (INFO CPU) per uid per push.
 * Run (in packages/redis): ../../node_modules/.bin/tsx scripts/measure.ts [uids] [broadcasts]
 */
import { Redis } from 'ioredis';
import { startRedisServer } from '@sente/adapter-conformance/redis-server';
import { Keys, LogStore } from '../src/keys.js';
import { DEFAULT_REPLAY } from '../src/options.js';

const uids = Number(process.argv[2] ?? 200);
const broadcasts = Number(process.argv[3] ?? 56);
const server = await startRedisServer();
const redis = new Redis(server.url);
const sub = new Redis(server.url);
try {
  const keys = new Keys('m');
  const log = new LogStore(redis, keys, DEFAULT_REPLAY, () => false);
  // Three subscribers' worth of delivery: one connection subscribed to everything.
  await sub.psubscribe('m:*');
  let received = 0;
  sub.on('pmessage', () => void received++);
  for (let i = 0; i < uids; i++) await redis.hset(keys.presence(), `ws|user-${i}`, 1);
  const body = `\nt${JSON.stringify(['bench/tick', { t: Date.now(), pad: 'x'.repeat(80) }])}`;
  const cpu = async (): Promise<number> => {
    const info = await redis.info('cpu');
    const n = (k: string): number => Number(new RegExp(`${k}:([0-9.]+)`).exec(info)?.[1] ?? 0);
    return n('used_cpu_sys') + n('used_cpu_user');
  };
  const stats = async (): Promise<string> => {
    const info = await redis.info('commandstats');
    return info
      .split('\n')
      .filter((l) => l.startsWith('cmdstat_'))
      .map((l) => {
        const m = /cmdstat_(\w+):calls=(\d+),usec=(\d+)/.exec(l);
        return m === null ? '' : `${m[1]}: calls ${m[2]}, µs ${m[3]} (${(Number(m[3]) / (broadcasts * uids)).toFixed(2)} µs per uid per push)`;
      })
      .filter((s) => s !== '')
      .join('\n  ');
  };
  // Warm: the broadcast log exists (a broadcast writes no uid's log: each reads the broadcast log from where it began).
  await log.broadcast(body);
  await redis.config('RESETSTAT');
  const c0 = await cpu();
  for (let i = 0; i < broadcasts; i++) await log.broadcast(body);
  const c1 = await cpu();
  console.log(`broadcast, ${uids} uids × ${broadcasts}: Redis CPU ${(((c1 - c0) * 1e6) / (uids * broadcasts)).toFixed(1)} µs per uid per broadcast`);
  console.log(`  ${await stats()}`);
  await redis.config('RESETSTAT');
  const c2 = await cpu();
  const n = uids * 5;
  for (let i = 0; i < n; i++) await log.publish(`user-${i % uids}`, body);
  const c3 = await cpu();
  console.log(`single pushes × ${n}: Redis CPU ${(((c3 - c2) * 1e6) / n).toFixed(1)} µs per push`);
  await new Promise((r) => setTimeout(r, 200));
  console.log(`messages received: ${received}`);
} finally {
  sub.disconnect();
  redis.disconnect();
  await server.stop();
}
