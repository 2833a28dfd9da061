import { CHSK, CLOSE_CODES, ALL_USERS_WITHOUT_UID, NIL_UID, WIRE } from './ids.js';
import { SenteError, isSenteError } from './errors.js';
import { fromWireEvent, isReservedId, toWireEvent, validateEvent } from './event.js';
import {
  batchEnvelope,
  decodeEnvelope,
  envelopes,
  handshakeEnvelope,
  pongEnvelope,
  replyEnvelope,
} from './envelope.js';
import { checkRequest } from './security.js';
import { parseQuery, textResponse } from './request.js';
import { overLimit, payloadTooLarge } from './body.js';
import { resolveOptions } from './options.js';
import { Timers } from './timers.js';
import { Routers } from './router.js';
import { ConnectedUidsStore } from './connected-uids.js';
import { ConnTable, cancelTimers, newConn } from './conn.js';
import { SendBuffers } from './send-buffer.js';
import type { Conn, Transport } from './conn.js';
import type { Batch } from './send-buffer.js';
import type { SenteEvent, WireEvent } from './event.js';
import type { Packed, Packer } from './packer.js';
import type { SenteRequest, SenteResponse } from './request.js';
import type { ChannelListener, ServerChannel, ServerChannelAdapter } from './server-channel.js';
import type { ErrorContext, ResolvedOptions, SenteServerOptions } from './options.js';
import type { EventHandler, Router, RouterOptions } from './router.js';
import type { ConnectedUids, ConnectedUidsListener } from './connected-uids.js';

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
  /** The request: for WebSocket, the upgrade request, frozen for the socket's life. */
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

/** Counts of what a server holds, to observe load and prove that nothing leaks. */
export interface ServerStats {
  readonly wsClients: number;
  readonly ajaxClients: number;
  /** Live timers: keep-alives, long-polls, grace periods, batching windows, reply deadlines. */
  readonly timers: number;
  /** Push batches in their batching window. */
  readonly bufferedBatches: number;
  /** Push batches queued for clients that are between polls or reconnecting. */
  readonly queuedBatches: number;
  /** Ajax requests waiting for a handler's reply. */
  readonly pendingReplies: number;
}

const MAX_CLIENT_ID_LENGTH = 128;

interface PendingReply {
  answer(payload: Packed): void;
}

/**
 * Sente's channel socket server (`make-channel-socket-server!`), sans I/O: it
 * owns the protocol — handshakes, long-polls, batching, replies, keep-alive,
 * connected uids, the security pipeline — and does its I/O only through the
 * {@link ServerChannelAdapter} each request comes with.
 */
export class SenteServer<Raw = unknown> {
  /** The packer every payload goes through. */
  readonly packer: Packer;
  /** The largest payload accepted from a client, in bytes (adapters size their parsers by it). */
  readonly maxPayloadBytes: number;

  private readonly opts: ResolvedOptions<Raw>;
  private readonly timers: Timers;
  private readonly routers: Routers<ServerEventMsg<Raw>>;
  private readonly uids: ConnectedUidsStore;
  private readonly conns = new ConnTable();
  private readonly buffers: SendBuffers;
  private readonly pendingReplies = new Set<PendingReply>();
  private readonly packedPing: Packed;
  private readonly packedTimeout: Packed;
  private readonly packedDummy: Packed;
  private closing: Promise<void> | undefined;
  private repliesDrained: (() => void) | undefined;

  constructor(options: SenteServerOptions<Raw>) {
    this.opts = resolveOptions(options);
    this.packer = this.opts.packer;
    this.maxPayloadBytes = this.opts.maxPayloadBytes;
    this.timers = new Timers(this.opts.clock);
    this.routers = new Routers((e, msg) =>
      this.report(wrap(e, 'ERR_SENTE_HOOK_FAILED', 'An event handler failed.'), { uid: msg.uid, clientId: msg.clientId }),
    );
    this.uids = new ConnectedUidsStore((e) => this.report(wrap(e, 'ERR_SENTE_HOOK_FAILED', 'A connected-uids listener failed.'), {}));
    this.buffers = new SendBuffers(this.timers, { ws: this.opts.sendBufMsWs, ajax: this.opts.sendBufMsAjax }, (t, uid, b) =>
      this.flushBatch(t, uid, b),
    );
    // The constant envelopes are packed once, not per send.
    this.packedPing = this.packer.pack(envelopes.wsPing);
    this.packedTimeout = this.packer.pack(envelopes.timeout);
    this.packedDummy = this.packer.pack(envelopes.dummyCb200);
  }

