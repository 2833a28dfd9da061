import { CLOSE_CODES } from './ids.js';
import { senteError } from './errors.js';
import { Outbox } from './outbox.js';
import { headerValue } from './request.js';
import type { WireEvent } from './event.js';
import type { ClientInfo } from './server-types.js';
import type { ErrorContext } from './options.js';
import type { Packed, TextParts } from './packer.js';
import type { SenteRequest } from './request.js';
import type { Timer } from './timers.js';
import type { Hub } from './hub.js';
import type { Session } from './session.js';

const MAX_TIMER_MS = 2 ** 31 - 1;

/** The time this module loaded (ms since the epoch): clients' times are kept from here, as small integers. */
const EPOCH = Date.now();

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** 16 random bytes, hex: a secret nobody can guess. One flat string (a `+=` loop would keep a chain of 31 pieces). */
function secureId(): string {
  const b = new Uint8Array(16);
  globalThis.crypto.getRandomValues(b);
  return Array.from(b, (x) => HEX[x] as string).join('');
}

/** A transport of Sente. */
export type Transport = 'ws' | 'ajax';

/** A server request waiting in a client's queue: its id and event. */
export interface QueuedRequest {
  readonly id: string;
  readonly event: WireEvent;
}

/**
 * What few clients ever have: server requests waiting, an expiry, a refresh
 * key, pushes held or queued. One object, made when first needed: a record kept per
 * open connection stays small.
 */
class Rare {
  /** Payloads that are not pushes (server→client requests), sent before the queued pushes. */
  control: Packed[] | undefined = undefined;
  /** The server request each {@link control} payload is, if it is one (same indexes). */
  controlRequests: (QueuedRequest | undefined)[] | undefined = undefined;
  /** When the client's credentials expire (ms since the epoch), when the app says. */
  expiresAt: number | undefined = undefined;
  expiry: Timer | undefined = undefined;
  key: string | undefined = undefined;
  /** Pushes that arrived while the client's replay was read (with a backplane): they go after it. */
  gated: Packed[] | undefined = undefined;
  /** The pushes waiting for this client; made when the first one has to wait (a live socket's go straight out). */
  outbox: Outbox | undefined = undefined;
  /** True once a later request came from another address than the first: {@link address} is then the first's. */
  moved = false;
  address: string | undefined = undefined;
}

/**
 * The grace timer of each client that has no channel now (between an Ajax
 * client's polls, a WebSocket client's sockets): not a field of every record,
 * since a live socket's client has none. Every entry goes when its timer
 * fires or is cancelled.
 */
const graces = new Map<ClientConn, Timer>();

/** {@link ClientConn}'s flags, in one small integer: a record kept per open connection stays small. */
const AJAX = 1;
const COUNTED = 2;
const EXT = 4;

/**
 * One client (a client id of a uid) on one transport, from its first request
 * until its reconnect grace period runs out. It owns its queue of pushes and
 * its grace timer; its current channel is a {@link Session}.
 */
export class ClientConn {
  /** The live channel: an open WebSocket or a parked poll; null between them. */
  session: Session | null = null;
  /** {@link AJAX}, {@link COUNTED} and {@link EXT}. */
  private flags: number;
  /**
   * When this client first connected, in ms since {@link EPOCH}: a small
   * integer, held in the field itself (ms since 1970 would box a heap number
   * per client).
   */
  private readonly born: number;
  /** See {@link Rare}. */
  private rare: Rare | undefined;
  private req: SenteRequest;

  constructor(
    transport: Transport,
    /** The uid; a credential refresh may move the client to another. */
    public uid: string,
    readonly clientId: string,
    request: SenteRequest,
    readonly hub: Hub,
  ) {
    this.flags = transport === 'ajax' ? AJAX : 0;
    this.req = request;
    const born = hub.opts.clock.now() - EPOCH;
    // `| 0` makes it a small integer for V8 (the difference of two times is a float to it), while it fits.
    this.born = born === (born | 0) ? born | 0 : born;
  }

