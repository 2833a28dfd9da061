import { CHSK, CLOSE_CODES, WIRE } from './ids.js';
import { SenteError, asSenteError, senteError } from './errors.js';
import { badClientId, checkPush, checkUid, normalizeUid, sessionUid } from './inbound.js';
import { greet } from './replay.js';
import { envelopes, handshakeEnvelope, requestEnvelope } from './envelope.js';
import { Dedupe } from './dedupe.js';
import { ServerRequests } from './server-requests.js';
import { checkRequest } from './security.js';
import { errorResponse, payloadResponse } from './responses.js';
import { headerValue, withoutRaw } from './request.js';
import { resolveOptions } from './options.js';
import { answerPost, readPost } from './post.js';
import { Timers } from './timers.js';
import { KeepAliveSweep } from './keep-alive.js';
import { Routers } from './router.js';
import { ConnectedUidsStore } from './connected-uids.js';
import { ClientConn, ClientTable, eachClient } from './client-conn.js';
import { LocalDelivery } from './delivery.js';
import { Cluster, ClusterLog, greetClustered } from './cluster.js';
import { sessionClass } from './ws-session.js';
import { PollSession } from './long-poll.js';
import { AjaxReplies } from './ajax-replies.js';
import { Admission, refusalReason, refusalResponse } from './admission.js';
import { RateLimiter } from './rate-limit.js';
import { createMetrics } from './metrics.js';
import { createReporter } from './reporter.js';
import { EventIntake } from './intake.js';
import { Credentials } from './credentials.js';
import { currentTrace } from './trace.js';
import type { Refusal } from './admission.js';
import { MemoryPushLog } from './push-log.js';
import { badReplyError, contractChecks, runSchema } from './contract-check.js';
import type { ContractChecks } from './contract-check.js';
import type { SenteContract } from './contract.js';
import type { SenteServerOf } from './typed-server.js';
import type { LogPosition, PushLog } from './push-log.js';
import type { Transport } from './client-conn.js';
import type { SenteEvent } from './event.js';
import type { Packed, Packer } from './packer.js';
import type { SenteRequest, SenteResponse } from './request.js';
import { CHANNEL_OPS } from './adapter.js';
import type { HttpExchange, SocketListener, SocketOps, UpgradeExchange } from './adapter.js';
import type { ErrorContext, ResolvedOptions, SenteServerOptions } from './options.js';
import type { EventHandler, Router, RouterOptions } from './router.js';
import type { ConnectedUids, ConnectedUidsListener } from './connected-uids.js';
import type { Hub, PackedConstants } from './hub.js';
import type { ClientAddress, ClientInfo, DrainOptions, SendOptions, ServerEventMsg, ServerStats } from './server-types.js';

export type { Transport } from './client-conn.js';
export type { ServerEventMsg, SendOptions, ClientAddress, ServerStats, DrainOptions, ClientInfo } from './server-types.js';

const IGNORE: SocketListener = { onMessage: () => {}, onDrain: () => {}, onClose: () => {} };

/** A hook's result that must be awaited (a promise, or any thenable). */
function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** {@link CHANNEL_OPS} for an `open` that takes any socket: a socket opened as a channel gets the channel's operations. */
const ANY_CHANNEL = CHANNEL_OPS as SocketOps<object>;

/**
 * Sente's channel socket server (`make-channel-socket-server!`), sans I/O: it
 * owns the protocol — handshakes, long-polls, batching, replies, keep-alive,
 * backpressure, connected uids, the security pipeline — and does its I/O only
 * through the exchanges adapters hand to {@link handleHttp} and {@link handleUpgrade}.
 */
export class SenteServer<Raw = unknown> {
  /** The packer every payload goes through. */
  readonly packer: Packer;
  /** The largest payload accepted from a client, in bytes (adapters size their parsers by it). */
  readonly maxPayloadBytes: number;

  private readonly opts: ResolvedOptions<Raw>;
  private readonly hub: Hub;
  private readonly timers: Timers;
  private readonly routers: Routers<ServerEventMsg<Raw>>;
  private readonly uids: ConnectedUidsStore;
  private readonly clientTable = new ClientTable();
  private readonly delivery: LocalDelivery;
  /** The backplane's side in this server, when it was given one. */
  private readonly cluster: Cluster | undefined;
  private readonly log: PushLog;
  private readonly dedupe: Dedupe;
  private readonly requests: ServerRequests;
  private readonly admission: Admission;
  private readonly limiter: RateLimiter | undefined;
  private readonly replies: AjaxReplies;
  private readonly intake: EventIntake;
  private readonly credentials: Credentials<Raw>;
  /** The contract's schemas; `undefined` without any, so that no event pays for them. */
  private readonly checks: ContractChecks | undefined;
  private closing: Promise<void> | undefined;
  private readonly reporter: (error: SenteError, context: ErrorContext) => void;

