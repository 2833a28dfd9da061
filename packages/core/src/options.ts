import { senteError } from './errors.js';
import type { SenteError } from './errors.js';
import { systemClock } from './clock.js';
import type { Clock } from './clock.js';
import type { Packer } from './packer.js';
import type { SenteRequest } from './request.js';
import type { SecurityOptions } from './security.js';
import type { PushLogLimits } from './push-log.js';
import type { SenteContract } from './contract.js';
import type { ConnectionLimits } from './admission.js';
import type { RateLimits } from './rate-limit.js';
import type { Meter } from '@opentelemetry/api';
import type { Backplane } from './backplane.js';

type MaybePromise<T> = T | Promise<T>;

/** Options of {@link createSenteServer}: Sente's server options, in camelCase, with Sente's defaults. */
export interface SenteServerOptions<Raw = unknown, C extends SenteContract = SenteContract> extends SecurityOptions<Raw> {
  /** Packs every payload; must match the clients' packer. */
  packer: Packer;
  /**
   * The contract shared with the clients (see the typed-contracts guide): it
   * types the router, pushes and requests; its schemas, when it has any,
   * check what clients send (an invalid event becomes `chsk/bad-event`, an
   * invalid request is answered with a `BadEventReply`) and the answers to
   * server requests. For a contract that is only a type, pass it as a type
   * argument instead.
   * @default undefined (untyped, nothing checked)
   */
  contract?: C | undefined;
  /**
   * The uid of a request's user: every client of a uid receives what is sent to
   * it. Nothing (null/undefined/'') means no user: the uid is `sente/nil-uid`.
   * @default reads `session.uid`
   */
  userId?: ((req: SenteRequest<Raw>, clientId: string) => MaybePromise<string | number | null | undefined>) | undefined;
  /**
   * When a connection's credentials expire (ms since the epoch, or a `Date`),
   * read from the request of each connection and of each credential refresh;
   * nothing means never. An expired connection is closed with 4401 (a parked
   * poll answered 401), which the client takes as terminal; a request whose
   * credentials have already expired is refused 401. A client of this library
   * learns the time left in its handshake and can refresh before it runs out
   * (see the operations guide).
   * @default undefined (credentials do not expire)
   */
  credentialsExpireAt?: ((req: SenteRequest<Raw>, uid: string) => MaybePromise<number | Date | null | undefined>) | undefined;
  /**
   * Data sent to the client in the handshake (never the CSRF token).
   * @default undefined (nil)
   */
  handshakeData?: ((req: SenteRequest<Raw>) => MaybePromise<unknown>) | undefined;
  /**
   * WebSocket keep-alive: after half of this with no traffic on a socket the
   * server pings it (Sente halves it too). `null` turns keep-alive off.
   * @default 25000
   */
  wsKaliveMs?: number | null | undefined;
  /**
   * How long a pinged socket may stay silent before it is closed (code 4000).
   * `null`: ping, but never close.
   * @default 10000
   */
  wsPingTimeoutMs?: number | null | undefined;
  /**
   * A parked long-poll is answered with `chsk/timeout` after this; it is also
   * the deadline of an Ajax reply. Must be under the client's 60 s Ajax timeout.
   * @default 20000
   */
  lpTimeoutMs?: number | undefined;
  /**
   * The batching window of pushes to WebSocket clients: a push after a window
   * without any goes out at once, the pushes within a window of the last
   * batch wait for it to close. @default 30
   */
  sendBufMsWs?: number | undefined;
  /** The batching window of pushes to Ajax clients (as `sendBufMsWs`). @default 100 */
  sendBufMsAjax?: number | undefined;
  /** How long a closed WebSocket client may take to come back before it counts as gone. @default 2500 */
  msAllowReconnectBeforeCloseWs?: number | undefined;
  /** How long an Ajax client may go without a poll before it counts as gone. @default 5000 */
  msAllowReconnectBeforeCloseAjax?: number | undefined;
  /**
   * The largest payload accepted from a client, in bytes: a bigger WebSocket
   * frame closes the socket with 1009, a bigger POST body is answered 413.
   * @default 1048576 (1 MiB)
   */
  maxPayloadBytes?: number | undefined;
  /**
   * How many push batches may wait for one client (between polls, or while it
   * reconnects) before the oldest are dropped.
   * @default 1000
   */
  maxQueuedBatches?: number | undefined;
  /**
   * How many bytes of push batches may wait for one client before the oldest
   * are dropped (reported as `ERR_SENTE_QUEUE_OVERFLOW`); a WebSocket whose
   * queue passes it reads too slowly and is closed with 1013. A single batch
   * bigger than this is not queued at all: raise it for clients that must
   * receive larger pushes while they are away.
   * @default 4194304 (4 MiB)
   */
  maxQueuedBytes?: number | undefined;
  /**
   * A WebSocket's own send buffer (bytes sent but not yet on the network)
   * above which the server stops writing to it and queues instead, in order:
   * a reader that never reads costs at most this plus `maxQueuedBytes`.
   * @default 1048576 (1 MiB)
   */
  maxBufferedBytes?: number | undefined;
  /**
   * The push log that lets a client of this library come back after any
   * outage and get exactly the pushes it missed (see the delivery guide): how
   * many pushes per uid it keeps, how many bytes (estimated), and for how long.
   * @default { maxEntries: 1000, maxBytes: 1048576, maxAgeMs: 120000, positionTtlMs: 600000 }
   */
  replay?: Partial<PushLogLimits> | undefined;
  /**
   * Admission control: the most clients this process, one uid, or one remote
   * address may have. A new client over a limit is turned away with a retry
   * hint: 503 + `Retry-After` on HTTP, close 1013 on WebSocket.
   * @default {} (no limits)
   */
  limits?: ConnectionLimits | undefined;
  /**
   * Rate limits on client events (token buckets per client, per uid and per
   * event id). An event over a limit never reaches a handler: a request gets
   * the reply `{ 'sente/error': 'ERR_SENTE_RATE_LIMITED' }`, an event becomes
   * `chsk/bad-event`; a client that keeps sending is disconnected (4429).
   * @default undefined (no limits)
   */
  rateLimits?: RateLimits | undefined;
  /** How long `close()` waits for handlers to answer pending Ajax replies. @default 5000 */
  closeTimeoutMs?: number | undefined;
  /**
   * Whether a WebSocket keeps its upgrade request's `raw` (the framework's
   * request: Node's `IncomingMessage`, a Koa `ctx`, a fastify `request`) for
   * its whole life. With `false`, `raw` is there for the hooks of the
   * handshake only: afterwards the router's `msg.request` and the request of
   * a credential refresh over the socket have `raw: undefined`, and keep
   * everything else (`query`, `headers`, `session`, `remoteAddress`). Saves
   * the framework's request per open socket (about 0.8 KiB on Express). On
   * `@sente/uws`, `raw` is made when read from what the socket keeps anyway:
   * it costs nothing to keep, and is always there.
   * @default true
   */
  keepUpgradeRaw?: boolean | undefined;
  /**
   * Shares this server's users with other server processes (e.g.
   * `createRedisBackplane` of `@sente/redis`): pushes, `closeUser`, server
   * requests, the connected uids and `chsk/uidport-*` become cluster-wide,
   * and the push log is the backplane's. `close()` closes it too.
   * See docs/reference/backplane.md.
   * @default undefined (everything in this process's memory)
   */
  backplane?: Backplane | undefined;
  /**
   * Hears about bad input, hook failures and dropped pushes (each a
   * {@link SenteError} with a stable code). The server carries on regardless.
   * @default undefined (ignored)
   */
  onError?: ((error: SenteError, context: ErrorContext) => void) | undefined;
  /**
   * The OpenTelemetry meter the server's metrics go to (see the operations
   * guide for their names). Free when the app registers no SDK.
   * @default the global meter `@sente/core`
   */
  meter?: Meter | undefined;
  /** Time and timers. @default the system clock */
  clock?: Clock | undefined;
  /** Randomness in [0, 1), for the spread of a drain. @default Math.random */
  random?: (() => number) | undefined;
}

