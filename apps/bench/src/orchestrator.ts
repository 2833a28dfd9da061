/**
 * Runs the matrix: for every cell (scenario × target × run) a server process
 * and a load-generator process, both on 127.0.0.1, both killed at the end
 * whatever happens. CPU time is read from each process over the steady
 * window only, after a warm-up.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startRedisServer } from '@sente/adapter-conformance/redis-server';
import type { RedisServer } from '@sente/adapter-conformance/redis-server';
import { assertCallgrind, callgrindCommand, readCount, removeCounts, startCounting } from './callgrind.js';
import { BenchChild } from './child.js';
import { hostTimes, idlePercent, othersPercent } from './host.js';
import type { HostTimes } from './host.js';
import type { OpenArgs } from './load/main.js';
import { redisCpuUs } from './redis-info.js';
import type { Scenario, Sizes } from './scenarios.js';
import type { SettledMemory } from './server/main.js';
import { CLUSTER_NODES, TARGET_INFO } from './targets.js';
import type { Target } from './targets.js';

/** One measurement of one cell. Fields that do not apply to the scenario are absent. */
export interface CellResult {
  readonly run: number;
  readonly scenario: string;
  readonly target: Target;
  readonly conns: number;
  readonly error?: string;
  /** Server CPU (user + system) per operation, µs: per round trip, or per delivered push (a cluster's three processes together). */
  readonly serverUsPerOp?: number;
  /** Its user CPU alone, µs (the server's JavaScript and its runtime's; the rest is the kernel's: each write's system call). */
  readonly serverUserUsPerOp?: number;
  /** Redis's CPU (used_cpu_sys + used_cpu_user) per delivered push, µs (cluster targets). */
  readonly redisUsPerOp?: number;
  /** Load-generator (client) CPU per operation, µs. */
  readonly clientUsPerOp?: number;
  /**
   * Its user CPU alone, µs: the client's own code (and its runtime's), without
   * the kernel's share (the TCP work of each write and read, which moves with
   * how often each process sleeps).
   */
  readonly clientUserUsPerOp?: number;
  /** Operations per second over the window. */
  readonly opsPerSec?: number;
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  /** Share of the host's CPU left idle during the window, %. */
  readonly hostIdlePct?: number;
  /** Share of the host's CPU used by other processes than the server and the load generator during the window, %. */
  readonly othersPct?: number;
  /** Server RSS growth per idle connection after GC, KiB. */
  readonly rssKiBPerConn?: number;
  /** Server V8 heap growth per idle connection after GC, KiB. */
  readonly heapKiBPerConn?: number;
  /**
   * Of {@link rssKiBPerConn}, the growth of V8's young generation (resident, empty after the GC), per connection, KiB:
   * V8's sizing after the burst of connections, not what they hold.
   */
  readonly youngKiBPerConn?: number;
  /** Server CPU (user + system) per connection opened in the memory scenario's burst (accept, upgrade, handshake), µs. */
  readonly connectUsPerConn?: number;
  /** Connections opened per second in that burst (at most 100 opening at once). */
  readonly connectsPerSec?: number;
  /** With `--instructions`: the server process's instructions per operation (user space, callgrind). */
  readonly serverInstrPerOp?: number;
  /** With `--instructions`: the load generator's (the client's) instructions per operation. */
  readonly clientInstrPerOp?: number;
  readonly ops?: number;
  readonly windowMs?: number;
  /** Requests that failed during the window (counted, never retried), and why the first did. */
  readonly failedRequests?: number;
  readonly firstFailure?: string;
}

