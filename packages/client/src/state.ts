import type { Clock, SenteError } from '@sente/core';

/** The transport a client uses: `'auto'` until its first handshake says which. */
export type ClientType = 'auto' | 'ws' | 'ajax';

/**
 * Why the channel socket last closed (Sente's `:last-close :reason`).
 *
 * - `clean` / `unexpected`: the WebSocket closed cleanly or not; an Ajax poll failed.
 * - `requested-disconnect` / `requested-reconnect`: the app called `disconnect()` / `reconnect()`.
 * - `downgrading-ws-to-ajax`: `type: 'auto'` gave up on WebSocket for this connection.
 * - `ws-ping-timeout`: the server did not answer a keep-alive ping in time.
 * - `ws-error`: a send found no usable socket.
 * - `rejected`: the server refused this client for good (403, 401, close 4401):
 *   the client stopped retrying (see `lastError`) until `connect()` or `reconnect()`.
 */
export type CloseReason =
  | 'clean'
  | 'unexpected'
  | 'requested-disconnect'
  | 'requested-reconnect'
  | 'downgrading-ws-to-ajax'
  | 'ws-ping-timeout'
  | 'ws-error'
  | 'rejected';

/** The last WebSocket `error` event (Sente's `:last-ws-error`). */
export interface WsErrorInfo {
  /** When it happened, epoch ms. */
  readonly udt: number;
  /** The socket's error event, as the WebSocket implementation gave it. */
  readonly event: unknown;
}

/** The last WebSocket `close` event (Sente's `:last-ws-close`). */
export interface WsCloseInfo {
  /** When it happened, epoch ms. */
  readonly udt: number;
  /** The close code (1006 when the connection dropped or never opened). */
  readonly code: number;
  /** The close reason sent by the peer, often empty. */
  readonly reason: string;
  /** The socket's `wasClean`: the closing handshake completed. */
  readonly clean: boolean;
}

/** The last time the channel socket closed (Sente's `:last-close`). */
export interface CloseInfo {
  /** When it happened, epoch ms. */
  readonly udt: number;
  /** Why. */
  readonly reason: CloseReason;
}

/**
 * A snapshot of a client's state, Sente's `chsk/state` map. Each change makes a
 * new frozen object; compare snapshots with `===`.
 */
export interface ClientState {
  /** The option `type` until the first handshake, then the transport in use. */
  readonly type: ClientType;
  /** True between a handshake and the next close: sends are attempted. */
  readonly open: boolean;
  /** True once the client has been open at least once. */
  readonly everOpened: boolean;
  /** The uid from the last handshake (`'sente/nil-uid'` for no user), or `null` before one. */
  readonly uid: string | null;
  /** The handshake data of the last handshake, or `null`. */
  readonly handshakeData: unknown;
  /** The last WebSocket error, or `null`. */
  readonly lastWsError: WsErrorInfo | null;
  /** The last WebSocket close, or `null`. */
  readonly lastWsClose: WsCloseInfo | null;
  /** The last close of the channel socket, or `null`. */
  readonly lastClose: CloseInfo | null;
  /** When the next reconnect attempt is due (epoch ms) while waiting to retry, else `null`. */
  readonly udtNextReconnect: number | null;
  /**
   * The last connection problem the client diagnosed (a `SenteError` whose
   * `code` says what, e.g. `ERR_SENTE_PACKER_MISMATCH`), or `null`. It stays
   * after the client connects again; `lastClose.reason === 'rejected'` says it stopped the retries.
   */
  readonly lastError: SenteError | null;
  /**
   * From the latest handshake, when the client gave the server its position
   * in the push log (a reconnect, to a server of this library): `true` when
   * the server replays exactly the pushes the client missed, `false` when it
   * could not (the gap was longer than the log keeps, or the log was lost):
   * the app should refetch its state. `undefined` otherwise.
   */
  readonly recovered: boolean | undefined;
}

/** One state change, as `on('state')` listeners receive it. */
export interface StateChange {
  /** The state before. */
  readonly old: ClientState;
  /** The state after (also `client.state`). */
  readonly new: ClientState;
  /** True when `open` flipped. */
  readonly openChanged: boolean;
  /** True when the client just opened. */
  readonly opened: boolean;
  /** True when the client just closed. */
  readonly closed: boolean;
  /** True when the client opened for the first time: the moment an app is "ready". */
  readonly firstOpen: boolean;
}

/** The state-holder shared by a client and its transports. */
export interface StateStore {
  /** The current snapshot. */
  readonly current: ClientState;
  /** Merges `patch` in; emits one change when any field differs. */
  update(patch: Partial<ClientState>): void;
  /**
   * Marks the client closed, as Sente's `chsk-state->closed` does: `open` false,
   * no reconnect due, and `lastClose` recorded when it was open (or `force`).
   */
  close(reason: CloseReason, extra?: Partial<ClientState>, force?: boolean): void;
}

/** Creates the state store; `emit` receives every change. */
export function createStateStore(type: ClientType, clock: Clock, emit: (change: StateChange) => void): StateStore {
  const initial: ClientState = Object.freeze({
    type,
    open: false,
    everOpened: false,
    uid: null,
    handshakeData: null,
    lastWsError: null,
    lastWsClose: null,
    lastClose: null,
    udtNextReconnect: null,
    lastError: null,
    recovered: undefined,
  });

  const update = (patch: Partial<ClientState>): void => {
    const old = store.current;
    if (!(Object.keys(patch) as (keyof ClientState)[]).some((k) => patch[k] !== old[k])) return;
    const next: ClientState = { ...old, ...patch };
    if (next.open && next.udtNextReconnect !== null) (next as { udtNextReconnect: number | null }).udtNextReconnect = null;
    store.current = Object.freeze(next);
    const openChanged = old.open !== next.open;
    const opened = openChanged && next.open;
    emit({
      old,
      new: store.current,
      openChanged,
      opened,
      closed: openChanged && !next.open,
      firstOpen: opened && !old.everOpened,
    });
  };

  // `current` is a data property that `update` replaces: a getter in a literal would make the store a dictionary.
  const store: { current: ClientState } & Omit<StateStore, 'current'> = {
    current: initial,
    update,
    close(reason, extra, force = false) {
      const { current } = store;
      const lastClose = current.open || force ? { udt: clock.now(), reason } : current.lastClose;
      update({ ...extra, open: false, udtNextReconnect: null, lastClose });
    },
  };
  return store;
}
