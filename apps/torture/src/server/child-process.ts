import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import type { ChildReply, ChildRequest, ChildSpec, ClientRecord, ProcessSample, PushStream, ServerCounts, ServerSeen } from './protocol.js';

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));
const APP_DIR = fileURLToPath(new URL('../..', import.meta.url));
const START_DEADLINE_MS = 30_000;
const CALL_DEADLINE_MS = 20_000;

/** Every child started and not yet gone: `killAllChildren` ends them (a test's afterAll, an interrupted run). */
const live = new Set<ServerProcess>();

/** How a child process ended. */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Whether the parent asked for it (close, kill). */
  readonly expected: boolean;
  /** The end of its stderr, for a crash report. */
  readonly stderr: string;
}

/**
 * A Sente server (or several) in a child process on 127.0.0.1, started with
 * `--expose-gc` so that memory samples follow a full collection.
 */
export class ServerProcess {
  /** Each server's port, by key. */
  ports: Record<string, number> = {};
  /** Settles when the child exits. */
  readonly exited: Promise<ChildExit>;
  exit: ChildExit | undefined;
  private expectExit = false;
  private nextId = 1;
  private readonly calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private stderr = '';

  private constructor(
    readonly spec: ChildSpec,
    readonly child: ChildProcess,
  ) {
    // A send to a child that just died fails with EPIPE; its exit is what counts.
    child.on('error', () => {});
    child.stderr?.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString('utf8')).slice(-4000);
    });
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        live.delete(this);
        this.exit = { code, signal, expected: this.expectExit, stderr: this.stderr };
        if (process.env['TORTURE_DEBUG']) console.error('child exit', code, signal, this.stderr);
        for (const c of this.calls.values()) c.reject(new Error(`The server process exited (${code ?? signal})`));
        this.calls.clear();
        resolve(this.exit);
      });
    });
    child.on('message', (m: ChildReply) => {
      if (!('id' in m)) return;
      const c = this.calls.get(m.id);
      if (c === undefined) return;
      this.calls.delete(m.id);
      if (m.ok) c.resolve(m.value);
      else c.reject(new Error(m.error));
    });
  }

  /** Starts a child with `spec` and waits until every server listens. */
  static async start(spec: ChildSpec): Promise<ServerProcess> {
    const child = fork(CHILD, [JSON.stringify(spec)], {
      cwd: APP_DIR,
      execArgv: ['--expose-gc', '--conditions=@sente/source', '--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    const p = new ServerProcess(spec, child);
    live.add(p);
    const ready = new Promise<Record<string, number>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('The server process did not start in time')), START_DEADLINE_MS);
      child.on('message', (m: ChildReply) => {
        if ('ready' in m) {
          clearTimeout(timer);
          resolve(m.ports);
        }
      });
      void p.exited.then((e) => {
        clearTimeout(timer);
        reject(new Error(`The server process exited while starting (${e.code ?? e.signal}): ${e.stderr}`));
      });
    });
    p.ports = await ready;
    return p;
  }

  /** True while the child runs. */
  get alive(): boolean {
    return this.exit === undefined;
  }

  /** The `http://127.0.0.1:PORT/chsk` URL of server `key`. */
  url(key: string): string {
    return `http://127.0.0.1:${this.port(key)}/chsk`;
  }

  port(key: string): number {
    const p = this.ports[key];
    if (p === undefined) throw new Error(`No server ${key}`);
    return p;
  }

  /** The records server `key` holds for `uids`: live or not, and what is queued for each. */
  records(key: string, uids: readonly string[]): Promise<ClientRecord[]> {
    return this.call({ op: 'records', key, uids }) as Promise<ClientRecord[]>;
  }

  /** Push batches server `key` reported dropping at each good uid's queue bound (`ERR_SENTE_QUEUE_OVERFLOW`). */
  dropped(key: string, uids: readonly string[]): Promise<Record<string, number>> {
    return this.call({ op: 'dropped', key, uids }) as Promise<Record<string, number>>;
  }

  stats(): Promise<Record<string, ServerCounts>> {
    return this.call({ op: 'stats' }) as Promise<Record<string, ServerCounts>>;
  }

  /** Memory, handles and every server's counts, after a forced GC. */
  sample(): Promise<ProcessSample> {
    return this.call({ op: 'sample' }) as Promise<ProcessSample>;
  }

  seen(): Promise<Record<string, ServerSeen>> {
    return this.call({ op: 'errors' }) as Promise<Record<string, ServerSeen>>;
  }

  pushStart(stream: PushStream): Promise<unknown> {
    return this.call({ op: 'pushStart', stream });
  }

  /** Stops a push stream; gives how many pushes each uid was sent. */
  pushStop(key: string): Promise<Record<string, number>> {
    return this.call({ op: 'pushStop', key }) as Promise<Record<string, number>>;
  }

  /** Pushes `count` events `[id, [seq, data]]` of `bytes` characters to a uid or a client id. */
  send(req: Omit<Extract<ChildRequest, { op: 'send' }>, 'op'>): Promise<unknown> {
    return this.call({ op: 'send', ...req });
  }

  /** Closes every server gracefully and waits for the exit (killed if it takes longer than `deadlineMs`). */
  async close(deadlineMs = 15_000): Promise<ChildExit> {
    if (this.exit) return this.exit;
    this.expectExit = true;
    this.call({ op: 'close' }).catch(() => {});
    return this.waitExit(deadlineMs);
  }

  /** Sends `signal` and waits for the exit (SIGKILL after `deadlineMs`). */
  async kill(signal: NodeJS.Signals, deadlineMs = 15_000): Promise<ChildExit> {
    if (this.exit) return this.exit;
    this.expectExit = true;
    this.child.kill(signal);
    return this.waitExit(deadlineMs);
  }

  private async waitExit(deadlineMs: number): Promise<ChildExit> {
    const timer = setTimeout(() => this.child.kill('SIGKILL'), deadlineMs);
    const e = await this.exited;
    clearTimeout(timer);
    return e;
  }

  private call(req: ChildRequest): Promise<unknown> {
    if (this.exit) return Promise.reject(new Error('The server process has exited'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.calls.delete(id);
        reject(new Error(`The server process did not answer ${req.op} in time`));
      }, CALL_DEADLINE_MS);
      this.calls.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child.send({ id, req }, (e) => {
        if (e) this.calls.get(id)?.reject(e);
      });
    });
  }
}

/** Kills every child still running (SIGKILL) and waits for them to go. */
export async function killAllChildren(): Promise<void> {
  await Promise.all([...live].map((p) => p.kill('SIGKILL', 5000)));
}