/** What to run. */
export interface Plan {
  readonly sizes: Sizes;
  readonly scenarios: readonly Scenario[];
  readonly targets: readonly Target[];
  /** Progress lines. @default nothing */
  readonly log?: ((line: string) => void) | undefined;
  /** Server/load pairs running at once: 1 for measurements; more only to check the harness quickly. @default 1 */
  readonly parallel?: number | undefined;
  /** A folder for V8 CPU profiles of the server and the load generator over each measured window. @default none */
  readonly profileDir?: string | undefined;
  /**
   * Where the `@sente/*` packages are loaded from: `dist`, the build users
   * install, or `source` through tsx (no build needed, but tsx's esbuild adds a
   * `__name()` call to every closure it creates, which a profile shows as a
   * few % of Sente's time: fine for a smoke test, not for figures).
   * @default 'dist'
   */
  readonly load?: 'dist' | 'source' | undefined;
  /**
   * Count instructions instead of timing: the server and the load generator run under Valgrind's callgrind
   * (see `callgrind.ts`), some 50 times slower, and each cell reports the instructions of the measured
   * window per operation. The echo, fan-out and client scenarios only; a fan-out pushes at 2/s at most,
   * so that each push goes out alone as it does at full speed.
   * @default false
   */
  readonly instructions?: boolean | undefined;
}

interface Cpu {
  readonly user: number;
  readonly system: number;
}

interface Snapshot {
  readonly t: number;
  readonly host: HostTimes;
  /** The server processes' CPU, summed. */
  readonly serverCpu: Cpu;
  /** Redis's CPU so far, µs (cluster targets). */
  readonly redisCpuUs: number | null;
  readonly load: { ops: number; p50: number | null; p99: number | null; errors: number; firstError: string | null; cpu: Cpu };
}

/**
 * A target's processes, for one or more scenarios: its server (three of them
 * and a Redis for a cluster target) and a load generator.
 */
interface Pair {
  readonly servers: readonly BenchChild[];
  readonly load: BenchChild;
  readonly ports: readonly number[];
  readonly redis?: RedisServer | undefined;
  /** With `--instructions`: the callgrind output file of the server and of the load generator. */
  readonly counts?: { readonly server: string; readonly load: string } | undefined;
}

/** The scenario kinds `--instructions` measures: one server process, and what it does is not changed by running slower. */
export const COUNTED_KINDS: readonly Scenario['kind'][] = ['echo', 'fanout', 'client'];

/** The highest push rate under `--instructions`: each push then finds Sente's batching window closed, as at full speed. */
export const COUNTED_MAX_RATE = 2;

const IPC_MS = 30_000;

function cpuUs(a: Cpu, b: Cpu): number {
  return b.user - a.user + (b.system - a.system);
}

/** Upper bound of one cell's time, for the children's lifetimes and the timeouts. */
function cellBudgetMs(s: Sizes, plan: Plan): number {
  return s.warmupMs + s.steadyMs + setupMs(plan) * 2;
}

/** Time to start a process or open a cell's connections: callgrind slows both. */
function setupMs(plan: Plan): number {
  return plan.instructions === true ? 300_000 : 60_000;
}

/**
 * Extra Node flags for the server processes, for diagnosis only (e.g. `--trace-gc`; Node refuses such
 * flags in NODE_OPTIONS): `BENCH_SERVER_FLAGS="--trace-gc --trace-gc-verbose" npm run bench -- …`.
 * `BENCH_LOAD_FLAGS` does the same for the load generators.
 */
const SERVER_DIAGNOSTIC_FLAGS = (process.env['BENCH_SERVER_FLAGS'] ?? '').split(' ').filter(Boolean);
const LOAD_DIAGNOSTIC_FLAGS = (process.env['BENCH_LOAD_FLAGS'] ?? '').split(' ').filter(Boolean);

