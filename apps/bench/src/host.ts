import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** CPU time of every core of the host so far, for the share left idle over a window. */
export interface HostTimes {
  readonly idle: number;
  readonly total: number;
}

export function hostTimes(): HostTimes {
  let idle = 0;
  let total = 0;
  for (const c of os.cpus()) {
    idle += c.times.idle;
    total += c.times.idle + c.times.user + c.times.nice + c.times.sys + c.times.irq;
  }
  return { idle, total };
}

/** The share of all cores' time left idle between two samples, in percent. */
export function idlePercent(a: HostTimes, b: HostTimes): number | null {
  const total = b.total - a.total;
  return total > 0 ? (100 * (b.idle - a.idle)) / total : null;
}

/**
 * The share of all cores' time spent by processes other than the measured
 * pair between two samples, in percent: the neighbours' noise.
 */
export function othersPercent(a: HostTimes, b: HostTimes, pairCpuUs: number): number | null {
  const total = b.total - a.total;
  if (total <= 0) return null;
  const busy = total - (b.idle - a.idle);
  return Math.max(0, (100 * (busy - pairCpuUs / 1000)) / total);
}

/** What the machine is, for the README. */
export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly fdLimit: string;
  readonly loadAverage: readonly number[];
  /** The measured libraries as installed, `name@version` (uWebSockets.js is an alias: its real package is named). */
  readonly libraries: readonly string[];
}

const LIBRARIES = ['ws', 'uWebSockets.js', 'socket.io', 'socket.io-client', 'express', '@socket.io/redis-adapter', 'ioredis'];

/** The `redis-server` the cluster scenario starts, as `redis-server@<version>`. */
function redisServerVersion(): string {
  try {
    const out = execFileSync(process.env['REDIS_SERVER'] ?? 'redis-server', ['--version'], { encoding: 'utf8' });
    return `redis-server@${/v=([0-9.]+)/.exec(out)?.[1] ?? '?'}`;
  } catch {
    return 'redis-server (not installed)';
  }
}

function installed(name: string): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8')) as { name: string; version: string };
    return pkg.name === name ? `${name}@${pkg.version}` : `${name} (${pkg.name}@${pkg.version})`;
  } catch {
    return `${name}@?`;
  }
}

export function machineInfo(): MachineInfo {
  let fdLimit = 'unknown';
  try {
    fdLimit = execFileSync('/bin/sh', ['-c', 'echo "$(ulimit -Sn) soft, $(ulimit -Hn) hard"'], { encoding: 'utf8' }).trim();
  } catch {
    // Not a POSIX shell: leave it unknown.
  }
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    fdLimit,
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
    libraries: [...LIBRARIES.map(installed), redisServerVersion()],
  };
}
