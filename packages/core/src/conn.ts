import type { Packed } from './packer.js';
import type { SenteRequest } from './request.js';
import type { ServerChannel } from './server-channel.js';
import type { Timer } from './timers.js';

/** A transport of Sente. */
export type Transport = 'ws' | 'ajax';

/**
 * One client (a client id of a uid) on one transport, as the server tracks it
 * from its first request until its reconnect grace period runs out.
 */
export interface Conn {
  readonly transport: Transport;
  readonly uid: string;
  readonly clientId: string;
  /** Bumped for every new request or socket of this client: older ones are stale. */
  connId: number;
  /** The live channel: an open WebSocket, or a parked long-poll; null between them. */
  channel: ServerChannel | null;
  /** The request that opened the channel (for WebSocket, the upgrade request). */
  request: SenteRequest;
  /** Counts messages received and pushes delivered; keep-alive compares it. */
  activity: number;
  /** True once this client counts in the connected uids. */
  counted: boolean;
  /** Packed push batches waiting for this client, oldest first. */
  readonly outbox: Packed[];
  graceTimer: Timer | undefined;
  /** WebSocket keep-alive: the timer, the activity last seen, and whether a ping is unanswered. */
  kaTimer: Timer | undefined;
  kaSeen: number;
  awaitingPong: boolean;
  /** Ajax: the timer that answers the parked poll with `chsk/timeout`. */
  lpTimer: Timer | undefined;
}

/** A new client record. */
export function newConn(transport: Transport, uid: string, clientId: string, request: SenteRequest): Conn {
  return {
    transport,
    uid,
    clientId,
    connId: 0,
    channel: null,
    request,
    activity: 0,
    counted: false,
    outbox: [],
    graceTimer: undefined,
    kaTimer: undefined,
    kaSeen: 0,
    awaitingPong: false,
    lpTimer: undefined,
  };
}

/** Cancels every timer of a client record. */
export function cancelTimers(conn: Conn): void {
  conn.graceTimer?.cancel();
  conn.kaTimer?.cancel();
  conn.lpTimer?.cancel();
  conn.graceTimer = conn.kaTimer = conn.lpTimer = undefined;
}

/**
 * The clients of a server, by transport, uid and client id, with an index by
 * client id for sends to one client.
 */
export class ConnTable {
  private readonly byUid = { ws: new Map<string, Map<string, Conn>>(), ajax: new Map<string, Map<string, Conn>>() };
  private readonly byClient = new Map<string, Set<Conn>>();

  get(transport: Transport, uid: string, clientId: string): Conn | undefined {
    return this.byUid[transport].get(uid)?.get(clientId);
  }

  /** The clients of `uid` on `transport`. */
  clientsOf(transport: Transport, uid: string): ReadonlyMap<string, Conn> | undefined {
    return this.byUid[transport].get(uid);
  }

  /** Every record of a client id (one per transport and uid it used). */
  byClientId(clientId: string): ReadonlySet<Conn> | undefined {
    return this.byClient.get(clientId);
  }

  add(conn: Conn): void {
    let m = this.byUid[conn.transport].get(conn.uid);
    if (m === undefined) this.byUid[conn.transport].set(conn.uid, (m = new Map()));
    m.set(conn.clientId, conn);
    let s = this.byClient.get(conn.clientId);
    if (s === undefined) this.byClient.set(conn.clientId, (s = new Set()));
    s.add(conn);
  }

  /** Removes `conn`; true when it was the uid's last client on its transport. */
  remove(conn: Conn): boolean {
    const m = this.byUid[conn.transport].get(conn.uid);
    if (m?.get(conn.clientId) !== conn) return false;
    m.delete(conn.clientId);
    const s = this.byClient.get(conn.clientId);
    s?.delete(conn);
    if (s?.size === 0) this.byClient.delete(conn.clientId);
    if (m.size > 0) return false;
    this.byUid[conn.transport].delete(conn.uid);
    return true;
  }

  /** Every record, both transports. */
  *all(): IterableIterator<Conn> {
    for (const t of ['ws', 'ajax'] as const) for (const m of this.byUid[t].values()) yield* m.values();
  }

  count(transport: Transport): number {
    let n = 0;
    for (const m of this.byUid[transport].values()) n += m.size;
    return n;
  }
}
