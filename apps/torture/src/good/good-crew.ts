import { createSenteClient } from '@sente/client';
import { BrowserLikeWebSocket } from './browser-like-ws.js';
import type { SenteClient } from '@sente/client';
import { isHandshake } from '@sente/core';
import type { Packed } from '@sente/core';
import { RawAjaxClient, RawWsClient, Wire, delay } from '../conformance-clients.js';
import { CSRF_TOKEN, GOOD_ORIGIN } from '../server/protocol.js';
import { checkSequence, noDamage } from './damage.js';
import type { ServerProcess } from '../server/child-process.js';
import type { Damage, ExcusedGap } from './damage.js';

/** How many well-behaved clients of each kind run beside the attack, and how busy they are. */
export interface CrewOptions {
  readonly ws: number;
  readonly ajax: number;
  /** Real `@sente/client`s (WebSocket, reconnecting). */
  readonly real: number;
  /**
   * Real `@sente/client`s on Ajax: clients of the extensions (`sente-ext=1`,
   * `sente-pos` on every poll), which must lose nothing within the push log's window.
   */
  readonly realAjax: number;
  /** Pause between one client's requests. */
  readonly requestGapMs: number;
  /** Interval of the server's push stream to every good uid. */
  readonly pushIntervalMs: number;
  /** Bound on each client's requests. */
  readonly maxRequests: number;
}

interface Member {
  readonly uid: string;
  readonly kind: 'ws' | 'ajax' | 'real' | 'real-ajax';
  /** Push sequence numbers seen, in arrival order. */
  pushes(): number[];
  /** Gaps this client's contract lets it lose (see {@link ExcusedGap}), and why. */
  readonly gaps: ExcusedGap[];
  /** Plain Ajax: times the server forgot it after its grace period (Sente's at-most-once). */
  readonly expiries: () => number;
  /** Plain Ajax: times the server forgot it sooner than its grace period allows. */
  readonly earlyExpiries: () => number;
  /** Extension client: handshakes that said the log could not cover its gap. */
  readonly unrecovered: () => number;
  /** One request; true when answered with its own data. */
  request(n: number): Promise<boolean>;
  /** True when the server closed or failed this client. */
  broken(): boolean;
  stop(): Promise<void>;
}

const REQUEST_TIMEOUT_MS = 8000;

/**
 * Well-behaved clients of one server, requesting and receiving a push
 * stream while the server is attacked; {@link stop} tells whether every
 * reply and every push arrived, in order.
 */
export class GoodCrew {
  private running = true;
  private readonly loops: Promise<void>[] = [];
  private readonly d: Damage = noDamage();

  private constructor(
    private readonly proc: ServerProcess,
    private readonly key: string,
    private readonly members: Member[],
    private readonly options: CrewOptions,
  ) {}

  /** Connects the crew to server `key` of `proc` at `url` (the server's own, or a proxy's) and starts it. */
  static async start(proc: ServerProcess, key: string, url: string, wire: Wire, label: string, options: CrewOptions): Promise<GoodCrew> {
    const members: Member[] = [];
    for (let i = 0; i < options.ws; i++) members.push(await wsMember(url, wire, `good-${label}-ws-${i}`));
    const graceMs = proc.spec.timing.msAllowReconnectBeforeCloseAjax;
    for (let i = 0; i < options.ajax; i++) members.push(await ajaxMember(url, wire, `good-${label}-ajax-${i}`, graceMs));
    for (let i = 0; i < options.real; i++) members.push(await realMember(url, wire, `good-${label}-real-${i}`, 'ws'));
    for (let i = 0; i < options.realAjax; i++) members.push(await realMember(url, wire, `good-${label}-real-ajax-${i}`, 'ajax'));
    const crew = new GoodCrew(proc, key, members, options);
    await proc.pushStart({ key, uids: members.map((m) => m.uid), intervalMs: options.pushIntervalMs });
    for (const m of members) crew.loops.push(crew.requestLoop(m));
    return crew;
  }

