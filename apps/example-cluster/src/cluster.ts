import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { startBalancer } from './balancer.js';
import { clusterRedis } from './redis.js';

/** Where and how the cluster runs. */
export interface ClusterOptions {
  /** The balancer's port, the one URL to open. @default 3100 */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Server processes behind the balancer. @default 3 */
  readonly nodes?: number;
  /** A Redis to use. @default a `redis-server` started for the cluster on a free loopback port */
  readonly redisUrl?: string | undefined;
}

/** A running cluster. */
export interface Cluster {
  /** The balancer: open this one. */
  readonly url: string;
  /** Each server process, directly. */
  readonly nodeUrls: readonly string[];
  readonly redisUrl: string;
  /** Stops the balancer, every server process and the `redis-server` it started. */
  close(): Promise<void>;
}

const NODE_SCRIPT = fileURLToPath(new URL('./node.ts', import.meta.url));
const START_TIMEOUT_MS = 60_000;

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Stops a server process: SIGTERM (it closes gracefully), SIGKILL after 5 s. */
async function stopNode(child: ChildProcess): Promise<void> {
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  child.kill('SIGTERM');
  await exited(child);
  clearTimeout(timer);
}

/** Starts one server process and resolves with its URL once it serves and its backplane is ready. */
function startNode(env: NodeJS.ProcessEnv, children: ChildProcess[]): Promise<string> {
  const child = spawn(process.execPath, ['--conditions=@sente/source', '--import', 'tsx', NODE_SCRIPT], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env,
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`a server process did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    child.once('message', (m: { url: string }) => {
      clearTimeout(timer);
      resolve(m.url);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`a server process exited (${signal ?? code}) before it was ready`));
    });
  });
}

/**
 * Starts the example chat on `nodes` server processes sharing one Redis,
 * behind a round-robin balancer with no affinity on one port.
 * @example
 * ```ts
 * const cluster = await startCluster({ port: 0 });
 * console.log(cluster.url);
 * await cluster.close();
 * ```
 */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const redis = await clusterRedis(options.redisUrl);
  const children: ChildProcess[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.all(children.map(stopNode));
    await redis.stop();
  };
  try {
    // One secret for every process: each must read the cookies and tokens the others signed.
    const env = { ...process.env, REDIS_URL: redis.url, EXAMPLE_SECRET: randomBytes(32).toString('hex') };
    const nodeUrls = await Promise.all(Array.from({ length: options.nodes ?? 3 }, () => startNode(env, children)));
    const balancer = await startBalancer(
      nodeUrls.map((u) => u.replace(/\/$/, '')),
      { port: options.port ?? 3100, host: options.host ?? '127.0.0.1' },
    );
    return {
      url: balancer.url,
      nodeUrls,
      redisUrl: redis.url,
      async close() {
        await balancer.close();
        await stopAll();
      },
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}
