import { Rng } from '../rng.js';
import { Wire, delay } from '../conformance-clients.js';
import { ServerProcess } from '../server/child-process.js';
import { LoopbackProxy } from '../net/proxy.js';
import { PACKERS } from '../server/adapters.js';
import { TORTURE_TIMING } from '../server/protocol.js';
import { Findings, Tally, delta } from '../report/tally.js';
import { waitQuiet } from '../leaks.js';
import { TrackedClient } from './tracked-client.js';
import { killMidRequest } from './killed.js';
import { slowConsumerProblem, slowPoller, slowWsConsumer } from './slow-consumers.js';
import type { AdapterName, PackerName } from '../server/adapters.js';
import type { ServerSpec, ServerTiming } from '../server/protocol.js';
import type { LeakReport } from '../leaks.js';

/** Sizes of a fault run. */
export interface FaultOptions {
  readonly seed: number;
  /** One server per adapter, each with its packer. */
  readonly servers: readonly ServerSpec[];
  /** Clients killed mid-request, per server. */
  readonly kills: number;
  /** TCP cuts mid-frame and mid-body, per server and direction. */
  readonly cuts: number;
  /** Pushes sent to each client while the network is out. */
  readonly outagePushes: number;
  /** Slow consumers: pushes of `slowBytes` each. */
  readonly slowCount: number;
  readonly slowBytes: number;
  /** Servers faulted at the same time (each has its own process and proxy). */
  readonly concurrency: number;
  readonly log?: ((line: string) => void) | undefined;
}

/** Long enough grace periods that a client cut off comes back within them. */
export const FAULT_TIMING: ServerTiming = { ...TORTURE_TIMING, msAllowReconnectBeforeCloseWs: 2500, msAllowReconnectBeforeCloseAjax: 3000 };

export interface FaultReport {
  readonly seed: number;
  readonly servers: string[];
  readonly tally: Tally;
  readonly findings: Findings;
  readonly crashes: number;
  /** Pushes sent while clients were cut off (within the grace period), and how many never arrived. */
  readonly outagePushes: number;
  readonly lostWithinWindow: number;
  /** Pushes of the steady stream lost at cuts and restarts: written to a dead socket, with no replay until issue 8. */
  readonly lostInFlight: number;
  readonly leaks: Record<string, LeakReport>;
  /** `onError` codes seen for a POST cut mid-body, per adapter. */
  readonly abortedPostCodes: Record<string, string[]>;
  readonly wallMs: number;
}

