import { Rng } from '../rng.js';
import { Wire } from '../conformance-clients.js';
import { ServerProcess } from '../server/child-process.js';
import { PACKERS } from '../server/adapters.js';
import { TORTURE_TIMING } from '../server/protocol.js';
import { GoodCrew } from '../good/good-crew.js';
import { addDamage, damageCount, noDamage } from '../good/damage.js';
import { Findings, Tally, delta } from '../report/tally.js';
import { waitQuiet } from '../leaks.js';
import { PayloadGenerator, PAYLOAD_KINDS } from './payloads.js';
import { HostileWsSession } from './ws-session.js';
import { framingCase, runFramingCase } from './framing.js';
import { UPGRADE_KINDS, ajaxCase, runHttpCase, upgradeCase } from './http-cases.js';
import { isolated } from '../known-defects.js';
import { probeIsolated } from './isolated-probe.js';
import { captureSession } from './capture.js';
import { mutate } from './mutate.js';
import { slowloris } from './slowloris.js';
import { sharedClientId } from './identity.js';
import { judge } from './expectations.js';
import { httpRequest } from '../net/raw-http.js';
import type { Capture } from './capture.js';
import type { CrewOptions } from '../good/good-crew.js';
import type { Damage } from '../good/damage.js';
import type { ServerSpec } from '../server/protocol.js';
import type { PackerName } from '../server/adapters.js';
import type { LeakReport } from '../leaks.js';

/** Sizes of a hostile run. */
export interface HostileOptions {
  readonly seed: number;
  readonly servers: readonly ServerSpec[];
  /** Hostile inputs per server (split across the classes). */
  readonly casesPerServer: number;
  /** Bounded slowloris connections per server, and how long each may trickle. */
  readonly slowloris: number;
  readonly slowlorisBoundMs: number;
  /** Servers attacked at the same time. */
  readonly concurrency: number;
  /** Cases of each known defect that is tried in a process of its own (see `ISOLATED_WHILE_KNOWN`). */
  readonly isolatedCases: number;
  /** How long an answer may take before the case counts as a hang. */
  readonly answerDeadlineMs: number;
  readonly crew: CrewOptions;
  /** Packer decoder cases are run by {@link ../packer-fuzz.ts}. */
  readonly log?: ((line: string) => void) | undefined;
}

/** Shares of each server's cases per input class. */
const SHARES = { 'ws-payload': 0.4, mutation: 0.25, 'ws-framing': 0.12, ajax: 0.15, upgrade: 0.08 } as const;

/** What a hostile run saw. */
export interface HostileReport {
  readonly seed: number;
  readonly servers: string[];
  readonly tally: Tally;
  readonly findings: Findings;
  readonly crashes: number;
  readonly damage: Damage;
  readonly leaks: LeakReport;
  readonly wallMs: number;
}

/**
 * Throws hostile input at every server in `options.servers` (one child
 * process holds them all), with good clients beside each, then checks that
 * the servers are back to holding nothing.
 */
