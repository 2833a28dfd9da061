import { CLOSE_CODES } from './ids.js';
import { asSenteError, senteError } from './errors.js';
import { normalizeUid, sessionUid } from './inbound.js';
import { checkRequest } from './security.js';
import { readRefresh, refreshedRequest } from './refresh.js';
import { timingSafeEqual } from './timing-safe.js';
import type { SenteErrorCode } from './errors.js';
import type { RefreshCredentials } from './refresh.js';
import type { ClientConn, ClientTable } from './client-conn.js';
import type { Hub } from './hub.js';
import type { LogPosition } from './push-log.js';
import type { ResolvedOptions } from './options.js';
import type { SenteRequest } from './request.js';

/** What {@link Credentials} needs of its server. */
export interface CredentialsHost<Raw> {
  readonly hub: Hub;
  readonly opts: ResolvedOptions<Raw>;
  readonly clients: ClientTable;
  /** The position of `uid`'s push log (asynchronous through a backplane). */
  position(uid: string): LogPosition | Promise<LogPosition>;
  /** Moves `client` to `uid`: connected uids, uidport events, limits, queues follow. */
  move(client: ClientConn, uid: string): void;
  /** Closes `client` for good: 4401 on WebSocket, 401 on a parked poll. */
  expire(client: ClientConn): void;
  /** True once the server closes. */
  closing(): boolean;
}

/**
 * Live credentials: when a connection's credentials expire (the
 * `credentialsExpireAt` hook), and refreshes — a client hands fresh params,
 * headers and CSRF token on its open connection; the server runs its hooks on
 * them and moves the connection to the new uid without a reconnect.
 */
export class Credentials<Raw> {
  /** The sockets with a refresh in flight: one at a time each, so that a client cannot pile up hook runs. */
  private readonly busy = new WeakSet<ClientConn>();

  constructor(private readonly host: CredentialsHost<Raw>) {}

  /** True when the app said when credentials expire. */
  get expires(): boolean {
    return this.host.opts.credentialsExpireAt !== undefined;
  }

  /** When the credentials of `req` expire (ms since the epoch), if the app says. */
  async expiry(req: SenteRequest<Raw>, uid: string): Promise<number | undefined> {
    const hook = this.host.opts.credentialsExpireAt;
    if (hook === undefined) return undefined;
    const at = await hook(req, uid);
    const ms = at instanceof Date ? at.getTime() : at;
    return typeof ms === 'number' && !Number.isNaN(ms) && ms !== Infinity ? ms : undefined;
  }

  /** True when `at` has passed. */
  past(at: number | undefined): boolean {
    return at !== undefined && at <= this.host.opts.clock.now();
  }

  /** Arms `client`'s expiry at `at`. */
  arm(client: ClientConn, at: number | undefined): void {
    if (this.expires) client.setExpiry(at, () => this.host.expire(client));
  }

  /** The extensions' handshake fields of `client`: its refresh key, and the time to its expiry. */
  handshakeFields(client: ClientConn): Record<string, unknown> {
    const ttl = this.ttl(client);
    return ttl === undefined ? { refresh: 1, rk: client.refreshKey } : { refresh: 1, rk: client.refreshKey, ttl };
  }

  /**
   * A refresh on an open WebSocket: the hooks run on the socket's request with
   * the new params, headers and CSRF token (see {@link refreshedRequest}).
   */
  async overSocket(client: ClientConn, data: unknown, reply: ((value: unknown) => boolean) | undefined): Promise<void> {
    const creds = readRefresh(data);
    if (creds === undefined) return this.refuse(client, 'ERR_SENTE_BAD_EVENT', 'A refresh whose credentials are not a map of strings', reply);
    if (this.busy.has(client)) return this.refuse(client, 'ERR_SENTE_RATE_LIMITED', 'A refresh while another one runs', reply);
    this.busy.add(client);
    try {
      await this.checkSocket(client, creds, reply);
    } finally {
      this.busy.delete(client);
    }
  }

  private async checkSocket(client: ClientConn, creds: RefreshCredentials, reply: ((value: unknown) => boolean) | undefined): Promise<void> {
    const req = refreshedRequest(client.request as SenteRequest<Raw>, creds);
    let uid: string;
    let at: number | undefined;
    try {
      const rejection = await checkRequest(this.host.opts, req);
      if (rejection !== undefined) return this.refuse(client, rejection.code, `Refresh refused (${rejection.response.status})`, reply);
      uid = normalizeUid(await (this.host.opts.userId ?? sessionUid)(req, client.clientId));
      at = await this.expiry(req, uid);
    } catch (e) {
      return this.refuse(client, asSenteError(e, 'ERR_SENTE_HOOK_FAILED', 'A hook failed on a refresh.').code, 'A hook failed on a refresh', reply, e);
    }
    if (this.past(at)) return this.refuse(client, 'ERR_SENTE_CREDENTIALS_EXPIRED', 'A refresh with expired credentials', reply);
    this.apply(client, req, uid, at, reply);
  }