async function startPair(target: Target, lifetimeMs: number, plan: Plan): Promise<Pair> {
  const fromSource = plan.load === 'source';
  const cluster = TARGET_INFO[target].cluster === true;
  if (plan.instructions === true && cluster) throw new Error('--instructions measures one server process, not a cluster');
  const counts = plan.instructions === true ? { server: countsFile(target, 'server'), load: countsFile(target, 'load') } : undefined;
  // A cluster's processes share a Redis of their own, on a free loopback port, with no persistence.
  const redis = cluster ? await startRedisServer() : undefined;
  const servers = Array.from({ length: cluster ? CLUSTER_NODES : 1 }, (_, i) =>
    BenchChild.spawn(`${target} server${cluster ? ` ${i + 1}` : ''}`, 'src/server/main.ts', {
      lifetimeMs,
      fromSource,
      nodeFlags: ['--expose-gc', ...SERVER_DIAGNOSTIC_FLAGS],
      wrap: counts && callgrindCommand(counts.server),
    }),
  );
  const load = BenchChild.spawn(`${target} load`, 'src/load/main.ts', { lifetimeMs, fromSource, nodeFlags: LOAD_DIAGNOSTIC_FLAGS, wrap: counts && callgrindCommand(counts.load) });
  try {
    const started = await Promise.all(servers.map((s) => s.request<{ port: number }>('start', { target, redisUrl: redis?.url }, setupMs(plan))));
    return { servers, load, ports: started.map((s) => s.port), redis, counts };
  } catch (e) {
    for (const s of servers) s.kill();
    load.kill();
    await redis?.stop();
    throw e;
  }
}

async function stopPair(p: Pair): Promise<void> {
  const all = [p.load, ...p.servers];
  // A graceful close first (so a wedged close is noticed), then no chances.
  await p.load.request('stop', null, 10_000).catch(() => {});
  await Promise.all(p.servers.map((s) => s.request('close', null, 10_000).catch(() => {})));
  await Promise.all(all.map((c) => c.request('exit', null, 5_000).catch(() => {})));
  await Promise.race([Promise.all(all.map((c) => c.exit())), sleep(5_000)]);
  for (const c of all) c.kill();
  await Promise.all(all.map((c) => c.exit()));
  await p.redis?.stop();
  if (p.counts !== undefined && process.env['BENCH_KEEP_COUNTS'] === undefined) for (const f of [p.counts.server, p.counts.load]) removeCounts(f);
}

let countsFiles = 0;

/** A fresh callgrind output file in the temporary directory. */
function countsFile(target: Target, role: 'server' | 'load'): string {
  return join(tmpdir(), `sente-bench-${process.pid}-${++countsFiles}-${target}-${role}.callgrind`);
}

/** The two processes' instructions over `window`, with `--instructions`; `undefined` otherwise. */
async function counted<T>(p: Pair, window: () => Promise<T>): Promise<[T, { server: number; load: number } | undefined]> {
  const counts = p.counts;
  if (counts === undefined) return [await window(), undefined];
  const [server] = p.servers as [BenchChild];
  await Promise.all([startCounting(server.pid), startCounting(p.load.pid)]);
  const out = await window();
  const [s, l] = await Promise.all([readCount(server.pid, counts.server), readCount(p.load.pid, counts.load)]);
  return [out, { server: s, load: l }];
}

async function snapshot(p: Pair): Promise<Snapshot> {
  const [servers, load, redisCpu] = await Promise.all([
    Promise.all(p.servers.map((s) => s.request<{ cpu: Cpu }>('cpu', null, IPC_MS))),
    p.load.request<Snapshot['load']>('mark', null, IPC_MS),
    p.redis === undefined ? null : redisCpuUs(p.redis.port),
  ]);
  const serverCpu = servers.reduce((sum, s) => ({ user: sum.user + s.cpu.user, system: sum.system + s.cpu.system }), { user: 0, system: 0 });
  return { t: performance.now(), host: hostTimes(), serverCpu, redisCpuUs: redisCpu, load };
}

function connsOf(sc: Scenario, s: Sizes): number {
  switch (sc.kind) {
    case 'echo':
      return s.echoConns;
    case 'fanout':
    case 'cluster':
      return s.fanoutConns;
    case 'memory':
      return s.memoryConns;
    case 'ajax':
      return s.ajaxConns;
    case 'client':
      return s.clientConns;
  }
}

