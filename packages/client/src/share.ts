import type { SenteClient } from './client.js';
import type { ResolvedOptions } from './options.js';
import type { Outbox } from './outbox.js';
import type { Transport, TransportContext } from './transport.js';

/**
 * What the client that holds a shared connection hands to the other tabs as
 * it arrives: the raw handshake, each push it delivered (with its position),
 * each server→client request.
 */
export interface ConnectionTap {
  handshake(kind: 'ws' | 'ajax', content: readonly [unknown, unknown]): void;
  push(item: unknown, epoch: string | undefined, offset: number | null | undefined): void;
  request(content: unknown, id: string): void;
}

/** What a tab that leads needs from the client it creates to hold the shared connection. */
export interface ClientHooks {
  /** Makes it the leader's connection: forwards what arrives, never shares itself. */
  readonly tap?: ConnectionTap | undefined;
  /** The push-log position to resume from (`<epoch>:<offset>`). */
  readonly position?: string | undefined;
}

/** A client, with its outbox's `submit` (which takes a message id) for the leader to relay other tabs' sends. */
export interface ClientCore {
  readonly client: SenteClient;
  readonly submit: Outbox['submit'];
}

/** Creates the leader's client, on the chsk URL of the tabs' group. */
export type LeaderFactory = (csrfToken: () => string | undefined, opts: ResolvedOptions, hooks: ClientHooks) => ClientCore;

/** The `BroadcastChannel` the tabs talk over (the DOM's and Node's fit). */
export interface ChannelLike {
  postMessage(message: unknown): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  close(): void;
}

/** The part of the Web Locks API (`navigator.locks`) the leader election uses. */
export interface LocksLike {
  request(name: string, options: { signal: AbortSignal }, callback: () => Promise<void> | undefined): Promise<unknown>;
}

/** A group of tabs sharing one connection: the tabs of one origin whose clients open the same chsk URL. */
export interface TabGroup {
  /** The lock's and the channel's name. */
  readonly name: string;
  readonly locks: LocksLike;
  readonly Channel: new (name: string) => ChannelLike;
  /** The leader's options: the tab's own, with `type: 'ajax'` for an Ajax-only group. */
  readonly opts: ResolvedOptions;
  readonly lead: LeaderFactory;
}

/** How a client shares: its transport becomes one that reaches the tabs' shared connection. */
export interface TabSharing {
  /** Share only what runs on Ajax (`shareAcrossTabs: 'ajax'`). */
  readonly ajaxOnly: boolean;
  transport(ctx: TransportContext): Transport;
}

/**
 * How a client with options `opts` shares its connection with the other tabs
 * of its browser, or `undefined` when it connects on its own (sharing off,
 * `type: 'ws'` with `'ajax'`, no Web Locks or `BroadcastChannel`).
 */
export function tabSharing(opts: ResolvedOptions, url: string, lead: LeaderFactory): TabSharing | undefined {
  const mode = opts.shareAcrossTabs;
  const g = globalThis as { navigator?: { locks?: LocksLike }; BroadcastChannel?: TabGroup['Channel'] };
  const locks = g.navigator?.locks;
  if (mode === false || (mode === 'ajax' && opts.type === 'ws') || typeof locks?.request !== 'function' || typeof g.BroadcastChannel !== 'function') {
    return undefined;
  }
  const ajaxOnly = mode === 'ajax';
  const type = ajaxOnly ? 'ajax' : opts.type;
  const group: TabGroup = { name: `sente:${type}:${url}`, locks, Channel: g.BroadcastChannel, opts: { ...opts, type }, lead };
  return { ajaxOnly, transport: (ctx) => lazyTabTransport(ctx, group) };
}

/**
 * The tab's transport, whose code (tabs.ts) a bundler may split off and load
 * only when a tab shares: it delegates once the module is loaded.
 */
function lazyTabTransport(ctx: TransportContext, group: TabGroup): Transport {
  let real: Transport | undefined;
  let wanted = false;
  return {
    get kind() {
      return real?.kind ?? 'ajax';
    },
    get busy() {
      return real?.busy ?? false;
    },
    get clientId() {
      return real?.clientId;
    },
    connect() {
      if (wanted) return;
      wanted = true;
      import('./tabs.js').then(
        (m) => {
          if (!wanted) return;
          real = m.createTabTransport(ctx, group);
          real.connect();
        },
        (error: unknown) => ctx.onError(error),
      );
    },
    disconnect(reason, recordClose) {
      wanted = false;
      if (real !== undefined) real.disconnect(reason, recordClose);
      else if (reason !== null) ctx.state.close(reason, undefined, recordClose);
    },
    send: (event, cb, timeoutMs, ext) => real?.send(event, cb, timeoutMs, ext) ?? false,
    breakConnection: (closeWs, wsCode) => real?.breakConnection(closeWs, wsCode),
    kick: () => real?.kick(),
    checkHealth: () => real?.checkHealth(),
    reconnectShared: () => real?.reconnectShared?.(),
  };
}
