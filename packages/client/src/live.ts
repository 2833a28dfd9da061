import type { HandshakeExt, WireEvent } from '@sente/core';
import type { ReplyCallback } from './reply-callbacks.js';
import type { ClientState } from './state.js';
import type { Transport } from './transport.js';
import type { QueryParams } from './urls.js';

/**
 * Fresh credentials for an open connection: whatever the server's `userId`,
 * `authorized` and CSRF hooks read. Each given field replaces the client's
 * own from then on (reconnects use it too); a field left out keeps its value.
 */
export interface Credentials {
  /** The CSRF token (`null`: none). */
  readonly csrfToken?: string | null | undefined;
  /** The app's query params, all of them (they replace the old ones on the server too). */
  readonly params?: QueryParams | undefined;
  /** Extra headers (Ajax requests; on WebSocket, read by the server's hooks on a refresh only). */
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/** Where `refreshCredentials` and `liveCredentials` find a client's internals. */
export const LIVE: unique symbol = Symbol.for('sente.client.live');

/** What a client lends `refreshCredentials` and `liveCredentials` (internal). */
export interface LiveHooks {
  /** The credentials that replace the options' ones. */
  own: Credentials;
  /** The extensions of the last handshake. */
  ext: HandshakeExt | undefined;
  /** Called after each handshake, and when the client stops. */
  onHandshake: (() => void) | undefined;
  onHalt: (() => void) | undefined;
  /** Sends `chsk/refresh` on the open connection: false when not open. */
  send(wire: WireEvent, cb: ReplyCallback, timeoutMs: number): boolean;
  /**
   * The client's Ajax transport (the tabs' shared connection in a tab that
   * shares), for a refresh POST whatever the transport; `undefined` without
   * `fetch`. Sends only once fallback.ts is loaded, unless `shared`.
   */
  readonly ajax: (() => Transport) | undefined;
  /** True when the client shares its Ajax connection with other tabs. */
  shared(): boolean;
  onError(error: unknown): void;
  /** The current credentials, as the next request sends them. */
  csrfToken(): string | undefined;
  params(): QueryParams | undefined;
  headers(): Readonly<Record<string, string>> | undefined;
  /** A refresh moved the connection: its new uid, and the position in that uid's log. */
  moved(uid: string, epoch: unknown, offset: unknown): void;
  /** What the client's `clientId` and `state` read. */
  clientId(): string;
  state(): ClientState;
}

/**
 * The client's `clientId` and `state`, the same accessors on every client.
 * V8 keeps an object's fast properties only while its accessors are those
 * its shape got first: getters of each client's own (an object literal's
 * above all) would make clients dictionaries, where every method read is a
 * generic lookup.
 */
export const CLIENT_ACCESSORS: PropertyDescriptorMap = {
  clientId: {
    get(this: { [LIVE]: LiveHooks }) {
      return this[LIVE].clientId();
    },
    enumerable: true,
  },
  state: {
    get(this: { [LIVE]: LiveHooks }) {
      return this[LIVE].state();
    },
    enumerable: true,
  },
};