function openArgs(sc: Scenario, target: Target, p: Pair, s: Sizes): OpenArgs {
  const via: OpenArgs['via'] = sc.kind === 'ajax' ? 'ajax' : sc.kind === 'client' ? (sc.transport === 'ajax' ? 'client-ajax' : 'client-ws') : 'ws';
  return { family: TARGET_INFO[target].family, ext: TARGET_INFO[target].ext !== undefined, bare: TARGET_INFO[target].bareClient !== undefined, ids: TARGET_INFO[target].messageIds !== undefined, ports: p.ports, conns: connsOf(sc, s), via, inflight: sc.inflight ?? 0, maxOps: s.maxOps };
}

/** The steady window's figures from two snapshots. */
function windowFigures(a: Snapshot, b: Snapshot): Partial<CellResult> {
  const ops = b.load.ops;
  const windowMs = b.t - a.t;
  const idle = idlePercent(a.host, b.host);
  const redisUs = a.redisCpuUs === null || b.redisCpuUs === null ? null : b.redisCpuUs - a.redisCpuUs;
  const others = othersPercent(a.host, b.host, cpuUs(a.serverCpu, b.serverCpu) + cpuUs(a.load.cpu, b.load.cpu) + (redisUs ?? 0));
  return {
    ops,
    windowMs,
    ...(ops > 0 ? { serverUsPerOp: cpuUs(a.serverCpu, b.serverCpu) / ops, serverUserUsPerOp: (b.serverCpu.user - a.serverCpu.user) / ops, clientUsPerOp: cpuUs(a.load.cpu, b.load.cpu) / ops, clientUserUsPerOp: (b.load.cpu.user - a.load.cpu.user) / ops } : {}),
    ...(ops > 0 && redisUs !== null ? { redisUsPerOp: redisUs / ops } : {}),
    opsPerSec: (ops * 1000) / windowMs,
    ...(b.load.p50 === null ? {} : { p50Ms: b.load.p50 }),
    ...(b.load.p99 === null ? {} : { p99Ms: b.load.p99 }),
    ...(idle === null ? {} : { hostIdlePct: idle }),
    ...(others === null ? {} : { othersPct: others }),
    ...(b.load.errors > 0 ? { failedRequests: b.load.errors, firstFailure: b.load.firstError ?? '' } : {}),
  };
}

/** Profiles both processes over `window` when asked: `<dir>/<scenario>-<target>-run<N>-{server,load}.cpuprofile`. */
async function profiled<T>(p: Pair, plan: Plan, name: string, window: () => Promise<T>): Promise<T> {
  const dir = plan.profileDir;
  if (dir === undefined) return window();
  mkdirSync(dir, { recursive: true });
  await Promise.all([...p.servers.map((s) => s.request('profileStart', null, IPC_MS)), p.load.request('profileStart', null, IPC_MS)]);
  const out = await window();
  await Promise.all([
    ...p.servers.map((s, i) => s.request('profileStop', { file: join(dir, `${name}-server${p.servers.length > 1 ? i + 1 : ''}.cpuprofile`) }, IPC_MS)),
    p.load.request('profileStop', { file: join(dir, `${name}-load.cpuprofile`) }, IPC_MS),
  ]);
  return out;
}

/** How long the load generator may take to open `conns` connections. */
function openingMs(plan: Plan, conns: number): number {
  return setupMs(plan) + conns * 20;
}

/**
 * Opens and closes a few connections before the memory cell's baseline (see
 * `Sizes.memoryWarmUp`), numbered after the measured ones.
 */
async function warmUpOpenings(p: Pair, args: OpenArgs, plan: Plan): Promise<void> {
  const { conns, settleMs } = plan.sizes.memoryWarmUp;
  if (conns === 0) return;
  await p.load.request('open', { ...args, conns, first: args.conns }, openingMs(plan, conns));
  await p.load.request('stop', null, IPC_MS);
  await sleep(settleMs);
}

