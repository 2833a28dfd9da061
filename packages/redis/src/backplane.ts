import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { asSenteError, senteError } from '@sente/core';
import { decodeBody, encodeBody, packedToText, parseBroadcast, parseUidMessage, textToPacked } from './codec.js';
import { Keys, LogStore, newEpoch, refreshEvery, supportsSharded } from './keys.js';
import { positive } from './options.js';
import { Topics } from './topics.js';
import { CLAIM, PRESENCE_BEAT, PRESENCE_CHANGE, PRESENCE_JOIN, PRESENCE_LEAVE, PRESENCE_SNAPSHOT, REFRESH, ROUTE, UNCLAIM, run } from './scripts.js';
import type {
  Backplane,
  BackplaneClient,
  BackplaneNode,
  LogEntry,
  LogPosition,
  Recovery,
  SenteError,
  SenteErrorCode,
  Transport,
  WireEvent,
  ErrorContext,
} from '@sente/core';
import type { Broadcast, DecodedBody, UidMessage } from './codec.js';
import type { LogRead } from './keys.js';
import type { RedisBackplaneOptions } from './options.js';

/** Counts of what a backplane holds, to observe it and prove that nothing leaks. */
export interface RedisBackplaneStats {
  /** Uids this node is subscribed to. */
  readonly heldUids: number;
  /** Pushes sent to Redis and not yet acknowledged (held while Redis is unreachable). */
  readonly bufferedPushes: number;
  /** Client ids this node claims in the cluster. */
  readonly claimedClients: number;
  /** Live timers (heartbeat, delayed unsubscribes). */
  readonly timers: number;
  /** True while both connections to Redis are up. */
  readonly connected: boolean;
}

/** A Redis backplane: a {@link Backplane} for `options.backplane` of any Sente server. */
export interface RedisBackplane extends Backplane {
  /** Counts of what it holds. */
  stats(): RedisBackplaneStats;
  /** The side channel, on the classic pub/sub channel `<prefix>:topic:<topic>` (see {@link Backplane.publishTopic}). */
  publishTopic(topic: string, data: unknown): boolean;
  subscribeTopic(topic: string, listener: (data: unknown) => void): () => void;
  /**
   * Drops the connections at once, without leaving the cluster, as a crash
   * would: this node's connected uids and client ids expire after
   * `presenceTtlMs` (swept by the other nodes). For tests and emergencies.
   */
  abandon(): void;
}

/** One uid this node is subscribed to: where its log is, as delivered here. */
interface Held {
  ready: Promise<void>;
  /** True once its position is known: messages are processed as they come. */
  live: boolean;
  epoch: string | undefined;
  /** The offset of the last entry delivered here. */
  top: number;
  /** There, the number of the uid's own pushes, and the broadcast log's generation and sequence (keys.ts, LogRead). */
  own: number;
  generation: string | undefined;
  bseq: number;
  /** Messages waiting: before `live`, and while a gap is filled from the log. */
  queue: UidMessage[];
  filling: boolean;
  release: NodeJS.Timeout | undefined;
}

const SUBSCRIBE_BATCH = 512;
const REFRESH_BATCH = 500;

/**
 * Creates a backplane on Redis for one Sente server (give it as the server's
 * `backplane` option; `server.close()` closes it).
 *
 * - Each push is one Lua script: the uid's offset is incremented, the push is
 *   appended to the uid's stream (trimmed by count; the age window holds on
 *   read) and published on the uid's channel, atomically — publish order is log order.
 * - A broadcast is one script too, whatever the number of uids: written once
 *   in the broadcast stream, which every uid's log includes (its offsets count
 *   both: scripts.ts, `UID_META`), and published once on a channel every node
 *   subscribes to; each node places it in the logs of the uids it holds.
 * - A node subscribes only to the uids it has clients of (sharded pub/sub on
 *   Redis 7+), delivers each uid's pushes in offset order, and fills any gap
 *   (a lost message, a reconnect) from the stream.
 * - Replay reads the stream (Centrifuge's rule), so a client may come back to
 *   any node, or after every node restarted.
 * - Presence: per node, with heartbeats; `chsk/uidport-open`/`-close` once
 *   per uid per cluster.
 *
 * @example
 * ```ts
 * import { createRedisBackplane } from '@sente/redis';
 * import { createSenteServer } from '@sente/core';
 * import { json } from '@sente/packer-json';
 * const backplane = createRedisBackplane({ url: 'redis://127.0.0.1:6379', prefix: 'chat' });
 * const server = createSenteServer({ packer: json, backplane });
 * await backplane.ready;
 * ```
 */
export function createRedisBackplane(options: RedisBackplaneOptions = {}): RedisBackplane {
  return new RedisBackplaneImpl(options);
}