  get transport(): Transport {
    return (this.flags & AJAX) === 0 ? 'ws' : 'ajax';
  }

  /** True once this client counts in the connected uids. */
  get counted(): boolean {
    return (this.flags & COUNTED) !== 0;
  }

  set counted(on: boolean) {
    this.flags = on ? this.flags | COUNTED : this.flags & ~COUNTED;
  }

  /** True for a client of this library's extensions (`sente-ext`): it gets positioned batches and replays. */
  get ext(): boolean {
    return (this.flags & EXT) !== 0;
  }

  set ext(on: boolean) {
    this.flags = on ? this.flags | EXT : this.flags & ~EXT;
  }

  /** The request of the latest channel (for WebSocket, the upgrade request). */
  get request(): SenteRequest {
    return this.req;
  }

  set request(req: SenteRequest) {
    // The first request's address stays this client's (the admission counts it there).
    if (req.remoteAddress !== this.req.remoteAddress && this.rare?.moved !== true) {
      const rare = (this.rare ??= new Rare());
      rare.moved = true;
      rare.address = this.req.remoteAddress;
    }
    this.req = req;
  }

  /** The remote address of the request that created this client. */
  get address(): string | undefined {
    const rare = this.rare;
    return rare !== undefined && rare.moved ? rare.address : this.req.remoteAddress;
  }

  /** The pushes waiting for this client (see {@link Rare.outbox}). */
  private get outbox(): Outbox | undefined {
    return this.rare?.outbox;
  }

  private set outbox(outbox: Outbox | undefined) {
    if (outbox !== undefined) (this.rare ??= new Rare()).outbox = outbox;
    else if (this.rare !== undefined) this.rare.outbox = undefined;
  }

  /** When this client first connected (ms since the epoch). */
  get since(): number {
    return EPOCH + this.born;
  }

  /** The key a refresh over HTTP must present (a client of the extensions gets it in its handshake). */
  get refreshKey(): string {
    return ((this.rare ??= new Rare()).key ??= secureId());
  }

  /** When this client's credentials expire (ms since the epoch), when the app says. */
  get expiresAt(): number | undefined {
    return this.rare?.expiresAt;
  }

  /** Arms the expiry of this client's credentials at `at` (none when undefined): then `onExpire` runs. */
  setExpiry(at: number | undefined, onExpire: () => void): void {
    const had = this.rare;
    if (had === undefined && at === undefined) return;
    const rare = (this.rare = had ?? new Rare());
    rare.expiry?.cancel();
    rare.expiry = undefined;
    rare.expiresAt = at;
    if (at === undefined) return;
    const wait = at - this.hub.opts.clock.now();
    // Timers hold at most 2^31-1 ms: a later expiry re-arms when that runs out.
    rare.expiry = this.hub.timers.set(() => {
      rare.expiry = undefined;
      if (this.hub.opts.clock.now() < at) this.setExpiry(at, onExpire);
      else onExpire();
    }, Math.min(MAX_TIMER_MS, Math.max(0, wait)));
  }


  get context(): ErrorContext {
    return { uid: this.uid, clientId: this.clientId, transport: this.transport };
  }

  /** `session` is this client's channel now; an older one is superseded. */
  attach(session: Session): void {
    this.cancelGrace();
    const old = this.session;
    this.session = session;
    // A client id opened a new socket or poll while its old one lives on: the
    // old one is stale; end it so that it does not linger until its own timeout.
    old?.end(CLOSE_CODES.normal, 'Superseded');
    this.hub.connected(this);
    this.drain();
  }

  /** `session` ended; if it was the current one, the grace period starts. */
  detach(session: Session): void {
    if (this.session !== session) return;
    this.session = null;
    this.startGrace();
  }

