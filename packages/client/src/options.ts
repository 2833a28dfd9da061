import { SenteError, systemClock } from '@sente/core';
import type { Clock, Packer, SenteEvent } from '@sente/core';
import { json } from '@sente/packer-json';
import { exponentialBackoff } from './backoff.js';
import { randomUuid } from './client-id.js';
import type { FetchLike, WebSocketConstructor } from './platform.js';
import type { ClientType } from './state.js';
import type { QueryParams } from './urls.js';

/** Options of `createSenteClient`. Every one is optional. */
export interface SenteClientOptions {
  /**
   * The transport: `'ws'`, `'ajax'`, or `'auto'` (WebSocket, downgraded once to
   * Ajax when the WebSocket fails before its first handshake).
   * @default 'auto'
   */
  type?: ClientType | undefined;
  /** Packs and unpacks every payload; must match the server's. @default json (from `@sente/packer-json`) */
  packer?: Packer | undefined;
  /** This client's id, sent on every request. One per tab is usual. @default a random UUID */
  clientId?: string | undefined;
  /**
   * Extra query parameters for the WebSocket URL, the Ajax polls and the Ajax
   * POSTs; a function is called for each request. Keys the client uses itself
   * (`client-id`, `csrf-token`, `udt`, …) are left out.
   * @default undefined
   */
  params?: QueryParams | (() => QueryParams | undefined) | undefined;
  /**
   * Extra headers for Ajax requests; a function is called for each request.
   * Browsers cannot set WebSocket headers.
   * @default undefined
   */
  headers?: Readonly<Record<string, string>> | (() => Readonly<Record<string, string>> | undefined) | undefined;
  /**
   * The WebSocket constructor. Node 20 has none: pass the `ws` package's
   * `WebSocket`. Without one, `'auto'` uses Ajax.
   * @default globalThis.WebSocket
   */
  WebSocket?: WebSocketConstructor | undefined;
  /**
   * The `fetch` used by the Ajax transport. On Node the default is not
   * `fetch` but `node:http`/`node:https`, with keep-alive sockets of the
   * client's own, at most 6 to a server (the package's `"node"` export).
   * @default globalThis.fetch
   */
  fetch?: FetchLike | undefined;
  /** Sends cookies on cross-origin Ajax requests (`credentials: 'include'`). @default false */
  withCredentials?: boolean | undefined;
  /**
   * The WebSocket keep-alive, Sente's `ws-kalive-ms`: an idle socket is
   * checked every `wsKaliveMs / 2` (halved as Sente does, sente#455) and
   * pinged when nothing was sent or received since the last check. `0` or
   * `null` turns it off.
   * @default 20000
   */
  wsKaliveMs?: number | null | undefined;
  /** How long a keep-alive ping waits for the server's "pong" before the client reconnects. @default 5000 */
  wsPingTimeoutMs?: number | undefined;
  /**
   * The wait in ms before reconnect attempt `attempt` (1, 2, …). Unlike
   * Sente, attempt 1 waits too, so that clients that lost the same server do
   * not all come back at once; a wait of 0 reconnects at once. A server's retry
   * hint (a close reason `retry=<ms>~<jitter>`, a 503's `Retry-After`) replaces it
   * for the next attempt. Sente's default grows without bound; this one is capped.
   * @default exponentialBackoff({ baseMs: 500, maxMs: maxBackoffMs, random }): full jitter in [0, min(maxBackoffMs, 500 * 2^attempt)), attempt 1 in [0, 1000)
   */
  backoffMs?: ((attempt: number) => number) | undefined;
  /** The cap of the default `backoffMs`. @default 30000 */
  maxBackoffMs?: number | undefined;
  /**
   * How long a new WebSocket may take to deliver its handshake; then it counts
   * as failed (`ERR_SENTE_CONNECT_TIMEOUT`): `'auto'` falls back to Ajax, `'ws'`
   * retries. Catches a proxy that accepts the connection but never answers the
   * upgrade, and an upgrade to a path nobody serves. It is also the timeout
   * of an Ajax handshake poll (a server answers one at once), whose expiry
   * counts as a failed attempt with the same code. `0` turns it off
   * (the Ajax handshake poll then waits `ajaxTimeoutMs`).
   * @default 10000
   */
  wsConnectTimeoutMs?: number | undefined;
  /**
   * A WebSocket that closes uncleanly within this time of its handshake counts
   * as failed, not as a connection that worked: middleboxes that kill
   * WebSockets after a moment do this. `'auto'` then falls back to Ajax, `'ws'`
   * keeps growing its backoff instead of reconnecting at once. A background
   * probe (`upgradeBackoffMs`) must also live this long before the client
   * switches to it. `0` turns it off.
   * @default 2000
   */
  wsEarlyDeathMs?: number | undefined;
  /**
   * Re-upgrade: while `'auto'` runs on Ajax after a fallback, the client tries a
   * WebSocket in the background before probe `attempt` (1, 2, …) waits this
   * long. When the probe handshakes and lives `wsEarlyDeathMs`, the client
   * switches to it (no push delivered twice, sends kept in order). A later
   * fallback in the same connection continues the count, so a WebSocket that
   * keeps failing is probed less and less often. `null` stays on Ajax, as Sente does.
   * @default equal jitter in [w/2, w) with w = min(300000, 10000 * 2^(attempt-1)): 5-10 s, then 10-20 s, … up to 2.5-5 min
   */
  upgradeBackoffMs?: ((attempt: number) => number) | null | undefined;
  /** The random source in [0, 1) of the default backoffs and of retry hints' jitter. @default Math.random */
  random?: (() => number) | undefined;
  /** The client-side timeout of Ajax polls, and of POSTs sent without a `timeoutMs`. Keep it above the server's long-poll timeout. @default 60000 */
  ajaxTimeoutMs?: number | undefined;
  /** Routers get pushed events wrapped as `['chsk/recv', event]`, as in Sente before 1.18. @default false */
  wrapRecvEvs?: boolean | undefined;
  /** The largest packed send, in bytes; a bigger one throws `ERR_SENTE_PAYLOAD_TOO_LARGE`. @default 1048576 */
  maxPayloadBytes?: number | undefined;
  /**
   * The outbox: `send` and `request` made while the client is not open
   * (before its first handshake, while it reconnects) wait here, in order,
   * and go out when it opens; each send's timeout runs meanwhile. Past
   * `maxEvents` sends or `maxBytes` (packed, UTF-8) waiting, a send is
   * refused: `request` rejects with `ERR_SENTE_QUEUE_OVERFLOW`, a `send`
   * returns false and its `cb` gets `'chsk/error'`.
   * @default { maxEvents: 1000, maxBytes: 1048576 }
   */
  outbox?: { maxEvents?: number | undefined; maxBytes?: number | undefined } | undefined;
  /**
   * The W3C trace context of each send (its `traceparent`, and `tracestate`
   * if any), e.g. from the app's OpenTelemetry span: a server of this library
   * runs the event's handlers in it (their spans are its children) and sends
   * the handler's context back with the reply. Called once per send, at the
   * time it goes out, only with such a server; nothing is sent to a Clojure
   * Sente server.
   * @default undefined
   */
  traceContext?: ((event: SenteEvent) => TraceContext | undefined) | undefined;
  /** The time source and timers, for tests with fake time. @default systemClock */
  clock?: Clock | undefined;
  /** Connects at once; otherwise call `connect()`. @default true */
  autoConnect?: boolean | undefined;
  /**
   * One connection for all of a browser's tabs (see the tabs guide): the tabs
   * of one origin that open the same chsk URL elect a leader (Web Locks),
   * which holds the connection and serves the others over a
   * `BroadcastChannel`; each tab keeps this client's whole API. `'ajax'`
   * shares Ajax connections only (`type: 'ajax'`, and `'auto'` once it fell
   * back to Ajax), so that any number of tabs stays within the browser's six
   * connections per host; `true` shares every transport; `false` never
   * shares. Without Web Locks and `BroadcastChannel` (Node, old browsers)
   * each client connects on its own.
   * @default 'ajax'
   */
  shareAcrossTabs?: boolean | 'ajax' | undefined;
  /**
   * The URL of a SharedWorker script that calls `serveSharedConnection` with
   * this client's path and options (see the tabs guide): when the browser has
   * SharedWorker, that worker holds the connection the tabs share, instead of
   * a leader tab, so that no tab's closing ever moves it. If the worker fails
   * to load, a leader tab takes over.
   * @default undefined (a leader tab)
   */
  sharedWorker?: string | URL | undefined;
  /**
   * Gets errors nobody else can take: a listener or callback that threw, a
   * message from the server that cannot be read, and each connection problem
   * the client diagnoses (once per outage, with a hint as the message: see
   * `state.lastError` and the troubleshooting guide).
   * @default logs them with console.error
   */
  onError?: ((error: unknown) => void) | undefined;
}