async function measureCell(sc: Scenario, target: Target, p: Pair, plan: Plan, run: number): Promise<Partial<CellResult>> {
  const s = plan.sizes;
  const args = openArgs(sc, target, p, s);
  const openMs = openingMs(plan, args.conns);
  const [server] = p.servers as [BenchChild];
  if (sc.kind === 'memory') {
    await warmUpOpenings(p, args, plan);
    const before = await server.request<SettledMemory>('mem', null, IPC_MS);
    // The burst of openings is also what a reconnect storm costs the server: its CPU over it, per connection.
    const cpuUs = async (): Promise<number> => {
      const { cpu } = await server.request<{ cpu: Cpu }>('cpu', null, IPC_MS);
      return cpu.user + cpu.system;
    };
    const cpu0 = await cpuUs();
    const opened = await p.load.request<{ opened: number; ms: number }>('open', args, openMs);
    const cpu1 = await cpuUs();
    await sleep(s.warmupMs);
    const after = await server.request<SettledMemory>('mem', null, IPC_MS);
    await p.load.request('stop', null, IPC_MS);
    return {
      rssKiBPerConn: (after.rss - before.rss) / args.conns / 1024,
      heapKiBPerConn: (after.heapUsed - before.heapUsed) / args.conns / 1024,
      youngKiBPerConn: (after.young - before.young) / args.conns / 1024,
      connectUsPerConn: (cpu1 - cpu0) / args.conns,
      connectsPerSec: (opened.opened * 1000) / opened.ms,
    };
  }
  await p.load.request('open', args, openMs);
  if (sc.kind === 'fanout' || sc.kind === 'cluster') {
    // A cluster's processes take turns: each pushes at a third of the rate, a third of a period apart.
    const n = p.servers.length;
    const rate = Math.min((sc.rate ?? 1) / n, plan.instructions === true ? COUNTED_MAX_RATE : Infinity);
    const maxPushes = Math.ceil((rate * (s.warmupMs + s.steadyMs + 10_000)) / 1000);
    await Promise.all(p.servers.map((srv, i) => srv.request('fanout', { rate, maxPushes, offsetMs: (i * 1000) / (rate * n) }, IPC_MS)));
  } else {
    await p.load.request('start', { inflight: sc.inflight ?? 1 }, IPC_MS);
  }
  await sleep(s.warmupMs);
  const [[a, b], instructions] = await counted(p, () =>
    profiled(p, plan, `${sc.name}-${target}-run${run}`, async () => {
      const first = await snapshot(p);
      await sleep(s.steadyMs);
      return [first, await snapshot(p)] as const;
    }),
  );
  if (sc.kind === 'fanout' || sc.kind === 'cluster') await Promise.all(p.servers.map((srv) => srv.request('fanoutStop', null, IPC_MS)));
  await p.load.request('stop', null, IPC_MS);
  const figures = windowFigures(a, b);
  if (instructions === undefined || b.load.ops === 0) return figures;
  return { ...figures, serverInstrPerOp: instructions.server / b.load.ops, clientInstrPerOp: instructions.load / b.load.ops };
}

