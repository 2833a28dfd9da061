/**
 * The orchestrator talks to its children (one server, one load generator)
 * over Node's IPC channel: a request `{ id, cmd, args }`, an answer
 * `{ id, ok, value | error }`. A few messages per measurement, never per
 * operation, so the channel costs the measured processes nothing that counts.
 */

import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

/** A request from the orchestrator. */
export interface IpcRequest {
  readonly id: number;
  readonly cmd: string;
  readonly args?: unknown;
}

/** A child's answer to one request. */
export type IpcAnswer =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: string };

/** A child's command handlers, by command name. */
export type Commands = Record<string, (args: never) => unknown>;

/**
 * Serves the orchestrator's commands in a child process, and bounds the
 * child's life: it exits when `lifetimeMs` is over or when the orchestrator
 * goes away, whatever it is doing.
 */
export function serveOrchestrator(commands: Commands, lifetimeMs: number): void {
  if (process.send === undefined) throw new Error('This process must be started by the bench orchestrator (no IPC channel).');
  const send = process.send.bind(process);
  setTimeout(() => {
    console.error(`[bench] ${process.argv[1]}: lifetime of ${lifetimeMs} ms over, exiting`);
    process.exit(70);
  }, lifetimeMs).unref();
  process.on('disconnect', () => process.exit(0));
  process.on('message', (m: IpcRequest) => {
    if (m.cmd === 'exit') {
      // A clean exit, so that `--cpu-prof` gets to write its profile.
      send({ id: m.id, ok: true, value: null } satisfies IpcAnswer, () => process.exit(0));
      return;
    }
    const run = commands[m.cmd] ?? (PROFILING as Commands)[m.cmd];
    if (run === undefined) {
      send({ id: m.id, ok: false, error: `unknown command ${m.cmd}` } satisfies IpcAnswer);
      return;
    }
    Promise.resolve()
      .then(() => run(m.args as never))
      .then(
        (value) => send({ id: m.id, ok: true, value: value ?? null } satisfies IpcAnswer),
        (e: unknown) => send({ id: m.id, ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) } satisfies IpcAnswer),
      );
  });
}

let profiler: Session | undefined;

function post<T>(session: Session, method: string): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, (err, result) => (err ? reject(err) : resolve(result as T))));
}

/** Every child can profile itself (V8's sampling profiler, in process) over the measured window only. */
const PROFILING = {
  async profileStart() {
    profiler = new Session();
    profiler.connect();
    await post(profiler, 'Profiler.enable');
    await post(profiler, 'Profiler.start');
  },
  async profileStop(args: { file: string }) {
    if (profiler === undefined) throw new Error('no profile started');
    const { profile } = await post<{ profile: unknown }>(profiler, 'Profiler.stop');
    profiler.disconnect();
    profiler = undefined;
    writeFileSync(args.file, JSON.stringify(profile));
  },
};

/** Reads `--name=value` from a child's argv. */
export function argValue(name: string): string {
  const prefix = `--${name}=`;
  const a = process.argv.find((x) => x.startsWith(prefix));
  if (a === undefined) throw new Error(`missing ${prefix}`);
  return a.slice(prefix.length);
}
