import { CHSK, CLOSE_CODES, PONG, SenteError, WIRE, decodeEnvelope, envelopes, eventEnvelope, isHandshake, isKeywordContent, kw } from '@sente/core';
import type { Packed, WireEvent } from '@sente/core';
import { Timers, createKeepAlive } from '@sente/core/internal';
import type { KeepAlive } from '@sente/core/internal';
import { asSendable } from './platform.js';
import type { WebSocketConstructor, WebSocketLike, WsCloseEventLike, WsMessageEventLike } from './platform.js';
import { createReconnector } from './reconnector.js';
import { callSafely, createReplyCallbacks } from './reply-callbacks.js';
import type { ReplyCallback } from './reply-callbacks.js';
import type { CloseReason } from './state.js';
import { asPacked } from './transport.js';
import type { Transport, TransportContext } from './transport.js';
import { appParamsQuery, appendParam, withQuery } from './urls.js';

/** WebSocket options of {@link createWsTransport}. */
export interface WsTransportOptions {
  readonly url: string;
  readonly WebSocket: WebSocketConstructor;
  /** The keep-alive check interval (already halved), or 0 for none. */
  readonly kaliveMs: number;
  readonly pingTimeoutMs: number;
  /**
   * Called when this transport's socket failed before any handshake; returns
   * true when the client took over (`type: 'auto'` downgrading to Ajax).
   */
  readonly onFailureBeforeHandshake?: () => boolean;
}

const RESERVED = [WIRE.clientId, WIRE.csrfToken] as const;
const PING_EVENT: WireEvent = [kw(CHSK.wsPing)];
const noop = (): void => {};

/**
 * The WebSocket channel socket (sente-protocol §3.5): one socket at a time,
 * replies matched by cb-id, server pings answered, a keep-alive that pings an
 * idle socket, and reconnects with backoff.
 */