export async function runHostile(options: HostileOptions): Promise<HostileReport> {
  const t0 = Date.now();
  const log = options.log ?? (() => {});
  const tally = new Tally();
  const findings = new Findings();
  let damage = noDamage();
  const proc = await ServerProcess.start({ servers: options.servers, timing: TORTURE_TIMING });
  const baseline = await proc.sample();
  const captures = new Map<PackerName, Promise<Capture>>();
  const captureFor = (s: ServerSpec): Promise<Capture> => {
    let c = captures.get(s.packer);
    if (c === undefined) {
      c = captureSession(proc.port(s.key), PACKERS[s.packer], s.packer);
      captures.set(s.packer, c);
    }
    return c;
  };
  const queue = [...options.servers];
  const worker = async (): Promise<void> => {
    for (let s = queue.shift(); s !== undefined && proc.alive; s = queue.shift()) {
      const d = await attackServer(proc, s, options, tally, findings, captureFor, log);
      damage = addDamage(damage, d);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  let crashes = 0;
  if (!proc.alive) {
    crashes++;
    findings.add('crash@hostile', `the server process exited (${proc.exit?.code ?? proc.exit?.signal}): ${proc.exit?.stderr.slice(-500) ?? ''}`, 'all', `npm run torture -- --mode hostile --seed ${options.seed}`);
  }
  const leaks = proc.alive ? await waitQuiet(proc, baseline, 15_000) : { clean: false, servers: {}, resources: {} };
  if (proc.alive) for (const [key, what] of Object.entries(leaks.servers)) findings.add(`leak@${key.split('/')[0]}`, `left behind after the hostile run: ${what}`, key, `npm run torture -- --mode hostile --seed ${options.seed}`);
  if (proc.alive && Object.keys(leaks.resources).length > 0) findings.add('leak/handles@hostile', `handles left: ${JSON.stringify(leaks.resources)}`, 'all', `npm run torture -- --mode hostile --seed ${options.seed}`);
  await proc.close();
  const adapters = [...new Set(options.servers.map((s) => s.adapter))];
  await probeIsolated(options.seed, adapters, options.isolatedCases, options.answerDeadlineMs, tally, findings);
  return { seed: options.seed, servers: options.servers.map((s) => s.key), tally, findings, crashes, damage, leaks, wallMs: Date.now() - t0 };
}

async function attackServer(
  proc: ServerProcess,
  s: ServerSpec,
  o: HostileOptions,
  tally: Tally,
  findings: Findings,
  captureFor: (s: ServerSpec) => Promise<Capture>,
  log: (line: string) => void,
): Promise<Damage> {
  const rng = new Rng(o.seed).fork(s.key);
  const packer = PACKERS[s.packer];
  const wire = new Wire(packer);
  const port = proc.port(s.key);
  const url = proc.url(s.key);
  const gen = new PayloadGenerator(packer, TORTURE_TIMING.maxPayloadBytes);
  const capture = await captureFor(s);
  const tStart = Date.now();
  const crew = await GoodCrew.start(proc, s.key, url, wire, s.key.replace('/', '-'), o.crew);
  const adapter = s.adapter;
  const repro = (cls: string) => `npm run torture -- --mode hostile --seed ${o.seed} --servers ${s.key}  # class ${cls}`;
  const record = (cls: string, kind: string, answer: string, request?: Buffer): void => {
    tally.add(cls, kind, answer);
    const wrong = judge(cls, kind, answer, request);
    if (wrong !== undefined) findings.add(`${cls}/${kind}@${adapter}`, wrong, s.key, repro(cls));
  };
  const errorsNow = async (): Promise<Record<string, number>> => (await proc.seen())[s.key]?.errors ?? {};
  const classes: [string, (i: number) => Promise<void>][] = [];
  const upgradeKinds = UPGRADE_KINDS.filter((k) => !isolated(`upgrade/${k}`, adapter));
  const ws = new HostileWsSession(url, packer, `hostile-${s.key.replace('/', '-')}`);

  classes.push([
    'ws-payload',
    async () => {
      const p = gen.make(rng, rng.pick(PAYLOAD_KINDS));
      record('ws-payload', p.kind, await ws.send(p.bytes, p.binary, o.answerDeadlineMs));
    },
  ]);
  classes.push([
    'mutation',
    async (i) => {
      const viaPost = capture.posts.length > 0 && (capture.frames.length === 0 || rng.chance(0.4));
      if (!viaPost) {
        const f = rng.pick(capture.frames);
        const m = mutate(rng, f.payload, rng.pick(capture.frames).payload);
        record('mutation', `ws ${m.mutator}`, await ws.send(m.bytes, f.opcode === 2, o.answerDeadlineMs));
        return;
      }
      const post = rng.pick(capture.posts);
      const other = rng.pick(capture.posts).body;
      let body = post.body;
      let mutator: string;
      if (!packer.binary && rng.chance(0.6)) {
        // Mutate the payload inside the form, so the form itself still parses.
        const form = new URLSearchParams(post.body.toString('latin1'));
        const m = mutate(rng, Buffer.from(form.get('ppstr') ?? ''), Buffer.from(new URLSearchParams(other.toString('latin1')).get('ppstr') ?? ''));
        form.set('ppstr', m.bytes.toString('utf8'));
        body = Buffer.from(form.toString(), 'latin1');
        mutator = `post ppstr ${m.mutator}`;
      } else {
        const m = mutate(rng, post.body, other);
        body = m.bytes;
        mutator = `post body ${m.mutator}`;
      }
      const { host: _h, connection: _c, 'content-length': _l, ...headers } = post.headers;
      const req = httpRequest('POST', post.target, headers, body);
      record('mutation', mutator, await runHttpCase(port, { kind: mutator, request: req }, o.answerDeadlineMs));
      void i;
    },
  ]);
  classes.push([
    'ws-framing',
    async (i) => {
      const c = framingCase(rng, gen.bytes(gen.event(rng)), packer.binary);
      record('ws-framing', c.kind, await runFramingCase(port, 'hostile-framing', `framing-${i}`, c, o.answerDeadlineMs));
    },
  ]);
  classes.push([
    'ajax',
    async (i) => {
      const c = ajaxCase(rng, `ajax-${s.key.replace('/', '-')}-${i}`, gen.bytes(gen.event(rng)), packer.binary, TORTURE_TIMING.maxPayloadBytes);
      record('ajax', c.kind, await runHttpCase(port, c, o.answerDeadlineMs), c.request);
    },
  ]);
  classes.push([
    'upgrade',
    async (i) => {
      const c = upgradeCase(rng, port, `upgrade-${i}`, upgradeKinds);
      record('upgrade', c.kind, await runHttpCase(port, c, o.answerDeadlineMs));
    },
  ]);

  for (const [cls, run] of classes) {
    const n = Math.max(1, Math.round(o.casesPerServer * SHARES[cls as keyof typeof SHARES]));
    const before = await errorsNow();
    const started = Date.now();
    for (let i = 0; i < n && proc.alive; i++) {
      try {
        await run(i);
      } catch (e) {
        // The harness could not even deliver the case (a refused connection): an answer too.
        record(cls, 'harness', `error ${(e as Error).message.slice(0, 60)}`);
      }
    }
    tally.row(cls).ms += Date.now() - started;
    if (process.env['TORTURE_DEBUG']) console.error(`${s.key} ${cls} done in ${Date.now() - started} ms at ${new Date().toISOString()}`);
    if (!proc.alive) break;
    tally.addErrors(cls, delta(await errorsNow(), before));
  }
  ws.drop();

  if (proc.alive) {
    const before = await errorsNow();
    const loris = Array.from({ length: o.slowloris }, (_, i) => slowloris(rng.fork(`loris${i}`), port, `loris-${s.key.replace('/', '-')}-${i}`, o.slowlorisBoundMs, 50));
    for (const r of await Promise.all(loris)) record('slowloris', r.kind, r.answer);
    tally.addErrors('slowloris', delta(await errorsNow(), before));
  }
  if (proc.alive) {
    for (const t of ['ws', 'ajax'] as const) {
      const before = await errorsNow();
      record('identity', `shared-client-id-${t}`, await sharedClientId(proc, s.key, wire, t, 0).catch((e: Error) => `error ${e.message.slice(0, 60)}`));
      tally.addErrors('identity', delta(await errorsNow(), before));
    }
  }
  const d = proc.alive ? await crew.stop() : noDamage();
  // Pushes a long-polling good client never saw, that neither Sente's contract (a plain client
  // forgotten after its grace period) nor the push log's window excuses, are a finding of their own.
  if (d.ajaxPushesMissing > 0) findings.add(`damage/ajax-pushes-missing@${adapter}`, `a good Ajax client never saw ${d.ajaxPushesMissing} pushes sent to its uid, neither lost by Sente's contract (the server forgot it after its grace period) nor beyond the push log's window, nor still queued for it at the server`, s.key, repro('all'));
  if (damageCount(d) - d.ajaxPushesMissing > 0) findings.add(`damage@${adapter}`, `good clients damaged: ${JSON.stringify(d)}`, s.key, repro('all'));
  log(`hostile ${s.key}: ${Date.now() - tStart} ms, damage ${JSON.stringify(d)}`);
  return d;
}
