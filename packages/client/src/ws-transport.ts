import { EXT_VERSION, PONG, SenteError, decodeEnvelope, isHandshake, isKeywordContent, kw, parseRetryHint, retryDelay } from '@sente/core';
import type { DecodedEnvelope, EnvelopeExt, OutEvent, Packed, TimerHandle, WireEvent } from '@sente/core';
import { connectionError } from './connection-errors.js';
import { CHSK_ERROR, CHSK_WS_PING, CHSK_WS_PONG, CLOSE_NORMAL, CLOSE_UNAUTHORIZED, createKeepAlive, WIRE_CLIENT_ID, WIRE_CSRF_TOKEN, WIRE_EXT, WIRE_POSITION } from '@sente/core/internal';
import type { KeepAlive } from '@sente/core/internal';
import { asSendable } from './platform.js';
import type { WebSocketConstructor, WebSocketLike, WsCloseEventLike, WsMessageEventLike } from './platform.js';
import { createReconnector } from './reconnector.js';
import { callSafely, createReplyCallbacks } from './reply-callbacks.js';
import type { ReplyCallback } from './reply-callbacks.js';
import type { CloseReason } from './state.js';
import { asPacked, clientEnvelope } from './transport.js';
import type { Transport, TransportContext } from './transport.js';
import { appParamsQuery, appendParam, withQuery } from './urls.js';

/** The options {@link createWsTransport} reads (the client's resolved options). */
export interface WsTimings {
  /** The keep-alive check interval (already halved), or 0 for none. */
  readonly kaliveMs: number;
  readonly wsPingTimeoutMs: number;
  /** How long a socket may take to handshake before it counts as failed; 0 for no limit. */
  readonly wsConnectTimeoutMs: number;
  /** A socket that closes uncleanly this soon after its handshake counts as failed; 0 for never. */
  readonly wsEarlyDeathMs: number;
}

const RESERVED = [WIRE_CLIENT_ID, WIRE_CSRF_TOKEN, WIRE_EXT, WIRE_POSITION] as const;
const PING_EVENT: WireEvent = [kw(CHSK_WS_PING)];
const PONG_EVENT: WireEvent = [kw(CHSK_WS_PONG)];
const noop = (): void => {};

/** The WebSocket URL: the app's params, then `client-id`, `csrf-token` and `sente-ext`. */
function wsUrl(ctx: TransportContext, base: string): string {
  let q = appParamsQuery(ctx.params(), RESERVED);
  q = appendParam(q, WIRE_CLIENT_ID, ctx.clientId);
  const token = ctx.csrfToken();
  if (token !== undefined) q = appendParam(q, WIRE_CSRF_TOKEN, token);
  // Asks servers that speak this library's extensions for them; Sente servers ignore it.
  q = appendParam(q, WIRE_EXT, String(EXT_VERSION));
  const pos = ctx.position();
  if (pos !== undefined) q = appendParam(q, WIRE_POSITION, pos);
  return withQuery(base, q);
}

/** Stops listening to a socket we let go. */
function detach(s: WebSocketLike): void {
  s.onopen = null;
  s.onmessage = null;
  s.onclose = null;
  // `ws` throws an 'error' event nobody listens to: keep a listener on sockets we let go.
  s.onerror = noop;
}

/**
 * The WebSocket channel socket (sente-protocol §3.5) at `url`: one socket at a
 * time, replies matched by cb-id, server pings answered, a keep-alive that
 * pings an idle socket, a connect timeout, and reconnects with backoff.
 * `onFailureBeforeHandshake` is called when a socket failed before any
 * handshake, or died early; it returns true when the client took over
 * (`type: 'auto'` falling back to Ajax).
 */
