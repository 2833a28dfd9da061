import { SenteError, assertEvent, eventsFor, fromWireEvent, isBadEventReply, isCbError, isReservedId, readHandshake } from '@sente/core';
import type { Envelope, Packed, SenteContract, SenteEvent, WireEvent } from '@sente/core';
import { createEmitter } from './emitter.js';
import { ms, resolveOptions } from './options.js';
import type { ResolvedOptions, SenteClientOptions, TraceContext } from './options.js';
import { connectionError, isTerminal } from './connection-errors.js';
import { pageHidden, watchPage } from './page-hooks.js';
import { createOutbox } from './outbox.js';
import type { OutboxContext } from './outbox.js';
import { exceedsBytes } from './payload-size.js';
import { createPositions } from './positions.js';
import { callSafely } from './reply-callbacks.js';
import type { ReplyCallback } from './reply-callbacks.js';
import { CHSK_CLOSED, CHSK_ERROR, CHSK_HANDSHAKE, CHSK_RECV, CHSK_STATE, CHSK_TIMEOUT, Routers, badEventError } from '@sente/core/internal';
import type { ClientEventHandler, ClientEventMsg, Router, RouterOptions } from './router.js';
import { createStateStore } from './state.js';
import { CLIENT_ACCESSORS, LIVE } from './live.js';
import type { LiveHooks } from './live.js';
import type { ClientState, StateChange } from './state.js';
import type { AjaxContext } from './ajax-transport.js';
import type { Transport } from './transport.js';
import { kit, lazyTransport, withFallback } from './lazy-ajax.js';
import type { Reupgrade } from './reupgrade.js';
import { tabSharing } from './share.js';
import type { ClientCore, ClientHooks } from './share.js';
import { chskUrls } from './urls.js';
import { createWsTransport } from './ws-transport.js';
import type { ContractOption, SenteClientOf } from './typed-client.js';
import { withContract } from './validation.js';

/** The CSRF token argument: a token, a function called before each request, or `null` for none. */
export type CsrfTokenSource = string | (() => string | null | undefined) | null | undefined;

/** A handshake, as `on('handshake')` listeners receive it. */
export interface HandshakeInfo {
  /** The uid the server gave this connection (`'sente/nil-uid'` for no user). */
  readonly uid: string;
  /** The server's handshake data, or `null`. */
  readonly handshakeData: unknown;
  /** True for the first handshake of this client. */
  readonly firstHandshake: boolean;
  /**
   * For a client that gave the server its position (a reconnect to a server
   * with a push log): `true` when the server replays exactly what the client
   * missed, `false` when it could not (past the log's window, or a new log):
   * the app should refetch its state. `undefined` otherwise.
   */
  readonly recovered?: boolean | undefined;
}

/** The flags that `chsk/state` router messages add to the new state (Sente's transient keys). */
export interface OpenFlags {
  /** True when `open` flipped. */
  readonly openChanged: boolean;
  /** True when the client just opened. */
  readonly opened: boolean;
  /** True when the client just closed. */
  readonly closed: boolean;
  /** True when the client opened for the first time. */
  readonly firstOpen: boolean;
}

/** The data of a `chsk/state` router message: `[old, new, openChanged]`. */
export type StateEventData = readonly [old: ClientState, new: ClientState & OpenFlags, openChanged: boolean];

/** The data of a `chsk/handshake` router message: `[uid, null, handshakeData, firstHandshake]`. */
export type HandshakeEventData = readonly [uid: string, csrfToken: null, handshakeData: unknown, firstHandshake: boolean];

/** What `on` listens to. */
export interface ClientEvents {
  /** Every state change. */
  state: StateChange;
  /** Every handshake (not the one of a switch from Ajax back to WebSocket: the connection goes on). */
  handshake: HandshakeInfo;
  /** Every event the server pushed, in arrival order (never wrapped in `chsk/recv`). */
  event: SenteEvent;
}

/** Options of `send`. */
export interface SendOptions {
  /** How long `cb` waits for the reply; required with `cb`. On Ajax, also the POST's timeout. */
  timeoutMs?: number | undefined;
  /** Gets the reply, or `'chsk/closed'`, `'chsk/timeout'` or `'chsk/error'`. */
  cb?: ReplyCallback | undefined;
  /** Accepted for Sente compatibility; client sends are never buffered (only queued while the client is not open). */
  flush?: boolean | undefined;
}