class RedisBackplaneImpl implements RedisBackplane {
  readonly nodeId: string;
  readonly ready: Promise<void>;
  private markReady!: () => void;
  private node: BackplaneNode | undefined;
  private readonly keys: Keys;
  private readonly cmd: Redis;
  /** The control channels: this node's, and the presence's. */
  private readonly sub: Redis;
  /**
   * The uids' channels and the broadcast channel, on a connection of their
   * own: ioredis leaves subscriber mode when a SUNSUBSCRIBE leaves no
   * sharded channel, even with classic ones still subscribed on the same
   * connection. Both kinds of push come on this one connection, so in the
   * order Redis published them.
   */
  private readonly psub: Redis;
  private log: LogStore | undefined;
  private sharded = false;
  private readonly heartbeatMs: number;
  private readonly presenceTtlMs: number;
  private readonly maxBuffered: number;
  private readonly timeoutMs: number;
  private readonly releaseDelayMs: number;
  private readonly pubsubMode: 'auto' | 'sharded' | 'classic';
  private readonly held = new Map<string, Held>();
  /** This node's clients, per `<transport>|<uid>`, for a rejoin. */
  private readonly counts = new Map<string, number>();
  /** Client id → uid, of the clients this node claims. */
  private readonly claims = new Map<string, string>();
  /** The cluster's connected uids, as last heard, to diff a snapshot against. */
  private readonly view = { ws: new Set<string>(), ajax: new Set<string>() };
  /** The version of the last presence snapshot: older changes are in it. */
  private presenceVersion = 0;
  /**
   * The version of the change last applied, per `<transport>|<uid>`: a change
   * this node made is applied from the script's answer (so that the view holds
   * it when `chsk/uidport-open` is emitted), and its message, or an older one,
   * changes nothing when it comes. Dropped once no older message can come.
   */
  private readonly fieldVersions = new Map<string, number>();
  /** The version of the last presence message (or snapshot) applied. */
  private messageVersion = 0;
  /** The id of the cluster's presence in Redis (a new one after Redis lost its data). */
  private clusterId: string | undefined;
  /** Presence messages that arrive while a snapshot is read. */
  private presenceBacklog: string[] | undefined;
  private inflight = 0;
  /** When the held uids' logs last had their TTLs set again (beat). */
  private touched = 0;
  /** The last push sent: they are answered in order, so it is the one to wait for. */
  private lastPush: Promise<unknown> = Promise.resolve();
  private overflowing = false;
  private down = false;
  private started = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  private closed = false;
  /** The side channel's listeners (on the control subscriber). */
  private readonly topics: Topics;

  constructor(options: RedisBackplaneOptions) {
    const url = options.url ?? 'redis://127.0.0.1:6379';
    this.keys = new Keys(options.prefix ?? 'sente');
    this.heartbeatMs = positive('heartbeatMs', options.heartbeatMs, 5000);
    this.presenceTtlMs = positive('presenceTtlMs', options.presenceTtlMs, 15_000);
    if (this.presenceTtlMs < 2 * this.heartbeatMs) throw senteError('ERR_SENTE_BAD_OPTION', '@sente/redis: presenceTtlMs must be at least twice heartbeatMs');
    this.maxBuffered = positive('maxBufferedPushes', options.maxBufferedPushes, 10_000);
    this.timeoutMs = positive('timeoutMs', options.timeoutMs, 5000);
    this.releaseDelayMs = options.releaseDelayMs === 0 ? 0 : positive('releaseDelayMs', options.releaseDelayMs, 1000);
    this.pubsubMode = options.pubsub ?? 'auto';
    if (!['auto', 'sharded', 'classic'].includes(this.pubsubMode)) throw senteError('ERR_SENTE_BAD_OPTION', "@sente/redis: pubsub must be 'auto', 'sharded' or 'classic'");
    const id = options.nodeId ?? randomBytes(9).toString('base64url');
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw senteError('ERR_SENTE_BAD_OPTION', '@sente/redis: nodeId must be 1 to 64 letters, digits, - or _');
    this.nodeId = id;
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    const redisOptions = {
      lazyConnect: true,
      // Commands wait for a reconnect (bounded by maxBufferedPushes for pushes, by timeoutMs for handshakes).
      maxRetriesPerRequest: null,
      autoResubscribe: false,
      retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
    };
    this.cmd = new Redis(url, { ...redisOptions, connectionName: `sente:${id}` });
    this.sub = new Redis(url, { ...redisOptions, connectionName: `sente-sub:${id}` });
    this.psub = new Redis(url, { ...redisOptions, connectionName: `sente-push:${id}` });
    for (const [name, conn] of [
      ['command', this.cmd],
      ['subscriber', this.sub],
      ['push subscriber', this.psub],
    ] as const) {
      // node-redis and ioredis alike: without an error listener a dropped socket is an uncaught exception.
      conn.on('error', (e: Error) => this.lostRedis(name, e));
      conn.on('close', () => this.lostRedis(name, undefined));
    }
    this.topics = new Topics(this.keys.prefix, (e) => this.report('ERR_SENTE_HOOK_FAILED', 'A topic listener failed', e, {}));
    this.sub.on('message', (channel: string, msg: string) => {
      if (!this.closed && !this.topics.deliver(channel, msg)) this.onMessage(channel, msg);
    });
    this.psub.on('message', (channel: string, msg: string) => this.onMessage(channel, msg));
    this.psub.on('smessage', (channel: string, msg: string) => this.onMessage(channel, msg));
  }

