import type { SenteError } from './errors.js';
import type { WireEvent } from './event.js';
import type { Packer } from './packer.js';
import type { LogPosition, PushLogLimits, Recovery } from './push-log.js';
import type { Transport } from './client-conn.js';
import type { ErrorContext } from './options.js';

/** One logged push, as a backplane hands it to a node that holds its uid. */
export interface BackplaneEntry {
  readonly uid: string;
  /** The epoch of the uid's log when the push was logged. */
  readonly epoch: string;
  /** Its offset in the uid's log. */
  readonly offset: number;
  readonly event: WireEvent;
  /** Set for a push to one client of the uid. */
  readonly clientId: string | undefined;
  /** The sender asked for `flush`: what is buffered for the uid goes out now. */
  readonly flush?: boolean | undefined;
}

/** A client, as the cluster knows it. */
export interface BackplaneClient {
  readonly uid: string;
  readonly clientId: string;
}

/** One change of the cluster's connected uids: `uid` joined or left `transport`'s set. */
export interface BackplanePresence {
  readonly uid: string;
  readonly transport: Transport;
  readonly connected: boolean;
}

/**
 * What a server lends its backplane: the calls into this node. The backplane
 * calls them for what the cluster routes here; each runs synchronously.
 */
export interface BackplaneNode {
  /** The server's packer: events cross the backplane packed with it. */
  readonly packer: Packer;
  /** The server's push log bounds (`replay`), for the shared log. */
  readonly replay: PushLogLimits;
  /**
   * A logged push for a uid this node holds. The entries of a uid arrive in
   * offset order, each once (the backplane fills gaps from its log).
   */
  deliver(entry: BackplaneEntry): void;
  /**
   * The log of `uid` was lost (a new epoch): what this node's clients of the
   * extensions were promised cannot be kept; they are disconnected, so that
   * they come back and learn it (`recovered: false`).
   */
  lost(uid: string): void;
  /** Closes this node's connections of `uid` (`closeUser` on any node). */
  closeUser(uid: string): void;
  /**
   * Sends the server request `id` (sent by another node) to this node's
   * client; the error is why it could not (not here, or no extensions).
   */
  request(client: BackplaneClient, id: string, event: WireEvent): SenteError | undefined;
  /** The answer to this node's request `id`, from `client`. */
  answer(id: string, value: unknown, client: BackplaneClient): void;
  /** This node's request `id` failed on the node that was to deliver it. */
  failed(id: string, error: SenteError): void;
  /** The Ajax client moved to another node: a poll parked here is stale and ends. */
  takeover(client: BackplaneClient): void;
  /** The cluster's connected uids changed (this node's changes included). */
  presence(change: BackplanePresence): void;
  /**
   * A uid joined (`open`) or left the cluster without a client of this node
   * causing it — the entries of a node that stopped without leaving expired,
   * or a node rejoined after its store lost them: this node emits
   * `chsk/uidport-open` / `-close`. Called on one node of the cluster only.
   */
  uidport(uid: string, open: boolean): void;
  /** Reports to the server's `onError`. */
  report(error: SenteError, context?: ErrorContext): void;
}

/**
 * The seam through which several server processes share their users: give
 * one to a server as `options.backplane` (e.g. `createRedisBackplane` of
 * `@sente/redis`). With it, `send`, `sendToClient`, `broadcast`, `request`,
 * `closeUser`, the connected uids and `chsk/uidport-*` are cluster-wide, and
 * the push log is the backplane's. Without it, the server keeps everything in
 * memory. See docs/reference/backplane.md for the contract.
 *
 * Every method that returns nothing is fire-and-forget: the backplane keeps
 * the order of calls (publish order is log order), buffers within its bounds
 * while its store is unreachable, and reports failures to `node.report`.
 */
