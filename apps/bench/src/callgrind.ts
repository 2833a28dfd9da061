/**
 * Instructions counted by Valgrind's callgrind over a measured window, for
 * `npm run bench -- --instructions`. A process is started under callgrind
 * with counting off (start-up, connections and warm-up are not counted);
 * the orchestrator turns counting on when the window opens and reads the
 * count when it closes. Run alone, the count of a cell moves a few per cent
 * from run to run where CPU time moves 5–15 %, so two builds or two
 * libraries can be told apart (the warm-up is timed: a busy machine leaves
 * less optimized code in the window). It counts user space only: the kernel's
 * work (each socket write and read) is not in it.
 */
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Throws a clear error when Valgrind (and its `callgrind_control`) is not installed. */
export function assertCallgrind(): void {
  for (const bin of ['valgrind', 'callgrind_control']) {
    if (spawnSync(bin, ['--version'], { stdio: 'ignore' }).status !== 0) {
      throw new Error(`--instructions needs Valgrind's ${bin} (Debian: apt-get install valgrind)`);
    }
  }
}

/**
 * The command that runs `node` under callgrind with counting off, its counts written to `outFile`
 * (and `outFile.N` for each window read). Node gets `--single-threaded`: V8 then compiles on the main
 * thread, at the same points in every run, instead of on threads that run when they will.
 */
export function callgrindCommand(outFile: string): { readonly prefix: readonly string[]; readonly nodeFlags: readonly string[] } {
  return { prefix: ['valgrind', '-q', '--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${outFile}`], nodeFlags: ['--single-threaded'] };
}

/** Starts counting in the callgrind process `pid`. */
export async function startCounting(pid: number): Promise<void> {
  await run('callgrind_control', ['--instr=on', String(pid)]);
}

/** The instructions counted in `pid` since counting started (or since the last read), read from the dump it writes next to `outFile`; counting stops. */
export async function readCount(pid: number, outFile: string): Promise<number> {
  const before = new Set(dumpsOf(outFile));
  await run('callgrind_control', ['--dump', String(pid)]);
  await run('callgrind_control', ['--instr=off', String(pid)]);
  const dump = dumpsOf(outFile).find((f) => !before.has(f));
  if (dump === undefined) throw new Error(`callgrind wrote no dump for process ${pid}`);
  const summary = /^summary: (\d+)$/m.exec(readFileSync(dump, 'utf8'));
  if (summary === null) throw new Error(`no summary line in ${dump}`);
  return Number(summary[1]);
}

/** Deletes `outFile` and its dumps. */
export function removeCounts(outFile: string): void {
  for (const f of [outFile, ...dumpsOf(outFile)]) rmSync(f, { force: true });
}

function dumpsOf(outFile: string): string[] {
  const dir = dirname(outFile);
  const prefix = `${basename(outFile)}.`;
  return readdirSync(dir)
    .filter((f) => f.startsWith(prefix))
    .map((f) => join(dir, f));
}