  attach(node: BackplaneNode): void {
    if (this.node !== undefined) throw senteError('ERR_SENTE_BAD_OPTION', 'A backplane serves one server: create one per server');
    this.node = node;
    this.log = new LogStore(this.cmd, this.keys, node.replay, () => this.sharded);
    void this.start();
  }

  stats(): RedisBackplaneStats {
    let timers = this.heartbeat === undefined ? 0 : 1;
    for (const h of this.held.values()) if (h.release !== undefined) timers++;
    return {
      heldUids: this.held.size,
      bufferedPushes: this.inflight,
      claimedClients: this.claims.size,
      timers,
      connected: this.cmd.status === 'ready' && this.sub.status === 'ready' && this.psub.status === 'ready',
    };
  }

  // ---- side channel ------------------------------------------------------

  publishTopic(topic: string, data: unknown): boolean {
    const channel = this.topics.channel(topic);
    if (this.closed || !this.started || this.cmd.status !== 'ready') return false;
    const text = Topics.encode(data);
    if (text === undefined) return false;
    this.cmd.publish(channel, text).catch((e: unknown) => this.failed(e, {}));
    return true;
  }

  subscribeTopic(topic: string, listener: (data: unknown) => void): () => void {
    const channel = this.topics.channel(topic);
    if (this.closed) return () => undefined;
    // Subscribed now when the control subscriber is up (SUBSCRIBE is idempotent); at start and after a reconnect, with the rest.
    return this.topics.add(
      channel,
      listener,
      () => {
        if (this.sub.status === 'ready') this.sub.subscribe(channel).catch((e: unknown) => this.failed(e, {}));
      },
      () => {
        if (this.sub.status === 'ready' && !this.closed) this.sub.unsubscribe(channel).catch((e: unknown) => this.failed(e, {}));
      },
    );
  }

  // ---- pushes ------------------------------------------------------------

  publish(uid: string, event: WireEvent, clientId?: string, flush = false): void {
    const node = this.node;
    if (node === undefined || this.closed) return;
    const body = this.body(node, event, clientId, flush, clientId === undefined ? { uid } : { uid, clientId });
    if (body !== undefined) this.track((log) => log.publish(uid, body), { uid });
  }

  publishToClient(clientId: string, event: WireEvent, flush = false): void {
    const node = this.node;
    if (node === undefined || this.closed) return;
    const body = this.body(node, event, clientId, flush, { clientId });
    if (body === undefined) return;
    this.track(
      (log) =>
        log.publishToClient(clientId, body).then((r) => {
          if (r === -1) {
            node.report(senteError('ERR_SENTE_CLIENT_ID_CLASH', 'A push to a client id that two uids hold was not sent: address it with { uid, clientId }'), { clientId });
          }
          return r;
        }),
      { clientId },
    );
  }

  broadcast(event: WireEvent, flush = false): void {
    const node = this.node;
    if (node === undefined || this.closed) return;
    const body = this.body(node, event, undefined, flush, {});
    if (body !== undefined) this.track((log) => log.broadcast(body), {});
  }

  closeUser(uid: string): void {
    if (this.closed) return;
    this.track((log) => log.closeUser(uid), { uid });
  }

  private body(node: BackplaneNode, event: WireEvent, clientId: string | undefined, flush: boolean, context: ErrorContext): string | undefined {
    try {
      return encodeBody(node.packer, event, clientId, flush);
    } catch (e) {
      node.report(asSenteError(e, 'ERR_SENTE_PACK_FAILED', `Cannot pack event ${String(event[0])}: not sent`), context);
      return undefined;
    }
  }

  /** Sends a push in order; past `maxBufferedPushes` unacknowledged ones (Redis away), it is dropped and reported. */
  private track(send: (log: LogStore) => Promise<unknown>, context: ErrorContext): void {
    const log = this.log as LogStore;
    if (this.inflight >= this.maxBuffered) {
      if (!this.overflowing) {
        this.overflowing = true;
        this.report('ERR_SENTE_BACKPLANE_OVERFLOW', `${this.inflight} pushes wait for Redis: new pushes are dropped until it answers`, undefined, context);
      }
      return;
    }
    this.inflight++;
    const sent = send(log);
    this.lastPush = sent.catch(() => undefined);
    sent.then(
      () => this.settled(),
      (e: unknown) => {
        this.settled();
        if (!this.closed) this.report('ERR_SENTE_BACKPLANE_FAILED', `A push was refused by Redis: ${String((e as Error)?.message ?? e)}`, e, context);
      },
    );
  }

  private settled(): void {
    this.inflight--;
    if (this.overflowing && this.inflight < this.maxBuffered / 2) this.overflowing = false;
  }

  // ---- the log -----------------------------------------------------------

  async position(uid: string): Promise<LogPosition> {
    const r = await this.within(this.store().read(uid, -1));
    return { epoch: r.epoch, offset: r.top };
  }