  private async requestLoop(m: Member): Promise<void> {
    for (let n = 0; this.running && n < this.options.maxRequests; n++) {
      this.d.requests++;
      if (await m.request(n)) this.d.repliesOk++;
      else this.d.replyFailures++;
      await delay(this.options.requestGapMs);
    }
  }

  /**
   * Stops the requests and the push stream, waits for the last pushes, then
   * counts the damage; closes every client. A long-polling client gets one
   * batch per poll, so under load it may still be catching up when the
   * stream stops: the wait lasts while pushes keep arriving (up to
   * `capMs`), and ends once none has arrived for `stallMs`. Pushes the
   * server still holds, in order, for a client that has not caught up are
   * counted late, not missing; pushes to a plain client that the server
   * reported dropping at its queue bound (`ERR_SENTE_QUEUE_OVERFLOW`) are
   * counted apart, as Sente's at-most-once contract allows.
   */
  async stop(stallMs = 6000, capMs = 10_000): Promise<Damage> {
    this.running = false;
    await Promise.all(this.loops);
    const sent = await this.proc.pushStop(this.key);
    const t0 = Date.now();
    const seenCount = (): number => this.members.reduce((n, m) => n + m.pushes().length, 0);
    // A gap still open (no push seen since) may yet close: only closed gaps count here.
    // A client the server closed or failed is not waited for: that is damage already.
    const caughtUp = (m: Member): boolean => m.broken() || checkSequence(m.pushes(), sent[m.uid] ?? 0, m.gaps.filter((g) => g.before !== Infinity)).missing === 0;
    let count = seenCount();
    let progressAt = t0;
    while (!this.members.every(caughtUp) && Date.now() - progressAt < stallMs && Date.now() - t0 < capMs) {
      await delay(20);
      const now = seenCount();
      if (now > count) progressAt = Date.now();
      count = now;
    }
    const d = this.d;
    if (this.members.every(caughtUp)) d.slowestCatchUpMs = Date.now() - t0;
    // What the server still holds for a client that has not caught up: the tail of its
    // stream is late (queued, in order, for its next polls), not lost.
    const behind = this.members.filter((m) => !caughtUp(m)).map((m) => m.uid);
    const queued = new Set(behind.length === 0 ? [] : (await this.proc.records(this.key, behind)).filter((r) => r.queuedBatches > 0).map((r) => r.uid));
    // What the server reported dropping at a plain client's queue bound (ERR_SENTE_QUEUE_OVERFLOW):
    // Sente's contract is at-most-once, and the queue is bounded (a batch holds one push or more).
    const plain = this.members.filter((m) => m.kind === 'ajax' || m.kind === 'ws').map((m) => m.uid);
    const dropped = await this.proc.dropped(this.key, plain);
    d.clients = this.members.length;
    for (const m of this.members) {
      const expected = sent[m.uid] ?? 0;
      const seen = m.pushes();
      const { missing, excused, outOfOrder } = checkSequence(seen, expected, m.gaps);
      let last = -1;
      for (const x of seen) if (x > last) last = x;
      const late = queued.has(m.uid) ? Math.min(missing, expected - 1 - last) : 0;
      const atBound = Math.min(missing - late, dropped[m.uid] ?? 0);
      d.pushesSent += expected;
      d.pushesSeen += seen.length;
      d.pushesMissing += missing - late - atBound;
      d.pushesLate += late;
      d.pushesDroppedAtBound += atBound;
      if (m.kind === 'ajax' || m.kind === 'real-ajax') d.ajaxPushesMissing += missing - late - atBound;
      if (m.kind === 'ajax') d.pushesLostAtExpiry += excused;
      else d.pushesLostBeyondLog += excused;
      d.ajaxExpiries += m.expiries();
      d.earlyExpiries += m.earlyExpiries();
      d.unrecovered += m.unrecovered();
      d.pushesOutOfOrder += outOfOrder;
      if (m.broken()) d.unexpectedCloses++;
      if (process.env['TORTURE_DEBUG'] && missing + excused > 0) {
        console.error(`crew ${m.uid}: sent ${expected}, seen ${seen.length}, missing ${missing} (late ${late}, dropped at the queue bound ${atBound}), excused ${excused} (gaps ${JSON.stringify(m.gaps)})`);
      }
    }
    await Promise.all(this.members.map((m) => m.stop()));
    return d;
  }
}

