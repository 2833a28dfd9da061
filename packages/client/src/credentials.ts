import { SenteError, isCbError, systemClock, toWireEvent } from '@sente/core';
import { CHSK_CLOSED, CHSK_ERROR, CHSK_REFRESH, CHSK_TIMEOUT } from '@sente/core/internal';
import type { Clock, SenteErrorCode, TimerHandle, WireEvent } from '@sente/core';
import { LIVE } from './live.js';
import type { Credentials, LiveHooks } from './live.js';
import { fallback, withFallback } from './lazy-ajax.js';
import { callSafely } from './reply-callbacks.js';
import type { ReplyCallback } from './reply-callbacks.js';
import type { SenteClient } from './client.js';

/** Options of {@link refreshCredentials}. */
export interface RefreshOptions {
  /** How long to wait for the server's answer. @default 10000 */
  timeoutMs?: number | undefined;
  /**
   * Send the refresh as an Ajax POST even on WebSocket: the POST carries the
   * page's cookies now (a login that set a new session cookie), and the server
   * moves the socket, named by its refresh key, to the uid they give. Needs `fetch`.
   * @default false
   */
  overHttp?: boolean | undefined;
}

/** What a refresh resolves with. */
export interface RefreshResult {
  /** The connection's uid now (`'sente/nil-uid'` for no user). */
  readonly uid: string;
  /** The time left before the server expires these credentials, when it says. */
  readonly expiresInMs: number | undefined;
}

const hooks = (client: SenteClient): LiveHooks => (client as unknown as { [LIVE]: LiveHooks })[LIVE];

/** Sends `chsk/refresh` as an Ajax POST, whatever the transport: false without `fetch`. */
function post(live: LiveHooks, wire: WireEvent, cb: ReplyCallback, timeoutMs: number): boolean {
  const { ajax, onError } = live;
  if (ajax === undefined) return false;
  if (live.shared() || fallback() !== undefined) return ajax().send(wire, cb, timeoutMs);
  // A refresh POST from a client on WebSocket: the Ajax code loads first.
  const failed = (error: unknown): void => {
    onError(error);
    callSafely(cb, CHSK_ERROR, onError);
  };
  withFallback(() => {
    try {
      if (!ajax().send(wire, cb, timeoutMs)) callSafely(cb, CHSK_CLOSED, onError);
    } catch (error) {
      failed(error);
    }
  }, failed);
  return true;
}

/**
 * Hands fresh credentials (CSRF token, params, headers) to the server on the
 * client's open connection, without a reconnect: the server runs its hooks on
 * them and moves the connection to the uid they give (`client.state.uid`
 * follows). The given fields replace the client's own for later requests too.
 * Over Ajax the refresh is a POST, which carries the page's cookies; over
 * WebSocket it is a frame, and the server sees the socket's own cookies —
 * unless `overHttp`, which sends a POST for the socket.
 *
 * @throws {SenteError} (rejects) the server's reason (`ERR_SENTE_UNAUTHORIZED`,
 * `ERR_SENTE_BAD_CSRF`, `ERR_SENTE_CREDENTIALS_EXPIRED`; over Ajax a refused
 * POST's `ERR_SENTE_UNAUTHORIZED` or `ERR_SENTE_FORBIDDEN`): the connection
 * keeps its identity. `ERR_SENTE_CLOSED` when the client is not open (the
 * credentials apply from its next connection), `ERR_SENTE_UNSUPPORTED` with a
 * server that takes no refreshes (a Clojure Sente server: `reconnect()`),
 * `ERR_SENTE_TIMEOUT`, `ERR_SENTE_TRANSPORT`.
 * @example
 * ```ts
 * import { createSenteClient, refreshCredentials } from '@sente/client';
 * const client = createSenteClient('/chsk', null, { params: { token: 'guest' } });
 * const { uid } = await refreshCredentials(client, { params: { token: 'after-login' } });
 * ```
 */