/** Runs every fault against each server in turn, each in its own child process behind a loopback proxy. */
export async function runFaults(o: FaultOptions): Promise<FaultReport> {
  const t0 = Date.now();
  const log = o.log ?? (() => {});
  const tally = new Tally();
  const findings = new Findings();
  const leaks: Record<string, LeakReport> = {};
  const abortedPostCodes: Record<string, string[]> = {};
  let crashes = 0;
  let outagePushes = 0;
  let lostWithinWindow = 0;
  let lostInFlight = 0;
  const queue = [...o.servers];
  const worker = async (): Promise<void> => {
    for (let s = queue.shift(); s !== undefined; s = queue.shift()) await one(s);
  };
  const one = async (s: ServerSpec): Promise<void> => {
    const rng = new Rng(o.seed).fork(`faults ${s.key}`);
    const wire = new Wire(PACKERS[s.packer]);
    const repro = `npm run torture -- --mode faults --seed ${o.seed} --servers ${s.key}`;
    const specs = (): ServerSpec[] => [s, ...(bpKey(s) ? [{ ...s, key: bpKey(s) as string, uwsMaxBackpressure: 1024 * 1024 }] : [])];
    let proc = await ServerProcess.start({ servers: specs(), timing: FAULT_TIMING });
    const proxy = await LoopbackProxy.start(proc.port(s.key));
    const url = `http://127.0.0.1:${proxy.port}/chsk`;
    const label = s.key.replace('/', '-');
    const clients = [new TrackedClient(url, wire.packer, `fault-${label}-ws`, 'ws'), new TrackedClient(url, wire.packer, `fault-${label}-ajax`, 'ajax')];
    const allOpen = async (): Promise<boolean> => (await Promise.all(clients.map((c) => c.open()))).every(Boolean);
    // Recovered: within 10 s every client is open again and gets a reply (a request cut in flight may fail first).
    const recovered = async (tag: string): Promise<boolean> => {
      const end = Date.now() + 10_000;
      for (let n = 0; Date.now() < end; n++) {
        if ((await allOpen()) && (await Promise.all(clients.map((c, i) => c.request(`${tag}-${n}-${i}`, 2000)))).every(Boolean)) return true;
      }
      return false;
    };
    const crashed = (what: string): boolean => {
      if (proc.alive) return false;
      crashes++;
      findings.add(`crash/faults-${what}@${s.adapter}`, `the server process exited (${proc.exit?.code ?? proc.exit?.signal}): ${proc.exit?.stderr.slice(-300) ?? ''}`, s.key, repro);
      return true;
    };
    await allOpen();
    const baseline = await proc.sample();
    await proc.pushStart({ key: s.key, uids: clients.map((c) => c.uid), intervalMs: 20 });

    // Clients killed mid-request, straight to the server.
    let before = (await proc.seen())[s.key]?.errors ?? {};
    for (let i = 0; i < o.kills && proc.alive; i++) {
      const kind = await killMidRequest(rng, proc.port(s.key), `killed-${label}-${i}`, wire.packer);
      tally.add('killed mid-request', kind, proc.alive ? 'server carried on' : 'server died');
    }
    await delay(200);
    if (crashed('killed')) return;
    tally.addErrors('killed mid-request', delta((await proc.seen())[s.key]?.errors ?? {}, before));
    // One POST cut mid-body on its own, to read the code it is reported with.
    before = (await proc.seen())[s.key]?.errors ?? {};
    for (let i = 0; i < 20; i++) {
      const r = new Rng(i);
      const fixed = { pick: <T>(xs: readonly T[]) => (xs.includes('post-mid-body' as T) ? ('post-mid-body' as T) : r.pick(xs)), range: r.range.bind(r), int: r.int.bind(r) } as unknown as Rng;
      await killMidRequest(fixed, proc.port(s.key), `aborted-${label}-${i}`, wire.packer);
    }
    await delay(300);
    abortedPostCodes[s.adapter] = Object.keys(delta((await proc.seen())[s.key]?.errors ?? {}, before)).sort();

    // TCP cut mid-frame (server to client) and mid-body (client to server), through the proxy.
    for (const [cls, dir] of [['cut mid-frame (down)', 'down'], ['cut mid-body (up)', 'up']] as const) {
      for (let i = 0; i < o.cuts && proc.alive; i++) {
        const cut = proxy.cutAfter(dir, rng.range(1, 300));
        if (dir === 'up') void clients[rng.int(clients.length)]?.request(`cut-${i}-${'p'.repeat(rng.range(10, 3000))}`);
        const happened = await Promise.race([cut.then(() => true), delay(1500).then(() => false)]);
        if (!happened) proxy.cancelCuts();
        tally.add(cls, happened ? 'cut' : 'no traffic to cut', (await recovered(`${dir}-${i}`)) ? 'recovered' : 'not recovered');
      }
    }
    if (crashed('cuts')) return;

    // A network outage: every connection drops, new ones are refused; pushes sent meanwhile must arrive.
    for (const [i, c] of clients.entries()) {
      proxy.outage();
      await proc.send({ key: s.key, uid: c.uid, id: `outage/push-${i}`, count: o.outagePushes, bytes: 16, flush: false });
      await delay(300);
      proxy.restore();
      const end = Date.now() + 10_000;
      while (c.count(`outage/push-${i}`) < o.outagePushes && Date.now() < end) await delay(20);
      const got = c.count(`outage/push-${i}`);
      outagePushes += o.outagePushes;
      lostWithinWindow += o.outagePushes - got;
      const seq = c.seen.get(`outage/push-${i}`) ?? [];
      const inOrder = seq.every((v, j) => j === 0 || v > (seq[j - 1] as number));
      tally.add('network outage', i === 0 ? 'ws' : 'ajax', `${got}/${o.outagePushes} delivered${inOrder ? ', in order' : ', OUT OF ORDER'}`);
      if (got < o.outagePushes || !inOrder) findings.add(`faults/outage-${i === 0 ? 'ws' : 'ajax'}@${s.adapter}`, `pushes sent during a ${300} ms outage (within the grace period): ${got}/${o.outagePushes} delivered, in order: ${inOrder}`, s.key, repro);
    }
    const sent = await proc.pushStop(s.key);
    await delay(300);
    for (const c of clients) lostInFlight += Math.max(0, (sent[c.uid] ?? 0) - c.count('good/push'));
    tally.add('steady push stream', 'cuts and outages', `${clients.reduce((n, c) => n + c.count('good/push'), 0)}/${Object.values(sent).reduce((a, b) => a + b, 0)} delivered`);

    // Slow consumers, straight to the server.
    for (const key of [s.key, ...(bpKey(s) ? [bpKey(s) as string] : [])]) {
      const ws = await slowWsConsumer(proc, key, wire, `slow-ws-${label}`, o.slowCount, o.slowBytes);
      const sub = key === s.key ? 'ws' : 'ws, uWS maxBackpressure 1 MiB';
      tally.add('slow consumer (never reads)', sub, `${ws.answer}, ${ws.delivered}/${o.slowCount} delivered, held ${mb(ws.heldBytes)} of ${mb(ws.pushedBytes)}${ws.openUntracked ? ', socket left open untracked' : ''}`);
      tally.addErrors('slow consumer (never reads)', ws.errors);
      // The documented answers (a bound on what is held; 1013, 4000, or everything delivered): see slowConsumerProblem.
      const problem = slowConsumerProblem(ws, o.slowCount);
      if (problem !== undefined) findings.add(key === s.key ? `faults/slow-consumer-ws@${s.adapter}` : 'faults/uws-max-backpressure@uws', `a socket that never reads: ${problem}; held ${mb(ws.heldBytes)} of ${mb(ws.pushedBytes)} pushed${ws.openUntracked ? ', and left the socket open but untracked' : ''}`, key, repro);
    }
    const poll = await slowPoller(proc, s.key, wire, `slow-poll-${label}`, o.slowCount, o.slowBytes, 1000);
    tally.add('slow poller', 'ajax', `${poll.answer}, held ${mb(poll.heldBytes)} of ${mb(poll.pushedBytes)}`);
    if (poll.heldBytes > poll.pushedBytes / 2) findings.add(`faults/slow-poller@${s.adapter}`, `a poller that polls once a second: the server held ${mb(poll.heldBytes)} of ${mb(poll.pushedBytes)} queued for it`, s.key, repro);
    if (crashed('slow')) return;

    // Server restarts: a graceful SIGTERM, then a SIGKILL; the clients come back to the new process.
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      const started = Date.now();
      const exit = await proc.kill(signal, FAULT_TIMING.closeTimeoutMs + 5000);
      const exitMs = Date.now() - started;
      proc = await ServerProcess.start({ servers: specs(), timing: FAULT_TIMING });
      proxy.target = proc.port(s.key);
      const ok = await recovered(`restart-${signal}`);
      tally.add(`restart (${signal})`, 'clients', `${exit.code === null ? exit.signal : `exit ${exit.code}`}${signal === 'SIGTERM' ? ` in ${exitMs < 1000 ? '<1 s' : `${Math.round(exitMs / 1000)} s`}` : ''}, ${ok ? 'recovered' : 'not recovered'}`);
      if (!ok) findings.add(`faults/restart-${signal}@${s.adapter}`, 'the clients did not reconnect and get replies from the restarted server', s.key, repro);
      if (signal === 'SIGTERM' && exit.code !== 0) findings.add(`faults/sigterm-exit@${s.adapter}`, `a graceful close on SIGTERM ended with ${exit.code ?? exit.signal}`, s.key, repro);
    }

    for (const c of clients) c.stop();
    leaks[s.key] = await waitQuiet(proc, baseline, 15_000);
    if (!leaks[s.key]?.clean) findings.add(`leak/faults@${s.adapter}`, `left behind: ${JSON.stringify({ servers: leaks[s.key]?.servers, handles: leaks[s.key]?.resources })}`, s.key, repro);
    await proc.close();
    await proxy.close();
    log(`faults ${s.key}: done`);
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  // One code for an aborted POST on every adapter.
  const codes = new Set(Object.values(abortedPostCodes).map((c) => c.join(',')));
  if (codes.size > 1) for (const a of Object.keys(abortedPostCodes)) findings.add(`faults/aborted-post-code@${a}`, `a POST cut mid-body is reported differently across adapters: ${JSON.stringify(abortedPostCodes)}`, a, `npm run torture -- --mode faults --seed ${o.seed}`);
  return { seed: o.seed, servers: o.servers.map((s) => s.key), tally, findings, crashes, outagePushes, lostWithinWindow, lostInFlight, leaks, abortedPostCodes, wallMs: Date.now() - t0 };
}

/** uWS is also faulted with a `maxBackpressure`, as a second server in the same process. */
function bpKey(s: ServerSpec): string | undefined {
  return s.adapter === 'uws' ? `${s.key}+backpressure` : undefined;
}

function mb(n: number): string {
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** One server per adapter, the packers rotated so that every packer is faulted too. */
export function faultServers(adapters: readonly AdapterName[], packers: readonly PackerName[]): ServerSpec[] {
  return adapters.map((adapter, i) => {
    const packer = packers[i % packers.length] as PackerName;
    return { key: `${adapter}/${packer}`, adapter, packer };
  });
}