  /** The client has no channel (a handshake, or a channel gone): it has the grace period to come back. */
  startGrace(): void {
    this.cancelGrace();
    const ms = this.transport === 'ws' ? this.hub.opts.msAllowReconnectBeforeCloseWs : this.hub.opts.msAllowReconnectBeforeCloseAjax;
    graces.set(
      this,
      this.hub.timers.set(() => {
        graces.delete(this);
        this.hub.expired(this);
      }, ms),
    );
  }

  /** Push batches waiting for this client. */
  get queuedBatches(): number {
    return this.outbox === undefined ? 0 : this.outbox.length;
  }

  /** Bytes of the push batches waiting for this client. */
  get queuedBytes(): number {
    return this.outbox === undefined ? 0 : this.outbox.bytes;
  }

  /** Drops the push batches waiting for this client; returns how many went. */
  clearQueue(): number {
    const n = this.queuedBatches;
    this.outbox = undefined;
    return n;
  }

  /** Hands a packed batch to the client, behind whatever is already queued for it; `parts` go with it when it is written at once. */
  push(payload: Packed, parts?: TextParts): void {
    const gated = this.rare?.gated;
    if (gated !== undefined) {
      gated.push(payload);
      return;
    }
    if (this.queuedBatches === 0 && this.session?.write(payload, parts)) return;
    this.queue(payload);
    if ((this.outbox as Outbox).overBound) return this.overflow();
    this.drain();
  }

  private queue(payload: Packed): void {
    (this.outbox ??= new Outbox(this.hub.opts.maxQueuedBatches, this.hub.opts.maxQueuedBytes)).push(payload);
  }

  /** Sends a payload that is not a push (a request to the client), ahead of queued pushes. */
  send(payload: Packed, request?: QueuedRequest): void {
    const rare = (this.rare ??= new Rare());
    (rare.control ??= []).push(payload);
    (rare.controlRequests ??= []).push(request);
    this.drain();
  }

  /**
   * Takes the server requests not written yet out of the queue (an Ajax
   * client another node took over: they follow it there).
   */
  takeRequests(): QueuedRequest[] {
    const rare = this.rare;
    const requests = (rare?.controlRequests ?? []).filter((r): r is QueuedRequest => r !== undefined);
    if (rare === undefined || requests.length === 0) return requests;
    const keep = (rare.control ?? []).filter((_, i) => rare.controlRequests?.[i] === undefined);
    rare.control = keep.length === 0 ? undefined : keep;
    rare.controlRequests = keep.length === 0 ? undefined : keep.map(() => undefined);
    return requests;
  }

  /** Writes what is queued, in order, while the session takes it. */
  drain(): void {
    const rare = this.rare;
    const control = rare?.control;
    if (rare !== undefined && control !== undefined) {
      while (this.session !== null && control.length > 0 && this.session.write(control[0] as Packed)) {
        control.shift();
        rare.controlRequests?.shift();
      }
      if (control.length === 0) rare.control = rare.controlRequests = undefined;
    }
    const outbox = this.outbox;
    if (outbox === undefined) return;
    let next: Packed | undefined;
    while (this.session !== null && (next = outbox.peek()) !== undefined && this.session.write(next)) outbox.shift();
    if (outbox.length === 0 && this.outbox === outbox) this.outbox = undefined;
  }

  /**
   * The client came back with a position: what it missed (`replay`, packed)
   * takes the place of the pushes queued for it, which the log holds too —
   * or, when the log could not cover the gap, nothing does.
   */
  recover(replay: readonly Packed[]): void {
    this.clearQueue();
    for (const p of replay) this.queue(p);
    this.ungate();
  }

  /**
   * Holds the pushes that arrive from now on until {@link recover} or
   * {@link ungate}: a backplane reads the replay asynchronously, and a push
   * that arrives meanwhile must come after it, not be lost with the queue.
   */
  gate(): void {
    (this.rare ??= new Rare()).gated ??= [];
  }

  /** Queues the held pushes (see {@link gate}), in order. */
  ungate(): void {
    const rare = this.rare;
    const held = rare?.gated;
    if (rare === undefined || held === undefined) return;
    rare.gated = undefined;
    for (const p of held) this.push(p);
  }