/** Where an error reported to `onError` happened. */
export interface ErrorContext {
  readonly uid?: string;
  readonly clientId?: string;
  readonly transport?: 'ws' | 'ajax';
}

/** Options with defaults applied. */
export type ResolvedOptions<Raw> = SenteServerOptions<Raw> & {
  readonly wsKaliveMs: number | null;
  readonly wsPingTimeoutMs: number | null;
  readonly lpTimeoutMs: number;
  readonly sendBufMsWs: number;
  readonly sendBufMsAjax: number;
  readonly msAllowReconnectBeforeCloseWs: number;
  readonly msAllowReconnectBeforeCloseAjax: number;
  readonly maxPayloadBytes: number;
  readonly maxQueuedBatches: number;
  readonly maxQueuedBytes: number;
  readonly maxBufferedBytes: number;
  readonly replay: PushLogLimits;
  readonly closeTimeoutMs: number;
  readonly keepUpgradeRaw: boolean;
  readonly clock: Clock;
};

/** The client's hard-coded Ajax timeout in Sente; the long-poll must end before it. */
export const CLIENT_AJAX_TIMEOUT_MS = 60_000;

function bad(message: string): SenteError {
  return senteError('ERR_SENTE_BAD_OPTION', message);
}

function positive(name: string, v: number | null | undefined, dflt: number | null, nullable = false): number | null {
  if (v === undefined) return dflt;
  if (v === null) {
    if (nullable) return null;
    throw bad(`Option "${name}" must be a positive number.`);
  }
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw bad(`Option "${name}" must be a positive number.`);
  return v;
}