export interface Backplane {
  /** This node's id in the cluster (unique per process). */
  readonly nodeId: string;
  /** Resolves once connected and subscribed; never rejects (errors go to `onError`). */
  readonly ready: Promise<void>;
  /** Called once by the server it is given to, in its constructor. */
  attach(node: BackplaneNode): void;
  /**
   * Logs `event` in `uid`'s log and delivers it to every node holding `uid`
   * (only to client `clientId` when given); with `flush`, each node sends it
   * without waiting for the batching window.
   */
  publish(uid: string, event: WireEvent, clientId?: string, flush?: boolean): void;
  /** As {@link publish}, to the one uid holding `clientId` cluster-wide; refused (reported) when two uids claim it. */
  publishToClient(clientId: string, event: WireEvent, flush?: boolean): void;
  /** Logs and delivers `event` to every uid connected in the cluster, and to every uid with a live log. */
  broadcast(event: WireEvent, flush?: boolean): void;
  /** Closes the connections of `uid` on every node. */
  closeUser(uid: string): void;
  /**
   * This node has a client of `uid`: resolves once it receives `uid`'s pushes
   * (idempotent; after {@link release}, subscribes again).
   */
  hold(uid: string): Promise<void>;
  /** This node has no client of `uid` left. */
  release(uid: string): void;
  /** The position of `uid`'s log (started when it has none). Rejects (a `SenteError`) when the log is unreachable. */
  position(uid: string): Promise<LogPosition>;
  /** What client `clientId` of `uid` missed since `since` (Centrifuge's rule, as {@link PushLog.recover}). Rejects when unreachable. */
  recover(uid: string, since: LogPosition, clientId: string): Promise<Recovery>;
  /**
   * A client of `uid` connected to (`delta` 1) or left (-1) this node on
   * `transport`. Resolves true when this made the uid join (1) or leave (-1)
   * the cluster: this node then emits `chsk/uidport-open` / `-close`.
   */
  connected(uid: string, transport: Transport, delta: 1 | -1): Promise<boolean>;
  /** The client is on this node now (each channel it opens here): claims its id cluster-wide, and takes an Ajax client over from another node. */
  claim(client: BackplaneClient, transport: Transport): void;
  /** This node holds no record of the client any more. */
  unclaim(client: BackplaneClient): void;
  /** Sends this node's request `id` to the node holding the client (`uid` undefined: found by client id). */
  request(uid: string | undefined, clientId: string, id: string, event: WireEvent): void;
  /** A client answered request `id`, which another node sent: routes the answer there. False when `id` is not another node's. */
  answer(id: string, value: unknown, client: BackplaneClient): boolean;
  /** Request `id`, which another node sent and this node delivered, failed here (its client left): tells that node. */
  fail(id: string, error: SenteError): void;
  /**
   * Resolves once the pushes this node sent so far are logged and delivered
   * back to it, for the uids it holds (a closing server sends them to its
   * clients before it closes them). Never rejects; bounded by the backplane's timeout.
   */
  settle(): Promise<void>;
  /** Leaves the cluster (this node's connected uids go) and closes its connections. Idempotent. */
  close(): Promise<void>;
  /**
   * Optional, for cluster-wide tooling (the inspector's per-node samples), not
   * for an app's pushes: sends a small JSON value to the listeners of `topic`
   * on every node, this one included. Not logged, not ordered across nodes,
   * at most once; dropped while the store is unreachable. Returns false when
   * not sent: larger than {@link MAX_TOPIC_BYTES} once encoded, not JSON,
   * not connected, or closed. A topic is 1 to 64 letters, digits, `-`, `_`, `.`, `/`.
   */
  publishTopic?(topic: string, data: unknown): boolean;
  /**
   * Optional, with {@link publishTopic}: `listener` gets each value published
   * on `topic` (decoded) until the returned function is called.
   */
  subscribeTopic?(topic: string, listener: (data: unknown) => void): () => void;
}

/** The largest value {@link Backplane.publishTopic} sends, encoded as JSON (UTF-8 bytes). */
export const MAX_TOPIC_BYTES = 65_536;

/** Whether `topic` is a valid topic of {@link Backplane.publishTopic}. */
export function isTopic(topic: unknown): topic is string {
  return typeof topic === 'string' && /^[A-Za-z0-9_./-]{1,64}$/.test(topic);
}

export type { LogPosition, PushLogLimits, Recovery };
