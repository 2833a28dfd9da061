import { CHSK, SenteError, isCbError, keywordName, toWireEvent } from '@sente/core';
import type { Clock, HandshakeExt, SenteErrorCode, TimerHandle, WireEvent } from '@sente/core';
import type { ReplyCallback } from './reply-callbacks.js';
import type { QueryParams } from './urls.js';

/**
 * Fresh credentials for an open connection: whatever the server's `userId`,
 * `authorized` and CSRF hooks read. Each given field replaces the client's
 * own from now on (reconnects use it too); a field left out keeps its value.
 */
export interface Credentials {
  /** The CSRF token (`null`: none). */
  readonly csrfToken?: string | null | undefined;
  /** The app's query params, all of them (they replace the old ones on the server too). */
  readonly params?: QueryParams | undefined;
  /** Extra headers (Ajax requests; on WebSocket, seen by the server's hooks on a refresh only). */
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/** What a refresh resolves with. */
export interface RefreshResult {
  /** The connection's uid now (`'sente/nil-uid'` for no user). */
  readonly uid: string;
  /** The time left before the server expires these credentials, when it says. */
  readonly expiresInMs: number | undefined;
}

/** What the credentials need of their client. */
export interface CredentialsHost {
  readonly clock: Clock;
  readonly csrfToken: () => string | null | undefined;
  readonly params: () => QueryParams | undefined;
  readonly headers: () => Readonly<Record<string, string>> | undefined;
  /** Sends `chsk/refresh` on the open connection; false when not open. */
  send(wire: WireEvent, cb: ReplyCallback, timeoutMs: number): boolean;
  /** The uid the client has now. */
  uid(): string | null;
  /** The refresh moved the connection: the new uid and its log's position. */
  moved(uid: string, epoch: unknown, offset: unknown): void;
  provider: (() => Credentials | Promise<Credentials>) | undefined;
  readonly aheadMs: number;
  onError(error: unknown): void;
}

const get = (v: unknown, k: string): unknown => (v instanceof Map ? (v.get(k) ?? [...v].find(([x]) => keywordName(x) === k)?.[1]) : (v as Record<string, unknown> | null)?.[k]);

/** The client's live credentials: the current ones, a refresh on demand, and one before the server's expiry. */
export function createCredentials(host: CredentialsHost) {
  let own: Credentials = {};
  /** The refresh key and time to live of the last handshake or refresh. */
  let key: string | undefined;
  let timer: TimerHandle | undefined;
  const stop = (): void => {
    host.clock.clearTimeout(timer);
    timer = undefined;
  };
  const schedule = (ttl: unknown): void => {
    stop();
    if (typeof ttl !== 'number' || host.provider === undefined) return;
    const provider = host.provider;
    timer = host.clock.setTimeout(() => {
      timer = undefined;
      Promise.resolve()
        .then(provider)
        .then(refresh)
        .catch(host.onError);
    }, Math.max(0, ttl - host.aheadMs));
  };

  const refresh = (fresh: Credentials = {}, timeoutMs = 10_000): Promise<RefreshResult> => {
    own = { ...own, ...fresh };
    const token = csrfToken();
    const data = { params: params() ?? {}, headers: headers() ?? {}, 'csrf-token': token ?? null, uid: host.uid(), key: key ?? null };
    return new Promise((resolve, reject) => {
      const cb: ReplyCallback = (reply) => {
        const code = get(reply, 'sente/error');
        if (isCbError(reply) || typeof code === 'string') {
          const c = (typeof code === 'string' ? code : reply === CHSK.timeout ? 'ERR_SENTE_TIMEOUT' : 'ERR_SENTE_CLOSED') as SenteErrorCode;
          return reject(new SenteError(c, `Refresh refused: ${c}`));
        }
        const uid = get(reply, 'uid');
        const name = keywordName(uid) ?? String(uid);
        const ttl = get(reply, 'ttl');
        if (name !== host.uid()) host.moved(name, get(reply, 'epoch'), get(reply, 'offset'));
        schedule(ttl);
        resolve({ uid: name, expiresInMs: typeof ttl === 'number' ? ttl : undefined });
      };
      let sent: boolean;
      try {
        sent = host.send(toWireEvent([CHSK.refresh, data]), cb, timeoutMs);
      } catch (e) {
        return reject(e);
      }
      if (!sent) reject(new SenteError('ERR_SENTE_CLOSED', 'Not refreshed now: the client is not open; the credentials apply from its next connection.'));
    });
  };

  const csrfToken = (): string | null | undefined => ('csrfToken' in own ? own.csrfToken : host.csrfToken());
  const params = (): QueryParams | undefined => own.params ?? host.params();
  const headers = (): Readonly<Record<string, string>> | undefined => own.headers ?? host.headers();
  return {
    csrfToken,
    params,
    headers,
    refresh,
    stop,
    /** A handshake: the server's refresh key and the time its credentials have left. */
    handshake(ext: HandshakeExt | undefined): boolean {
      const rk = ext?.['rk'];
      key = typeof rk === 'string' ? rk : undefined;
      schedule(ext?.['ttl']);
      return ext?.['refresh'] !== undefined;
    },
  };
}