  // ---------------------------------------------------------------- public API

  /** The uids with at least one connected client, by transport: a live, read-only view. */
  get connectedUids(): ConnectedUids {
    return this.uids.view;
  }

  /** Calls `listener` after every change of {@link connectedUids}; returns the unsubscribe function. */
  watchConnectedUids(listener: ConnectedUidsListener): () => void {
    return this.uids.watch(listener);
  }

  /**
   * Starts a router: `handler` receives every event from clients, plus
   * `chsk/uidport-open`, `chsk/uidport-close` and `chsk/bad-event`.
   *
   * @example
   * ```ts
   * server.startRouter((msg) => {
   *   if (msg.id === 'chat/send') msg.reply?.({ ok: true });
   * }, { errorHandler: (e) => console.error(e) });
   * ```
   */
  startRouter(handler: EventHandler<ServerEventMsg<Raw>>, options?: RouterOptions<ServerEventMsg<Raw>>): Router {
    return this.routers.start(handler, options);
  }

  /**
   * Pushes `event` to every client of `uid`, on both transports, in send order.
   * `sente/all-users-without-uid` reaches the clients without a uid. Sending to
   * a uid with no clients does nothing. `['chsk/close']` closes the uid's
   * connections, as in Sente.
   * @throws {SenteError} `ERR_SENTE_BAD_EVENT` for an invalid or reserved event, `ERR_SENTE_BAD_UID` for a bad uid.
   */
  send(uid: string, event: SenteEvent, options?: SendOptions): void {
    const target = checkUid(uid);
    if (Array.isArray(event) && event[0] === CHSK.close) {
      if (options?.flush) this.flushUid(target);
      this.closeUser(target);
      return;
    }
    const wire = checkPush(event);
    this.buffer(target, wire, undefined);
    if (options?.flush) this.flushUid(target);
  }

  /**
   * Pushes `event` to one client (every tab has its own client id), on
   * whichever transport it is connected, ordered with the pushes to its uid.
   * A client that is not connected gets nothing.
   * @throws {SenteError} `ERR_SENTE_BAD_EVENT` for an invalid or reserved event.
   */
  sendToClient(clientId: string, event: SenteEvent, options?: SendOptions): void {
    const wire = checkPush(event);
    const records = this.conns.byClientId(clientId);
    if (records === undefined) return;
    const uids = new Set<string>();
    for (const c of records) {
      this.buffers.push(c.transport, c.uid, wire, clientId);
      uids.add(c.uid);
    }
    if (options?.flush) for (const uid of uids) this.flushUid(uid);
  }

  /** Pushes `event` to every connected uid. */
  broadcast(event: SenteEvent, options?: SendOptions): void {
    const wire = checkPush(event);
    for (const uid of this.uids.view.any) {
      this.buffer(uid, wire, undefined);
      if (options?.flush) this.flushUid(uid);
    }
  }

  /** Closes every connection of `uid` (WebSockets with code 4001; parked polls end). */
  closeUser(uid: string): void {
    const target = checkUid(uid);
    for (const t of ['ws', 'ajax'] as const) {
      const clients = this.conns.clientsOf(t, target);
      if (clients === undefined) continue;
      for (const c of [...clients.values()]) {
        const ch = c.channel;
        if (ch === null) continue;
        this.channelClosed(c, ch);
        ch.close(CLOSE_CODES.closedByServer, 'Closed by server');
      }
    }
  }