export function createWsTransport(ctx: TransportContext, opts: WsTransportOptions): Transport {
  const { clock, state } = ctx;
  const callbacks = createReplyCallbacks(clock, ctx.onError);
  let active = false;
  let everHandshaken = false;
  let socket: WebSocketLike | null = null;
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
  const keepAlive: KeepAlive | undefined =
    opts.kaliveMs > 0 ? createKeepAlive(new Timers(clock), { intervalMs: opts.kaliveMs, pingTimeoutMs: null, ping: () => ping(), dead: noop }) : undefined;

  const url = (): string => {
    let q = appParamsQuery(ctx.params(), RESERVED);
    q = appendParam(q, WIRE.clientId, ctx.clientId);
    const token = ctx.csrfToken();
    if (token !== undefined) q = appendParam(q, WIRE.csrfToken, token);
    return withQuery(opts.url, q);
  };

  const detach = (s: WebSocketLike): void => {
    s.onopen = null;
    s.onmessage = null;
    s.onclose = null;
    // `ws` throws an 'error' event nobody listens to: keep a listener on sockets we let go.
    s.onerror = noop;
  };

  const closeQuietly = (s: WebSocketLike, code: number, reason: string): void => {
    try {
      s.close(code, reason);
    } catch (error) {
      ctx.onError(error);
    }
  };

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

  const failedBeforeHandshake = (): boolean => !everHandshaken && opts.onFailureBeforeHandshake !== undefined && opts.onFailureBeforeHandshake();

  const onMessage = (data: unknown): void => {
    keepAlive?.touch();
    const packed = asPacked(data);
    let env;
    try {
      if (packed === undefined) throw new Error('not text or bytes');
      env = decodeEnvelope(ctx.packer.unpack(packed));
    } catch (cause) {
      ctx.onError(new SenteError('ERR_SENTE_BAD_PACKAGE', 'Dropped a WebSocket message that the packer cannot unpack.', { cause }));
      return;
    }
    if (env === undefined) {
      ctx.onError(new SenteError('ERR_SENTE_BAD_PACKAGE', 'Dropped a WebSocket message that is not a Sente envelope.'));
      return;
    }
    const { content, cbId } = env;
    if (cbId !== null) {
      // A reply with no waiting callback arrived after its timeout: dropped, as Sente does.
      callbacks.settle(cbId, content);
      return;
    }
    if (isHandshake(content)) {
      everHandshaken = true;
      reconnector.reset();
      ctx.handshake('ws', content);
      if (active && socket !== null) keepAlive?.start();
      return;
    }
    if (isKeywordContent(content, CHSK.wsPing)) {
      if (socket !== null) sendRaw(socket, (pong ??= ctx.packer.pack(envelopes.wsPong)));
      return;
    }
    ctx.receiveBatch(content);
  };

  const onClose = (s: WebSocketLike, ev: WsCloseEventLike): void => {
    socket = null;
    pinging = false;
    keepAlive?.stop();
    const lastWsClose = { udt: clock.now(), code: ev.code, reason: ev.reason, clean: ev.wasClean };
    const wasBroken = broken === s;
    broken = null;
    if (!everHandshaken && opts.onFailureBeforeHandshake !== undefined) {
      state.update({ lastWsClose });
      if (opts.onFailureBeforeHandshake()) return;
    }
    // Pending replies can no longer arrive on this socket: fail them now rather than at their timeouts.
    state.close(ev.wasClean && !wasBroken ? 'clean' : 'unexpected', { lastWsClose });
    callbacks.failAll(CHSK.error);
    if (active) reconnector.retry();
  };

  const open = (): void => {
    let s: WebSocketLike;
    try {
      s = new opts.WebSocket(url());
    } catch (error) {
      state.update({ lastWsError: { udt: clock.now(), event: error } });
      if (!failedBeforeHandshake() && active) reconnector.retry();
      return;
    }
    s.binaryType = 'arraybuffer';
    s.onmessage = (ev: WsMessageEventLike) => {
      if (socket === s) onMessage(ev.data);
    };
    s.onerror = (ev: unknown) => {
      if (socket !== s) return;
      state.update({ lastWsError: { udt: clock.now(), event: ev } });
      failedBeforeHandshake();
    };
    s.onclose = (ev: WsCloseEventLike) => {
      if (socket === s) onClose(s, ev);
    };
    socket = s;
  };

  const ping = (): void => {
    if (!state.current.open || socket === null || pinging) return;
    const s = socket;
    pinging = true;
    send(PING_EVENT, (reply) => {
      if (socket !== s) return;
      pinging = false;
      if (reply !== PONG && active) reconnect('ws-ping-timeout');
    }, opts.pingTimeoutMs);
  };

  const send = (event: WireEvent, cb: ReplyCallback | undefined, timeoutMs: number | undefined): boolean => {
    const cbId = cb === undefined ? null : callbacks.newId();
    const packed = ctx.pack(eventEnvelope(event, cbId));
    const s = socket;
    if (s !== null && cbId !== null && cb !== undefined) callbacks.add(cbId, cb, timeoutMs ?? 0);
    if (s !== null && sendRaw(s, packed)) return true;
    if (cbId !== null && cb !== undefined && !callbacks.settle(cbId, CHSK.error)) callSafely(cb, CHSK.error, ctx.onError);
    if (active) reconnect('ws-error');
    return false;
  };

  const connect = (): void => {
    if (active) return;
    active = true;
    reconnector.reset();
    open();
  };

  const disconnect = (reason: CloseReason, recordClose = false): void => {
    stops++;
    active = false;
    reconnector.cancel();
    keepAlive?.stop();
    pinging = false;
    const s = socket;
    socket = null;
    silent = false;
    broken = null;
    state.close(reason, undefined, recordClose);
    callbacks.failAll(CHSK.error);
    if (s !== null) {
      detach(s);
      closeQuietly(s, CLOSE_CODES.normal, 'CLOSE_NORMAL');
    }
  };

  return {
    kind: 'ws',
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
      if (!active || socket !== null || state.current.open) return;
      reconnector.cancel();
      reconnector.reset();
      open();
    },
    checkHealth() {
      ping();
    },
  };
}