/** Options of `breakConnection`. */
export interface BreakConnectionOptions {
  /**
   * Close the WebSocket, as a network failure would (the client notices and
   * reconnects). `false` leaves a socket that neither sends nor receives,
   * like a dropped network, for the keep-alive to find.
   * @default true
   */
  closeWs?: boolean | undefined;
  /** The close code when `closeWs`. @default 3000 */
  wsCode?: number | undefined;
}

/** A Sente channel socket client. */
export interface SenteClient {
  /** This client's id; in a tab that shares its connection (`shareAcrossTabs`), the shared connection's, once it joined. */
  readonly clientId: string;
  /** The current state snapshot. */
  readonly state: ClientState;
  /** Listens to state changes, handshakes or pushed events; returns the remover. */
  on<K extends keyof ClientEvents>(kind: K, listener: (payload: ClientEvents[K]) => void): () => void;
  /**
   * Calls `handler` with each `chsk/state`, `chsk/handshake` and pushed event
   * (Sente's client router). Handler errors go to `errorHandler` and never stop it.
   */
  startRouter(handler: ClientEventHandler, options?: RouterOptions): Router;
  /**
   * Sends an event; `cb` gets the reply or `'chsk/closed'`, `'chsk/timeout'`,
   * `'chsk/error'`. While the client is not open (before its first handshake,
   * while it reconnects), the event waits in the outbox (`outbox` option) and
   * goes out, in order, when it opens; its timeout runs meanwhile. Returns
   * false when the event was refused: the client is stopped (`disconnect()`,
   * or refused by the server: `cb` gets `'chsk/closed'`), or the outbox is
   * full (`cb` gets `'chsk/error'`). Throws `ERR_SENTE_BAD_EVENT` for an
   * invalid, `chsk/*` or `sente/*` event and `ERR_SENTE_PAYLOAD_TOO_LARGE` past
   * `maxPayloadBytes` or the server's own limit (from its handshake): nothing
   * is sent and the connection stays up.
   */
  send(event: SenteEvent, options?: SendOptions): boolean;
  /** Sends an event whose reply `cb` waits for, at most `timeoutMs`. */
  send(event: SenteEvent, timeoutMs: number, cb?: ReplyCallback): boolean;
  /**
   * Sends an event and resolves with the reply; queued, as `send`, while the
   * client is not open. With a server of this library (not a Clojure Sente
   * server), a request whose connection dies before the reply is sent again
   * after the reconnect, with the same message id: the server handles it once
   * and the retry gets the first reply. Rejects with a `SenteError`:
   * `ERR_SENTE_CLOSED` (the client is stopped, or `disconnect()` was called
   * while it waited), `ERR_SENTE_TIMEOUT`, `ERR_SENTE_QUEUE_OVERFLOW` (the
   * outbox is full), `ERR_SENTE_TRANSPORT` (the connection failed or ended
   * first, with a Sente server), or the `send` errors.
   */
  request(event: SenteEvent, timeoutMs: number): Promise<unknown>;
  /** Connects (once; `createSenteClient` does it unless `autoConnect: false`); also after the server refused the client (`lastClose.reason === 'rejected'`). */
  connect(): void;
  /**
   * Closes for good: WebSocket closed with 1000 "CLOSE_NORMAL", poll aborted,
   * no retries, no timers, waiting callbacks get `'chsk/error'`, sends waiting
   * in the outbox get `'chsk/closed'`. Returns true
   * when the client was open.
   */
  disconnect(): boolean;
  /**
   * Disconnects and connects again at once, e.g. after login so the server
   * reads the new session; `'auto'` starts over with WebSocket. In a tab that
   * shares its connection, reconnects the shared one (with this tab's CSRF
   * token): every tab of the group gets the new handshake.
   */
  reconnect(): void;
  /** Breaks the connection as a network failure would, to test how the app copes. */
  breakConnection(options?: BreakConnectionOptions): void;
}

/**
 * Ids in Sente's own namespaces: the server refuses to push them and turns
 * client events with them into `chsk/bad-event`, so the client neither sends
 * nor accepts them.
 */

const errorForOutcome = (outcome: string, timeoutMs: number): SenteError => {
  if (outcome === CHSK_CLOSED) return new SenteError('ERR_SENTE_CLOSED', 'Not sent: the client is not open.');
  if (outcome === CHSK_TIMEOUT) return new SenteError('ERR_SENTE_TIMEOUT', `No reply within ${timeoutMs} ms.`);
  return new SenteError('ERR_SENTE_TRANSPORT', 'The connection ended before the reply.');
};

