import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import type { IpcAnswer, IpcRequest } from './ipc.js';

const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));
const live = new Set<ChildProcess>();

/** Kills every child still running (the CLI calls it on SIGINT/SIGTERM). */
export function killAllChildren(): void {
  for (const c of live) c.kill('SIGKILL');
  live.clear();
}

// However the orchestrator's process ends, no child outlives it.
process.once('exit', killAllChildren);

/** Options of {@link BenchChild.spawn}. */
export interface SpawnOptions {
  /** The child exits by itself after this long, and is killed a little later if it did not. */
  readonly lifetimeMs: number;
  /** Extra `--name=value` arguments. */
  readonly args?: Readonly<Record<string, string>>;
  /** Extra Node flags (e.g. `--expose-gc`). */
  readonly nodeFlags?: readonly string[];
  /** Load the `@sente/*` packages from their TypeScript source instead of their build (`dist`). @default false */
  readonly fromSource?: boolean;
  /** Run `node` through this command (callgrind's, see `callgrind.ts`), with these extra Node flags. @default none */
  readonly wrap?: { readonly prefix: readonly string[]; readonly nodeFlags: readonly string[] } | undefined;
}

/**
 * A child process of the orchestrator (a server or a load generator), run
 * from source through tsx, with its own raised file-descriptor limit, a
 * bounded life, and request/answer commands over IPC.
 */
export class BenchChild {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exited: string | undefined;
  private readonly hardKill: NodeJS.Timeout;

  private constructor(
    readonly name: string,
    private readonly proc: ChildProcess,
    lifetimeMs: number,
  ) {
    live.add(proc);
    this.hardKill = setTimeout(() => this.kill(), lifetimeMs + 5_000);
    this.hardKill.unref();
    proc.on('message', (m: IpcAnswer) => {
      const p = this.pending.get(m.id);
      if (p === undefined) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.value);
      else p.reject(new Error(`${name}: ${m.error}`));
    });
    proc.on('exit', (code, signal) => {
      live.delete(proc);
      clearTimeout(this.hardKill);
      this.exited = `${name} exited (${signal ?? code})`;
      for (const p of this.pending.values()) p.reject(new Error(this.exited));
      this.pending.clear();
    });
  }

  /**
   * Starts `script` (relative to apps/bench), itself through tsx. A 5000-connection scenario needs
   * more file descriptors than some shells allow by default, so the child is
   * started through `sh` with its soft limit raised to the hard one.
   */
  static spawn(name: string, script: string, options: SpawnOptions): BenchChild {
    const flags = [...(options.fromSource === true ? ['--conditions=@sente/source'] : []), '--import', 'tsx', ...(options.nodeFlags ?? []), ...(options.wrap?.nodeFlags ?? [])];
    const args = Object.entries({ ...options.args, lifetime: String(options.lifetimeMs) }).map(([k, v]) => `--${k}=${v}`);
    // `exec`: the child's pid is the process's (callgrind's, when wrapped), whatever wraps it.
    const command = [...(options.wrap?.prefix ?? []), process.execPath, ...flags, script, ...args];
    const proc = spawn('/bin/sh', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"', 'sh', ...command], {
      cwd: BENCH_DIR,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, NODE_ENV: 'production' },
    });
    return new BenchChild(name, proc, options.lifetimeMs);
  }

  /** Sends a command; rejects if no answer comes within `timeoutMs` or the child dies. */
  request<T>(cmd: string, args: unknown, timeoutMs: number): Promise<T> {
    if (this.exited !== undefined) return Promise.reject(new Error(this.exited));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name}: no answer to ${cmd} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.proc.send({ id, cmd, args } satisfies IpcRequest);
    });
  }

  /** The child's process id. */
  get pid(): number {
    if (this.proc.pid === undefined) throw new Error(`${this.name}: not started`);
    return this.proc.pid;
  }

  /** Kills the child (SIGKILL) if it still runs. */
  kill(): void {
    clearTimeout(this.hardKill);
    if (this.exited === undefined) this.proc.kill('SIGKILL');
  }

  /** Resolves once the child has exited. */
  async exit(): Promise<void> {
    if (this.exited !== undefined) return;
    await new Promise<void>((r) => this.proc.once('exit', () => r()));
  }
}