export function refreshCredentials(client: SenteClient, credentials: Credentials = {}, options: RefreshOptions = {}): Promise<RefreshResult> {
  const { timeoutMs = 10_000, overHttp = false } = options;
  const live = hooks(client);
  live.own = { ...live.own, ...credentials };
  const data = { params: live.params() ?? {}, headers: live.headers() ?? {}, 'csrf-token': live.csrfToken() ?? null, uid: client.state.uid, key: live.ext?.['rk'] ?? null };
  return new Promise((resolve, reject) => {
    // The answer: `[uid ttl epoch? offset?]`, or the code of a refusal.
    const cb: ReplyCallback = (reply) => {
      if (!Array.isArray(reply)) {
        const code = isCbError(reply) ? (reply === CHSK_TIMEOUT ? 'ERR_SENTE_TIMEOUT' : reply === CHSK_CLOSED ? 'ERR_SENTE_CLOSED' : 'ERR_SENTE_TRANSPORT') : String(reply);
        return reject(new SenteError(code as SenteErrorCode, `Refresh refused: ${code}`));
      }
      const [uid, ttl, epoch, offset] = reply as [string, number | null, unknown, unknown];
      if (uid !== client.state.uid) live.moved(uid, epoch, offset);
      resolve({ uid, expiresInMs: ttl ?? undefined });
    };
    // A Clojure Sente server (no `refresh` in its handshake) would take it for a bad event.
    if (client.state.open && live.ext?.['refresh'] === undefined) return reject(new SenteError('ERR_SENTE_UNSUPPORTED', 'The server takes no refresh: reconnect() instead.'));
    try {
      const wire = toWireEvent([CHSK_REFRESH, data]);
      if (!(overHttp && client.state.open ? post(live, wire, cb, timeoutMs) : live.send(wire, cb, timeoutMs))) reject(new SenteError('ERR_SENTE_CLOSED', 'Not open: the credentials apply from the next connection.'));
    } catch (e) {
      reject(e);
    }
  });
}

/** Options of {@link liveCredentials}. */
export interface LiveCredentialsOptions {
  /** How long before the server's expiry `credentials` is called. @default 30000 */
  aheadMs?: number | undefined;
  /** Where a failed provider or refresh goes. @default console.error */
  onError?: ((error: unknown) => void) | undefined;
  /** Time and timers, for tests. @default systemClock */
  clock?: Clock | undefined;
  /** Refresh with a POST even on WebSocket (see {@link RefreshOptions.overHttp}). @default false */
  overHttp?: boolean | undefined;
}

/**
 * Keeps a client's credentials fresh: whenever the server says when they
 * expire (a server of this library with `credentialsExpireAt`, in each
 * handshake and each refresh's answer), `credentials` is called `aheadMs`
 * before, and what it returns is handed over as {@link refreshCredentials}
 * does. A failure goes to `onError`; the server then closes the connection at
 * expiry (4401), which the client does not retry. Returns the function that stops it.
 * @example
 * ```ts
 * import { createSenteClient, liveCredentials } from '@sente/client';
 * declare function fetchToken(): Promise<string>;
 * const client = createSenteClient('/chsk', null, { params: { token: await fetchToken() } });
 * const stop = liveCredentials(client, async () => ({ params: { token: await fetchToken() } }));
 * ```
 */
export function liveCredentials(client: SenteClient, credentials: () => Credentials | Promise<Credentials>, options: LiveCredentialsOptions = {}): () => void {
  const live = hooks(client);
  const { aheadMs = 30_000, onError = console.error, clock = systemClock, overHttp } = options;
  let timer: TimerHandle | undefined;
  const stop = (): void => clock.clearTimeout(timer);
  const schedule = (ttl: unknown): void => {
    stop();
    if (typeof ttl !== 'number') return;
    timer = clock.setTimeout(() => {
      Promise.resolve()
        .then(credentials)
        .then((c) => refreshCredentials(client, c, { overHttp }))
        .then((r) => schedule(r.expiresInMs), onError);
    }, Math.max(0, ttl - aheadMs));
  };
  live.onHandshake = () => schedule(live.ext?.['ttl']);
  live.onHalt = stop;
  if (client.state.open) live.onHandshake();
  return () => {
    stop();
    live.onHandshake = live.onHalt = undefined;
  };
}
