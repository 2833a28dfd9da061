import { createSenteClient } from '@sente/client';
import { Rng } from '../rng.js';
import { RawAjaxClient, RawWsClient, Wire, delay } from '../conformance-clients.js';
import { ServerProcess } from '../server/child-process.js';
import { PACKERS } from '../server/adapters.js';
import { CSRF_TOKEN, GOOD_ORIGIN, TORTURE_TIMING } from '../server/protocol.js';
import { GoodCrew } from '../good/good-crew.js';
import { BrowserLikeWebSocket } from '../good/browser-like-ws.js';
import { addDamage, damageCount, noDamage } from '../good/damage.js';
import { Findings, bump } from '../report/tally.js';
import { leaksOf, waitQuiet } from '../leaks.js';
import type { CrewOptions } from '../good/good-crew.js';
import type { Damage } from '../good/damage.js';
import type { ProcessSample, ServerSpec } from '../server/protocol.js';
import type { LeakReport } from '../leaks.js';

/** Sizes of a soak. */
export interface SoakOptions {
  readonly seed: number;
  readonly servers: readonly ServerSpec[];
  /** Cycling clients connected at once, per server. */
  readonly clients: number;
  /** How long clients cycle. */
  readonly durationMs: number;
  /** Bound on client cycles per server. */
  readonly maxCycles: number;
  readonly crew: CrewOptions;
  readonly log?: ((line: string) => void) | undefined;
}

/** One sample of the soak: the server process after a forced GC. */
export interface SoakSample {
  readonly at: 'start' | 'middle' | 'end';
  readonly elapsedMs: number;
  readonly heapUsedMB: number;
  readonly rssMB: number;
  /** Active handles (sockets, timers, …) of the process. */
  readonly handles: number;
  /** Sente timers, summed over servers. */
  readonly timers: number;
  readonly connectedUids: number;
  readonly wsClients: number;
  readonly ajaxClients: number;
  readonly queuedBatches: number;
  readonly pendingReplies: number;
}

export interface SoakReport {
  readonly seed: number;
  readonly servers: string[];
  readonly samples: SoakSample[];
  /** Client cycles by kind (`ws clean`, `ajax abrupt`, …). */
  readonly cycles: Record<string, number>;
  readonly requests: number;
  readonly replyFailures: number;
  readonly damage: Damage;
  readonly leaks: LeakReport;
  readonly findings: Findings;
  readonly crashes: number;
  readonly wallMs: number;
}

const KINDS = ['ws clean', 'ws abrupt', 'ajax clean', 'ajax abrupt', 'client clean', 'client abrupt'] as const;

/**
 * Hundreds of clients connect, request, receive pushes and leave (cleanly or
 * not) for `durationMs`, beside good clients; the server process is sampled
 * after forced GC at the start, the middle and the end.
 */