  /** Counts of what the server holds right now. */
  stats(): ServerStats {
    let queued = 0;
    for (const c of this.conns.all()) queued += c.outbox.length;
    return {
      wsClients: this.conns.count('ws'),
      ajaxClients: this.conns.count('ajax'),
      timers: this.timers.live,
      bufferedBatches: this.buffers.size,
      queuedBatches: queued,
      pendingReplies: this.pendingReplies.size,
    };
  }

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.closing !== undefined;
  }

  /**
   * Closes gracefully: new requests are answered 503; buffered pushes are
   * flushed; pending Ajax replies get up to `closeTimeoutMs` to be answered;
   * then WebSockets close with 1001, parked polls are answered `chsk/timeout`,
   * and every timer and connected-uid entry is gone.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /**
   * Handles one request to the Sente path: the WebSocket upgrade, the Ajax
   * handshake or long-poll GET, or an Ajax POST. Calls exactly one method of
   * `adapter`, once. Never rejects: every failure is answered (see the
   * protocol reference for statuses) and reported to `onError`.
   */
  async handle(req: SenteRequest<Raw>, adapter: ServerChannelAdapter): Promise<void> {
    let answered = false;
    const once: ServerChannelAdapter = {
      respond: (r) => {
        answered = true;
        adapter.respond(r);
      },
      acceptWebSocket: (open) => {
        answered = true;
        adapter.acceptWebSocket(open);
      },
      acceptAjax: (open) => {
        answered = true;
        adapter.acceptAjax(open);
      },
    };
    try {
      await this.route(req, once);
    } catch (e) {
      const err = wrap(e, 'ERR_SENTE_HOOK_FAILED', 'A server hook failed.');
      this.report(err, {});
      if (!answered) once.respond(errorResponse(err));
    }
  }

  // ------------------------------------------------------------ request flow

  private async route(req: SenteRequest<Raw>, adapter: ServerChannelAdapter): Promise<void> {
    if (this.closing) return adapter.respond(closingResponse());
    const method = req.method.toUpperCase();
    if (method !== 'GET' && (method !== 'POST' || req.websocket)) {
      return adapter.respond({ ...textResponse(405, 'Method not allowed'), headers: { allow: 'GET, POST', 'content-type': 'text/plain; charset=utf-8' } });
    }
    // A GET names its client up front, and Sente checks it first. A POST names it
    // in its body, which is read only once the request has passed the checks.
    if (method === 'GET' && this.refuseClientId(req.query[WIRE.clientId], adapter)) return;
    const rejection = await checkRequest(this.opts, req);
    if (rejection) {
      const { code, response } = rejection;
      const context = method === 'GET' ? { clientId: req.query[WIRE.clientId] as string } : {};
      this.report(new SenteError(code, `Request rejected (${response.status})`, { status: response.status }), context);
      return adapter.respond(response);
    }
    let post: RawPost | undefined;
    if (method === 'POST') {
      try {
        post = await readPost(req, this.maxPayloadBytes);
      } catch (e) {
        const err = wrap(e, 'ERR_SENTE_BAD_PACKAGE', 'Bad package');
        this.report(err, { transport: 'ajax' });
        return adapter.respond(errorResponse(err));
      }
      if (this.refuseClientId(post.clientId, adapter)) return;
    }
    const clientId = (post ? post.clientId : req.query[WIRE.clientId]) as string;
    const uid = normalizeUid(await (this.opts.userId ?? sessionUid)(req, clientId));
    const handshake =
      req.websocket || (!post && (req.query[WIRE.handshake] !== undefined || this.conns.get('ajax', uid, clientId) === undefined));
    // Packed before accepting: handshake data the packer rejects is answered 500, not a half-open socket.
    const hs = handshake ? this.packer.pack(handshakeEnvelope(uid, await this.opts.handshakeData?.(req))) : undefined;
    // Hooks are async: the server may have started closing meanwhile.
    if (this.closing) return adapter.respond(closingResponse());

    if (post) return this.handlePost(req, adapter, uid, clientId, post.payload);
    if (req.websocket) return adapter.acceptWebSocket((ch) => this.openWs(req, uid, clientId, hs as Packed, ch));
    if (hs !== undefined) return adapter.acceptAjax((ch) => this.ajaxHandshake(req, uid, clientId, hs, ch));
    return adapter.acceptAjax((ch) => this.ajaxPoll(req, uid, clientId, ch));
  }

  /** Answers 400 when `clientId` is missing, blank or too long; true when it did. */
  private refuseClientId(clientId: string | undefined, adapter: ServerChannelAdapter): boolean {
    // Sente rejects a blank client id (`str/blank?`), whitespace included.
    const blank = typeof clientId !== 'string' || clientId.trim().length === 0;
    if (!blank && clientId.length <= MAX_CLIENT_ID_LENGTH) return false;
    const err = new SenteError('ERR_SENTE_NO_CLIENT_ID', blank ? 'Missing client id' : 'Bad client id', { status: 400 });
    this.report(err, {});
    adapter.respond(errorResponse(err));
    return true;
  }

  /** A client's record on `transport`, created if new; a superseded channel is retired. */
  private claim(transport: Transport, req: SenteRequest, uid: string, clientId: string): Conn {
    let conn = this.conns.get(transport, uid, clientId);
    if (conn === undefined) {
      conn = newConn(transport, uid, clientId, req);
      this.conns.add(conn);
    } else {
      const old = conn.channel;
      cancelTimers(conn);
      conn.channel = null;
      // A client id opened a new socket or poll while its old one lives on:
      // the old one is stale; end it so it does not linger until its own timeout.
      if (old !== null) {
        if (transport === 'ws') old.close(CLOSE_CODES.normal, 'Superseded');
        else old.send(this.packedTimeout);
      }
    }
    conn.connId++;
    conn.request = req;
    return conn;
  }

  private openWs(req: SenteRequest, uid: string, clientId: string, handshake: Packed, ch: ServerChannel): ChannelListener {
    if (this.closing) {
      ch.close(CLOSE_CODES.goingAway, 'Server closing');
      return NOOP_LISTENER;
    }
    const conn = this.claim('ws', req, uid, clientId);
    conn.channel = ch;
    ch.send(handshake);
    this.markConnected(conn);
    this.startKeepAlive(conn, ch);
    // Pushes sent while this client was reconnecting, in order.
    while (conn.outbox.length > 0 && conn.channel === ch && ch.send(conn.outbox[0] as Packed)) {
      conn.outbox.shift();
      conn.activity++;
    }
    return {
      onMessage: (data) => this.wsMessage(conn, ch, data),
      onClose: () => this.channelClosed(conn, ch),
    };
  }

  private wsMessage(conn: Conn, ch: ServerChannel, data: Packed): void {
    if (conn.channel !== ch) return;
    if (overLimit(data, this.maxPayloadBytes)) return this.dropWs(conn, ch, payloadTooLarge(this.maxPayloadBytes));
    conn.activity++;
    let env;
    try {
      env = decodeEnvelope(this.packer.unpack(data));
    } catch (e) {
      return this.dropWs(conn, ch, badPackage(e));
    }
    if (env === undefined) {
      return this.dropWs(conn, ch, new SenteError('ERR_SENTE_BAD_PACKAGE', 'Bad package: not a Sente envelope', { closeCode: 1007 }));
    }
    const ev = fromWireEvent(env.content);
    const cbId = env.cbId;
    if (ev !== undefined && ev[0] === CHSK.wsPing) {
      if (cbId !== null) ch.send(this.packer.pack(pongEnvelope(cbId)));
      return;
    }
    if (ev !== undefined && ev[0] === CHSK.wsPong) return;
    let reply: ((value: unknown) => boolean) | undefined;
    if (cbId !== null) {
      let done = false;
      reply = (value) => {
        if (done) return false;
        if (conn.channel !== ch) {
          done = true;
          return false;
        }
        // Packed first: a value the packer rejects throws to the handler and leaves the reply open.
        const payload = this.packer.pack(replyEnvelope(value, cbId));
        done = true;
        return ch.send(payload);
      };
    }
    this.deliver(clientEvent(ev, env.content), conn, reply);
  }

  private dropWs(conn: Conn, ch: ServerChannel, err: SenteError): void {
    this.report(err, ctx(conn));
    this.channelClosed(conn, ch);
    ch.close(err.closeCode ?? CLOSE_CODES.badPackage, err.message.slice(0, 120));
  }

  private ajaxHandshake(req: SenteRequest, uid: string, clientId: string, handshake: Packed, ch: ServerChannel): ChannelListener {
    if (this.closing) return this.refuseAjax(ch);
    const conn = this.claim('ajax', req, uid, clientId);
    ch.send(handshake);
    // No uidport-open for the handshake itself (Sente #260): the client counts once it polls.
    this.startGrace(conn);
    return NOOP_LISTENER;
  }

  private ajaxPoll(req: SenteRequest, uid: string, clientId: string, ch: ServerChannel): ChannelListener {
    if (this.closing) return this.refuseAjax(ch);
    const conn = this.claim('ajax', req, uid, clientId);
    conn.channel = ch;
    conn.activity++;
    this.markConnected(conn);
    if (conn.outbox.length > 0) {
      this.answerPoll(conn, conn.outbox.shift() as Packed);
    } else {
      conn.lpTimer = this.timers.set(() => {
        conn.lpTimer = undefined;
        if (conn.channel === ch) this.answerPoll(conn, this.packedTimeout);
      }, this.opts.lpTimeoutMs);
    }
    return { onMessage: ignoreMessage, onClose: () => this.channelClosed(conn, ch) };
  }

  /** An Ajax channel opened while the server closes: answered like a poll timeout, nothing recorded. */
  private refuseAjax(ch: ServerChannel): ChannelListener {
    ch.send(this.packedTimeout);
    return NOOP_LISTENER;
  }

  /** Answers the parked poll (one payload per response) and starts the wait for the next. */
  private answerPoll(conn: Conn, payload: Packed): void {
    const ch = conn.channel;
    if (ch === null) return;
    this.channelClosed(conn, ch);
    ch.send(payload);
  }

  private handlePost(req: SenteRequest, adapter: ServerChannelAdapter, uid: string, clientId: string, payload: Packed): void {
    let env;
    try {
      env = decodeEnvelope(this.packer.unpack(payload));
    } catch (e) {
      const err = badPackage(e);
      this.report(err, { uid, clientId, transport: 'ajax' });
      return adapter.respond(errorResponse(err));
    }
    if (env === undefined) {
      const err = new SenteError('ERR_SENTE_BAD_PACKAGE', 'Bad package: not a Sente envelope', { status: 400 });
      this.report(err, { uid, clientId, transport: 'ajax' });
      return adapter.respond(errorResponse(err));
    }
    const { content, cbId } = env;
    adapter.acceptAjax((ch) => {
      const ev = fromWireEvent(content);
      if (cbId === null) {
        ch.send(this.packedDummy);
        this.deliver(clientEvent(ev, content), { uid, clientId, transport: 'ajax', request: req }, undefined);
        return NOOP_LISTENER;
      }
      let done = false;
      const pending: PendingReply = {
        answer: (payload) => {
          if (done) return;
          done = true;
          timer.cancel();
          this.forget(pending);
          ch.send(payload);
        },
      };
      // Sente answers within lpTimeoutMs whatever the client's own timeout.
      const timer = this.timers.set(() => pending.answer(this.packedTimeout), this.opts.lpTimeoutMs);
      this.pendingReplies.add(pending);
      const reply = (value: unknown): boolean => {
        if (done || !ch.isOpen()) return false;
        // Packed first: a value the packer rejects throws to the handler and leaves the
        // request pending (a later reply, or the deadline, still answers it).
        pending.answer(this.packer.pack(replyEnvelope(value, null)));
        return true;
      };
      this.deliver(clientEvent(ev, content), { uid, clientId, transport: 'ajax', request: req }, reply);
      return {
        onMessage: ignoreMessage,
        onClose: () => {
          if (done) return;
          // The client went away before the reply: nothing to answer.
          done = true;
          timer.cancel();
          this.forget(pending);
        },
      };
    });
  }

  // --------------------------------------------------------- events to routers

  private deliver(
    event: SenteEvent,
    from: Pick<Conn, 'uid' | 'clientId' | 'transport' | 'request'>,
    reply: ((value: unknown) => boolean) | undefined,
  ): void {
    this.routers.dispatch({
      id: event[0],
      data: event[1],
      event,
      uid: from.uid,
      clientId: from.clientId,
      transport: from.transport,
      request: from.request as SenteRequest<Raw>,
      reply,
      server: this,
    });
  }

  // ------------------------------------------------ connection lifecycle rules

  private markConnected(conn: Conn): void {
    if (conn.counted) return;
    conn.counted = true;
    if (this.uids.add(conn.transport, conn.uid)) this.deliver([CHSK.uidportOpen, conn.uid], conn, undefined);
  }

  /** The channel `ch` of `conn` closed: if it is still the current one, the grace period starts. */
  private channelClosed(conn: Conn, ch: ServerChannel): void {
    if (conn.channel !== ch) return;
    conn.channel = null;
    conn.kaTimer?.cancel();
    conn.lpTimer?.cancel();
    conn.kaTimer = conn.lpTimer = undefined;
    this.startGrace(conn);
  }

  private startGrace(conn: Conn): void {
    conn.graceTimer?.cancel();
    const connId = conn.connId;
    const ms = conn.transport === 'ws' ? this.opts.msAllowReconnectBeforeCloseWs : this.opts.msAllowReconnectBeforeCloseAjax;
    conn.graceTimer = this.timers.set(() => {
      conn.graceTimer = undefined;
      if (conn.connId === connId && conn.channel === null) this.removeConn(conn);
    }, ms);
  }

  private removeConn(conn: Conn): void {
    cancelTimers(conn);
    if (conn.outbox.length > 0) {
      // At most once: a client gone for its whole grace period loses what waited for it.
      const n = conn.outbox.length;
      conn.outbox.length = 0;
      this.report(new SenteError('ERR_SENTE_UNDELIVERED', `${n} push batch(es) dropped: the client did not come back`), ctx(conn));
    }
    if (this.conns.remove(conn)) this.buffers.drop(conn.transport, conn.uid);
    if (conn.counted && this.uids.remove(conn.transport, conn.uid)) {
      this.deliver([CHSK.uidportClose, conn.uid], conn, undefined);
    }
  }

  // ----------------------------------------------------------------- keep-alive

  private startKeepAlive(conn: Conn, ch: ServerChannel): void {
    const kalive = this.opts.wsKaliveMs;
    if (kalive === null) return;
    // Sente checks every half period (#455): a fixed window otherwise lets idle time reach 2x.
    const half = kalive / 2;
    conn.kaSeen = conn.activity;
    conn.awaitingPong = false;
    const tick = (): void => {
      conn.kaTimer = undefined;
      if (conn.channel !== ch) return;
      // Sente's "force close": a socket whose close was never reported must not count forever.
      if (!ch.isOpen()) return this.channelClosed(conn, ch);
      if (conn.activity !== conn.kaSeen) {
        conn.kaSeen = conn.activity;
        conn.awaitingPong = false;
        conn.kaTimer = this.timers.set(tick, half);
      } else if (!conn.awaitingPong) {
        ch.send(this.packedPing);
        const timeout = this.opts.wsPingTimeoutMs;
        conn.awaitingPong = timeout !== null;
        conn.kaTimer = this.timers.set(tick, timeout ?? half);
      } else {
        this.dropWs(conn, ch, new SenteError('ERR_SENTE_KEEPALIVE_TIMEOUT', 'Keep-alive timeout', { closeCode: CLOSE_CODES.keepAliveTimeout }));
      }
    };
    conn.kaTimer = this.timers.set(tick, half);
  }

  // ------------------------------------------------------------- server push

  private buffer(uid: string, wire: WireEvent, clientId: string | undefined): void {
    // Only transports the uid has clients on get a batch: no timer for an offline user.
    if (this.conns.clientsOf('ws', uid)) this.buffers.push('ws', uid, wire, clientId);
    if (this.conns.clientsOf('ajax', uid)) this.buffers.push('ajax', uid, wire, clientId);
  }

  private flushUid(uid: string): void {
    this.buffers.take('ws', uid);
    this.buffers.take('ajax', uid);
  }

  private flushBatch(transport: Transport, uid: string, batch: Batch): void {
    const clients = this.conns.clientsOf(transport, uid);
    if (clients === undefined) return;
    const only = batch.only;
    let common: Packed | null | undefined;
    for (const conn of clients.values()) {
      let payload: Packed | null;
      if (only === undefined || !only.includes(conn.clientId)) {
        if (common === undefined) {
          common = this.packBatch(only === undefined ? batch.events : batch.events.filter((_, i) => only[i] === undefined), conn);
        }
        payload = common;
      } else {
        payload = this.packBatch(
          batch.events.filter((_, i) => only[i] === undefined || only[i] === conn.clientId),
          conn,
        );
      }
      if (payload !== null) this.enqueue(conn, payload);
    }
  }

  /** Packs a batch once; events that cannot be packed are dropped and reported, the rest go. */
  private packBatch(events: readonly WireEvent[], conn: Conn): Packed | null {
    if (events.length === 0) return null;
    try {
      return this.packer.pack(batchEnvelope(events));
    } catch {
      const ok = events.filter((ev) => {
        try {
          this.packer.pack(ev);
          return true;
        } catch (e) {
          this.report(wrap(e, 'ERR_SENTE_PACK_FAILED', `Cannot pack event ${String(ev[0])}: dropped`), ctx(conn));
          return false;
        }
      });
      if (ok.length === 0) return null;
      try {
        return this.packer.pack(batchEnvelope(ok));
      } catch (e) {
        // Every event packs alone but not together (a packer with a size limit): this runs
        // in a timer, so a throw would escape to the host; the batch is dropped and reported.
        this.report(wrap(e, 'ERR_SENTE_PACK_FAILED', `Cannot pack a batch of ${ok.length} events: dropped`), ctx(conn));
        return null;
      }
    }
  }

  /** Hands a packed batch to a client, behind whatever is already queued for it. */
  private enqueue(conn: Conn, payload: Packed): void {
    const ch = conn.channel;
    if (conn.transport === 'ws' && ch !== null && conn.outbox.length === 0 && ch.send(payload)) {
      conn.activity++;
      return;
    }
    if (conn.outbox.length >= this.opts.maxQueuedBatches) {
      conn.outbox.shift();
      this.report(new SenteError('ERR_SENTE_QUEUE_OVERFLOW', 'Push queue full: oldest batch dropped'), ctx(conn));
    }
    conn.outbox.push(payload);
    if (conn.transport === 'ajax' && ch !== null) this.answerPoll(conn, conn.outbox.shift() as Packed);
  }

  // ------------------------------------------------------------------ shutdown

  private async shutdown(): Promise<void> {
    this.buffers.takeAll();
    if (this.pendingReplies.size > 0) {
      await new Promise<void>((resolve) => {
        const deadline = this.timers.set(() => this.repliesDrained?.(), this.opts.closeTimeoutMs);
        this.repliesDrained = () => {
          this.repliesDrained = undefined;
          deadline.cancel();
          resolve();
        };
      });
    }
    for (const p of [...this.pendingReplies]) p.answer(this.packedTimeout);
    this.buffers.takeAll();
    for (const conn of [...this.conns.all()]) {
      const ch = conn.channel;
      if (ch !== null) {
        this.channelClosed(conn, ch);
        if (conn.transport === 'ws') ch.close(CLOSE_CODES.goingAway, 'Server closing');
        else ch.send(this.packedTimeout);
      }
      this.removeConn(conn);
    }
  }

  private forget(pending: PendingReply): void {
    this.pendingReplies.delete(pending);
    if (this.pendingReplies.size === 0) this.repliesDrained?.();
  }

  private report(error: SenteError, context: ErrorContext): void {
    try {
      this.opts.onError?.(error, context);
    } catch {
      // An error reporter that throws must not take the server down with it.
    }
  }
}