/** Applies defaults and validates, throwing `ERR_SENTE_BAD_OPTION` with an exact message. */
export function resolveOptions<Raw>(o: SenteServerOptions<Raw>): ResolvedOptions<Raw> {
  if (o === null || typeof o !== 'object') throw bad('Options must be an object.');
  const p = o.packer as Partial<typeof o.packer> | undefined;
  if (!p || typeof p.pack !== 'function' || typeof p.unpack !== 'function' || typeof p.binary !== 'boolean')
    throw bad('Option "packer" must be a Packer (name, binary, pack, unpack).');
  const lpTimeoutMs = positive('lpTimeoutMs', o.lpTimeoutMs, 20_000) as number;
  if (lpTimeoutMs >= CLIENT_AJAX_TIMEOUT_MS) throw bad(`Option "lpTimeoutMs" must be less than ${CLIENT_AJAX_TIMEOUT_MS}.`);
  const ao = o.allowedOrigins;
  if (ao !== undefined && ao !== 'all' && !(Array.isArray(ao) && ao.every((x) => typeof x === 'string')))
    throw bad('Option "allowedOrigins" must be "all" or an array of origins.');
  const maxQueuedBatches = o.maxQueuedBatches === undefined ? 1000 : o.maxQueuedBatches;
  // A count: a fraction would floor to 0 and report an overflow on every batch.
  if (typeof maxQueuedBatches !== 'number' || !Number.isInteger(maxQueuedBatches) || maxQueuedBatches <= 0)
    throw bad('Option "maxQueuedBatches" must be a positive integer.');
  if (o.keepUpgradeRaw !== undefined && typeof o.keepUpgradeRaw !== 'boolean') throw bad('Option "keepUpgradeRaw" must be a boolean.');
  return {
    ...o,
    wsKaliveMs: positive('wsKaliveMs', o.wsKaliveMs, 25_000, true),
    wsPingTimeoutMs: positive('wsPingTimeoutMs', o.wsPingTimeoutMs, 10_000, true),
    lpTimeoutMs,
    sendBufMsWs: positive('sendBufMsWs', o.sendBufMsWs, 30) as number,
    sendBufMsAjax: positive('sendBufMsAjax', o.sendBufMsAjax, 100) as number,
    msAllowReconnectBeforeCloseWs: positive('msAllowReconnectBeforeCloseWs', o.msAllowReconnectBeforeCloseWs, 2500) as number,
    msAllowReconnectBeforeCloseAjax: positive('msAllowReconnectBeforeCloseAjax', o.msAllowReconnectBeforeCloseAjax, 5000) as number,
    maxPayloadBytes: positive('maxPayloadBytes', o.maxPayloadBytes, 1024 * 1024) as number,
    maxQueuedBatches,
    maxQueuedBytes: positive('maxQueuedBytes', o.maxQueuedBytes, 4 * 1024 * 1024) as number,
    maxBufferedBytes: positive('maxBufferedBytes', o.maxBufferedBytes, 1024 * 1024) as number,
    replay: {
      maxEntries: positive('replay.maxEntries', o.replay?.maxEntries, 1000) as number,
      maxBytes: positive('replay.maxBytes', o.replay?.maxBytes, 1024 * 1024) as number,
      maxAgeMs: positive('replay.maxAgeMs', o.replay?.maxAgeMs, 120_000) as number,
      positionTtlMs: positive('replay.positionTtlMs', o.replay?.positionTtlMs, 600_000) as number,
    },
    closeTimeoutMs: positive('closeTimeoutMs', o.closeTimeoutMs, 5000) as number,
    keepUpgradeRaw: o.keepUpgradeRaw ?? true,
    clock: o.clock ?? systemClock,
  };
}
