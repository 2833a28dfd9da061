import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A quick start running in its own Node process, as a user runs it (`npx tsx server.ts`). */
export interface RunningBlock {
  readonly child: ChildProcess;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  /** Resolves with the exit code when it ends. */
  readonly exited: Promise<number | null>;
  /** Ends it (SIGKILL: a quick start has no shutdown of its own) and waits. */
  stop(): Promise<void>;
}

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

/** Where the quick starts are written to run (apart from the typechecked blocks, which are rewritten meanwhile). */
export const RUN_DIR = join(PACKAGE_DIR, '.runs');

/**
 * Writes `source` to `.runs/<name>.ts` and runs it with tsx, from this
 * package, so its imports resolve to the workspace's packages (from source).
 */
export function runBlock(name: string, source: string, env: Record<string, string> = {}): RunningBlock {
  const file = join(RUN_DIR, `${name}.ts`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, source);
  const child = spawn(process.execPath, ['--conditions=@sente/source', '--import', 'tsx', file], {
    cwd: PACKAGE_DIR,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * The TCP ports a process listens on, and the addresses (`127.0.0.1`,
 * `0.0.0.0`, `::`), read from Linux's /proc: the quick starts do not print
 * their port, and port 0 picks one.
 */
export function listeningSockets(pid: number): { address: string; port: number }[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m?.[1]) inodes.add(m[1]);
    } catch {
      // The descriptor closed while we read: not a listener.
    }
  }
  const found: { address: string; port: number }[] = [];
  for (const table of ['tcp', 'tcp6']) {
    for (const row of readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1)) {
      const cols = row.trim().split(/\s+/);
      const [hexAddress = '', hexPort = ''] = (cols[1] ?? '').split(':');
      if (cols[3] === '0A' && inodes.has(cols[9] ?? '')) found.push({ address: readAddress(hexAddress), port: parseInt(hexPort, 16) });
    }
  }
  return found;
}

function readAddress(hex: string): string {
  if (hex.length === 8) return (hex.match(/../g) ?? []).reverse().map((b) => parseInt(b, 16)).join('.');
  return /^0+$/.test(hex) ? '::' : hex;
}

/** Waits until the quick start listens, and returns its port; fails with its output if it exits first. */
export async function listeningPort(run: RunningBlock, timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (run.child.exitCode !== null) throw new Error(`exited with ${run.child.exitCode} before listening:\n${run.output()}`);
    const sockets = listeningSockets(run.child.pid as number);
    if (sockets.length > 0) {
      const elsewhere = sockets.filter((s) => s.address !== '127.0.0.1');
      if (elsewhere.length > 0) throw new Error(`listens beyond 127.0.0.1: ${JSON.stringify(sockets)}`);
      return (sockets[0] as { port: number }).port;
    }
    if (Date.now() > deadline) throw new Error(`not listening after ${timeoutMs} ms:\n${run.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