/**
 * Creates a Sente channel socket server. Adapters (`@sente/express`,
 * `@sente/fastify`, `@sente/koa`, `@sente/uws`) create one for you.
 *
 * @example
 * ```ts
 * import { createSenteServer } from '@sente/core';
 * import { json } from '@sente/packer-json';
 * const server = createSenteServer({ packer: json, userId: (req) => req.query['user'] });
 * server.send('alice', ['chat/msg', { text: 'hi' }]);
 * ```
 */
export function createSenteServer<Raw = unknown>(options: SenteServerOptions<Raw>): SenteServer<Raw> {
  return new SenteServer(options);
}

// ---------------------------------------------------------------- helpers

const NOOP_LISTENER: ChannelListener = { onMessage: () => {}, onClose: () => {} };
const ignoreMessage = (): void => {};

function ctx(conn: Conn): ErrorContext {
  return { uid: conn.uid, clientId: conn.clientId, transport: conn.transport };
}

function wrap(e: unknown, code: SenteError['code'], message: string, closeCode?: number): SenteError {
  if (isSenteError(e)) return e;
  return new SenteError(code, message, {
    cause: e,
    status: code === 'ERR_SENTE_BAD_PACKAGE' ? 400 : 500,
    ...(closeCode === undefined ? {} : { closeCode }),
  });
}

