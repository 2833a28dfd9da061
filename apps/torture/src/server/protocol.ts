import type { AdapterName, PackerName } from './adapters.js';

/** The origin good clients send; every other origin is refused. */
export const GOOD_ORIGIN = 'http://good.test';
/** The CSRF token every server expects (Sente's `csrf-token` parameter or `X-CSRF-Token`). */
export const CSRF_TOKEN = 'torture-csrf-token-0123456789';

/** The server options a run may set (numbers only: they cross a process boundary). */
export interface ServerTiming {
  lpTimeoutMs: number;
  sendBufMsWs: number;
  sendBufMsAjax: number;
  wsKaliveMs: number;
  wsPingTimeoutMs: number;
  msAllowReconnectBeforeCloseWs: number;
  msAllowReconnectBeforeCloseAjax: number;
  maxPayloadBytes: number;
  maxQueuedBatches: number;
  maxQueuedBytes: number;
  maxBufferedBytes: number;
  closeTimeoutMs: number;
}

/** Short timings: long-polls, grace periods and keep-alives play out within a run. */
export const TORTURE_TIMING: ServerTiming = {
  lpTimeoutMs: 2000,
  sendBufMsWs: 10,
  sendBufMsAjax: 10,
  wsKaliveMs: 2000,
  wsPingTimeoutMs: 1000,
  // Long enough that a good Ajax client is never dropped between two polls on a loaded 2-core machine.
  msAllowReconnectBeforeCloseWs: 1000,
  msAllowReconnectBeforeCloseAjax: 3000,
  maxPayloadBytes: 64 * 1024,
  maxQueuedBatches: 1000,
  // Bounds below what the slow-consumer faults push (8 MB in the CI run, 20 MB in the full one), so that the run sees them hold.
  maxQueuedBytes: 512 * 1024,
  maxBufferedBytes: 256 * 1024,
  closeTimeoutMs: 2000,
};

/** One server a child process runs. */
export interface ServerSpec {
  /** A name for reports, e.g. `express/json`. */
  readonly key: string;
  readonly adapter: AdapterName;
  readonly packer: PackerName;
  /** uWS only: a small socket send-buffer bound (the core's `maxBufferedBytes`; uWS itself never drops a send). */
  readonly uwsMaxBackpressure?: number;
}

/** What a child process is started with. */
export interface ChildSpec {
  readonly servers: readonly ServerSpec[];
  readonly timing: ServerTiming;
}

/** A push stream the child sends to a set of uids: `['good/push', seq]`, seq from 0, every `intervalMs`. */
export interface PushStream {
  readonly key: string;
  readonly uids: readonly string[];
  readonly intervalMs: number;
}

/** Requests the parent sends over IPC. */
export type ChildRequest =
  | { op: 'stats' }
  | { op: 'sample' }
  | { op: 'errors' }
  | { op: 'pushStart'; stream: PushStream }
  | { op: 'pushStop'; key: string }
  | { op: 'records'; key: string; uids: readonly string[] }
  | { op: 'dropped'; key: string; uids: readonly string[] }
  | { op: 'send'; key: string; uid?: string; clientId?: string; id: string; count: number; bytes: number; flush: boolean }
  | { op: 'close' };

/** The counts one server holds, as its stats and connected uids report them. */
export interface ServerCounts {
  readonly stats: Record<string, number>;
  readonly connectedUids: { ws: number; ajax: number; any: number };
}

/** A client record the server holds for a uid (see `server.clients()`). */
export interface ClientRecord {
  readonly uid: string;
  readonly transport: 'ws' | 'ajax';
  /** True while a socket is open or a poll is parked. */
  readonly live: boolean;
  readonly queuedBatches: number;
}

/** A sample of the child process after a forced GC. */
export interface ProcessSample {
  readonly heapUsedBytes: number;
  readonly rssBytes: number;
  readonly externalBytes: number;
  /** Active handles and requests by type (`TCPSocketWrap`, `Timeout`, …). */
  readonly resources: Record<string, number>;
  readonly servers: Record<string, ServerCounts>;
}

/** What the child's router and `onError` saw, per server. */
export interface ServerSeen {
  /** `onError` codes and how often. */
  readonly errors: Record<string, number>;
  /** Router event ids (`chsk/bad-event`, `chsk/uidport-open`, …) and how often. */
  readonly events: Record<string, number>;
}

/** The child's answers. */
export type ChildReply =
  | { ready: true; ports: Record<string, number> }
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: string };