  async recover(uid: string, since: LogPosition, clientId: string): Promise<Recovery> {
    const r = await this.within(this.store().read(uid, since.offset));
    const top = { epoch: r.epoch, offset: r.top };
    if (since.epoch !== r.epoch || since.offset > r.top) return { recovered: false, entries: [], top };
    if (since.offset === r.top) return { recovered: true, entries: [], top };
    // Centrifuge's rule: exactly the entries after the client's offset, up to the top, none expired.
    if (!this.whole(r, since.offset)) return { recovered: false, entries: [], top };
    const node = this.node as BackplaneNode;
    const entries: LogEntry[] = [];
    for (const e of r.entries) {
      const d = this.decode(node, e.body, uid);
      if (d === undefined) continue;
      if (d.clientId === undefined || d.clientId === clientId) entries.push({ offset: e.offset, event: d.event, clientId: d.clientId });
    }
    return { recovered: true, entries, top };
  }

  /** True when `r` holds every entry after `since` up to its top; `aged`: none older than the age window. */
  private whole(r: LogRead, since: number, aged = true): boolean {
    const cut = aged ? r.now - this.store().limits.maxAgeMs : -Infinity;
    let expected = since + 1;
    for (const e of r.entries) {
      if (e.offset !== expected++ || e.at < cut) return false;
    }
    return expected === r.top + 1;
  }

  private store(): LogStore {
    if (this.log === undefined) throw senteError('ERR_SENTE_BACKPLANE_UNAVAILABLE', 'The backplane is not attached to a server');
    return this.log;
  }