function closingResponse(): SenteResponse {
  return errorResponse(new SenteError('ERR_SENTE_SERVER_CLOSED', 'Server closing', { status: 503 }));
}

/**
 * A payload the packer could not unpack, as the protocol answers it whatever
 * the packer threw: `ERR_SENTE_BAD_PACKAGE`, 400 on Ajax, 1007 on WebSocket.
 */
function badPackage(e: unknown): SenteError {
  if (isSenteError(e) && e.code === 'ERR_SENTE_BAD_PACKAGE' && e.status === 400 && e.closeCode === CLOSE_CODES.badPackage) return e;
  const message = isSenteError(e) && e.code === 'ERR_SENTE_BAD_PACKAGE' ? e.message : 'Bad package';
  return new SenteError('ERR_SENTE_BAD_PACKAGE', message, { status: 400, closeCode: CLOSE_CODES.badPackage, cause: e });
}

function errorResponse(err: SenteError): SenteResponse {
  const status = err.status ?? 500;
  return textResponse(status, status >= 500 && err.code === 'ERR_SENTE_HOOK_FAILED' ? 'Internal error' : err.message);
}

/** The default uid: the session's `uid`. */
function sessionUid(req: SenteRequest): string | number | null | undefined {
  const s = req.session as Record<string, unknown> | null | undefined;
  const uid = typeof s === 'object' && s !== null ? s['uid'] : undefined;
  return typeof uid === 'string' || typeof uid === 'number' ? uid : undefined;
}

