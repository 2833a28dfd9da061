/**
 * Reads V8 CPU profiles (`--cpu-prof`, as `npm run bench -- --profile=DIR`
 * writes them) and prints where the time went: self time by function and by
 * package, and total (inclusive) time by function, as shares of the samples
 * where the thread was busy (idle samples left out).
 *
 *   node --import tsx src/profile-summary.ts [--top=N] [--total] FILE.cpuprofile...
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly children?: readonly number[];
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

function label(n: ProfileNode): string {
  const { functionName, url, lineNumber } = n.callFrame;
  const where = url === '' ? '' : ` ${url.replace(/^.*\/(node_modules|packages|apps)\//, '$1/')}:${lineNumber + 1}`;
  return `${functionName || '(anonymous)'}${where}`;
}

/** Total-time shares by function: samples in the function or anything it called (a recursive function counted once per sample). */
export function totalTime(profile: CpuProfile): [string, number][] {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const counts = new Map<string, number>();
  let busy = 0;
  for (const id of profile.samples) {
    const leaf = nodes.get(id);
    if (leaf === undefined || leaf.callFrame.functionName === '(idle)') continue;
    busy++;
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const n = nodes.get(at);
      if (n === undefined || n.callFrame.functionName === '(root)') break;
      const key = label(n);
      if (!seen.has(key)) {
        seen.add(key);
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
  }
  return [...counts].map(([k, v]): [string, number] => [k, (100 * v) / (busy || 1)]).sort((a, b) => b[1] - a[1]);
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
    const { functionName, url } = n.callFrame;
    if (functionName === '(idle)') continue;
    busy++;
    const key = label(n);
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
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const { byFunction, byPackage } = selfTime(profile);
    console.log(`\n## ${basename(file)}\n\nby package: ${byPackage.slice(0, 12).map(([k, v]) => `${k} ${v.toFixed(1)}%`).join(', ')}\n`);
    for (const [k, v] of byFunction.slice(0, top)) console.log(`${v.toFixed(1).padStart(5)}%  ${k}`);
    if (process.argv.includes('--total')) {
      console.log('\ntotal (self + callees):\n');
      for (const [k, v] of totalTime(profile).slice(0, top)) console.log(`${v.toFixed(1).padStart(5)}%  ${k}`);
    }
  }
}
