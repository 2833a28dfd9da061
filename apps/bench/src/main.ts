/**
 * `npm run bench` (from the repository root) or `pnpm --filter @sente/bench start`:
 *
 *   --quick                 small sizes, one run
 *   --runs=N                runs of the matrix (median per cell)      default 3 (1 with --quick)
 *   --scenario=a,b          only these scenarios (a prefix picks a family: echo, fanout, ajax, client, cluster)
 *   --target=x,y            only these targets (ws, uws, socketio, socketio-uws, sente-express, sente-express-before, sente-uws, sente-uws-bare,
 *                           sente-uws-ids, sente-express-log, sente-express-schema, socketio-cluster, sente-cluster)
 *   --out=FILE              the JSON results                          default results/<sizes>.json
 *   --readme / --no-readme  write the tables into README.md           default: only for a full, unfiltered run
 *   --source                load @sente/* from TypeScript source, not from their build
 *   --instructions          count instructions (Valgrind's callgrind) instead of timing; echo, fanout and client scenarios
 *                           only, by default echo-1, fanout-20 and client-ws-1; one run; into results/instructions.json
 *   --profile=DIR           V8 CPU profiles of the server and the load process over each measured window, into DIR
 *                           (read them with `node --import tsx src/profile-summary.ts DIR/*.cpuprofile`)
 */
import { resolve } from 'node:path';
import { killAllChildren } from './child.js';
import { runBench } from './run.js';
import { COUNTED_SCENARIOS, FULL, INSTRUCTIONS, QUICK, SCENARIOS, parseScenarios } from './scenarios.js';
import { TARGETS, parseTargets } from './targets.js';

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(sig, () => {
    killAllChildren();
    process.exit(130);
  });
}

const argv = process.argv.slice(2).filter((a) => a !== '--');
const opt = (name: string): string | undefined => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const known = ['--quick', '--readme', '--no-readme', '--runs=', '--scenario=', '--target=', '--out=', '--profile=', '--source', '--instructions'];
for (const a of argv) if (!known.some((k) => (k.endsWith('=') ? a.startsWith(k) : a === k))) throw new Error(`Unknown argument ${a}; known: ${known.join(' ')}`);

const instructions = argv.includes('--instructions');
if (instructions && argv.includes('--quick')) throw new Error('--instructions and --quick do not go together');
const base = instructions ? INSTRUCTIONS : argv.includes('--quick') ? QUICK : FULL;
const runs = opt('runs') === undefined ? base.runs : Number(opt('runs'));
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');
const scenarios = opt('scenario') === undefined ? (instructions ? parseScenarios(COUNTED_SCENARIOS.join(',')) : SCENARIOS) : parseScenarios(opt('scenario') as string);
const targets = opt('target') === undefined ? [...TARGETS] : parseTargets(opt('target') as string);
const filtered = opt('scenario') !== undefined || opt('target') !== undefined;
const readme = argv.includes('--readme') || (!argv.includes('--no-readme') && base === FULL && !filtered);
if (readme && instructions) throw new Error("--instructions does not write the README's tables (they hold timed figures)");

const report = await runBench({
  sizes: { ...base, runs },
  scenarios,
  targets,
  out: opt('out'),
  load: argv.includes('--source') ? 'source' : 'dist',
  profileDir: opt('profile') === undefined ? undefined : resolve(opt('profile') as string),
  readme,
  instructions,
  log: (line) => console.error(line),
});
console.log(report.markdown);
console.error(`\nJSON: ${report.jsonPath}${readme ? '\nREADME.md updated' : ''}`);
