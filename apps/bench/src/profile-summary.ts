/**
 * Reads V8 CPU profiles (`--cpu-prof`, as `npm run bench -- --profile=DIR`
 * writes them) and prints where the time went: self time by function and by
 * package, as shares of the samples where the thread was busy (idle samples
 * left out).
 *
 *   node --import tsx src/profile-summary.ts [--top=N] FILE.cpuprofile...
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
}

/** Which package or part of the runtime a script belongs to. */
export function packageOf(url: string): string {
  if (url === '') return '(native / VM)';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0] ?? ''}`;
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 14).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? url);
  }
  const pkg = /\/(packages|apps)\/([^/]+)\//.exec(url);
  return pkg ? `${pkg[1]}/${pkg[2]}` : url;
}

/** Self-time shares of one profile: by function and by package, largest first. */
export function selfTime(profile: CpuProfile): { byFunction: [string, number][]; byPackage: [string, number][] } {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const fn = new Map<string, number>();
  const pkg = new Map<string, number>();
  let busy = 0;
  for (const id of profile.samples) {
    const n = nodes.get(id);
    if (n === undefined) continue;
    const { functionName, url, lineNumber } = n.callFrame;
    if (functionName === '(idle)') continue;
    busy++;
    const where = url === '' ? '' : ` ${url.replace(/^.*\/(node_modules|packages|apps)\//, '$1/')}:${lineNumber + 1}`;
    const key = `${functionName || '(anonymous)'}${where}`;
    fn.set(key, (fn.get(key) ?? 0) + 1);
    const p = packageOf(url);
    pkg.set(p, (pkg.get(p) ?? 0) + 1);
  }
  const total = busy || 1;
  const sorted = (m: Map<string, number>): [string, number][] => [...m].map(([k, v]): [string, number] => [k, (100 * v) / total]).sort((a, b) => b[1] - a[1]);
  return { byFunction: sorted(fn), byPackage: sorted(pkg) };
}

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith(basename(process.argv[1]));
if (isMain) {
  const top = Number(process.argv.find((a) => a.startsWith('--top='))?.slice(6) ?? 25);
  for (const file of process.argv.slice(2).filter((a) => !a.startsWith('--'))) {
    const { byFunction, byPackage } = selfTime(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
    console.log(`\n## ${basename(file)}\n\nby package: ${byPackage.slice(0, 12).map(([k, v]) => `${k} ${v.toFixed(1)}%`).join(', ')}\n`);
    for (const [k, v] of byFunction.slice(0, top)) console.log(`${v.toFixed(1).padStart(5)}%  ${k}`);
  }
}
