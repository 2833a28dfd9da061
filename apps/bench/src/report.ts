import type { MachineInfo } from './host.js';
import { COUNTED_MAX_RATE } from './orchestrator.js';
import type { CellResult } from './orchestrator.js';
import { SCENARIOS } from './scenarios.js';
import type { Scenario, Sizes } from './scenarios.js';
import { TARGETS, TARGET_INFO } from './targets.js';
import type { Target } from './targets.js';

type Metric =
  | 'serverUsPerOp'
  | 'serverUserUsPerOp'
  | 'redisUsPerOp'
  | 'clientUsPerOp'
  | 'clientUserUsPerOp'
  | 'opsPerSec'
  | 'p50Ms'
  | 'p99Ms'
  | 'hostIdlePct'
  | 'othersPct'
  | 'rssKiBPerConn'
  | 'heapKiBPerConn'
  | 'youngKiBPerConn'
  | 'connectUsPerConn'
  | 'connectsPerSec'
  | 'serverInstrPerOp'
  | 'clientInstrPerOp';
const METRICS: readonly Metric[] = [
  'serverUsPerOp',
  'serverUserUsPerOp',
  'redisUsPerOp',
  'clientUsPerOp',
  'clientUserUsPerOp',
  'opsPerSec',
  'p50Ms',
  'p99Ms',
  'hostIdlePct',
  'othersPct',
  'rssKiBPerConn',
  'heapKiBPerConn',
  'youngKiBPerConn',
  'connectUsPerConn',
  'connectsPerSec',
  'serverInstrPerOp',
  'clientInstrPerOp',
];