function normalizeUid(v: unknown): string {
  if (v === null || v === undefined || v === '') return NIL_UID;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  throw new SenteError('ERR_SENTE_BAD_UID', 'userId must return a string, a number, null or undefined', { status: 500 });
}

function checkUid(uid: unknown): string {
  if (uid === ALL_USERS_WITHOUT_UID) return NIL_UID;
  if (typeof uid === 'number' && Number.isFinite(uid)) return String(uid);
  if (typeof uid !== 'string' || uid.length === 0) {
    throw new SenteError('ERR_SENTE_BAD_UID', `Bad uid: expected a non-empty string, got ${uid === '' ? '""' : typeof uid}.`);
  }
  return uid;
}

/** Validates a server push and gives its wire form. */
function checkPush(event: SenteEvent): WireEvent {
  const why = validateEvent(event);
  if (why !== undefined) throw new SenteError('ERR_SENTE_BAD_EVENT', `Bad event: ${why}.`);
  if (isReservedId(event[0])) {
    throw new SenteError('ERR_SENTE_BAD_EVENT', `Bad event: "${event[0]}" is reserved by Sente.`);
  }
  return toWireEvent(event);
}

/** A client's event as the router sees it: reserved or invalid ones become `chsk/bad-event`. */
function clientEvent(ev: SenteEvent | undefined, raw: unknown): SenteEvent {
  if (ev === undefined || isReservedId(ev[0])) return [CHSK.badEvent, raw];
  return ev;
}