  constructor(options: SenteServerOptions<Raw, SenteContract>) {
    this.opts = resolveOptions(options);
    this.reporter = createReporter(this.opts.onError);
    this.checks = contractChecks(options.contract, 'server');
    this.packer = this.opts.packer;
    this.maxPayloadBytes = this.opts.maxPayloadBytes;
    this.timers = new Timers(this.opts.clock);
    this.routers = new Routers((e, msg) =>
      this.report(asSenteError(e, 'ERR_SENTE_HOOK_FAILED', 'An event handler failed.'), { uid: msg.uid, clientId: msg.clientId }),
    );
    this.uids = new ConnectedUidsStore((e) => this.report(asSenteError(e, 'ERR_SENTE_HOOK_FAILED', 'A connected-uids listener failed.'), {}));
    // The constant envelopes are packed once, not per send.
    const packed: PackedConstants = {
      ping: this.packer.pack(envelopes.wsPing),
      timeout: this.packer.pack(envelopes.timeout),
      dummy: this.packer.pack(envelopes.dummyCb200),
    };
    this.hub = {
      opts: this.opts as ResolvedOptions<unknown>,
      packer: this.packer,
      timers: this.timers,
      keepAlive: this.opts.wsKaliveMs === null ? undefined : new KeepAliveSweep(this.timers, this.opts.wsKaliveMs / 2, this.opts.wsPingTimeoutMs),
      packed,
      metrics: createMetrics(() => this.stats(), this.opts.meter),
      dispatch: (event, from, reply, ext) => this.intake.take(event, from, reply, ext),
      answer: (id, value, from) => this.answer(id, value, from),
      connected: (client) => this.connected(client),
      expired: (client) => this.expired(client),
      refresh: (client, data, reply) => void this.credentials.overSocket(client, data, reply),
      report: (error, context) => this.report(error, context),
    };
    const clock = this.opts.clock;
    const backplane = this.opts.backplane;
    const clusterLog = backplane === undefined ? undefined : new ClusterLog();
    this.log = clusterLog ?? new MemoryPushLog(() => clock.now(), this.opts.replay, (uid) => this.clientTable.has(uid));
    this.delivery = new LocalDelivery(this.hub, this.clientTable, this.log);
    this.replies = new AjaxReplies(this.hub);
    this.dedupe = new Dedupe(this.timers.elapsed, { maxIds: 1000, ttlMs: this.opts.replay.maxAgeMs });
    this.requests = new ServerRequests(this.timers, backplane === undefined ? '' : `${backplane.nodeId}.`);
    this.admission = new Admission(this.opts.limits ?? {});
    this.limiter = this.opts.rateLimits === undefined ? undefined : new RateLimiter(this.opts.rateLimits, this.timers.elapsed);
    this.credentials = new Credentials<Raw>({
      hub: this.hub,
      opts: this.opts,
      clients: this.clientTable,
      position: (uid) => this.position(uid),
      move: (client, uid) => this.move(client, uid),
      expire: (client) => this.expireClient(client),
      closing: () => this.closing !== undefined,
    });
    this.intake = new EventIntake({
      hub: this.hub,
      dedupe: this.dedupe,
      limiter: this.limiter,
      checks: this.checks,
      emit: (event, from, reply) => this.emit(event, from, reply),
      report: (error, context) => this.report(error, context),
      disconnect: (uid, clientId, code, reason) => {
        for (const t of ['ws', 'ajax'] as const) this.clientTable.get(t, uid, clientId)?.end(code, reason);
      },
    });
    this.cluster =
      backplane === undefined
        ? undefined
        : new Cluster(backplane, {
            hub: this.hub,
            clients: this.clientTable,
            delivery: this.delivery,
            log: clusterLog as ClusterLog,
            uids: this.uids,
            requests: this.requests,
            emit: (event, from) => this.emit(event, from, undefined),
            closeLocal: (uid) => this.closeLocal(uid),
          });
  }

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
      if (options?.flush) this.delivery.flush(target);
      this.closeUser(target);
      return;
    }
    if (this.cluster !== undefined) return this.cluster.backplane.publish(target, checkPush(event), undefined, options?.flush === true);
    this.delivery.push(target, checkPush(event));
    if (options?.flush) this.delivery.flush(target);
  }

  /**
   * Pushes `event` to one client (every tab has its own client id), on
   * whichever transport it is connected, ordered with the pushes to its uid.
   * Address it as `{ uid, clientId }` (e.g. the `uid` and `clientId` of a
   * router message). A client id alone reaches the client only while a single
   * uid holds that id: a client id that two uids claim (a forged id, a login
   * in progress) gets nothing, so a push never crosses to another user.
   * A client that is not connected gets nothing.
   * @throws {SenteError} `ERR_SENTE_BAD_EVENT` for an invalid or reserved event.
   */
  sendToClient(client: string | ClientAddress, event: SenteEvent, options?: SendOptions): void {
    const wire = checkPush(event);
    // Through a backplane, a client id alone is looked up cluster-wide (another node's uid may claim it too).
    if (this.cluster !== undefined && typeof client === 'string') {
      if (this.uidOf(client) === undefined && this.clientTable.holds(client)) return;
      return this.cluster.backplane.publishToClient(client, wire, options?.flush === true);
    }
    const uid = this.uidOf(client);
    if (uid === undefined) return;
    const clientId = typeof client === 'string' ? client : client.clientId;
    if (this.cluster !== undefined) return this.cluster.backplane.publish(uid, wire, clientId, options?.flush === true);
    this.delivery.push(uid, wire, clientId);
    if (options?.flush) this.delivery.flush(uid);
  }

  /** Pushes `event` to every connected uid. */
  broadcast(event: SenteEvent, options?: SendOptions): void {
    const wire = checkPush(event);
    if (this.cluster !== undefined) return this.cluster.backplane.broadcast(wire, options?.flush === true);
    const any = this.uids.view.any;
    for (const uid of any) {
      this.delivery.push(uid, wire);
      if (options?.flush) this.delivery.flush(uid);
    }
    // Users away for now, whose clients will come back for what they missed.
    for (const uid of this.log.uids()) if (!any.has(uid)) this.delivery.push(uid, wire);
  }

  /**
   * Asks one client for an answer (a client router handler gets `msg.reply`),
   * on either transport; resolves with the client's answer.
   * @throws {SenteError} (rejects) `ERR_SENTE_TIMEOUT` after `timeoutMs`;
   * `ERR_SENTE_CLOSED` when the client is not connected or leaves first;
   * `ERR_SENTE_UNSUPPORTED` for a client that does not speak this library's
   * extensions (a Clojure Sente client); `ERR_SENTE_BAD_EVENT` for a bad event.
   * @example
   * ```ts
   * const answer = await server.request({ uid: msg.uid, clientId: msg.clientId }, ['app/confirm', { text: 'Delete?' }], 10_000);
   * ```
   */
  async request(client: string | ClientAddress, event: SenteEvent, timeoutMs = 10_000): Promise<unknown> {
    const wire = checkPush(event);
    if (this.closing) throw senteError('ERR_SENTE_SERVER_CLOSED');
    const uid = this.uidOf(client);
    const clientId = typeof client === 'string' ? client : client.clientId;
    const target = uid === undefined ? undefined : this.clientTable.reachable(uid, clientId);
    let answer: Promise<unknown>;
    const clash = typeof client === 'string' && uid === undefined && this.clientTable.holds(clientId);
    if (this.cluster !== undefined && !clash && (target === undefined || target.session === null || typeof client === 'string')) {
      // Not here, here without a live channel (an Ajax client polling another node), or by client id
      // alone (which another node's uid may claim too): the backplane takes it to the node holding
      // the client, and brings the answer back.
      const to = typeof client === 'string' ? undefined : uid;
      const opened = this.requests.open({ uid: to, clientId }, timeoutMs, true);
      this.cluster.backplane.request(to, clientId, opened.id, wire);
      answer = opened.answer;
    } else {
      if (target === undefined) throw senteError('ERR_SENTE_CLOSED', `Client ${clientId} is not connected`);
      if (!target.ext) throw senteError('ERR_SENTE_UNSUPPORTED', `Client ${clientId} does not take requests (a Sente client without this library's extensions)`);
      const opened = this.requests.open(target, timeoutMs);
      target.send(this.packer.pack(requestEnvelope(wire, opened.id, currentTrace())), { id: opened.id, event: wire });
      answer = opened.answer;
    }
    const schema = this.checks?.reply(event[0]);
    if (schema === undefined) return answer;
    const value = await answer;
    return new Promise((resolve, reject) =>
      runSchema(schema, value, (r) => (r.ok ? resolve(r.value) : reject(badReplyError(`answer to "${event[0]}"`, r.issues)))),
    );
  }

  /** Closes every connection of `uid` (WebSockets with code 4001; parked polls end with 204). */
  closeUser(uid: string): void {
    const target = checkUid(uid);
    if (this.cluster !== undefined) return this.cluster.backplane.closeUser(target);
    this.closeLocal(target);
  }

  /** Closes this process's connections of `target`. */
  private closeLocal(target: string): void {
    for (const t of ['ws', 'ajax'] as const) {
      const clients = this.clientTable.clientsOf(t, target);
      if (clients !== undefined) for (const c of eachClient(clients)) c.end(CLOSE_CODES.closedByServer, 'Closed by server');
    }
  }

  /**
   * Ends the credentials of `uid`'s connections (or of one client): each is
   * closed with 4401 (a parked poll answered 401), which its client takes as
   * terminal and does not retry blindly. Revoke the credentials in your hooks
   * too (`authorized`, the session), or the client's next `connect()` with
   * the same ones is let in again.
   */
  expire(target: string | ClientAddress): void {
    const uid = checkUid(typeof target === 'string' ? target : target.uid);
    for (const t of ['ws', 'ajax'] as const) {
      if (typeof target !== 'string') {
        const c = this.clientTable.get(t, uid, target.clientId);
        if (c !== undefined) this.expireClient(c);
        continue;
      }
      const clients = this.clientTable.clientsOf(t, uid);
      if (clients !== undefined) for (const c of eachClient(clients)) this.expireClient(c);
    }
  }

  /** Counts of what the server holds right now. */
  stats(): ServerStats {
    return {
      wsClients: this.clientTable.count('ws'),
      ajaxClients: this.clientTable.count('ajax'),
      timers: this.timers.live,
      bufferedBatches: this.delivery.bufferedBatches,
      ...this.clientTable.queued(),
      pendingReplies: this.replies.size,
      loggedPushes: this.log.size,
      serverRequests: this.requests.size,
      messageIds: this.dedupe.size,
    };
  }

  /**
   * Drains this process for a deploy: new connections are turned away at once
   * (503 + `Retry-After`; a WebSocket closes with 1012 and the hint), and the
   * clients connected now are closed over `windowMs`, each at a random moment,
   * with a "reconnect after `retryAfterMs` ± `retryJitterMs`" hint their
   * client obeys, so that they do not all come back at once. What was buffered
   * for them is flushed first (and stays in the push log for their replay).
   * Then the server closes, as {@link close} does.
   * @example
   * ```ts
   * process.on('SIGTERM', () => void server.drain({ windowMs: 10_000 }).then(() => process.exit(0)));
   * ```
   */
  async drain(options: DrainOptions = {}): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    const { windowMs = 10_000, retryAfterMs = 5_000, retryJitterMs = retryAfterMs / 2 } = options;
    const hint = { afterMs: retryAfterMs, jitterMs: retryJitterMs };
    if (this.admission.draining === undefined) {
      this.admission.draining = hint;
      this.delivery.flush();
      const reason = refusalReason({ reason: 'draining', hint });
      const random = this.opts.random ?? Math.random;
      for (const client of [...this.clientTable.all()]) {
        this.timers.set(() => client.end(CLOSE_CODES.serviceRestart, reason), random() * windowMs);
      }
      await new Promise<void>((resolve) => this.timers.set(resolve, windowMs));
    }
    return this.close();
  }

  /** A snapshot of every client, for a dashboard (such as `@sente/inspector`). Costs one pass over the clients. */
  clients(): ClientInfo[] {
    return this.clientTable.snapshot();
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
   * Handles an Ajax request to the Sente path: the handshake or long-poll GET,
   * or a POST. Never rejects: every failure is answered (see the protocol
   * reference for statuses) and reported to `onError`.
   */
  handleHttp(req: SenteRequest<Raw>, exchange: HttpExchange): Promise<void> {
    return this.handle(req, exchange, undefined);
  }

  /**
   * Handles a WebSocket upgrade request to the Sente path: accepted (and the
   * handshake sent first on the socket), or refused with its HTTP status and
   * never upgraded. Never rejects.
   */
  handleUpgrade(req: SenteRequest<Raw>, exchange: UpgradeExchange): Promise<void> {
    return this.handle(req, undefined, exchange);
  }

  private async handle(req: SenteRequest<Raw>, http: HttpExchange | undefined, upgrade: UpgradeExchange | undefined): Promise<void> {
    let answered = false;
    const respond = (r: SenteResponse): void => {
      answered = true;
      if (http) http.respond(r);
      else upgrade?.reject(r);
    };
    try {
      await this.route(req, http, upgrade, respond, () => (answered = true));
    } catch (e) {
      const err = asSenteError(e, 'ERR_SENTE_HOOK_FAILED', 'A server hook failed.');
      this.report(err, {});
      if (!answered) respond(errorResponse(err));
    }
  }

  /** One request, start to end: each step either answers it or hands it on. */
  private async route(
    req: SenteRequest<Raw>,
    http: HttpExchange | undefined,
    upgrade: UpgradeExchange | undefined,
    respond: (r: SenteResponse) => void,
    accepted: () => void,
  ): Promise<void> {
    const refuse = (err: SenteError, context: ErrorContext = {}): void => {
      this.report(err, context);
      respond(errorResponse(err));
    };
    if (this.closing) return respond(errorResponse(senteError('ERR_SENTE_SERVER_CLOSED')));
    // Methods are case-sensitive (RFC 9110): `get` is not GET.
    const post = req.method === 'POST' && upgrade === undefined;
    if (req.method !== 'GET' && !post) return refuse(senteError('ERR_SENTE_BAD_METHOD', 'Method not allowed'));
    // RFC 6455 §4.2.2: only version 13, and a refusal names it (some servers upgrade anything).
    if (upgrade !== undefined && headerValue(req.headers, 'sec-websocket-version') !== '13') {
      return refuse(senteError('ERR_SENTE_BAD_UPGRADE', 'Unsupported Sec-WebSocket-Version'));
    }
    // A GET names its client up front, and Sente checks it first. A POST names it
    // in its body, which is read only once the request has passed the checks.
    if (!post) {
      const bad = badClientId(req.query[WIRE.clientId]);
      if (bad) return refuse(bad);
    }
    let rejection = checkRequest(this.opts, req);
    if (rejection instanceof Promise) rejection = await rejection;
    if (rejection) {
      const { code, response } = rejection;
      this.report(new SenteError(code, `Request rejected (${response.status})`, { status: response.status }), post ? {} : { clientId: req.query[WIRE.clientId] as string });
      return respond(response);
    }
    let body: Packed | undefined;
    let clientId = req.query[WIRE.clientId] as string;
    if (post) {
      let p;
      try {
        p = await readPost(req, this.maxPayloadBytes);
      } catch (e) {
        return refuse(asSenteError(e, 'ERR_SENTE_BAD_PACKAGE'), { transport: 'ajax' });
      }
      const bad = badClientId(p.clientId);
      if (bad) return refuse(bad);
      clientId = p.clientId as string;
      body = p.payload;
    }
    // Awaited only when the hook returns a promise: most answer at once, on every request.
    let id = (this.opts.userId ?? sessionUid)(req, clientId);
    if (isThenable(id)) id = await id;
    const uid = normalizeUid(id);
    const expiresAt = this.credentials.expires ? await this.credentials.expiry(req, uid) : undefined;
    if (this.credentials.past(expiresAt)) return refuse(senteError('ERR_SENTE_CREDENTIALS_EXPIRED'), { uid, clientId });
    // Hooks are async: the server may have started closing meanwhile.
    if (this.closing) return respond(errorResponse(senteError('ERR_SENTE_SERVER_CLOSED')));
    if (body !== undefined) {
      const from = { uid, clientId, transport: 'ajax' as const, request: req };
      return answerPost(
        this.hub,
        this.replies,
        http as HttpExchange,
        body,
        (event, reply, ext) => this.intake.take(event, from, reply, ext),
        (id, value) => this.answer(id, value, from),
        { uid, clientId, transport: 'ajax' },
        req.query[WIRE.ext] === undefined ? undefined : (data, reply) => void this.credentials.overPost(req, uid, clientId, data, reply),
      );
    }

    const handshake = upgrade !== undefined || req.query[WIRE.handshake] !== undefined || this.clientTable.get('ajax', uid, clientId) === undefined;
    // Awaited only when the hook returns a promise: an await costs a tick even with nothing to wait for, on every handshake.
    let data = handshake ? this.opts.handshakeData?.(req) : undefined;
    if (isThenable(data)) data = await data;
    // Packed before accepting: handshake data the packer rejects is answered 500, not a half-open socket.
    const hs = handshake ? this.packer.pack(handshakeEnvelope(uid, data)) : undefined;
    // Hooks are async: the server may have started closing meanwhile.
    if (this.closing) return respond(errorResponse(senteError('ERR_SENTE_SERVER_CLOSED')));
    const refusal = this.refusal(upgrade === undefined ? 'ajax' : 'ws', uid, clientId, req);
    if (refusal !== undefined) {
      this.report(senteError(refusal.reason === 'draining' ? 'ERR_SENTE_DRAINING' : 'ERR_SENTE_OVER_CAPACITY', `Turned away (${refusal.reason})`), { uid, clientId });
      if (upgrade === undefined) return respond(refusalResponse(refusal));
      // A browser cannot read an upgrade's status: the socket opens and closes with the hint.
      accepted();
      const code = refusal.reason === 'draining' ? CLOSE_CODES.serviceRestart : CLOSE_CODES.slowConsumer;
      return upgrade.accept((socket: object, ops = ANY_CHANNEL) => {
        ops.close(socket, code, refusalReason(refusal));
        return IGNORE;
      });
    }
    if (this.cluster !== undefined && hs !== undefined) return this.openClustered(req, http, upgrade, uid, clientId, expiresAt, hs, data, accepted);
    accepted();
    if (upgrade !== undefined) {
      return this.acceptSocket(upgrade, (socket, ops) => {
        const client = this.claim('ws', req, uid, clientId, expiresAt);
        const session = new (sessionClass(ops))(client, socket);
        session.start(greet(this.hub, this.log, client, hs as Packed, data, () => this.credentials.handshakeFields(client)));
        return session;
      });
    }
    const exchange = http as HttpExchange;
    const client = this.claim('ajax', req, uid, clientId, expiresAt);
    if (hs !== undefined) {
      // A poll this client parked before its new handshake is stale.
      client.end(CLOSE_CODES.normal, 'Superseded');
      exchange.respond(payloadResponse(greet(this.hub, this.log, client, hs, data, () => this.credentials.handshakeFields(client))));
      // No uidport-open for the handshake itself (Sente #260): the client counts once it polls.
      client.startGrace();
      return;
    }
    new PollSession(this.hub, client, exchange).start();
  }

  /**
   * Accepts `upgrade`: a socket opened while the server closes is closed at
   * once, nothing recorded.
   */
  private acceptSocket(upgrade: UpgradeExchange, open: (socket: object, ops: SocketOps<never>) => SocketListener): void {
    upgrade.accept((socket: object, ops = ANY_CHANNEL) => {
      if (this.closing) {
        ops.close(socket, CLOSE_CODES.goingAway, 'Server closing');
        return IGNORE;
      }
      return open(socket, ops);
    });
  }

  /**
   * A handshake through a backplane: the client's record first (its pushes
   * held), then the log's position and replay (asynchronous), then the
   * handshake and the queue, in that order.
   */
  private async openClustered(
    req: SenteRequest<Raw>,
    http: HttpExchange | undefined,
    upgrade: UpgradeExchange | undefined,
    uid: string,
    clientId: string,
    expiresAt: number | undefined,
    hs: Packed,
    data: unknown,
    accepted: () => void,
  ): Promise<void> {
    const backplane = (this.cluster as Cluster).backplane;
    const transport = upgrade === undefined ? 'ajax' : 'ws';
    const client = this.claim(transport, req, uid, clientId, expiresAt);
    // A poll this client parked before its new handshake is stale.
    if (transport === 'ajax') client.end(CLOSE_CODES.normal, 'Superseded');
    // It counts as gone after its grace period unless a channel opens meanwhile.
    if (client.session === null) client.startGrace();
    const greeting = await greetClustered(this.hub, backplane, client, hs, data, () => this.credentials.handshakeFields(client));
    if (this.closing) throw senteError('ERR_SENTE_SERVER_CLOSED');
    accepted();
    if (upgrade !== undefined) {
      return this.acceptSocket(upgrade, (socket, ops) => {
        const session = new (sessionClass(ops))(this.claim('ws', req, uid, clientId, expiresAt), socket);
        session.start(greeting);
        return session;
      });
    }
    (http as HttpExchange).respond(payloadResponse(greeting));
    // No uidport-open for the handshake itself (Sente #260): the client counts once it polls.
    client.startGrace();
  }

  /** Why this request may not open a channel now: draining (every one), or a new client over a limit. */
  private refusal(transport: Transport, uid: string, clientId: string, req: SenteRequest): Refusal | undefined {
    if (this.admission.draining === undefined && this.clientTable.get(transport, uid, clientId) !== undefined) return undefined;
    return this.admission.refusal(uid, req.remoteAddress);
  }

  /** The client's record on `transport`, created when new. */
  private claim(transport: Transport, req: SenteRequest, uid: string, clientId: string, expiresAt: number | undefined): ClientConn {
    let client = this.clientTable.get(transport, uid, clientId);
    if (client === undefined) {
      const other = transport === 'ws' ? 'ajax' : 'ws';
      if (this.clientTable.get(other, uid, clientId) !== undefined) this.hub.metrics.transportSwitch(other, transport);
      client = new ClientConn(transport, uid, clientId, req, this.hub);
      const held = this.clientTable.has(uid);
      this.clientTable.add(client);
      this.admission.add(uid, client.address);
      // The first client of a uid here: this process receives the uid's pushes from now on.
      if (this.cluster !== undefined && !held) this.cluster.backplane.hold(uid).catch(() => undefined);
    }
    // The handshake's hooks have run: a socket keeps the framework's request only when the app wants it later.
    client.request = transport === 'ws' && !this.opts.keepUpgradeRaw ? withoutRaw(req) : req;
    client.ext = req.query[WIRE.ext] !== undefined;
    this.cluster?.backplane.claim(client, transport);
    this.credentials.arm(client, expiresAt);
    return client;
  }

  private emit(
    event: SenteEvent,
    from: { readonly uid: string; readonly clientId: string; readonly transport: Transport; readonly request: SenteRequest },
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

  private connected(client: ClientConn): void {
    if (client.counted) return;
    client.counted = true;
    this.hub.metrics.connected(client.transport, 1);
    if (this.cluster !== undefined) {
      // Cluster-wide: the node whose client made the uid join the cluster says so, once.
      void this.cluster.backplane.connected(client.uid, client.transport, 1).then((joined) => {
        if (joined) this.emit([CHSK.uidportOpen, client.uid], client, undefined);
      });
      return;
    }
    if (this.uids.add(client.transport, client.uid)) this.emit([CHSK.uidportOpen, client.uid], client, undefined);
  }

  /** Closes `client` for good: its credentials expired or were revoked. */
  private expireClient(client: ClientConn): void {
    if (this.clientTable.get(client.transport, client.uid, client.clientId) !== client) return;
    this.hub.metrics.credentials('expired');
    this.report(senteError('ERR_SENTE_CREDENTIALS_EXPIRED'), client.context);
    client.end(CLOSE_CODES.unauthorized, 'Credentials expired');
    this.expired(client);
  }

  /**
   * Moves `client` to `uid` after a credential refresh, as if it had left its
   * old uid and connected to the new one, without a reconnect: connected uids
   * and uidport events, the client-id rule, limits and queues follow.
   */
  private move(client: ClientConn, uid: string): void {
    const old = client.uid;
    const { transport, clientId } = client;
    // Pushes already logged for the new uid go to its other clients; this one starts at the log's top.
    this.delivery.flush(uid);
    const held = this.clientTable.get(transport, uid, clientId);
    if (held !== undefined && held !== client) {
      held.end(CLOSE_CODES.normal, 'Superseded');
      this.expired(held);
    }
    this.admission.remove(old, client.address);
    if (this.clientTable.remove(client)) this.delivery.forget(old, transport);
    this.limiter?.forget(old, clientId, !this.clientTable.has(old));
    // What was queued for the old uid is not the new one's.
    client.clearQueue();
    const gone = { uid: old, clientId, transport, request: client.request };
    const cluster = this.cluster;
    if (cluster === undefined && client.counted && this.uids.remove(transport, old)) this.emit([CHSK.uidportClose, old], gone, undefined);
    const heldNew = this.clientTable.has(uid);
    client.uid = uid;
    this.clientTable.add(client);
    this.admission.add(uid, client.address);
    if (cluster === undefined) {
      if (client.counted && this.uids.add(transport, uid)) this.emit([CHSK.uidportOpen, uid], client, undefined);
      return;
    }
    // Through a backplane: the old uid's claim, interest and presence go, the new uid's come, cluster-wide.
    const backplane = cluster.backplane;
    backplane.unclaim({ uid: old, clientId });
    cluster.gone({ uid: old, clientId });
    if (!this.clientTable.has(old)) {
      backplane.release(old);
      (this.log as ClusterLog).epochs.delete(old);
    }
    if (!heldNew) backplane.hold(uid).catch(() => undefined);
    backplane.claim(client, transport);
    if (!client.counted) return;
    void backplane.connected(old, transport, -1).then((left) => {
      if (left) this.emit([CHSK.uidportClose, old], gone, undefined);
    });
    void backplane.connected(uid, transport, 1).then((joined) => {
      if (joined) this.emit([CHSK.uidportOpen, uid], client, undefined);
    });
  }

  /** The position of `uid`'s push log: the backplane's (and remembered for positioned batches), or this process's. */
  private position(uid: string): LogPosition | Promise<LogPosition> {
    const cluster = this.cluster;
    if (cluster === undefined) return this.log.open(uid);
    return cluster.backplane.position(uid).then((top) => {
      (this.log as ClusterLog).epochs.set(uid, top.epoch);
      return top;
    });
  }

  private expired(client: ClientConn): void {
    if (this.clientTable.get(client.transport, client.uid, client.clientId) !== client) return;
    client.dispose();
    this.requests.gone(client);
    this.admission.remove(client.uid, client.address);
    if (this.clientTable.remove(client)) this.delivery.forget(client.uid, client.transport);
    this.limiter?.forget(client.uid, client.clientId, !this.clientTable.has(client.uid));
    if (client.counted) this.hub.metrics.connected(client.transport, -1);
    if (this.cluster !== undefined) return this.left(this.cluster, client);
    if (client.counted && this.uids.remove(client.transport, client.uid)) this.emit([CHSK.uidportClose, client.uid], client, undefined);
  }

  /** A client's record is gone, with a backplane: its claims in the cluster go too. */
  private left(cluster: Cluster, client: ClientConn): void {
    const backplane = cluster.backplane;
    const other = this.clientTable.get(client.transport === 'ws' ? 'ajax' : 'ws', client.uid, client.clientId);
    if (other === undefined) {
      backplane.unclaim(client);
      cluster.gone(client);
    }
    if (!this.clientTable.has(client.uid)) {
      backplane.release(client.uid);
      (this.log as ClusterLog).epochs.delete(client.uid);
    }
    if (!client.counted) return;
    void backplane.connected(client.uid, client.transport, -1).then((left) => {
      if (left) this.emit([CHSK.uidportClose, client.uid], client, undefined);
    });
  }

  /** The one uid a push addressed to `client` may reach. */
  private uidOf(client: string | ClientAddress): string | undefined {
    if (typeof client !== 'string') return client.uid;
    const uid = this.clientTable.uidHolding(client);
    if (uid !== null) return uid;
    this.report(senteError('ERR_SENTE_CLIENT_ID_CLASH', 'A push to a client id that two uids hold was not sent: address it with { uid, clientId }'), { clientId: client });
    return undefined;
  }

  private async shutdown(): Promise<void> {
    this.requests.failAll(senteError('ERR_SENTE_SERVER_CLOSED'));
    // Pushes on their way through a backplane come back first, to go out with the rest.
    if (this.cluster !== undefined) await this.cluster.backplane.settle();
    this.delivery.flush();
    await this.replies.settle(this.opts.closeTimeoutMs);
    this.delivery.flush();
    for (const client of [...this.clientTable.all()]) {
      client.end(CLOSE_CODES.goingAway, 'Server closing');
      this.expired(client);
    }
    this.log.close();
    this.dedupe.clear();
    await this.cluster?.backplane.close();
  }

  /** A client answered request `id`: this server's, or (through a backplane) another node's. */
  private answer(id: string, value: unknown, from: ClientAddress): void {
    if (this.requests.answer(id, value, from) || this.cluster === undefined) return;
    this.cluster.answered(id, from);
    this.cluster.backplane.answer(id, value, from);
  }

  private report(error: SenteError, context: ErrorContext): void {
    this.hub.metrics.error(error.code);
    this.reporter(error, context);
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
export function createSenteServer<Raw = unknown, C extends SenteContract = SenteContract>(options: SenteServerOptions<Raw, C>): SenteServerOf<Raw, C> {
  return new SenteServer<Raw>(options) as SenteServerOf<Raw, C>;
}