  /**
   * A refresh on a POST, which passed the security checks with its own
   * (new) cookies and headers: `uid` is what `userId` made of them. It moves
   * the client's Ajax connection, or its WebSocket (a page whose cookies
   * changed), named by the uid it had and its refresh key.
   */
  async overPost(req: SenteRequest<Raw>, uid: string, clientId: string, data: unknown, reply: ((value: unknown) => boolean) | undefined): Promise<void> {
    const context = { uid, clientId, transport: 'ajax' as const };
    const creds = readRefresh(data);
    if (creds === undefined) return this.refuseAt(context, 'ERR_SENTE_BAD_EVENT', 'A refresh whose credentials are not a map of strings', reply);
    const from = creds.uid ?? uid;
    // The client's live channel first: its WebSocket, or its Ajax connection.
    const client = this.host.clients.reachable(from, clientId);
    // Only the holder of the connection (it got the key in its handshake) may move it.
    if (client === undefined || creds.key === undefined || !timingSafeEqual(creds.key, client.refreshKey)) {
      return this.refuseAt(context, 'ERR_SENTE_REFRESH_REFUSED', 'A refresh POST for no connection of this client (wrong uid or key)', reply);
    }
    let at: number | undefined;
    try {
      at = await this.expiry(req, uid);
    } catch (e) {
      return this.refuse(client, 'ERR_SENTE_HOOK_FAILED', 'A hook failed on a refresh', reply, e);
    }
    if (this.past(at)) return this.refuse(client, 'ERR_SENTE_CREDENTIALS_EXPIRED', 'A refresh with expired credentials', reply);
    // A WebSocket keeps its own request (the POST's is not the socket's), with the new app params.
    this.apply(client, client.transport === 'ajax' ? req : refreshedRequest(client.request as SenteRequest<Raw>, creds), uid, at, reply);
  }

  /** The refresh passed: the client moves to `uid` (when new), its request and expiry are the new ones. */
  private apply(client: ClientConn, req: SenteRequest<Raw>, uid: string, at: number | undefined, reply: ((value: unknown) => boolean) | undefined): void {
    // The hooks are async: the client may have gone, or the server closed, meanwhile.
    if (this.host.closing() || this.host.clients.get(client.transport, client.uid, client.clientId) !== client) {
      reply?.('ERR_SENTE_CLOSED');
      return;
    }
    const moved = uid !== client.uid;
    if (moved) this.host.move(client, uid);
    client.request = req;
    this.arm(client, at);
    this.host.hub.metrics.credentials(moved ? 'moved' : 'refreshed');
    // `[uid ttl epoch offset]`: the new uid's log position when the connection moved, so that the client's dedupe stays right.
    const answer: unknown[] = [uid, this.ttl(client) ?? null];
    if (!client.ext || !moved) {
      reply?.(answer);
      return;
    }
    const top = this.host.position(uid);
    if (!(top instanceof Promise)) {
      reply?.([...answer, top.epoch, top.offset]);
      return;
    }
    top.then(
      (t) => reply?.([...answer, t.epoch, t.offset]),
      (e: unknown) => {
        // The connection moved, but its new position is unknown: it reconnects, and its handshake tells it.
        this.host.hub.report(asSenteError(e, 'ERR_SENTE_BACKPLANE_UNAVAILABLE'), client.context);
        client.end(CLOSE_CODES.serviceRestart, 'Push log unavailable');
        reply?.('ERR_SENTE_BACKPLANE_UNAVAILABLE');
      },
    );
  }

  private ttl(client: ClientConn): number | undefined {
    return client.expiresAt === undefined ? undefined : Math.max(0, client.expiresAt - this.host.opts.clock.now());
  }

  private refuse(client: ClientConn, code: SenteErrorCode, detail: string, reply: ((value: unknown) => boolean) | undefined, cause?: unknown): void {
    this.refuseAt(client.context, code, detail, reply, cause);
  }

  private refuseAt(
    context: { uid?: string; clientId?: string; transport?: 'ws' | 'ajax' },
    code: SenteErrorCode,
    detail: string,
    reply: ((value: unknown) => boolean) | undefined,
    cause?: unknown,
  ): void {
    // The connection keeps the identity it had (until its own expiry, if any).
    this.host.hub.metrics.credentials('refused');
    this.host.hub.report(senteError(code, detail, cause), context);
    reply?.(code);
  }
}
