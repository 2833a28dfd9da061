/**
 * `npm run torture -- [--mode hostile,faults,soak] [--seed N] [--scale full|ci]
 * [--servers express,uws/msgpack] [--soak-seconds N] [--out DIR]`
 *
 * Runs the selected modes against real servers on 127.0.0.1 and writes
 * `torture-report.md` and `torture-report.json` to DIR (default `results/`).
 * Every loop is bounded by the scale; every child process is stopped.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { MODES, reportJson, runTorture } from './run.js';
import { CI, FULL } from './scales.js';
import { killAllChildren } from './server/child-process.js';
import type { Mode } from './run.js';

// `npm run torture -- --mode soak` may hand the script a leading `--`.
const args = process.argv.slice(2);
const { values } = parseArgs({
  args: args[0] === '--' ? args.slice(1) : args,
  options: {
    mode: { type: 'string', default: MODES.join(',') },
    seed: { type: 'string', default: '20261201' },
    scale: { type: 'string', default: 'full' },
    servers: { type: 'string' },
    'soak-seconds': { type: 'string' },
    out: { type: 'string', default: 'results' },
  },
  allowPositionals: true,
});

const modes = values.mode.split(',').map((m) => m.trim()) as Mode[];
for (const m of modes) if (!MODES.includes(m)) throw new Error(`Unknown mode "${m}": pick from ${MODES.join(', ')}`);
const seed = Number(values.seed);
if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got "${values.seed}"`);
const scale = values.scale === 'ci' ? CI : FULL;

const stop = (): void => {
  void killAllChildren().then(() => process.exit(130));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

console.log(`torture: modes ${modes.join(', ')}, seed ${seed}, scale ${scale.name}, Node ${process.version}`);
const report = await runTorture({
  seed,
  modes,
  scale,
  servers: values.servers?.split(',').map((s) => s.trim()),
  soakMs: values['soak-seconds'] === undefined ? undefined : Number(values['soak-seconds']) * 1000,
  log: (line) => console.log(line),
});
const dir = resolve(values.out);
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'torture-report.md'), `${report.markdown}\n`);
writeFileSync(join(dir, 'torture-report.json'), `${reportJson(report)}\n`);
console.log(`\n${report.markdown}\n\nWritten to ${join(dir, 'torture-report.md')} and torture-report.json`);
await killAllChildren();
// Client libraries may keep a reconnect timer or an idle keep-alive socket; the run is over.
process.exit(0);