  /** Ends the channel from the server's side; the grace period starts. */
  end(code: number, reason: string): void {
    this.session?.end(code, reason);
  }

  /** Lets go of everything: timers, the channel, the queue (reported when not empty). */
  dispose(): void {
    this.cancelGrace();
    const rare = this.rare;
    if (rare !== undefined) {
      rare.expiry?.cancel();
      rare.expiry = undefined;
      rare.control = rare.controlRequests = undefined;
      rare.gated = undefined;
    }
    const dropped = this.clearQueue();
    // A client of the extensions finds what it missed in the push log when it comes back.
    if (dropped > 0 && !this.ext) {
      // At most once: a client gone for its whole grace period loses what waited for it.
      this.hub.report(senteError('ERR_SENTE_UNDELIVERED', `${dropped} push batch(es) dropped: the client did not come back`), this.context);
    }
  }

  /** Over the queue's bound: the oldest batches go; a socket that cannot keep up is closed (1013). */
  private overflow(): void {
    // A client of the extensions replays from the log when it comes back: its queue goes whole.
    const dropped = this.ext ? this.clearQueue() : (this.outbox as Outbox).trim();
    this.hub.report(senteError('ERR_SENTE_QUEUE_OVERFLOW', `Push queue full: ${dropped} oldest batch(es) dropped`), this.context);
    if (this.transport === 'ws') return this.end(CLOSE_CODES.slowConsumer, 'Slow consumer');
    if (this.ext) {
      // An Ajax client cannot be closed: it is forgotten now, so that its next poll is a
      // handshake, where it gives its position and gets what it missed from the log.
      this.end(CLOSE_CODES.slowConsumer, 'Slow consumer');
      this.hub.expired(this);
    }
  }

  private cancelGrace(): void {
    const grace = graces.get(this);
    if (grace === undefined) return;
    grace.cancel();
    graces.delete(this);
  }
}

/**
 * The clients of a server, by transport, uid and client id, and by client id
 * alone. Two uids may hold the same client id (a forged id, or a login in
 * progress): their records stay apart, and a push addressed by client id alone
 * reaches a client id only while one uid holds it.
 */
export class ClientTable {
  /** Each uid's records by transport: the record itself while it is the uid's only one there (the common case, no Map). */
  private readonly byUid = { ws: new Map<string, ClientConn | Map<string, ClientConn>>(), ajax: new Map<string, ClientConn | Map<string, ClientConn>>() };
  /** Each client id's records: the record itself while it is the only one (the common case, no Set). */
  private readonly byClientId = new Map<string, ClientConn | Set<ClientConn>>();

  /**
   * The records of `transport`, read by name: `byUid[transport]`, a property
   * whose name varies, is a megamorphic load in V8 (about 100 instructions,
   * twice per push).
   */
  private on(transport: Transport): Map<string, ClientConn | Map<string, ClientConn>> {
    return transport === 'ws' ? this.byUid.ws : this.byUid.ajax;
  }

  get(transport: Transport, uid: string, clientId: string): ClientConn | undefined {
    const r = this.on(transport).get(uid);
    if (r instanceof ClientConn) return r.clientId === clientId ? r : undefined;
    return r?.get(clientId);
  }

  /** True when some uid has a client on `transport`. */
  anyOn(transport: Transport): boolean {
    return this.on(transport).size !== 0;
  }

  /** The clients of `uid` on `transport`: its only one, or a Map of them by client id. */
  clientsOf(transport: Transport, uid: string): Clients | undefined {
    return this.on(transport).get(uid);
  }

  /** The client to reach `clientId` of `uid` through: its live channel first (a socket, a parked poll), else one that will be back. */
  reachable(uid: string, clientId: string): ClientConn | undefined {
    const ws = this.get('ws', uid, clientId);
    const ajax = this.get('ajax', uid, clientId);
    return ws?.session != null ? ws : ajax?.session != null ? ajax : (ws ?? ajax);
  }