interface RawPost {
  clientId: string | undefined;
  payload: Packed;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Reads a POST: a form with `client-id` and `ppstr` (text packers), or raw bytes with `binary?` (binary ones). */
async function readPost(req: SenteRequest, limit: number): Promise<RawPost> {
  if (req.readBody === undefined) throw new SenteError('ERR_SENTE_BAD_PACKAGE', 'Bad package: no body', { status: 400 });
  const binary = req.query[WIRE.binary] !== undefined;
  let body;
  try {
    // The limit is on the payload: a form's URL-encoding takes up to 3 bytes per payload byte.
    body = await req.readBody(binary ? limit : limit * 3 + 1024);
  } catch (e) {
    throw isSenteError(e) && e.code === 'ERR_SENTE_PAYLOAD_TOO_LARGE' ? payloadTooLarge(limit) : e;
  }
  if (binary) {
    if (typeof body === 'object' && !(body instanceof Uint8Array)) {
      throw new SenteError('ERR_SENTE_BAD_PACKAGE', 'Bad package: a binary POST needs a raw body', { status: 400 });
    }
    return { clientId: req.query[WIRE.clientId], payload: typeof body === 'string' ? new TextEncoder().encode(body) : body };
  }
  let fields: Readonly<Record<string, unknown>>;
  if (typeof body === 'string') fields = parseQuery(body);
  else if (body instanceof Uint8Array) {
    try {
      fields = parseQuery(utf8.decode(body));
    } catch (cause) {
      throw new SenteError('ERR_SENTE_BAD_PACKAGE', 'Bad package: the form is not UTF-8', { status: 400, cause });
    }
  } else fields = body;
  const ppstr = fields[WIRE.ppstr];
  if (typeof ppstr !== 'string') throw new SenteError('ERR_SENTE_BAD_PACKAGE', 'Bad package: no ppstr', { status: 400 });
  if (overLimit(ppstr, limit)) throw payloadTooLarge(limit);
  const cid = fields[WIRE.clientId];
  return { clientId: typeof cid === 'string' ? cid : req.query[WIRE.clientId], payload: ppstr };
}