/** One cell on a pair: its figures, or the error that ended it. */
async function runCell(run: number, sc: Scenario, target: Target, p: Pair, plan: Plan): Promise<CellResult> {
  const s = plan.sizes;
  const base = { run, scenario: sc.name, target, conns: connsOf(sc, s) };
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not finished within ${cellBudgetMs(s, plan)} ms`)), cellBudgetMs(s, plan));
  });
  try {
    return { ...base, ...(await Promise.race([measureCell(sc, target, p, plan, run), deadline])) };
  } catch (e) {
    return { ...base, error: firstLine(e) };
  } finally {
    clearTimeout(timer);
  }
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
}

function describe(r: CellResult): string {
  const f = (n: number | undefined, d = 1): string => (n === undefined ? '-' : n.toFixed(d));
  if (r.error !== undefined) return `ERROR ${r.error}`;
  if (r.rssKiBPerConn !== undefined) return `${f(r.rssKiBPerConn, 2)} KiB RSS/conn, ${f(r.heapKiBPerConn, 2)} KiB heap/conn, ${f(r.youngKiBPerConn, 2)} KiB young generation/conn; opening: ${f(r.connectUsPerConn)} µs/conn, ${f(r.connectsPerSec, 0)} conns/s`;
  const failed = r.failedRequests ? `, ${r.failedRequests} failed requests (${r.firstFailure ?? ''})` : '';
  const redis = r.redisUsPerOp === undefined ? '' : `redis ${f(r.redisUsPerOp, 2)} µs/op, `;
  const counts = r.serverInstrPerOp === undefined ? '' : `instructions/op: server ${f(r.serverInstrPerOp, 0)}, client ${f(r.clientInstrPerOp, 0)}; `;
  return `${counts}server ${f(r.serverUsPerOp)} µs/op, ${redis}client ${f(r.clientUsPerOp)} µs/op, ${f(r.opsPerSec, 0)} ops/s, p50 ${f(r.p50Ms, 2)} p99 ${f(r.p99Ms, 2)} ms, host idle ${f(r.hostIdlePct, 0)}%, others ${f(r.othersPct, 0)}%${failed}`;
}

/** The scenarios one server/load pair runs, in order. */
interface Group {
  readonly run: number;
  readonly target: Target;
  readonly scenarios: readonly Scenario[];
}

/**
 * Runs a group's scenarios on one pair; every child is gone when it returns.
 * A cell that fails is tried once more on a fresh pair: on a shared checkout a
 * package's build can vanish for a moment while someone rebuilds it.
 */
async function runGroup(g: Group, plan: Plan): Promise<CellResult[]> {
  const { sizes: s, log = () => {} } = plan;
  const results: CellResult[] = [];
  let pair: Pair | undefined;
  try {
    for (const sc of g.scenarios) {
      let r: CellResult | undefined;
      for (let attempt = 1; attempt <= 2 && (r === undefined || r.error !== undefined); attempt++) {
        const started = pair ?? (await startPair(g.target, cellBudgetMs(s, plan) * g.scenarios.length, plan).catch((e: unknown) => e as Error));
        if (started instanceof Error) {
          r = { run: g.run, scenario: sc.name, target: g.target, conns: connsOf(sc, s), error: firstLine(started) };
        } else {
          pair = started;
          r = await runCell(g.run, sc, g.target, pair, plan);
          if (r.error !== undefined) {
            // A failed cell may leave its processes in any state: what runs next gets fresh ones.
            await stopPair(pair);
            pair = undefined;
          }
        }
        log(`run ${g.run}/${s.runs} ${sc.name.padEnd(14)} ${g.target.padEnd(13)} ${describe(r)}${r.error !== undefined && attempt === 1 ? ' (trying again)' : ''}`);
      }
      if (r !== undefined) results.push(r);
    }
  } finally {
    if (pair !== undefined) await stopPair(pair);
  }
  return results;
}

/**
 * Runs every scenario on every target it applies to, `sizes.runs` times:
 * run by run, and within a run scenario by scenario with the targets side by
 * side (or target by target when pairs are shared). Cells that fail are
 * reported with their error; the run goes on.
 */
export async function runMatrix(plan: Plan): Promise<CellResult[]> {
  const s = plan.sizes;
  if (plan.instructions === true) {
    assertCallgrind();
    const other = plan.scenarios.find((sc) => !COUNTED_KINDS.includes(sc.kind));
    if (other !== undefined) throw new Error(`--instructions measures the ${COUNTED_KINDS.join(', ')} scenarios, not ${other.name}`);
  }
  const groups: Group[] = [];
  for (let run = 1; run <= s.runs; run++) {
    if (s.processPer === 'target') {
      for (const target of plan.targets) {
        const scenarios = plan.scenarios.filter((sc) => sc.targets.includes(target));
        if (scenarios.length > 0) groups.push({ run, target, scenarios });
      }
    } else {
      for (const sc of plan.scenarios) for (const target of plan.targets) if (sc.targets.includes(target)) groups.push({ run, target, scenarios: [sc] });
    }
  }
  const results: CellResult[][] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < groups.length) {
      const i = next++;
      results[i] = await runGroup(groups[i] as Group, plan);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, plan.parallel ?? 1) }, worker));
  return results.flat();
}
