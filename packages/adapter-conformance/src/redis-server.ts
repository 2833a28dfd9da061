import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real Redis for the tests: Debian's `redis-server` (the README's test
 * command installs it when missing), on a free loopback port, with no
 * persistence and its files in a temporary directory.
 */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGTERM, then SIGKILL after 2 s) and removes its directory. */
  stop(): Promise<void>;
  /** Kills the server at once, as a crash would: its data is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port (after `kill` or `stop`), empty. */
  restart(): Promise<void>;
}

export interface RedisServerOptions {
  /** The binary. @default process.env.REDIS_SERVER ?? 'redis-server' */
  readonly bin?: string;
  /** Extra `redis-server` arguments, e.g. `['--maxmemory', '64mb']`. */
  readonly args?: readonly string[];
}

/** A free TCP port on 127.0.0.1 (the OS picks it; it is free again when this resolves). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const READY = /Ready to accept connections/;

function launch(bin: string, port: number, dir: string, args: readonly string[]): Promise<ChildProcess> {
  const child = spawn(
    bin,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'yes', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`redis-server did not start within 10 s:\n${out}`)), 10_000);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      if (READY.test(out)) {
        cleanup();
        // Keep draining its output so that a full pipe never blocks it.
        child.stdout?.resume();
        child.stderr?.resume();
        resolve(child);
      }
    };
    const onExit = (code: number | null): void => fail(new Error(`redis-server exited (${String(code)}) before it was ready:\n${out}`));
    const onError = (e: Error): void =>
      fail(new Error(`cannot start ${bin} (${e.message}): install Debian's redis-server (apt-get install redis-server)`));
    function cleanup(): void {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
    }
    function fail(e: Error): void {
      cleanup();
      child.kill('SIGKILL');
      reject(e);
    }
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

function exited(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

/**
 * Starts `redis-server` on a free loopback port and resolves once it accepts
 * connections.
 * @example
 * ```ts
 * const redis = await startRedisServer();
 * try { ...redis.url... } finally { await redis.stop(); }
 * ```
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const bin = options.bin ?? process.env['REDIS_SERVER'] ?? 'redis-server';
  const args = options.args ?? [];
  const dir = await mkdtemp(join(tmpdir(), 'sente-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined = await launch(bin, port, dir, args);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async kill() {
      if (child !== undefined) await exited(child, 'SIGKILL', 0);
      child = undefined;
    },
    async restart() {
      if (child !== undefined) await exited(child, 'SIGKILL', 0);
      child = await launch(bin, port, dir, args);
    },
    async stop() {
      if (child !== undefined) await exited(child, 'SIGTERM', 2000);
      child = undefined;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