  /** `p`, or a `ERR_SENTE_BACKPLANE_UNAVAILABLE` rejection after `timeoutMs`. */
  private within<T>(p: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(senteError('ERR_SENTE_BACKPLANE_UNAVAILABLE', `Redis did not answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      timer.unref();
      p.then(
        (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        (e: unknown) => {
          clearTimeout(timer);
          reject(asSenteError(e, 'ERR_SENTE_BACKPLANE_UNAVAILABLE', `Redis refused a read: ${String((e as Error)?.message ?? e)}`));
        },
      );
    });
  }

  // ---- interest: the uids this node holds --------------------------------

  hold(uid: string): Promise<void> {
    let h = this.held.get(uid);
    if (h !== undefined) {
      if (h.release !== undefined) clearTimeout(h.release);
      h.release = undefined;
      return h.live ? Promise.resolve() : this.within(h.ready);
    }
    const held: Held = { ready: Promise.resolve(), live: false, epoch: undefined, top: 0, own: 0, generation: undefined, bseq: 0, queue: [], filling: false, release: undefined };
    h = held;
    this.held.set(uid, held);
    held.ready = (async () => {
      await this.ready;
      await this.subscribe([uid]);
      position(held, await this.store().read(uid, -1));
      held.live = true;
      this.drain(uid, held);
    })().catch((e: unknown) => {
      // Redis went away meanwhile: the resync after its return subscribes and positions the uid.
      if (!this.closed) this.report('ERR_SENTE_BACKPLANE_UNAVAILABLE', `Cannot subscribe to ${uid}`, e, { uid });
    });
    return this.within(held.ready);
  }

  release(uid: string): void {
    const h = this.held.get(uid);
    if (h === undefined || h.release !== undefined) return;
    h.release = setTimeout(() => {
      h.release = undefined;
      if (this.held.get(uid) !== h) return;
      this.held.delete(uid);
      if (!this.closed) this.unsubscribe([uid]).catch(() => undefined);
    }, this.releaseDelayMs);
    h.release.unref();
  }

  /** The broadcast channel, in the uids' channels' mode (sharded or classic), on their connection. */
  private subscribeBroadcasts(): Promise<unknown> {
    return this.sharded ? this.psub.ssubscribe(this.keys.broadcast()) : this.psub.subscribe(this.keys.broadcast());
  }

  private subscribe(uids: string[]): Promise<unknown> {
    const channels = uids.map((u) => this.keys.push(u));
    if (!this.sharded) return this.psub.subscribe(...channels);
    // SSUBSCRIBE takes the channels of one slot per call: one call each.
    return Promise.all(channels.map((c) => this.psub.ssubscribe(c)));
  }

  private unsubscribe(uids: string[]): Promise<unknown> {
    const channels = uids.map((u) => this.keys.push(u));
    return this.sharded ? Promise.all(channels.map((c) => this.psub.sunsubscribe(c))) : this.psub.unsubscribe(...channels);
  }

  private onMessage(channel: string, msg: string): void {
    if (this.closed) return;
    if (channel === this.keys.presence()) return this.onPresence(msg);
    if (channel === this.keys.node(this.nodeId)) return this.onDirected(msg);
    if (channel === this.keys.broadcast()) return this.onBroadcast(msg);
    const uid = this.keys.uidOfPush(channel);
    if (uid === undefined) return;
    const h = this.held.get(uid);
    const m = parseUidMessage(msg);
    if (h === undefined || m === undefined) return;
    this.route(uid, h, m);
  }

  /** A broadcast: to each uid held here, next in its log (the body decoded once). */
  private onBroadcast(msg: string): void {
    const b = parseBroadcast(msg);
    if (b === undefined) return;
    for (const [uid, h] of this.held) this.route(uid, h, b);
  }

  private route(uid: string, h: Held, m: UidMessage): void {
    if (!h.live || h.filling) h.queue.push(m);
    else this.process(uid, h, m);
  }

  /**
   * One message of a held uid, in order: a push or a broadcast delivered next
   * in its log (a gap is filled first: a push or a broadcast missed), or a close.
   */
  private process(uid: string, h: Held, m: UidMessage): void {
    const node = this.node as BackplaneNode;
    if (m.kind === 'c') return node.closeUser(uid);
    if (m.kind === 'b') {
      if (m.generation === h.generation && m.seq <= h.bseq) return;
      if (m.generation !== h.generation || m.seq > h.bseq + 1) return this.gap(uid, h, m);
      h.bseq = m.seq;
      this.deliver(node, uid, h.epoch as string, ++h.top, m.body, m.shared);
      return;
    }
    if (m.epoch === h.epoch && m.own <= h.own) return;
    if (m.epoch !== h.epoch || m.own > h.own + 1 || m.bseq !== h.bseq) return this.gap(uid, h, m);
    h.own = m.own;
    h.top = m.offset;
    this.deliver(node, uid, m.epoch, m.offset, m.body);
  }

  private gap(uid: string, h: Held, m: UidMessage): void {
    h.queue.push(m);
    void this.fill(uid, h);
  }

  private deliver(node: BackplaneNode, uid: string, epoch: string, offset: number, body: string, shared?: Broadcast['shared']): void {
    let d = shared?.decoded;
    if (d === undefined) {
      d = this.decode(node, body, uid);
      if (shared !== undefined) shared.decoded = d;
    }
    if (d !== undefined) node.deliver({ uid, epoch, offset, event: d.event, clientId: d.clientId, flush: d.flush });
  }

  private decode(node: BackplaneNode, body: string, uid: string): DecodedBody | undefined {
    try {
      return decodeBody(node.packer, body);
    } catch (e) {
      node.report(asSenteError(e, 'ERR_SENTE_BAD_PACKAGE', 'A push from Redis could not be unpacked (do all servers and emitters use the same packer?)'), { uid });
      return undefined;
    }
  }

  /**
   * Reads what this node missed of `uid` from the log and delivers it, then
   * what waited meanwhile. A new epoch means the log was lost: the node's
   * clients of the extensions are told (`lost`), and delivery resumes at the top.
   */
  private async fill(uid: string, h: Held): Promise<void> {
    if (h.filling) return;
    h.filling = true;
    const node = this.node as BackplaneNode;
    let r: LogRead;
    try {
      r = await this.store().read(uid, h.epoch === undefined ? -1 : h.top);
    } catch (e) {
      // Redis is away: the resync after it returns fills again.
      h.filling = false;
      if (!this.closed) this.report('ERR_SENTE_BACKPLANE_UNAVAILABLE', `Cannot read the log of ${uid}`, e, { uid });
      return;
    }
    if (this.closed || this.held.get(uid) !== h) return;
    if (h.epoch !== r.epoch) {
      if (h.epoch !== undefined) node.lost(uid);
      position(h, r);
      h.live = true;
    } else {
      // Entries past the log's window are gone: the clients of the extensions come back and learn it.
      if (r.top > h.top && !this.whole(r, h.top, false)) node.lost(uid);
      for (const e of r.entries) {
        if (e.offset <= h.top) continue;
        h.top = e.offset;
        this.deliver(node, uid, r.epoch, e.offset, e.body);
      }
      position(h, r);
    }
    h.filling = false;
    this.drain(uid, h);
  }

  /** Processes the messages that waited, in order (a new gap stops it: the fill takes the rest). */
  private drain(uid: string, h: Held): void {
    const q = h.queue;
    h.queue = [];
    for (const m of q) {
      if (h.filling) h.queue.push(m);
      else this.process(uid, h, m);
    }
  }

  // ---- clients: ownership, requests, takeovers -----------------------------

  claim(client: BackplaneClient, transport: Transport): void {
    if (this.closed) return;
    this.claims.set(client.clientId, client.uid);
    run(this.cmd, CLAIM, 1, this.keys.client(client.clientId), client.uid, this.nodeId, this.presenceTtlMs, this.keys.prefix, transport)
      .catch((e: unknown) => this.failed(e, { uid: client.uid, clientId: client.clientId }));
  }

  unclaim(client: BackplaneClient): void {
    if (this.claims.get(client.clientId) === client.uid) this.claims.delete(client.clientId);
    if (this.closed) return;
    run(this.cmd, UNCLAIM, 1, this.keys.client(client.clientId), client.uid, this.nodeId).catch((e: unknown) => this.failed(e, { uid: client.uid, clientId: client.clientId }));
  }

  request(uid: string | undefined, clientId: string, id: string, event: WireEvent): void {
    const node = this.node as BackplaneNode;
    let e: string;
    try {
      e = packedToText(node.packer.pack(event));
    } catch (err) {
      return node.failed(id, asSenteError(err, 'ERR_SENTE_PACK_FAILED', `Cannot pack request ${String(event[0])}`));
    }
    const msg = JSON.stringify({ c: clientId, id, e });
    run(this.cmd, ROUTE, 1, this.keys.client(clientId), this.keys.prefix, uid ?? '', msg).then(
      (sent) => {
        if (sent === -1) node.failed(id, senteError('ERR_SENTE_CLIENT_ID_CLASH', `Client id ${clientId} is held by two uids: address it with { uid, clientId }`));
        else if (sent !== 1) node.failed(id, senteError('ERR_SENTE_CLOSED', `Client ${clientId} is not connected`));
      },
      (err: unknown) => node.failed(id, asSenteError(err, 'ERR_SENTE_BACKPLANE_UNAVAILABLE', `Cannot route a request to client ${clientId}`)),
    );
  }

  answer(id: string, value: unknown, client: BackplaneClient): boolean {
    const dot = id.indexOf('.');
    const to = dot > 0 ? id.slice(0, dot) : undefined;
    if (to === undefined || to === this.nodeId || this.closed) return false;
    const node = this.node as BackplaneNode;
    let v: string;
    try {
      v = packedToText(node.packer.pack(value));
    } catch (e) {
      node.report(asSenteError(e, 'ERR_SENTE_PACK_FAILED', 'Cannot pack an answer for another node'), client);
      return true;
    }
    this.directed(to, 'a', { id, u: client.uid, c: client.clientId, v }, client);
    return true;
  }

  fail(id: string, error: SenteError): void {
    const dot = id.indexOf('.');
    if (dot <= 0 || this.closed) return;
    this.directed(id.slice(0, dot), 'f', { id, code: error.code, m: error.message }, {});
  }

  private directed(to: string, kind: string, payload: object, context: ErrorContext): void {
    this.cmd.publish(this.keys.node(to), `${kind}\n${JSON.stringify(payload)}`).catch((e: unknown) => this.failed(e, context));
  }

  /** A message to this node: a request to deliver (`q`), an answer (`a`), a failed request (`f`), a takeover (`t`). */
  private onDirected(msg: string): void {
    const node = this.node;
    if (node === undefined) return;
    let m: Record<string, string>;
    try {
      m = JSON.parse(msg.slice(2)) as Record<string, string>;
    } catch {
      return;
    }
    const kind = msg[0];
    const client = { uid: String(m['u']), clientId: String(m['c']) };
    try {
      if (kind === 't') node.takeover(client);
      else if (kind === 'a') node.answer(String(m['id']), node.packer.unpack(textToPacked(String(m['v']))), client);
      else if (kind === 'f') node.failed(String(m['id']), senteError((m['code'] ?? 'ERR_SENTE_CLOSED') as SenteErrorCode, m['m']));
      else if (kind === 'q') {
        const id = String(m['id']);
        const error = node.request(client, id, node.packer.unpack(textToPacked(String(m['e']))) as WireEvent);
        const dot = id.indexOf('.');
        if (error !== undefined && dot > 0) this.directed(id.slice(0, dot), 'f', { id, code: error.code, m: error.message }, client);
      }
    } catch (e) {
      node.report(asSenteError(e, 'ERR_SENTE_BAD_PACKAGE', 'A message from another node could not be unpacked'), client);
    }
  }

  // ---- presence -----------------------------------------------------------

  async connected(uid: string, transport: Transport, delta: 1 | -1): Promise<boolean> {
    const field = `${transport}|${uid}`;
    const n = (this.counts.get(field) ?? 0) + delta;
    if (n > 0) this.counts.set(field, n);
    else this.counts.delete(field);
    if (this.closed) return false;
    try {
      const [changed, version, present] = (await run(this.cmd, PRESENCE_CHANGE, 0, this.keys.prefix, this.nodeId, field, delta, this.presenceTtlMs)) as [number, number, number];
      if (Number(version) > 0) this.applyPresence(Number(version), transport, uid, Number(present) === 1, false);
      return Number(changed) > 0;
    } catch (e) {
      this.failed(e, { uid });
      return false;
    }
  }

  private onPresence(msg: string): void {
    if (this.presenceBacklog !== undefined) {
      this.presenceBacklog.push(msg);
      return;
    }
    const [v, t, flag, ...rest] = msg.split('\n');
    const version = Number(v);
    if (!(version > this.presenceVersion) || (t !== 'ws' && t !== 'ajax')) return;
    this.applyPresence(version, t, rest.join('\n'), flag === '1', true);
  }

  /** A change of the presence at `version`, from its message (in order) or from this node's script (ahead of its message). */
  private applyPresence(version: number, transport: Transport, uid: string, connected: boolean, message: boolean): void {
    // Messages come in version order: a script's answer older than the last message came after its own message.
    if (message) this.messageVersion = Math.max(this.messageVersion, version);
    else if (version <= this.messageVersion) return;
    const field = `${transport}|${uid}`;
    const last = this.fieldVersions.get(field) ?? 0;
    if (version > last) {
      this.setPresent(transport, uid, connected);
      this.fieldVersions.set(field, version);
    }
    // Messages come in version order: once this one came, no older one for the field can.
    if (message && version >= last) this.fieldVersions.delete(field);
  }

  private setPresent(transport: Transport, uid: string, connected: boolean): void {
    const set = this.view[transport];
    if (set.has(uid) === connected) return;
    if (connected) set.add(uid);
    else set.delete(uid);
    this.node?.presence({ uid, transport, connected });
  }

  /** Reads the cluster's presence whole (at start, and after the subscriber reconnected), then what was published meanwhile. */
  private async loadPresence(): Promise<void> {
    this.presenceBacklog = [];
    try {
      const [v, fields] = (await run(this.cmd, PRESENCE_SNAPSHOT, 0, this.keys.prefix)) as [number, string[]];
      const now = { ws: new Set<string>(), ajax: new Set<string>() };
      for (const f of fields) {
        const bar = f.indexOf('|');
        const t = f.slice(0, bar);
        if (t === 'ws' || t === 'ajax') now[t].add(f.slice(bar + 1));
      }
      for (const t of ['ws', 'ajax'] as const) {
        for (const uid of [...this.view[t]]) if (!now[t].has(uid)) this.setPresent(t, uid, false);
        for (const uid of now[t]) this.setPresent(t, uid, true);
      }
      // Versions went back: Redis lost its data, and counts from 1 again.
      if (Number(v) < this.messageVersion) {
        this.messageVersion = 0;
        this.fieldVersions.clear();
      }
      this.presenceVersion = Number(v);
      this.messageVersion = Math.max(this.messageVersion, this.presenceVersion);
      for (const [f, fv] of this.fieldVersions) if (fv <= this.presenceVersion) this.fieldVersions.delete(f);
    } finally {
      const backlog = this.presenceBacklog;
      this.presenceBacklog = undefined;
      for (const m of backlog) this.onPresence(m);
    }
  }

  /** Emits `chsk/uidport-*` for the uids a script says joined (`+uid`) or left (`-uid`) the cluster. */
  private uidports(changed: unknown): void {
    if (!Array.isArray(changed)) return;
    for (const c of changed as string[]) this.node?.uidport(c.slice(1), c[0] === '+');
  }

  /**
   * (Re)joins the presence with this node's counts. After Redis lost its data
   * (a new cluster id) the uids that come back never left as far as the apps
   * heard: no `chsk/uidport-open` for them. After this node was swept (it
   * was silent past presenceTtlMs, and its uids were closed), they open again.
   */
  private async join(): Promise<void> {
    const pairs: (string | number)[] = [];
    for (const [f, n] of this.counts) pairs.push(f, n);
    const [cluster, changed] = (await run(this.cmd, PRESENCE_JOIN, 0, this.keys.prefix, this.nodeId, this.presenceTtlMs, newEpoch(), ...pairs)) as [string, string[]];
    const lost = this.clusterId !== undefined && cluster !== this.clusterId;
    this.clusterId = cluster;
    if (!lost) this.uidports(changed);
  }

  private async beat(): Promise<void> {
    const [rejoin, changed] = (await run(this.cmd, PRESENCE_BEAT, 0, this.keys.prefix, this.nodeId, this.presenceTtlMs)) as [number, string[]];
    this.uidports(changed);
    // Redis lost this node's entries (it restarted empty, or swept a node it had not heard of in time).
    if (Number(rejoin) === 1) await this.join();
    // The logs of the uids held here keep their positions while their users stay connected.
    const limits = this.store().limits;
    const every = Math.max(refreshEvery(limits), this.heartbeatMs);
    if (this.held.size > 0 && Date.now() - this.touched >= every) {
      this.touched = Date.now();
      const uids = [...this.held.keys()];
      for (let i = 0; i < uids.length; i += REFRESH_BATCH) await this.store().touch(uids.slice(i, i + REFRESH_BATCH), limits.positionTtlMs + 2 * every);
    }
    // This node's client ids live on (and come back after Redis lost them).
    const claims = [...this.claims];
    for (let i = 0; i < claims.length; i += REFRESH_BATCH) {
      const batch = claims.slice(i, i + REFRESH_BATCH);
      await run(this.cmd, REFRESH, batch.length, ...batch.map(([c]) => this.keys.client(c)), this.nodeId, this.presenceTtlMs, ...batch.map(([, u]) => u));
    }
  }

  private schedule(): void {
    if (this.closed) return;
    // The fired timer stays in `heartbeat` while its beat runs: the heartbeat is one live timer throughout.
    this.heartbeat = setTimeout(() => {
      this.beat().then(
        () => this.schedule(),
        (e: unknown) => {
          this.failed(e, {});
          this.schedule();
        },
      );
    }, this.heartbeatMs);
    this.heartbeat.unref();
  }

  // ---- connection lifecycle -------------------------------------------------

  private async start(): Promise<void> {
    for (const conn of [this.cmd, this.sub, this.psub]) conn.connect().catch(() => undefined);
    this.sub.on('ready', () => {
      if (this.started) void this.resyncControl();
    });
    this.psub.on('ready', () => {
      if (this.started) void this.resyncPushes();
    });
    this.cmd.on('ready', () => {
      if (!this.started) return;
      this.down = false;
      this.beat().catch((e: unknown) => this.failed(e, {}));
    });
    while (!this.closed) {
      try {
        await Promise.all([readyOf(this.cmd), readyOf(this.sub), readyOf(this.psub)]);
        this.sharded = this.pubsubMode === 'sharded' || (this.pubsubMode === 'auto' && (await supportsSharded(this.cmd)));
        await this.join();
        await this.sub.subscribe(this.keys.node(this.nodeId), this.keys.presence(), ...this.topics.channels());
        await this.subscribeBroadcasts();
        await this.loadPresence();
        this.started = true;
        this.down = false;
        this.schedule();
        this.markReady();
        return;
      } catch (e) {
        if (this.closed) return;
        this.failed(e, {});
        await new Promise((r) => setTimeout(r, 250).unref());
      }
    }
  }

  /** After the control subscriber reconnected: its channels again, and the presence whole. */
  private async resyncControl(): Promise<void> {
    try {
      await this.sub.subscribe(this.keys.node(this.nodeId), this.keys.presence(), ...this.topics.channels());
      await this.loadPresence();
      this.down = false;
    } catch (e) {
      this.failed(e, {});
    }
  }

  /** After the push subscriber reconnected: every held uid's channel again, and what each missed meanwhile. */
  private async resyncPushes(): Promise<void> {
    try {
      await this.subscribeBroadcasts();
      const uids = [...this.held.keys()];
      for (let i = 0; i < uids.length; i += SUBSCRIBE_BATCH) await this.subscribe(uids.slice(i, i + SUBSCRIBE_BATCH));
      this.down = false;
      // Each uid: what it missed; one whose first positioning failed (Redis away) is positioned now.
      for (const [uid, h] of this.held) void this.fill(uid, h);
    } catch (e) {
      this.failed(e, {});
    }
  }

  private lostRedis(connection: string, e: Error | undefined): void {
    if (this.closed || this.down) return;
    this.down = true;
    this.report('ERR_SENTE_BACKPLANE_UNAVAILABLE', `Lost the ${connection} connection to Redis${e === undefined ? '' : `: ${e.message}`}; reconnecting`, e, {});
  }

  private failed(e: unknown, context: ErrorContext): void {
    if (this.closed) return;
    const message = String((e as Error)?.message ?? e);
    // Unreachable Redis is reported once per outage (see lostRedis).
    if (this.down || /Connection is closed|ECONNREFUSED|ECONNRESET|EPIPE/.test(message)) return;
    this.report('ERR_SENTE_BACKPLANE_FAILED', `A Redis command failed: ${message}`, e, context);
  }

  private report(code: SenteErrorCode, detail: string, cause: unknown, context: ErrorContext): void {
    const error: SenteError = senteError(code, detail, cause);
    if (this.node !== undefined) this.node.report(error, context);
  }

  async settle(): Promise<void> {
    if (this.closed) return;
    try {
      await this.within(this.lastPush);
      // A round trip on the subscriber: what was published before has come in ahead of its answer.
      await this.within(this.psub.ping());
    } catch {
      // Redis is away: what was sent is in the log, for the clients' replay.
    }
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const connected = this.cmd.status === 'ready';
    if (connected) {
      // Leave the cluster: this node's uids go now, not after presenceTtlMs.
      try {
        await this.within(run(this.cmd, PRESENCE_LEAVE, 0, this.keys.prefix, this.nodeId));
      } catch {
        // The entries expire by themselves.
      }
    }
    this.stop();
    if (connected) await this.within(this.cmd.quit()).catch(() => undefined);
    this.disconnect();
  }

  abandon(): void {
    this.stop();
    this.closing ??= Promise.resolve();
    this.disconnect();
  }

  private disconnect(): void {
    for (const conn of [this.cmd, this.sub, this.psub]) conn.disconnect();
  }

  private stop(): void {
    this.closed = true;
    if (this.heartbeat !== undefined) clearTimeout(this.heartbeat);
    this.heartbeat = undefined;
    for (const h of this.held.values()) if (h.release !== undefined) clearTimeout(h.release);
    this.held.clear();
    this.claims.clear();
    this.counts.clear();
    this.fieldVersions.clear();
    this.topics.clear();
    // Nothing resolves ready any more: let a waiting handshake go.
    this.markReady();
  }
}

/** Takes the position of a uid's log from a read of it. */
function position(h: Held, r: LogRead): void {
  h.epoch = r.epoch;
  h.top = r.top;
  h.own = r.own;
  h.generation = r.generation;
  h.bseq = r.bseq;
}

/** Resolves when `redis` is ready (connected, past its ready check). */
function readyOf(redis: Redis): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => redis.once('ready', () => resolve()));
}