/** A W3C trace context, as `traceContext` gives it. */
export interface TraceContext {
  readonly traceparent: string;
  readonly tracestate?: string | undefined;
}

/** The options with their defaults applied and checked. */
export interface ResolvedOptions {
  readonly type: ClientType;
  readonly packer: Packer;
  readonly clientId: string;
  readonly params: () => QueryParams | undefined;
  readonly headers: () => Readonly<Record<string, string>> | undefined;
  readonly WebSocket: WebSocketConstructor | undefined;
  readonly fetch: FetchLike | undefined;
  readonly withCredentials: boolean;
  /** The keep-alive check interval, already halved; 0 for none. */
  readonly kaliveMs: number;
  readonly wsPingTimeoutMs: number;
  readonly backoffMs: (attempt: number) => number;
  readonly maxBackoffMs: number;
  readonly wsConnectTimeoutMs: number;
  readonly wsEarlyDeathMs: number;
  /** `undefined`: the default schedule (reupgrade.ts). */
  readonly upgradeBackoffMs: ((attempt: number) => number) | null | undefined;
  readonly random: () => number;
  readonly ajaxTimeoutMs: number;
  readonly wrapRecvEvs: boolean;
  readonly maxPayloadBytes: number;
  readonly outboxMaxEvents: number;
  readonly outboxMaxBytes: number;
  readonly clock: Clock;
  readonly traceContext: ((event: SenteEvent) => TraceContext | undefined) | undefined;
  readonly autoConnect: boolean;
  readonly shareAcrossTabs: boolean | 'ajax';
  readonly sharedWorker: string | URL | undefined;
  readonly onError: (error: unknown) => void;
}

