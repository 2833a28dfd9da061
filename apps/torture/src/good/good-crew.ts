import { createSenteClient } from '@sente/client';
import { BrowserLikeWebSocket } from './browser-like-ws.js';
import type { SenteClient } from '@sente/client';
import type { Packed } from '@sente/core';
import { RawAjaxClient, RawWsClient, Wire, delay } from '../conformance-clients.js';
import { CSRF_TOKEN, GOOD_ORIGIN } from '../server/protocol.js';
import { checkSequence, noDamage } from './damage.js';
import type { ServerProcess } from '../server/child-process.js';
import type { Damage } from './damage.js';

/** How many well-behaved clients of each kind run beside the attack, and how busy they are. */
export interface CrewOptions {
  readonly ws: number;
  readonly ajax: number;
  /** Real `@sente/client`s (WebSocket, reconnecting). */
  readonly real: number;
  /** Pause between one client's requests. */
  readonly requestGapMs: number;
  /** Interval of the server's push stream to every good uid. */
  readonly pushIntervalMs: number;
  /** Bound on each client's requests. */
  readonly maxRequests: number;
}

interface Member {
  readonly uid: string;
  readonly kind: 'ws' | 'ajax' | 'real';
  /** Push sequence numbers seen, in arrival order. */
  pushes(): number[];
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
    for (let i = 0; i < options.ajax; i++) members.push(await ajaxMember(url, wire, `good-${label}-ajax-${i}`));
    for (let i = 0; i < options.real; i++) members.push(await realMember(url, wire, `good-${label}-real-${i}`));
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
   * counts the damage; closes every client.
   */
  async stop(deadlineMs = 6000): Promise<Damage> {
    this.running = false;
    await Promise.all(this.loops);
    const sent = await this.proc.pushStop(this.key);
    const end = Date.now() + deadlineMs;
    const complete = (): boolean => this.members.every((m) => new Set(m.pushes()).size >= (sent[m.uid] ?? 0));
    while (!complete() && Date.now() < end && !this.members.some((m) => m.broken())) await delay(20);
    const d = this.d;
    d.clients = this.members.length;
    for (const m of this.members) {
      const expected = sent[m.uid] ?? 0;
      const seen = m.pushes();
      const { missing, outOfOrder } = checkSequence(seen, expected);
      d.pushesSent += expected;
      d.pushesSeen += seen.length;
      d.pushesMissing += missing;
      if (m.kind === 'ajax') d.ajaxPushesMissing += missing;
      d.pushesOutOfOrder += outOfOrder;
      if (m.broken()) d.unexpectedCloses++;
      if (process.env['TORTURE_DEBUG'] && missing > 0) console.error(`crew ${m.uid}: sent ${expected}, seen ${seen.length}, missing ${missing}`);
    }
    await Promise.all(this.members.map((m) => m.stop()));
    return d;
  }
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
    broken: () => !stopping && c.closeInfo !== undefined,
    stop: async () => {
      stopping = true;
      await c.close();
    },
  };
}

async function ajaxMember(url: string, wire: Wire, uid: string): Promise<Member> {
  const c = new RawAjaxClient(url, wire, { params: { uid }, csrfToken: CSRF_TOKEN, headers: { origin: GOOD_ORIGIN } });
  await c.handshake();
  let failed = false;
  let stopping = false;
  const seqs: number[] = [];
  // The client's poll loop, which also notices when a poll is answered with a
  // handshake: the server forgot this client, a damage.
  const loop = (async () => {
    while (!stopping) {
      let a;
      const t = Date.now();
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
      if (!Array.isArray(content) || content.some((ev) => !Array.isArray(ev))) {
        failed = true;
        break;
      }
      for (const ev of wire.pushedEvents(a.body)) if (ev[0] === 'good/push' && typeof ev[1] === 'number') seqs.push(ev[1]);
    }
  })();
  return {
    uid,
    kind: 'ajax',
    pushes: () => seqs,
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

async function realMember(url: string, wire: Wire, uid: string): Promise<Member> {
  const seqs: number[] = [];
  const client: SenteClient = createSenteClient(url, CSRF_TOKEN, {
    WebSocket: BrowserLikeWebSocket,
    onError: () => {},
    type: 'ws',
    packer: wire.packer,
    params: { uid },
    headers: { origin: GOOD_ORIGIN },
  });
  client.on('event', (ev) => {
    if (ev[0] === 'good/push' && typeof ev[1] === 'number') seqs.push(ev[1]);
  });
  const open = Date.now() + 5000;
  while (!client.state.open && Date.now() < open) await delay(10);
  return {
    uid,
    kind: 'real',
    pushes: () => seqs,
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