  /** Batches and bytes queued for every client. */
  queued(): { queuedBatches: number; queuedBytes: number } {
    let queuedBatches = 0;
    let queuedBytes = 0;
    for (const c of this.all()) {
      queuedBatches += c.queuedBatches;
      queuedBytes += c.queuedBytes;
    }
    return { queuedBatches, queuedBytes };
  }

  /** A snapshot of every client, for dashboards. */
  snapshot(): ClientInfo[] {
    return [...this.all()].map((c) => ({
      uid: c.uid,
      clientId: c.clientId,
      transport: c.transport,
      live: c.session !== null,
      since: c.since,
      ext: c.ext,
      queuedBatches: c.queuedBatches,
      queuedBytes: c.queuedBytes,
      userAgent: headerValue(c.request.headers, 'user-agent'),
      remoteAddress: c.address,
    }));
  }

  /** True when `uid` has a client on either transport. */
  has(uid: string): boolean {
    return this.byUid.ws.has(uid) || this.byUid.ajax.has(uid);
  }

  /** True when this process holds a record of `clientId` (on either transport, for any uid). */
  holds(clientId: string): boolean {
    return this.byClientId.has(clientId);
  }

  /** The uid that holds `clientId`; `undefined` when none does, `null` when two uids do. */
  uidHolding(clientId: string): string | undefined | null {
    const records = this.byClientId.get(clientId);
    if (records instanceof ClientConn) return records.uid;
    let uid: string | undefined;
    for (const r of records ?? []) {
      if (uid === undefined) uid = r.uid;
      else if (r.uid !== uid) return null;
    }
    return uid;
  }

  add(client: ClientConn): void {
    const byUid = this.byUid[client.transport];
    const m = byUid.get(client.uid);
    if (m === undefined || (m instanceof ClientConn && m.clientId === client.clientId)) byUid.set(client.uid, client);
    else if (m instanceof ClientConn) byUid.set(client.uid, new Map([[m.clientId, m], [client.clientId, client]]));
    else m.set(client.clientId, client);
    const r = this.byClientId.get(client.clientId);
    if (r === undefined) this.byClientId.set(client.clientId, client);
    else if (r instanceof ClientConn) this.byClientId.set(client.clientId, new Set([r, client]));
    else r.add(client);
  }

  /** Removes `client`; true when it was the uid's last client on its transport. */
  remove(client: ClientConn): boolean {
    const byUid = this.byUid[client.transport];
    const m = byUid.get(client.uid);
    if (m === undefined || (m instanceof ClientConn ? m !== client : m.get(client.clientId) !== client)) return false;
    const r = this.byClientId.get(client.clientId);
    if (r === client) this.byClientId.delete(client.clientId);
    else if (r instanceof Set) {
      r.delete(client);
      if (r.size === 1) this.byClientId.set(client.clientId, r.values().next().value as ClientConn);
    }
    if (m instanceof ClientConn) {
      byUid.delete(client.uid);
      return true;
    }
    m.delete(client.clientId);
    // One left: held as itself again.
    if (m.size === 1) byUid.set(client.uid, m.values().next().value as ClientConn);
    return false;
  }

  /** Every record, both transports. */
  *all(): IterableIterator<ClientConn> {
    for (const t of ['ws', 'ajax'] as const) for (const m of this.byUid[t].values()) yield* eachClient(m);
  }

  count(transport: Transport): number {
    let n = 0;
    for (const m of this.on(transport).values()) n += m instanceof ClientConn ? 1 : m.size;
    return n;
  }
}

/** A uid's clients on one transport: the one record, or a Map of them by client id. */
export type Clients = ClientConn | ReadonlyMap<string, ClientConn>;

/** The records of `clients`, as a list of their own (safe to change the table while going through it). */
export function eachClient(clients: Clients): ClientConn[] {
  return clients instanceof ClientConn ? [clients] : [...clients.values()];
}