/**
 * Creates a Sente client for the channel socket at `path` and connects it.
 *
 * @param path `'/chsk'` (resolved against the page), or a full URL such as `'http://127.0.0.1:3000/chsk'`.
 * @param csrfToken the token the server checks, a function returning it, or `null`.
 * @example
 * ```ts
 * import { createSenteClient } from '@sente/client';
 * const client = createSenteClient('/chsk', () => document.querySelector<HTMLMetaElement>('meta[name=csrf-token]')?.content);
 * client.on('handshake', ({ uid }) => console.log('connected as', uid));
 * client.on('event', ([id, data]) => console.log('pushed', id, data));
 * const reply = await client.request(['chat/hello', { text: 'hi' }], 5000);
 * ```
 */
export function createSenteClient<C extends SenteContract = SenteContract>(
  path: string,
  csrfToken: CsrfTokenSource,
  options: SenteClientOptions & ContractOption<C> = {},
): SenteClientOf<C> {
  const opts = resolveOptions(options);
  return withContract(createClient(path, csrfToken, opts).client, options.contract, opts.onError) as SenteClientOf<C>;
}

/**
 * The client of `createSenteClient`, on a connection of its own or one its
 * tabs share (`shareAcrossTabs`); with `hooks.tap`, the leader tab's client
 * that holds the shared connection.
 */