export function createWsTransport(
  ctx: TransportContext,
  opts: WsTimings,
  url: string,
  WebSocket: WebSocketConstructor,
  onFailureBeforeHandshake?: () => boolean,
): Transport {
  // The state is read through ctx each time: a re-upgrade probe's context switches it.
  const { clock } = ctx;
  const callbacks = createReplyCallbacks(clock, ctx.onError);
  let active = false;
  let everHandshaken = false;
  let socket: WebSocketLike | null = null;
  /** The current socket delivered its handshake / has lived `wsEarlyDeathMs` since. */
  let handshaken = false;
  let survived = false;
  /** The connect timeout, then the early-death window, of the current socket. */
  let timer: TimerHandle | undefined;
  /** The socket is gone as far as we know, but nothing told us: `breakConnection({ closeWs: false })`. */
  let silent = false;
  /** The socket `breakConnection()` closed: its close is not a clean one. */
  let broken: WebSocketLike | null = null;
  let pinging = false;
  let pong: Packed | undefined;

  const reconnector = createReconnector(ctx, () => {
    if (active) open();
  });

  // The client judges a ping by its "pong" reply (wsPingTimeoutMs), not by traffic after it.
  // Hidden tabs get their timers throttled: rather than misread a late timer as
  // a dead socket, the client leaves liveness to the server's own pings then.
  // Its timers are the clock's own: only the server counts them (stats()).
  const keepAlive: KeepAlive | undefined =
    opts.kaliveMs > 0
      ? createKeepAlive(
          {
            set(fn, ms) {
              const handle = clock.setTimeout(fn, ms);
              return { cancel: () => clock.clearTimeout(handle) };
            },
          },
          {
            intervalMs: opts.kaliveMs,
            pingTimeoutMs: null,
            ping: () => {
              if (!ctx.hidden()) ping();
            },
            dead: noop,
          },
        )
      : undefined;

  const clearTimer = (): void => {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
  };

  const closeQuietly = (s: WebSocketLike, code: number, reason: string): void => {
    try {
      s.close(code, reason);
    } catch (error) {
      ctx.onError(error);
    }
  };

  /** Closes a socket we let go, unheard. */
  const letGo = (s: WebSocketLike): void => {
    detach(s);
    closeQuietly(s, CLOSE_NORMAL, 'CLOSE_NORMAL');
  };

  /** Records the socket's error (`state.lastWsError`). */
  const wsError = (event: unknown): void => ctx.state.update({ lastWsError: { udt: clock.now(), event } });

  const sendRaw = (s: WebSocketLike, packed: Packed): boolean => {
    keepAlive?.touch();
    if (silent) return true;
    try {
      s.send(asSendable(packed));
      return true;
    } catch {
      return false;
    }
  };

  /** Counts disconnects, to tell whether a listener stopped us while we reconnect. */
  let stops = 0;

  const reconnect = (reason: CloseReason): void => {
    const before = stops;
    disconnect(reason);
    if (stops === before + 1) connect();
  };

  const failedBeforeHandshake = (): boolean => !everHandshaken && onFailureBeforeHandshake !== undefined && onFailureBeforeHandshake();

  /** Gives up on a socket that did not handshake in time, or whose first frame is no handshake. */
  const giveUp = (s: WebSocketLike, error: SenteError): void => {
    clearTimer();
    letGo(s);
    socket = null;
    wsError(error);
    if (failedBeforeHandshake() || ctx.report(error)) return;
    ctx.state.close('unexpected');
    callbacks.failAll(CHSK_ERROR);
    if (active) reconnector.retry();
  };

  const survive = (): void => {
    timer = undefined;
    survived = true;
    reconnector.reset();
  };

  const onHandshake = (content: readonly [unknown, unknown]): void => {
    if (!handshaken) {
      clearTimer();
      handshaken = true;
      everHandshaken = true;
      // The retry count restarts only once the socket has lived a while: one
      // that dies at once (a middlebox) keeps the backoff growing.
      if (opts.wsEarlyDeathMs > 0) timer = clock.setTimeout(survive, opts.wsEarlyDeathMs);
      else survive();
    }
    ctx.handshake('ws', content);
    if (active && socket !== null) keepAlive?.start();
  };

  const onMessage = (s: WebSocketLike, data: unknown): void => {
    keepAlive?.touch();
    const packed = asPacked(data);
    let env: DecodedEnvelope | undefined;
    let cause: unknown;
    try {
      // A frame neither text nor bytes is no envelope.
      if (packed !== undefined) env = decodeEnvelope(ctx.packer.unpack(packed));
    } catch (error) {
      cause = error;
    }
    if (!handshaken) {
      // A Sente server's first frame is its handshake: anything else means another packer.
      if (env && isHandshake(env.content)) onHandshake(env.content);
      else giveUp(s, connectionError('ERR_SENTE_PACKER_MISMATCH', undefined, cause));
      return;
    }
    if (!env) {
      ctx.onError(new SenteError('ERR_SENTE_BAD_PACKAGE', `Dropped a WebSocket message: ${cause === undefined ? 'not an envelope' : 'cannot unpack'}.`, { cause }));
      return;
    }
    const { content, cbId } = env;
    if (cbId) {
      // A reply with no waiting callback arrived after its timeout: dropped, as Sente does.
      callbacks.settle(cbId, content);
      return;
    }
    if (isHandshake(content)) {
      onHandshake(content);
      return;
    }
    if (isKeywordContent(content, CHSK_WS_PING)) {
      if (socket) sendRaw(socket, (pong ??= ctx.packer.pack(clientEnvelope(PONG_EVENT, null))));
      return;
    }
    ctx.receiveBatch(content, env.ext);
  };

  const onClose = (s: WebSocketLike, ev: WsCloseEventLike): void => {
    clearTimer();
    socket = null;
    pinging = false;
    keepAlive?.stop();
    const lastWsClose = { udt: clock.now(), code: ev.code, reason: ev.reason, clean: ev.wasClean };
    const wasBroken = broken === s;
    broken = null;
    const earlyDeath = handshaken && !survived && !ev.wasClean && !wasBroken;
    if (ev.code === CLOSE_UNAUTHORIZED) {
      ctx.state.update({ lastWsClose });
      if (ctx.report(connectionError('ERR_SENTE_UNAUTHORIZED'))) return;
    }
    if ((!everHandshaken || earlyDeath) && onFailureBeforeHandshake !== undefined) {
      ctx.state.update({ lastWsClose });
      if (onFailureBeforeHandshake()) return;
    }
    // Pending replies can no longer arrive on this socket: fail them now rather than at their timeouts.
    ctx.state.close(ev.wasClean && !wasBroken ? 'clean' : 'unexpected', { lastWsClose });
    callbacks.failAll(CHSK_ERROR);
    // A draining or overloaded server says when to come back (close 1012, 1013, 4429).
    const hint = parseRetryHint(ev.reason);
    if (active) reconnector.retry(hint === undefined ? undefined : retryDelay(hint, ctx.random));
  };

  const attach = (s: WebSocketLike): void => {
    s.binaryType = 'arraybuffer';
    s.onmessage = (ev: WsMessageEventLike) => {
      if (socket === s) onMessage(s, ev.data);
    };
    s.onerror = (ev: unknown) => {
      if (socket !== s) return;
      wsError(ev);
      if (handshaken || failedBeforeHandshake()) return;
      ctx.diagnose(ev, ctx.report);
    };
    s.onclose = (ev: WsCloseEventLike) => {
      if (socket === s) onClose(s, ev);
    };
    socket = s;
  };

  const open = (): void => {
    handshaken = survived = false;
    let s: WebSocketLike;
    try {
      s = new WebSocket(wsUrl(ctx, url));
    } catch (error) {
      wsError(error);
      if (!failedBeforeHandshake() && active) reconnector.retry();
      return;
    }
    attach(s);
    if (opts.wsConnectTimeoutMs > 0) {
      timer = clock.setTimeout(() => {
        timer = undefined;
        if (socket === s) giveUp(s, connectionError('ERR_SENTE_CONNECT_TIMEOUT'));
      }, opts.wsConnectTimeoutMs);
    }
  };

  const ping = (): void => {
    if (!ctx.state.current.open || socket === null || pinging) return;
    const s = socket;
    pinging = true;
    send(PING_EVENT, (reply) => {
      if (socket !== s) return;
      pinging = false;
      if (reply !== PONG && active) reconnect('ws-ping-timeout');
    }, opts.wsPingTimeoutMs);
  };

  const send = (event: OutEvent, cb: ReplyCallback | undefined, timeoutMs: number | undefined, ext?: EnvelopeExt): boolean => {
    const cbId = cb ? callbacks.newId() : null;
    const packed = ctx.pack(clientEnvelope(event, cbId, ext));
    const s = socket;
    if (s && cb) callbacks.add(cbId as string, cb, timeoutMs ?? 0);
    if (s && sendRaw(s, packed)) return true;
    if (cb && !callbacks.settle(cbId as string, CHSK_ERROR)) callSafely(cb, CHSK_ERROR, ctx.onError);
    if (active) reconnect('ws-error');
    return false;
  };

  const connect = (later = false): void => {
    if (active) return;
    active = true;
    reconnector.reset();
    if (later) reconnector.retry();
    else open();
  };

  const disconnect = (reason: CloseReason | null, recordClose = false): void => {
    stops++;
    active = false;
    reconnector.cancel();
    clearTimer();
    keepAlive?.stop();
    pinging = false;
    const s = socket;
    socket = null;
    silent = false;
    broken = null;
    if (reason !== null) ctx.state.close(reason, undefined, recordClose);
    callbacks.failAll(CHSK_ERROR);
    if (s !== null) letGo(s);
  };

  return {
    busy: () => false,
    connect,
    disconnect,
    send,
    breakConnection(closeWs, wsCode) {
      const s = socket;
      if (s === null || silent) return;
      if (closeWs) {
        broken = s;
        closeQuietly(s, wsCode, 'CLOSE_ABNORMAL');
        return;
      }
      // A socket that died without telling anyone: frames go nowhere, nothing
      // arrives, and only the keep-alive can notice (as with a dropped network).
      detach(s);
      silent = true;
    },
    kick() {
      if (!active || socket !== null || ctx.state.current.open) return;
      reconnector.cancel();
      reconnector.reset();
      open();
    },
    checkHealth() {
      ping();
    },
  };
}