/** One cell over all its runs: the median of each figure, the spread of the headline, the failures. */
export interface CellSummary {
  readonly scenario: string;
  readonly target: Target;
  readonly runs: number;
  readonly errors: readonly string[];
  /** Requests that failed in the measured windows, over all runs. */
  readonly failedRequests: number;
  readonly median: Partial<Record<Metric, number>>;
  /** Smallest and largest of the scenario's headline figure over the runs. */
  readonly spread?: readonly [number, number];
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function headline(sc: Scenario): Metric {
  if (sc.kind === 'memory') return 'rssKiBPerConn';
  return sc.kind === 'client' ? 'clientUsPerOp' : 'serverUsPerOp';
}

/** Medians per (scenario, target), in the matrix's order. */
export function summarize(results: readonly CellResult[]): CellSummary[] {
  const out: CellSummary[] = [];
  for (const sc of SCENARIOS) {
    for (const target of TARGETS) {
      const cells = results.filter((r) => r.scenario === sc.name && r.target === target);
      if (cells.length === 0) continue;
      const ok = cells.filter((r) => r.error === undefined);
      const med: Partial<Record<Metric, number>> = {};
      for (const m of METRICS) {
        const xs = ok.map((r) => r[m]).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
        if (xs.length > 0) med[m] = median(xs);
      }
      const hs = ok.map((r) => r[headline(sc)]).filter((x): x is number => typeof x === 'number');
      out.push({
        scenario: sc.name,
        target,
        runs: cells.length,
        errors: cells.flatMap((r) => (r.error === undefined ? [] : [r.error])),
        failedRequests: cells.reduce((n, r) => n + (r.failedRequests ?? 0), 0),
        median: med,
        ...(hs.length > 0 ? { spread: [Math.min(...hs), Math.max(...hs)] as const } : {}),
      });
    }
  }
  return out;
}

function fmt(x: number | undefined): string {
  if (x === undefined) return 'n/a';
  const a = Math.abs(x);
  return a >= 1000 ? Math.round(x).toLocaleString('en-US') : a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : x.toFixed(2);
}

function ratio(x: number | undefined, base: number | undefined): string | undefined {
  return x === undefined || base === undefined || base === 0 ? undefined : `${(x / base).toFixed(2)}×`;
}

/** A figure with its ratios to the raw server and to Socket.IO on the same I/O stack (for Sente's columns). */
function withRatios(get: (t: Target) => number | undefined, t: Target, raw: boolean): string {
  const x = get(t);
  const v = fmt(x);
  if (x === undefined || TARGET_INFO[t].family !== 'sente') return v;
  const info = TARGET_INFO[t];
  const parts = [
    // The push log's own cost: the same server, its peers asking for the extensions.
    info.ext !== undefined && ratio(x, get(info.ext.base)) ? `${ratio(x, get(info.ext.base))} without log` : undefined,
    info.schema !== undefined && ratio(x, get(info.schema.base)) ? `${ratio(x, get(info.schema.base))} without schemas` : undefined,
    info.messageIds !== undefined && ratio(x, get(info.messageIds.base)) ? `${ratio(x, get(info.messageIds.base))} without ids` : undefined,
    info.beforeApp !== undefined && ratio(x, get(info.beforeApp.base)) ? `${ratio(x, get(info.beforeApp.base))} behind the router` : undefined,
    raw ? ratio(x, get(info.raw)) && `${ratio(x, get(info.raw))} ${TARGET_INFO[info.raw].label.replace('raw ', '')}` : undefined,
    ratio(x, get(info.socketio)) && `${ratio(x, get(info.socketio))} ${info.socketio === 'socketio' ? 'SIO' : 'SIO/uWS'}`,
  ].filter(Boolean);
  return parts.length > 0 ? `${v} (${parts.join(', ')})` : v;
}

function scenarioOf(name: string): Scenario {
  const sc = SCENARIOS.find((s) => s.name === name);
  if (sc === undefined) throw new Error(`unknown scenario ${name}`);
  return sc;
}

/** The headline table: server cost per scenario, one column per target; with `instructions`, instructions instead of CPU µs. */
export function serverTable(sum: readonly CellSummary[], sizes: Sizes, instructions = false): string {
  const cost: Metric = instructions ? 'serverInstrPerOp' : 'serverUsPerOp';
  const unit = instructions ? 'server instructions' : 'server µs';
  const get = (scenario: string, m: Metric) => (t: Target): number | undefined => sum.find((c) => c.scenario === scenario && c.target === t)?.median[m];
  const cols = TARGETS.filter((t) => sum.some((c) => c.target === t && scenarioOf(c.scenario).kind !== 'client' && scenarioOf(c.scenario).kind !== 'cluster'));
  const present = (name: string): boolean => sum.some((c) => c.scenario === name);
  const rows: string[] = [];
  const row = (label: string, scenario: string, cell: (t: Target) => string): void => {
    if (!present(scenario)) return;
    const applies = scenarioOf(scenario).targets;
    rows.push(`| ${label} | ${cols.map((t) => (applies.includes(t) ? cell(t) : '—')).join(' | ')} |`);
  };
  row(`idle memory, ${sizes.memoryConns} conns: RSS KiB per connection`, 'memory', (t) => withRatios(get('memory', 'rssKiBPerConn'), t, true));
  // The same burst of connections, as a reconnect storm loads a server: what each one opened cost it.
  row(`opening ${sizes.memoryConns} conns, 100 at a time: server µs per connection`, 'memory', (t) => withRatios(get('memory', 'connectUsPerConn'), t, true));
  for (const n of [10, 1]) {
    row(`echo with reply, ${sizes.echoConns} conns × ${n} in flight: ${unit}/op`, `echo-${n}`, (t) => withRatios(get(`echo-${n}`, cost), t, true));
  }
  for (const r of [20, 100]) {
    const name = `fanout-${r}`;
    // Latency under callgrind says nothing.
    if (!instructions) row(`fan-out ${sizes.fanoutConns} conns × ${r}/s: p50 / p99 ms`, name, (t) => `${fmt(get(name, 'p50Ms')(t))} / ${fmt(get(name, 'p99Ms')(t))}`);
    row(`fan-out ${sizes.fanoutConns} conns × ${instructions ? Math.min(r, COUNTED_MAX_RATE) : r}/s: ${unit} per delivered msg`, name, (t) => withRatios(get(name, cost), t, true));
    // Most of a delivered message is the kernel's (a write system call per socket, the same for every target): the user CPU alone is each server's own code.
    if (!instructions) row(`fan-out ${sizes.fanoutConns} conns × ${r}/s: server user µs per delivered msg`, name, (t) => withRatios(get(name, 'serverUserUsPerOp'), t, true));
  }
  for (const n of [10, 1]) {
    row(`Ajax long-poll echo, ${sizes.ajaxConns} conns × ${n} in flight: ${unit} per round trip`, `ajax-${n}`, (t) => withRatios(get(`ajax-${n}`, cost), t, false));
  }
  if (rows.length === 0) return '';
  return [`| scenario | ${cols.map((t) => TARGET_INFO[t].label).join(' | ')} |`, `|---|${cols.map(() => '---:').join('|')}|`, ...rows].join('\n');
}

/** The columns of the client table: each library's client, and the bare client on Sente's wire. */
type ClientColumn = 'raw' | 'socketio' | 'sente' | 'bare-sente';
const CLIENT_LABEL: Record<ClientColumn, string> = {
  raw: 'bare ws client',
  socketio: 'socket.io-client',
  sente: '@sente/client',
  'bare-sente': "bare ws client on Sente's wire, same server",
};
const columnOf = (t: Target): ClientColumn => (TARGET_INFO[t].bareClient !== undefined ? 'bare-sente' : TARGET_INFO[t].family);

/** The clients' own CPU per round trip; with `instructions`, their instructions instead. */
export function clientTable(sum: readonly CellSummary[], sizes: Sizes, instructions = false): string {
  const clientRows = sum.filter((c) => scenarioOf(c.scenario).kind === 'client');
  if (clientRows.length === 0) return '';
  const columns = (['raw', 'socketio', 'sente', 'bare-sente'] as const).filter((f) => clientRows.some((c) => columnOf(c.target) === f));
  const what = instructions ? 'client instructions per round trip' : 'client CPU per round trip, µs';
  const lines = [`| ${what} (${sizes.clientConns} conns) | ${columns.map((f) => CLIENT_LABEL[f]).join(' | ')} |`, `|---|${columns.map(() => '---:').join('|')}|`];
  const rows = SCENARIOS.filter((s) => s.kind === 'client').flatMap((sc): { sc: Scenario; metric: Metric; label: string }[] =>
    instructions
      ? [{ sc, metric: 'clientInstrPerOp', label: '' }]
      : [
          { sc, metric: 'clientUsPerOp', label: '' },
          // Over WebSocket, also the user CPU alone: the clients' own code, without the kernel's TCP work.
          ...(sc.transport === 'ws' ? [{ sc, metric: 'clientUserUsPerOp' as const, label: ', user CPU only' }] : []),
        ],
  );
  for (const { sc, metric, label } of rows) {
    const cells = clientRows.filter((c) => c.scenario === sc.name);
    if (cells.length === 0 || cells.every((c) => c.median[metric] === undefined)) continue;
    const of = (f: ClientColumn): number | undefined => cells.find((c) => columnOf(c.target) === f)?.median[metric];
    const vals = columns.map((f) => {
      const x = of(f);
      if ((f === 'raw' || f === 'bare-sente') && sc.transport === 'ajax') return '—';
      if (f !== 'sente' || x === undefined) return fmt(x);
      const parts = [
        ratio(x, of('raw')) && `${ratio(x, of('raw'))} bare`,
        ratio(x, of('bare-sente')) && `${ratio(x, of('bare-sente'))} bare on the same server`,
        ratio(x, of('socketio')) && `${ratio(x, of('socketio'))} socket.io-client`,
      ].filter(Boolean);
      return parts.length > 0 ? `${fmt(x)} (${parts.join(', ')})` : fmt(x);
    });
    lines.push(`| ${sc.transport === 'ajax' ? 'Ajax' : 'WebSocket'}, ${sc.inflight} in flight${label} | ${vals.join(' | ')} |`);
  }
  return lines.join('\n');
}

/**
 * Fan-out across three processes on one Redis: Sente with @sente/redis beside
 * Socket.IO with @socket.io/redis-adapter, each Sente figure with its ratio to
 * Socket.IO's.
 */
export function clusterTable(sum: readonly CellSummary[], sizes: Sizes): string {
  const cells = sum.filter((c) => scenarioOf(c.scenario).kind === 'cluster');
  if (cells.length === 0) return '';
  const sc = scenarioOf(cells[0]?.scenario as string);
  const cols = TARGETS.filter((t) => cells.some((c) => c.target === t));
  const get = (t: Target, m: Metric): number | undefined => cells.find((c) => c.target === t)?.median[m];
  const cell = (t: Target, m: Metric): string => {
    const x = get(t, m);
    const r = TARGET_INFO[t].family === 'sente' ? ratio(x, get(TARGET_INFO[t].socketio, m)) : undefined;
    return r === undefined ? fmt(x) : `${fmt(x)} (${r} SIO)`;
  };
  const row = (label: string, m: Metric): string => `| ${label} | ${cols.map((t) => cell(t, m)).join(' | ')} |`;
  return [
    `| ${sc.name}: ${sizes.fanoutConns} conns over 3 processes, ${sc.rate ?? 0} pushes/s to each | ${cols.map((t) => TARGET_INFO[t].label).join(' | ')} |`,
    `|---|${cols.map(() => '---:').join('|')}|`,
    row('delivered msgs/s', 'opsPerSec'),
    row('p50 latency, ms', 'p50Ms'),
    row('p99 latency, ms', 'p99Ms'),
    row('server µs per delivered msg (the 3 processes)', 'serverUsPerOp'),
    row('Redis µs per delivered msg', 'redisUsPerOp'),
  ].join('\n');
}

/** Every cell with every figure (with `instructions`, the instructions per op of the server and of the client too). */
export function detailTable(sum: readonly CellSummary[], instructions = false): string {
  const lines = [
    `| scenario | target | server µs/op (min–max) | Redis µs/op | client µs/op | ops/s | p50 ms | p99 ms | host idle % | others % | RSS / heap / young generation KiB per conn | runs (failed) | failed requests |${instructions ? ' server / client instructions per op |' : ''}`,
    `|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|${instructions ? '---:|' : ''}`,
  ];
  for (const c of sum) {
    const m = c.median;
    const kind = scenarioOf(c.scenario).kind;
    const spread = c.spread && kind !== 'memory' && kind !== 'client' ? ` (${fmt(c.spread[0])}–${fmt(c.spread[1])})` : '';
    const mem = m.rssKiBPerConn === undefined ? '' : `${fmt(m.rssKiBPerConn)} / ${fmt(m.heapKiBPerConn)} / ${fmt(m.youngKiBPerConn)}${c.spread ? ` (RSS ${fmt(c.spread[0])}–${fmt(c.spread[1])})` : ''}`;
    // A memory cell's server µs/op and ops/s are its burst of openings': per connection opened, connections per second.
    const cells =
      kind === 'memory'
        ? [fmt(m.connectUsPerConn), '', '', fmt(m.connectsPerSec), '', '', '', '']
        : [`${fmt(m.serverUsPerOp)}${spread}`, m.redisUsPerOp === undefined ? '' : fmt(m.redisUsPerOp), fmt(m.clientUsPerOp), fmt(m.opsPerSec), fmt(m.p50Ms), fmt(m.p99Ms), fmt(m.hostIdlePct), fmt(m.othersPct)];
    const counts = instructions ? ` ${fmt(m.serverInstrPerOp)} / ${fmt(m.clientInstrPerOp)} |` : '';
    lines.push(`| ${c.scenario} | ${TARGET_INFO[c.target].label} | ${cells.join(' | ')} | ${mem} | ${c.runs}${c.errors.length > 0 ? ` (${c.errors.length})` : ''} | ${c.failedRequests} |${counts}`);
  }
  return lines.join('\n');
}

/** The whole report: what ran, where, how noisy, and the tables. */
export function markdownReport(
  sum: readonly CellSummary[],
  results: readonly CellResult[],
  sizes: Sizes,
  machine: MachineInfo,
  run: { readonly startedAt: Date; readonly minutes: number; readonly load: 'dist' | 'source' },
): string {
  const counted = results.some((r) => r.serverInstrPerOp !== undefined);
  const idles = results.map((r) => r.hostIdlePct).filter((x): x is number => typeof x === 'number');
  const others = results.map((r) => r.othersPct).filter((x): x is number => typeof x === 'number');
  const errors = [
    ...sum.flatMap((c) => c.errors.map((e) => `- ${c.scenario} on ${TARGET_INFO[c.target].label}: ${e}`)),
    ...results.flatMap((r) => (r.failedRequests ? [`- ${r.scenario} on ${TARGET_INFO[r.target].label}, run ${r.run}: ${r.failedRequests} failed requests (${r.firstFailure ?? ''})`] : [])),
  ];
  const noise =
    idles.length === 0
      ? 'no window was measured'
      : `host CPU left idle during the measured windows: median ${median(idles).toFixed(0)} %, lowest ${Math.min(...idles).toFixed(0)} %, highest ${Math.max(...idles).toFixed(0)} %; ` +
        `used by other processes than the measured pair: median ${median(others).toFixed(0)} %, highest ${Math.max(...others).toFixed(0)} % of the ${machine.cores} cores`;
  return [
    `Run of ${run.startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC, ${run.minutes.toFixed(0)} min, sizes "${sizes.name}", median of ${sizes.runs} run(s) per cell; warm-up ${sizes.warmupMs} ms, measured window ${sizes.steadyMs} ms; @sente/* loaded from ${run.load === 'dist' ? 'their build' : 'TypeScript source'}.`,
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}, file descriptors ${machine.fdLimit}; load average at the start ${machine.loadAverage.join(' / ')}. Noise: ${noise}.`,
    '',
    `Libraries: ${machine.libraries.join(', ')}.`,
    '',
    ...(counted
      ? [
          'Instructions counted by callgrind over each measured window (user space: the kernel’s share of each socket write and read is not in them), per operation.',
          '',
        ]
      : []),
    ...[serverTable(sum, sizes, counted), clientTable(sum, sizes, counted), clusterTable(sum, sizes)].filter((t) => t !== '').flatMap((t) => [t, '']),
    '<details><summary>Every cell</summary>',
    '',
    detailTable(sum, counted),
    '',
    '</details>',
    ...(errors.length > 0 ? ['', 'Failed measurements:', '', ...errors] : []),
  ].join('\n');
}