export async function runSoak(o: SoakOptions): Promise<SoakReport> {
  const t0 = Date.now();
  const log = o.log ?? (() => {});
  const findings = new Findings();
  const proc = await ServerProcess.start({ servers: o.servers, timing: TORTURE_TIMING });
  const samples: SoakSample[] = [];
  const take = async (at: SoakSample['at']): Promise<ProcessSample> => {
    const s = await proc.sample();
    samples.push(summarize(at, Date.now() - t0, s));
    log(`soak ${at}: ${JSON.stringify(samples.at(-1))}`);
    return s;
  };
  const baseline = await take('start');
  const crews = await Promise.all(o.servers.map((s) => GoodCrew.start(proc, s.key, proc.url(s.key), new Wire(PACKERS[s.packer]), `soak-${s.key.replace('/', '-')}`, o.crew)));
  const cycles: Record<string, number> = {};
  let requests = 0;
  let replyFailures = 0;
  const end = Date.now() + o.durationMs;
  let middleTaken: Promise<ProcessSample> | undefined;
  const slot = async (s: ServerSpec, slotNo: number): Promise<void> => {
    const rng = new Rng(o.seed).fork(`soak ${s.key} ${slotNo}`);
    const wire = new Wire(PACKERS[s.packer]);
    for (let n = 0; Date.now() < end && n < o.maxCycles / o.clients && proc.alive; n++) {
      const kind = rng.pick(KINDS);
      const uid = `soak-${slotNo}-${rng.int(50)}`;
      const reqs = rng.range(1, 4);
      try {
        const r = await cycle(kind, proc.url(s.key), wire, uid, reqs, rng);
        requests += reqs;
        replyFailures += reqs - r;
        bump(cycles, kind);
      } catch {
        bump(cycles, `${kind} (failed)`);
      }
      if (!middleTaken && Date.now() > end - o.durationMs / 2) middleTaken = take('middle');
    }
  };
  await Promise.all(o.servers.flatMap((s) => Array.from({ length: o.clients }, (_, i) => slot(s, i))));
  await (middleTaken ?? take('middle'));
  let damage = noDamage();
  for (const c of crews) damage = addDamage(damage, await c.stop());
  let crashes = 0;
  let leaks: LeakReport = { clean: false, servers: {}, resources: {} };
  if (!proc.alive) {
    crashes++;
    findings.add('crash@soak', `the server process exited: ${proc.exit?.stderr.slice(-300) ?? ''}`, 'all', `npm run torture -- --mode soak --seed ${o.seed}`);
  } else {
    leaks = await waitQuiet(proc, baseline, 20_000);
    await take('end');
    leaks = leaksOf(await proc.sample(), baseline);
    if (!leaks.clean) findings.add('leak@soak', `left behind: ${JSON.stringify({ servers: leaks.servers, handles: leaks.resources })}`, 'all', `npm run torture -- --mode soak --seed ${o.seed}`);
  }
  if (damageCount(damage) > 0) findings.add('damage@soak', `good clients damaged: ${JSON.stringify(damage)}`, 'all', `npm run torture -- --mode soak --seed ${o.seed}`);
  if (replyFailures > 0) findings.add('replies@soak', `${replyFailures} of ${requests} requests of cycling clients were not answered`, 'all', `npm run torture -- --mode soak --seed ${o.seed}`);
  await proc.close();
  return { seed: o.seed, servers: o.servers.map((s) => s.key), samples, cycles, requests, replyFailures, damage, leaks, findings, crashes, wallMs: Date.now() - t0 };
}

/** One client's life: connect, `reqs` requests, then leave cleanly or abruptly; gives the replies that came back right. */
async function cycle(kind: (typeof KINDS)[number], url: string, wire: Wire, uid: string, reqs: number, rng: Rng): Promise<number> {
  const abrupt = kind.endsWith('abrupt');
  let ok = 0;
  const headers = { origin: GOOD_ORIGIN };
  if (kind.startsWith('ws')) {
    const c = await RawWsClient.open(url, wire, { params: { uid }, csrfToken: CSRF_TOKEN, headers });
    for (let i = 0; i < reqs; i++) if ((await c.request(['good/echo', `${uid}-${i}`])).value === `${uid}-${i}`) ok++;
    if (abrupt) await c.terminate();
    else await c.close();
    return ok;
  }
  if (kind.startsWith('ajax')) {
    const c = new RawAjaxClient(url, wire, { params: { uid }, csrfToken: CSRF_TOKEN, headers });
    await c.handshake();
    c.startPolling();
    for (let i = 0; i < reqs; i++) {
      const a = await c.post(['good/echo', `${uid}-${i}`], { reply: true });
      if (a.status === 200 && wire.decode(a.body).content === `${uid}-${i}`) ok++;
    }
    await c.stopPolling({ abort: abrupt || rng.chance(0.5) });
    return ok;
  }
  const c = createSenteClient(url, CSRF_TOKEN, { WebSocket: BrowserLikeWebSocket, packer: wire.packer, params: { uid }, headers, onError: () => {} });
  const until = Date.now() + 5000;
  while (!c.state.open && Date.now() < until) await delay(5);
  for (let i = 0; i < reqs; i++) if ((await c.request(['good/echo', `${uid}-${i}`], 5000).catch(() => undefined)) === `${uid}-${i}`) ok++;
  if (abrupt) c.breakConnection({ closeWs: false });
  c.disconnect();
  return ok;
}

function summarize(at: SoakSample['at'], elapsedMs: number, s: ProcessSample): SoakSample {
  const sum = (k: string): number => Object.values(s.servers).reduce((n, c) => n + (c.stats[k] ?? 0), 0);
  return {
    at,
    elapsedMs,
    heapUsedMB: round(s.heapUsedBytes / 1048576),
    rssMB: round(s.rssBytes / 1048576),
    handles: Object.values(s.resources).reduce((a, b) => a + b, 0),
    timers: sum('timers'),
    connectedUids: Object.values(s.servers).reduce((n, c) => n + c.connectedUids.any, 0),
    wsClients: sum('wsClients'),
    ajaxClients: sum('ajaxClients'),
    queuedBatches: sum('queuedBatches'),
    pendingReplies: sum('pendingReplies'),
  };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
