import { CHSK, CLOSE_CODES, WIRE } from './ids.js';
import { asSenteError, senteError } from './errors.js';
import { handshakeEnvelope, requestEnvelope } from './envelope.js';
import { readPosition } from './inbound.js';
import { handshakeExt, packReplay } from './replay.js';
import type { SenteError } from './errors.js';
import type { Backplane, BackplaneClient, BackplaneEntry, BackplaneNode, BackplanePresence } from './backplane.js';
import type { WireEvent, SenteEvent } from './event.js';
import type { LogEntry, LogPosition, PushLog, PushLogLimits, Recovery } from './push-log.js';
import type { Packed, Packer } from './packer.js';
import { eachClient } from './client-conn.js';
import type { ClientConn, ClientTable } from './client-conn.js';
import type { LocalDelivery } from './delivery.js';
import type { ConnectedUidsStore } from './connected-uids.js';
import type { ServerRequests } from './server-requests.js';
import type { ClientIdentity, Hub } from './hub.js';
import type { ErrorContext } from './options.js';
import type { SenteRequest } from './request.js';

/**
 * The push log's stand-in when a backplane keeps the log: it knows the epoch
 * of each uid this process delivers to, for positioned batches.
 */
export class ClusterLog implements PushLog {
  readonly epochs = new Map<string, string>();

  open(uid: string): LogPosition {
    return { epoch: this.epochs.get(uid) ?? '', offset: 0 };
  }

  append(): number | undefined {
    return undefined;
  }

  recover(uid: string): Recovery {
    return { recovered: false, entries: [], top: this.open(uid) };
  }

  *uids(): IterableIterator<string> {}

  epochOf(uid: string): string | undefined {
    return this.epochs.get(uid);
  }

  get size(): number {
    return 0;
  }

  close(): void {
    this.epochs.clear();
  }
}

/** The request of a `chsk/uidport-*` that no client of this process caused (a stopped node's entries expired). */
const NO_REQUEST: SenteRequest = Object.freeze({ method: 'GET', websocket: false, query: Object.freeze({}), headers: Object.freeze({}), raw: undefined });

/** What the server lends its {@link Cluster}. */
export interface ClusterDeps {
  readonly hub: Hub;
  readonly clients: ClientTable;
  readonly delivery: LocalDelivery;
  readonly log: ClusterLog;
  readonly uids: ConnectedUidsStore;
  readonly requests: ServerRequests;
  /** Hands an event to the routers. */
  emit(event: SenteEvent, from: ClientIdentity): void;
  /** Closes this process's connections of `uid`. */
  closeLocal(uid: string): void;
}

/** Requests of other nodes remembered per client, at most (the oldest are forgotten). */
const MAX_FORWARDED = 1000;

/** The server's side of a {@link Backplane}: what the cluster routes to this process lands here. */
export class Cluster implements BackplaneNode {
  /** Other nodes' requests delivered to a client of this node, per `uid\nclientId`: they fail if it leaves first. */
  private readonly forwarded = new Map<string, Set<string>>();

  constructor(
    readonly backplane: Backplane,
    private readonly d: ClusterDeps,
  ) {
    backplane.attach(this);
  }

  get packer(): Packer {
    return this.d.hub.packer;
  }

  get replay(): PushLogLimits {
    return this.d.hub.opts.replay;
  }

  deliver(entry: BackplaneEntry): void {
    const { uid, epoch } = entry;
    // Pushes still routed here just after the uid's last client left go nowhere.
    if (!this.d.clients.has(uid)) return;
    const epochs = this.d.log.epochs;
    if (epochs.get(uid) !== epoch) {
      // A batch carries one epoch: what was buffered under the old one goes first.
      if (epochs.has(uid)) this.d.delivery.flush(uid);
      epochs.set(uid, epoch);
    }
    this.d.delivery.deliver(uid, entry.event, entry.clientId, entry.offset);
    if (entry.flush === true) this.d.delivery.flush(uid);
  }

  lost(uid: string): void {
    for (const t of ['ws', 'ajax'] as const) {
      const clients = this.d.clients.clientsOf(t, uid);
      if (clients === undefined) continue;
      for (const c of eachClient(clients)) {
        if (!c.ext) continue;
        this.d.hub.report(senteError('ERR_SENTE_BACKPLANE_LOG_LOST', `The push log of ${uid} was lost: the client reconnects`), c.context);
        if (t === 'ws') c.end(CLOSE_CODES.serviceRestart, 'Push log lost');
        else {
          // Forgotten now: its next poll is a handshake, which tells it `recovered: false`.
          c.end(CLOSE_CODES.normal, 'Push log lost');
          this.d.hub.expired(c);
        }
      }
    }
  }