export function createClient(path: string, csrfToken: CsrfTokenSource, opts: ResolvedOptions, hooks: ClientHooks = {}): ClientCore {
  const { clock, packer, onError, WebSocket, fetch } = opts;
  const outEvent = eventsFor(packer);
  const location = (globalThis as { location?: { href?: string } }).location;
  const urls = chskUrls(path, typeof location?.href === 'string' ? location.href : undefined);

  const emitter = createEmitter<ClientEvents>(onError);
  const routers = new Routers<ClientEventMsg>((error) => onError(error));
  const store = createStateStore(opts.type, clock, (change) => {
    emitter.emit('state', change);
    if (change.opened) outbox.flush();
  });
  const positions = createPositions(hooks.position);
  /** For `refreshCredentials` and `liveCredentials` (tree-shaken when unused). */
  const live: LiveHooks = {
    own: {},
    ext: undefined,
    onHandshake: undefined,
    onHalt: undefined,
    send: (wire, cb, timeoutMs) => store.current.open && transport !== null && transport.send(wire, cb, timeoutMs),
    ajax: fetch === undefined ? undefined : () => ajax(),
    shared: () => tabs !== undefined,
    onError,
    csrfToken() {
      const t = 'csrfToken' in live.own ? live.own.csrfToken : typeof csrfToken === 'function' ? csrfToken() : csrfToken;
      return typeof t === 'string' && t.trim() !== '' ? t : undefined;
    },
    params: () => live.own.params ?? opts.params(),
    headers: () => live.own.headers ?? opts.headers(),
    moved(uid, epoch, offset) {
      positions.moved(epoch, offset);
      store.update({ uid });
    },
    clientId: () => transport?.clientId?.() ?? opts.clientId,
    state: () => store.current,
  };
  const { tap } = hooks;
  // A leader's client never shares again.
  const tabs = tap === undefined ? tabSharing(opts, urls.ajax, (csrf, o, h) => createClient(urls.ajax, csrf, o, h)) : undefined;
  /** Set by `disconnect()` and a refusal: sends are refused, not queued. */
  let stopped = false;
  let transport: Transport | null = null;
  /** The way back to WebSocket after a fallback (fallback.ts), and how many fallbacks this connect() has seen. */
  let reupgrade: Reupgrade | null = null;
  let fallbacks = 0;
  let everHandshaken = false;
  let unloading = false;
  let unwatchPage: (() => void) | null = null;
  /** The server's limit from its handshake, when it sent one. */
  let serverMaxPayloadBytes: number | undefined;
  /** The codes reported since the last handshake: each problem is reported once per outage. */
  const reported = new Set<string>();

  // The options the transports read, and what they need of the client, in one literal: listed, not
  // spread from `opts` and extended, which V8 gives a hidden class of its own once the spread has seen
  // many; every read of ctx on the hot paths of a dozen clients in one process would then go megamorphic.
  const ctx: AjaxContext & OutboxContext = {
    packer: opts.packer,
    clientId: opts.clientId,
    fetch: opts.fetch,
    withCredentials: opts.withCredentials,
    backoffMs: opts.backoffMs,
    maxBackoffMs: opts.maxBackoffMs,
    wsConnectTimeoutMs: opts.wsConnectTimeoutMs,
    outboxMaxEvents: opts.outboxMaxEvents,
    outboxMaxBytes: opts.outboxMaxBytes,
    traceContext: opts.traceContext,
    random: opts.random,
    ajaxTimeoutMs: opts.ajaxTimeoutMs,
    clock: opts.clock,
    onError: opts.onError,
    state: store,
    unloading: () => unloading,
    csrfToken: live.csrfToken,
    params: live.params,
    headers: live.headers,
    ext: () => live.ext,
    // The outbox's: the open transport, and whether the client stopped.
    open: () => (store.current.open ? transport : null),
    stopped: () => stopped,
    pack(envelope: Envelope): Packed {
      const packed = packer.pack(envelope);
      const server = serverMaxPayloadBytes !== undefined && serverMaxPayloadBytes < opts.maxPayloadBytes;
      const limit = server ? (serverMaxPayloadBytes as number) : opts.maxPayloadBytes;
      // Refused here, the send costs nothing; sent, the server would close the socket (1009) and fail every pending reply.
      if (exceedsBytes(packed, limit)) {
        throw new SenteError('ERR_SENTE_PAYLOAD_TOO_LARGE', `Not sent: over ${server ? "the server's limit" : 'maxPayloadBytes'} (${limit} bytes).`);
      }
      return packed;
    },
    handshake(kind, content) {
      tap?.handshake(kind, content);
      const { uid, handshakeData, ext } = readHandshake(content);
      serverMaxPayloadBytes = ext?.maxPayloadBytes;
      positions.handshake(ext);
      live.ext = ext;
      reported.clear();
      // Already open on the other transport: a switch from Ajax back to WebSocket, not a new
      // connection. A handshake on the open Ajax channel is one: the server forgot this client (its
      // queue overflowed, or the poll reached a server of a cluster that did not hold it), and the
      // app is told whether it recovered what it missed.
      const upgrade = store.current.open && store.current.type !== kind;
      const firstHandshake = !everHandshaken;
      everHandshaken = true;
      const r = ext?.['recovered'];
      const recovered = typeof r === 'boolean' ? r : undefined;
      // Open: no reconnect is due (the store clears udtNextReconnect).
      store.update({ type: kind, open: true, everOpened: true, uid, handshakeData, ...(upgrade ? {} : { recovered }) });
      live.onHandshake?.();
      if (!upgrade) emitter.emit('handshake', { uid, handshakeData, firstHandshake, recovered });
    },
    position: () => positions.query(),
    receiveBatch(content, ext) {
      if (ext?.q !== undefined) {
        tap?.request(content, ext.q);
        return serverRequest(content, ext.q, ext.t === undefined ? undefined : { traceparent: ext.t, tracestate: ext.s });
      }
      if (!Array.isArray(content)) {
        onError(new SenteError('ERR_SENTE_BAD_PACKAGE', 'Dropped a push that is not a batch.'));
        return;
      }
      content.forEach((item: unknown, i) => {
        // A server of the extensions gives positions: what is at or below ours was delivered already.
        // A Sente server does not: a re-upgrade's WebSocket repeats the tail of what Ajax delivered.
        if (ext?.o !== undefined ? !positions.admit(ext.e, ext.o[i]) : reupgrade !== null && reupgrade.repeat(item)) return;
        const ev = validPush(item);
        if (ev === undefined) return;
        tap?.push(item, ext?.e, ext?.o?.[i]);
        emitter.emit('event', ev);
      });
    },
    report(error) {
      store.update({ lastError: error });
      if (!reported.has(error.code)) {
        reported.add(error.code);
        onError(error);
      }
      if (!isTerminal(error.code)) return false;
      // Retrying cannot help (a refused token or credentials): stop until the app connects again.
      stop('rejected', true);
      return true;
    },
    hidden: pageHidden,
    diagnose(event, then) {
      if (typeof (event as { message?: unknown } | null)?.message !== 'string') return;
      withFallback((m) => {
        const error = m.errorOfWsEvent(event, connectionError);
        if (error !== undefined) then(error);
      }, onError);
    },
  };

  const validPush = (item: unknown): SenteEvent | undefined => {
    const ev = fromWireEvent(item);
    if (ev !== undefined && !isReservedId(ev[0])) return ev;
    onError(new SenteError('ERR_SENTE_BAD_EVENT', 'Dropped an invalid pushed event.'));
    return undefined;
  };

  const outbox = createOutbox(ctx);

  /** A server→client request: the routers get it with a `reply`, whose answer goes back at most once. */
  const serverRequest = (content: unknown, id: string, traceContext: TraceContext | undefined): void => {
    const ev = validPush(content);
    if (ev === undefined) return;
    let replied = false;
    routers.dispatch({
      ...msg(ev[0], ev[1]),
      traceContext,
      reply(value) {
        if (replied) return;
        replied = true;
        // An answer is `[value nil {r id}]`: the value takes the event's place in the envelope.
        outbox.submit(value as WireEvent, undefined, undefined, id);
      },
    });
  };

  /** The Ajax transport (fallback.ts, loaded on demand), or the tabs' shared connection. */
  const ajax = (): Transport => {
    if (tabs !== undefined) return tabs.transport(ctx);
    if (fetch === undefined) throw new SenteError('ERR_SENTE_BAD_OPTION', 'Ajax needs options.fetch.');
    return lazyTransport(ctx, (m) => m.createAjaxTransport(ctx, urls.ajax, kit));
  };

  // Sente's :auto rule, widened: a WebSocket that fails before its first
  // handshake, or dies early (wsEarlyDeathMs), is given up for Ajax; one that
  // has worked is retried. A probe may bring WebSocket back later.
  const downgrade = (ws: Transport): boolean => {
    // A page on its way out starts nothing new (its sockets close as it goes).
    if (transport !== ws || unloading) return false;
    ws.disconnect('downgrading-ws-to-ajax', true);
    // A state listener may have called disconnect() or reconnect() meanwhile.
    if (transport !== ws) return true;
    reupgrade = null;
    const t = ajax();
    transport = t;
    t.connect();
    const probeMs = opts.upgradeBackoffMs;
    if (probeMs !== null && WebSocket !== undefined) {
      // Each fallback starts probing where the last one left off: a WebSocket
      // that keeps failing soon after a switch is probed less and less often.
      const skip = fallbacks++;
      // fallback.ts holds the re-upgrade: once it is loaded, unless the client moved on meanwhile.
      withFallback((m) => {
        if (transport === t) reupgrade = m.createReupgrade(ctx, opts, urls.ws, WebSocket, probeMs, skip, take, downgrade, kit);
      }, onError);
    }
    return true;
  };

  const ws = (Ctor: NonNullable<typeof WebSocket>): Transport => {
    if (opts.type !== 'auto' || fetch === undefined) return createWsTransport(ctx, opts, urls.ws, Ctor);
    const t: Transport = createWsTransport(ctx, opts, urls.ws, Ctor, () => downgrade(t));
    return t;
  };

  /**
   * Re-upgrade: the probe becomes the transport. Waits for Ajax POSTs in
   * flight, so that sends reach the server in order; then the poll ends
   * without touching the state (the client stays open) and WebSocket goes on.
   */
  const take = (to: Transport): boolean => {
    const from = transport;
    if (from === null || from.busy()) return false;
    transport = to;
    from.disconnect(null);
    return true;
  };

  /** The network or the tab came back: reconnect now if closed, check the connection if open. */
  const wake = (): void => {
    transport?.kick();
    transport?.checkHealth();
  };

  const connect = (): void => {
    stopped = false;
    if (transport !== null) return;
    unwatchPage = watchPage((u) => {
      unloading = u;
    }, wake);
    fallbacks = 0;
    transport = tabs?.ajaxOnly === false ? tabs.transport(ctx) : opts.type === 'ajax' || WebSocket === undefined ? ajax() : ws(WebSocket);
    transport.connect();
  };

  const halt = (reason: 'requested-disconnect' | 'requested-reconnect' | 'rejected', recordClose = false): boolean => {
    const t = transport;
    if (t === null) return false;
    transport = null;
    live.onHalt?.();
    reupgrade?.stop();
    reupgrade = null;
    unwatchPage?.();
    unwatchPage = null;
    const wasOpen = store.current.open;
    t.disconnect(reason, recordClose);
    return wasOpen;
  };

  /** Stops for good: what waits in the outbox gets `'chsk/closed'`. */
  const stop = (reason: 'requested-disconnect' | 'rejected', recordClose = false): boolean => {
    stopped = true;
    const wasOpen = halt(reason, recordClose);
    outbox.fail(CHSK_CLOSED);
    return wasOpen;
  };

  /** Checks and submits a send; `false` when stopped, a `SenteError` when the outbox is full. */
  const submit = (event: SenteEvent, a?: number | SendOptions, b?: ReplyCallback): boolean | SenteError => {
    let timeoutMs: number | undefined;
    let cb: ReplyCallback | undefined;
    if (typeof a === 'object' && a !== null) {
      timeoutMs = a.timeoutMs;
      cb = a.cb;
    } else {
      timeoutMs = a;
      cb = b;
    }
    assertEvent(event);
    if (isReservedId(event[0])) {
      throw new SenteError('ERR_SENTE_BAD_EVENT', `Bad event: "${event[0]}" is reserved by Sente.`);
    }
    if (cb !== undefined && typeof cb !== 'function') throw new SenteError('ERR_SENTE_BAD_OPTION', 'cb must be a function.');
    ms('timeoutMs', timeoutMs, undefined);
    if (cb !== undefined && timeoutMs === undefined) {
      throw new SenteError('ERR_SENTE_BAD_OPTION', 'cb needs a timeoutMs.');
    }
    return outbox.submit(outEvent(event), cb, timeoutMs);
  };

  const send = (event: SenteEvent, a?: number | SendOptions, b?: ReplyCallback): boolean => {
    const r = submit(event, a, b);
    if (r === true || r === false) return r;
    const cb = typeof a === 'object' && a !== null ? a.cb : b;
    if (cb !== undefined) callSafely(cb, CHSK_ERROR, onError);
    return false;
  };

  const methods: Omit<SenteClient, 'clientId' | 'state'> & { [LIVE]: LiveHooks } = {
    [LIVE]: live,
    on: (kind, listener) => emitter.on(kind, listener),
    startRouter(handler, routerOptions = {}) {
      return routers.start(handler, routerOptions);
    },
    send,
    request(event, timeoutMs) {
      return new Promise((resolve, reject) => {
        const r = submit(event, timeoutMs, (reply) => {
          if (isCbError(reply)) reject(errorForOutcome(reply, timeoutMs));
          // A server's contract refused the payload: the handler never saw it.
          else if (isBadEventReply(reply)) reject(badEventError(reply.id, reply.issues));
          else resolve(reply);
        });
        if (typeof r === 'object') reject(r);
      });
    },
    connect,
    disconnect: () => stop('requested-disconnect'),
    reconnect() {
      if (transport?.reconnectShared !== undefined) return transport.reconnectShared();
      halt('requested-reconnect');
      connect();
    },
    breakConnection(breakOptions = {}) {
      const { closeWs = true, wsCode = 3000 } = breakOptions;
      if (!(wsCode === 1000 || (Number.isInteger(wsCode) && wsCode >= 3000 && wsCode <= 4999))) {
        throw new SenteError('ERR_SENTE_BAD_OPTION', `wsCode must be 1000 or in 3000-4999, not ${String(wsCode)}.`);
      }
      transport?.breakConnection(closeWs, wsCode);
    },
  };
  const client = Object.defineProperties(methods, CLIENT_ACCESSORS) as SenteClient & { [LIVE]: LiveHooks };

  if (opts.autoConnect) connect();
  // Every router gets the same message, built once per event.
  const msg = (id: string, data: unknown): ClientEventMsg => ({ id, data, event: [id, data], client });
  emitter.on('state', (c) => {
    const { old, new: now, ...flags } = c;
    const data: StateEventData = [old, { ...now, ...flags }, c.openChanged];
    routers.dispatch(msg(CHSK_STATE, data));
  });
  emitter.on('handshake', (h) => {
    const data: HandshakeEventData = [h.uid, null, h.handshakeData, h.firstHandshake];
    routers.dispatch(msg(CHSK_HANDSHAKE, data));
  });
  emitter.on('event', (ev) => {
    if (routers.size > 0) routers.dispatch(opts.wrapRecvEvs ? msg(CHSK_RECV, ev) : { id: ev[0], data: ev[1], event: ev, client });
  });
  return { client, submit: outbox.submit, wake };
}
