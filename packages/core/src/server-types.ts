import type { Transport } from './client-conn.js';
import type { SenteEvent } from './event.js';
import type { SenteRequest } from './request.js';
import type { SenteServer } from './server.js';

/** An event as a server router receives it (Sente's server event-msg). */
export interface ServerEventMsg<Raw = unknown> {
  /** The event id, e.g. `'chat/send'`, or a `chsk/*` id (`chsk/uidport-open`, `chsk/bad-event`). */
  readonly id: string;
  /** The event's data. */
  readonly data: unknown;
  /** The whole event `[id, data]`. */
  readonly event: SenteEvent;
  /** The sender's uid (`sente/nil-uid` when it has none). */
  readonly uid: string;
  /** The sender's client id. */
  readonly clientId: string;
  /** The transport the event came on. */
  readonly transport: Transport;
  /**
   * The request: for WebSocket, the upgrade request, for the socket's life
   * (after a credential refresh, that request with the refreshed credentials, `refresh: true`;
   * its `raw` is `undefined` when the server's `keepUpgradeRaw` is false).
   */
  readonly request: SenteRequest<Raw>;
  /**
   * Present only when the client asked for a reply. Sends the reply at most
   * once, on either transport; later calls do nothing. Returns whether it was sent.
   */
  readonly reply?: ((value: unknown) => boolean) | undefined;
  /** The server, for sending from a handler. */
  readonly server: SenteServer<Raw>;
}

/** Options of a push. */
export interface SendOptions {
  /** Skip the batching window: send everything buffered for the uid now. @default false */
  flush?: boolean | undefined;
}

/** One client of one uid: the target of {@link SenteServer.sendToClient}. */
export interface ClientAddress {
  readonly uid: string;
  readonly clientId: string;
}

/** Counts of what a server holds, to observe load and prove that nothing leaks. */
export interface ServerStats {
  readonly wsClients: number;
  readonly ajaxClients: number;
  /** Live timers: keep-alives, long-polls, grace periods, batching windows, reply deadlines. */
  readonly timers: number;
  /** Push batches in their batching window. */
  readonly bufferedBatches: number;
  /** Push batches queued for clients that are between polls, reconnecting, or reading slowly. */
  readonly queuedBatches: number;
  /** The bytes of those queued batches. */
  readonly queuedBytes: number;
  /** Ajax requests waiting for a handler's reply. */
  readonly pendingReplies: number;
  /** Pushes held in the push log for replay (within its window), all uids together. */
  readonly loggedPushes: number;
  /** The server's requests to clients waiting for an answer. */
  readonly serverRequests: number;
  /**
   * Message ids remembered so that a retried event is handled once, each with
   * its reply, all clients together: the last 1000 of each client, each for
   * `replay.maxAgeMs`.
   */
  readonly messageIds: number;
}

/** Options of {@link SenteServer.drain}. */
export interface DrainOptions {
  /** Over how long the connected clients are closed, each at a random moment. @default 10000 */
  readonly windowMs?: number | undefined;
  /** The delay each client is asked to wait before it reconnects. @default 5000 */
  readonly retryAfterMs?: number | undefined;
  /** The spread of that delay, ±. @default retryAfterMs / 2 */
  readonly retryJitterMs?: number | undefined;
}

/** One client, as {@link SenteServer.clients} lists it (a snapshot). */
export interface ClientInfo {
  readonly uid: string;
  readonly clientId: string;
  readonly transport: Transport;
  /** True while its channel is open (a socket, or a parked poll); false between polls or while it reconnects. */
  readonly live: boolean;
  /** When it first connected, ms since the epoch. */
  readonly since: number;
  /** True for a client of this library's extensions (replay, requests). */
  readonly ext: boolean;
  readonly queuedBatches: number;
  readonly queuedBytes: number;
  /** The `user-agent` of its latest request. */
  readonly userAgent: string | undefined;
  /** Its remote address, when the adapter knows it. */
  readonly remoteAddress: string | undefined;
}