/** Opens an excused gap after the last push `seqs` holds; the next push seen closes it. */
function openGap(gaps: ExcusedGap[], seqs: readonly number[]): void {
  gaps.push({ after: seqs.length === 0 ? -1 : Math.max(...seqs), before: Infinity });
}

/** Records push `seq`: it closes the open gaps. */
function seePush(gaps: ExcusedGap[], seqs: number[], seq: number): void {
  seqs.push(seq);
  for (const g of gaps) if (g.before === Infinity) g.before = seq;
}

function pushSeqs(wire: Wire, raw: Packed, into: number[]): void {
  let events: unknown[];
  try {
    events = wire.pushedEvents(raw);
  } catch {
    return; // a reply or a keyword, not a push batch
  }
  for (const ev of events as [string, unknown][]) if (ev[0] === 'good/push' && typeof ev[1] === 'number') into.push(ev[1]);
}

async function wsMember(url: string, wire: Wire, uid: string): Promise<Member> {
  const c = await RawWsClient.open(url, wire, { params: { uid }, csrfToken: CSRF_TOKEN, headers: { origin: GOOD_ORIGIN } });
  let stopping = false;
  return {
    uid,
    kind: 'ws',
    pushes: () => {
      const seqs: number[] = [];
      for (const f of c.frames.slice(1)) pushSeqs(wire, f.raw, seqs);
      return seqs;
    },
    request: async (n) => {
      const data = `${uid}:${n}`;
      try {
        const r = await c.request(['good/echo', data]);
        return r.value === data;
      } catch {
        return false;
      }
    },
    gaps: [],
    expiries: () => 0,
    earlyExpiries: () => 0,
    unrecovered: () => 0,
    broken: () => !stopping && c.closeInfo !== undefined,
    stop: async () => {
      stopping = true;
      await c.close();
    },
  };
}

/**
 * A plain Sente client on Ajax (no extensions), judged by Sente's contract:
 * at-most-once. When its next poll reaches the server after the Ajax grace
 * period (`graceMs`: a loaded machine), the server has forgotten it and
 * answers the poll with a handshake; what was queued for it, and what was
 * pushed until then, is lost. Such a poll is told apart from a server that
 * forgot a client too early: the handshake must come at least `graceMs`
 * after the previous poll was sent (the server answered that poll after it
 * was sent, and handled this one before answering it).
 */