  closeUser(uid: string): void {
    this.d.delivery.flush(uid);
    this.d.closeLocal(uid);
  }

  request(client: BackplaneClient, id: string, event: WireEvent): SenteError | undefined {
    const target = this.d.clients.reachable(client.uid, client.clientId);
    if (target === undefined) return senteError('ERR_SENTE_CLOSED', `Client ${client.clientId} is not connected`);
    if (!target.ext) return senteError('ERR_SENTE_UNSUPPORTED', `Client ${client.clientId} does not take requests (a Sente client without this library's extensions)`);
    target.send(this.d.hub.packer.pack(requestEnvelope(event, id)), { id, event });
    const key = `${client.uid}\n${client.clientId}`;
    let ids = this.forwarded.get(key);
    if (ids === undefined) this.forwarded.set(key, (ids = new Set()));
    ids.add(id);
    if (ids.size > MAX_FORWARDED) ids.delete(ids.values().next().value as string);
    return undefined;
  }

  /** The client answered request `id` of another node. */
  answered(id: string, client: BackplaneClient): void {
    const key = `${client.uid}\n${client.clientId}`;
    const ids = this.forwarded.get(key);
    if (ids?.delete(id) && ids.size === 0) this.forwarded.delete(key);
  }

  /** The client is gone from this node: the other nodes' requests it did not answer fail. */
  gone(client: BackplaneClient): void {
    const key = `${client.uid}\n${client.clientId}`;
    const ids = this.forwarded.get(key);
    if (ids === undefined) return;
    this.forwarded.delete(key);
    for (const id of ids) this.backplane.fail(id, senteError('ERR_SENTE_CLOSED', `Client ${client.clientId} left before it answered`));
  }

  answer(id: string, value: unknown, client: BackplaneClient): void {
    this.d.requests.answer(id, value, client);
  }

  failed(id: string, error: SenteError): void {
    this.d.requests.fail(id, error);
  }

  takeover(client: BackplaneClient): void {
    const record = this.d.clients.get('ajax', client.uid, client.clientId);
    if (record === undefined) return;
    record.end(CLOSE_CODES.normal, 'Superseded');
    // Requests its polls here did not carry yet follow it to the node that holds it now
    // (their ids still name the node that asked, where the answer goes).
    for (const r of record.takeRequests()) {
      this.answered(r.id, client);
      this.backplane.request(client.uid, client.clientId, r.id, r.event);
    }
  }

  presence(change: BackplanePresence): void {
    this.d.uids.set(change.transport, change.uid, change.connected);
  }

  uidport(uid: string, open: boolean): void {
    this.d.emit([open ? CHSK.uidportOpen : CHSK.uidportClose, uid], { uid, clientId: '', transport: 'ws', request: NO_REQUEST });
  }

  report(error: SenteError, context: ErrorContext = {}): void {
    this.d.hub.report(error, context);
  }
}

/**
 * {@link greet} with a backplane's log, which answers asynchronously: the
 * client's pushes are held (`gate`) from before the log is read until its
 * replay is queued, so that none is lost between the read and the queue,
 * and none goes out before the replay.
 */
export async function greetClustered(
  hub: Hub,
  backplane: Backplane,
  client: ClientConn,
  plain: Packed,
  data: unknown,
  extra?: () => Readonly<Record<string, unknown>>,
): Promise<Packed> {
  client.gate();
  try {
    await backplane.hold(client.uid);
    if (!client.ext) {
      client.ungate();
      hub.metrics.handshake(client.transport, undefined);
      return plain;
    }
    const since = readPosition(client.request.query[WIRE.position]);
    let top: LogPosition;
    let recovered: boolean | undefined;
    if (since === undefined) {
      top = await backplane.position(client.uid);
      client.ungate();
    } else {
      const r = await backplane.recover(client.uid, since, client.clientId);
      top = r.top;
      recovered = r.recovered;
      client.recover(r.recovered ? packReplay(hub, r.entries as LogEntry[], r.top.epoch, client) : []);
      hub.metrics.replay(r.recovered);
    }
    const ext = handshakeExt(hub, top, extra);
    if (recovered !== undefined) ext['recovered'] = recovered;
    hub.metrics.handshake(client.transport, recovered);
    return hub.packer.pack(handshakeEnvelope(client.uid, data, ext));
  } catch (e) {
    client.ungate();
    throw asSenteError(e, 'ERR_SENTE_BACKPLANE_UNAVAILABLE');
  }
}