const bad = (message: string): SenteError => new SenteError('ERR_SENTE_BAD_OPTION', message);

/** `v`, checked to be a finite number >= 0 (`name` in the error), or `dflt` when undefined. */
export function ms<D extends number | undefined>(name: string, v: number | undefined, dflt: D): number | D {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !(v >= 0) || v === Infinity) throw bad(`${name} must be a finite number >= 0, not ${String(v)}.`);
  return v;
}

function asFn<T>(v: T | (() => T) | undefined): () => T | undefined {
  if (typeof v === 'function') return v as () => T;
  return () => v;
}

const logError = (error: unknown): void => {
  console.error('[sente]', error);
};

/** Applies the defaults to `options` and checks them; throws `ERR_SENTE_BAD_OPTION`. */
export function resolveOptions(options: SenteClientOptions): ResolvedOptions {
  const type = options.type ?? 'auto';
  if (type !== 'auto' && type !== 'ws' && type !== 'ajax') throw bad(`type must be 'auto', 'ws' or 'ajax', not ${String(type)}.`);
  const clientId = options.clientId ?? randomUuid();
  if (typeof clientId !== 'string' || clientId.trim() === '') throw bad('clientId must be a non-blank string.');
  const g = globalThis as { WebSocket?: WebSocketConstructor; fetch?: FetchLike };
  const WebSocket = options.WebSocket ?? g.WebSocket;
  const fetch = options.fetch ?? (typeof g.fetch === 'function' ? g.fetch.bind(globalThis) : undefined);
  if (type === 'ws' && WebSocket === undefined) {
    throw bad("type 'ws' needs options.WebSocket (on Node, the ws package's).");
  }
  if (type !== 'ws' && fetch === undefined && (type === 'ajax' || WebSocket === undefined)) {
    throw bad(`type '${type}' needs options.fetch here.`);
  }
  const maxBackoffMs = ms('maxBackoffMs', options.maxBackoffMs, 30_000);
  const kalive = options.wsKaliveMs === null ? 0 : ms('wsKaliveMs', options.wsKaliveMs, 20_000);
  const random = options.random ?? Math.random;
  const shareAcrossTabs = options.shareAcrossTabs ?? 'ajax';
  if (shareAcrossTabs !== true && shareAcrossTabs !== false && shareAcrossTabs !== 'ajax') {
    throw bad(`shareAcrossTabs must be true, false or 'ajax', not ${String(shareAcrossTabs)}.`);
  }
  // One literal, every field in place from the start: every client's options (and the context built
  // from them) then share one hidden class, and the loads of the hot paths stay monomorphic.
  return {
    maxBackoffMs,
    wsPingTimeoutMs: ms('wsPingTimeoutMs', options.wsPingTimeoutMs, 5000),
    wsConnectTimeoutMs: ms('wsConnectTimeoutMs', options.wsConnectTimeoutMs, 10_000),
    wsEarlyDeathMs: ms('wsEarlyDeathMs', options.wsEarlyDeathMs, 2000),
    ajaxTimeoutMs: ms('ajaxTimeoutMs', options.ajaxTimeoutMs, 60_000),
    maxPayloadBytes: ms('maxPayloadBytes', options.maxPayloadBytes, 1024 * 1024),
    type,
    packer: options.packer ?? json,
    clientId,
    params: asFn(options.params),
    headers: asFn(options.headers),
    WebSocket,
    fetch,
    withCredentials: options.withCredentials ?? false,
    kaliveMs: Math.floor(kalive / 2),
    backoffMs: options.backoffMs ?? exponentialBackoff({ baseMs: 500, maxMs: maxBackoffMs, random }),
    upgradeBackoffMs: options.upgradeBackoffMs,
    random,
    wrapRecvEvs: options.wrapRecvEvs ?? false,
    outboxMaxEvents: ms('outbox.maxEvents', options.outbox?.maxEvents, 1000),
    outboxMaxBytes: ms('outbox.maxBytes', options.outbox?.maxBytes, 1024 * 1024),
    clock: options.clock ?? systemClock,
    traceContext: options.traceContext,
    autoConnect: options.autoConnect ?? true,
    shareAcrossTabs,
    sharedWorker: options.sharedWorker,
    onError: options.onError ?? logError,
  };
}