async function ajaxMember(url: string, wire: Wire, uid: string, graceMs: number): Promise<Member> {
  const c = new RawAjaxClient(url, wire, { params: { uid }, csrfToken: CSRF_TOKEN, headers: { origin: GOOD_ORIGIN } });
  let lastSent = Date.now();
  await c.handshake();
  let failed = false;
  let stopping = false;
  let expiries = 0;
  let early = 0;
  const seqs: number[] = [];
  const gaps: ExcusedGap[] = [];
  // The client's poll loop; a poll answered with a handshake means the server forgot this client.
  const loop = (async () => {
    while (!stopping) {
      let a;
      const previousSent = lastSent;
      const t = (lastSent = Date.now());
      try {
        a = await c.get();
        if (process.env['TORTURE_DEBUG'] && Date.now() - t > 2500) console.error(`crew ${uid}: poll took ${Date.now() - t} ms, status ${a.status}, ${a.text.slice(0, 80)}`);
      } catch (e) {
        if (stopping) break;
        // A failed poll is retried, as a real client does; it counts as damage.
        failed = true;
        if (process.env['TORTURE_DEBUG']) console.error(`crew ${uid}: poll failed: ${(e as Error).message} ${String((e as Error).cause)}`);
        continue;
      }
      if (a.status !== 200 || wire.isKeyword(a.body, 'chsk/timeout')) {
        if (a.status !== 200) failed = true;
        continue;
      }
      const { content } = wire.decode(a.body);
      if (isHandshake(content)) {
        const ms = Date.now() - previousSent;
        if (ms >= graceMs) expiries++;
        else early++;
        openGap(gaps, seqs);
        if (process.env['TORTURE_DEBUG']) console.error(`crew ${uid}: forgotten by the server, ${ms} ms after the previous poll was sent (grace ${graceMs} ms)`);
        continue; // as a Sente client does: the handshake is the new connection; it polls on
      }
      if (!Array.isArray(content) || content.some((ev) => !Array.isArray(ev))) {
        failed = true;
        break;
      }
      for (const ev of wire.pushedEvents(a.body)) if (ev[0] === 'good/push' && typeof ev[1] === 'number') seePush(gaps, seqs, ev[1]);
    }
  })();
  return {
    uid,
    kind: 'ajax',
    pushes: () => seqs,
    gaps,
    expiries: () => expiries,
    earlyExpiries: () => early,
    unrecovered: () => 0,
    request: async (n) => {
      const data = `${uid}:${n}`;
      try {
        const a = await c.post(['good/echo', data], { reply: true });
        if (a.status !== 200) failed = true;
        return a.status === 200 && wire.decode(a.body).content === data;
      } catch {
        return false;
      }
    },
    // The poll loop ends on its own only when a poll was not answered 200.
    broken: () => !stopping && failed,
    stop: async () => {
      stopping = true;
      c.abort();
      await loop;
    },
  };
}

/**
 * A real `@sente/client`, a client of the extensions, judged by this
 * library's contract: nothing lost within the push log's window. A gap is
 * excused only when a handshake said the log could not cover it
 * (`recovered: false`).
 */
async function realMember(url: string, wire: Wire, uid: string, type: 'ws' | 'ajax'): Promise<Member> {
  const seqs: number[] = [];
  const gaps: ExcusedGap[] = [];
  let unrecovered = 0;
  const client: SenteClient = createSenteClient(url, CSRF_TOKEN, {
    WebSocket: BrowserLikeWebSocket,
    onError: () => {},
    type,
    packer: wire.packer,
    params: { uid },
    // No keep-alive on Ajax, as the raw clients: the server's idle sockets (Fastify keeps them 72 s)
    // would otherwise count as handles left behind once the clients are gone.
    headers: type === 'ajax' ? { origin: GOOD_ORIGIN, connection: 'close' } : { origin: GOOD_ORIGIN },
  });
  client.on('handshake', (h) => {
    if (h.recovered !== false) return;
    unrecovered++;
    openGap(gaps, seqs);
  });
  client.on('event', (ev) => {
    if (ev[0] === 'good/push' && typeof ev[1] === 'number') seePush(gaps, seqs, ev[1]);
  });
  const open = Date.now() + 5000;
  while (!client.state.open && Date.now() < open) await delay(10);
  return {
    uid,
    kind: type === 'ws' ? 'real' : 'real-ajax',
    pushes: () => seqs,
    gaps,
    expiries: () => 0,
    earlyExpiries: () => 0,
    unrecovered: () => unrecovered,
    request: async (n) => {
      const data = `${uid}:${n}`;
      try {
        return (await client.request(['good/echo', data], REQUEST_TIMEOUT_MS)) === data;
      } catch {
        return false;
      }
    },
    broken: () => false,
    stop: async () => {
      client.disconnect();
    },
  };
}
