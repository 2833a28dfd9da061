import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineInfo } from './host.js';
import type { MachineInfo } from './host.js';
import { runMatrix } from './orchestrator.js';
import type { CellResult, Plan } from './orchestrator.js';
import { markdownReport, summarize } from './report.js';
import type { CellSummary } from './report.js';

const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));
const START = '<!-- bench:results:start -->';
const END = '<!-- bench:results:end -->';

/** What {@link runBench} runs and where it writes. */
export interface BenchOptions extends Plan {
  /** The JSON results file. @default results/<sizes>.json in apps/bench */
  readonly out?: string | undefined;
  /** Replace the results section of apps/bench/README.md. @default false */
  readonly readme?: boolean | undefined;
}

/** What {@link runBench} produced. */
export interface BenchReport {
  readonly machine: MachineInfo;
  readonly results: readonly CellResult[];
  readonly summary: readonly CellSummary[];
  readonly markdown: string;
  readonly jsonPath: string;
}

/** Runs the matrix, writes the JSON (and the README's tables if asked), gives the report. */
export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const machine = machineInfo();
  const startedAt = new Date();
  const t0 = performance.now();
  const results = await runMatrix(options);
  const minutes = (performance.now() - t0) / 60_000;
  const summary = summarize(results);
  const load = options.load ?? 'dist';
  const markdown = markdownReport(summary, results, options.sizes, machine, { startedAt, minutes, load });
  const jsonPath = resolve(BENCH_DIR, options.out ?? `results/${options.sizes.name}.json`);
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(jsonPath, `${JSON.stringify({ startedAt, minutes, load, machine, sizes: options.sizes, summary, results }, null, 2)}\n`);
  if (options.readme === true) {
    const path = resolve(BENCH_DIR, 'README.md');
    const text = readFileSync(path, 'utf8');
    const a = text.indexOf(START);
    const b = text.indexOf(END);
    if (a < 0 || b < a) throw new Error(`README.md has no ${START} … ${END} section`);
    writeFileSync(path, `${text.slice(0, a + START.length)}\n${markdown}\n${text.slice(b)}`);
  }
  return { machine, results, summary, markdown, jsonPath };
}
