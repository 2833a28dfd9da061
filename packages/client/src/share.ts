import { SenteError, randomId } from '@sente/core';
import { CHSK_ERROR } from '@sente/core/internal';
import type { SenteClient } from './client.js';
import type { ResolvedOptions } from './options.js';
import type { Outbox } from './outbox.js';
import { lazyTransport } from './lazy-ajax.js';
import { createReplyCallbacks } from './reply-callbacks.js';
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

/** A client, with what the leader needs to relay the other tabs: its outbox's `submit` (which takes a message id), and `wake`. */
export interface ClientCore {
  readonly client: SenteClient;
  readonly submit: Outbox['submit'];
  /** A tab came back (visible, online): reconnect now if closed, check the connection if open. */
  readonly wake: () => void;
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
  readonly kit: TabKit;
}

/**
 * The parts of the client that tabs.ts uses, handed over rather than
 * imported: a bundler then splits tabs.ts off alone, with no chunk of code
 * it shares with the client (a page would load that chunk at once).
 */
export type TabKit = typeof tabKit;

/** See {@link TabKit}: `SenteError`, `randomId`, `createReplyCallbacks` and `'chsk/error'`; a tuple, whose minified form names nothing. */
export const tabKit = [SenteError, randomId, createReplyCallbacks, CHSK_ERROR] as const;

/** How a client shares: its transport becomes one that reaches the tabs' shared connection. */
export interface TabSharing {
  /** Share only what runs on Ajax (`shareAcrossTabs: 'ajax'`). */
  readonly ajaxOnly: boolean;
  transport(ctx: TransportContext): Transport;
}

/** The Web Locks and the `BroadcastChannel` tabs share a connection with. */
export type Sharing = readonly [locks: LocksLike, Channel: TabGroup['Channel']];

/**
 * Whether clients with options `opts` share their connection with the other
 * tabs of their browser: what they share it with, or `undefined` when each
 * connects on its own (sharing off, `type: 'ws'` with `'ajax'`, no Web Locks
 * or `BroadcastChannel`).
 */
export function sharing(opts: ResolvedOptions): Sharing | undefined {
  const mode = opts.shareAcrossTabs;
  const g = globalThis as { navigator?: { locks?: LocksLike }; BroadcastChannel?: TabGroup['Channel'] };
  const locks = g.navigator?.locks;
  if (mode === false || (mode === 'ajax' && opts.type === 'ws') || typeof locks?.request !== 'function' || typeof g.BroadcastChannel !== 'function') {
    return undefined;
  }
  return [locks, g.BroadcastChannel];
}

/**
 * How a client with options `opts` shares its connection with the other tabs
 * of its browser (on chsk URL `url`, its http form), or `undefined` when it
 * connects on its own. tabs.ts, loaded by the first tab transport (for pages
 * that share only), makes the group.
 */
export function tabSharing(opts: ResolvedOptions, url: string, lead: LeaderFactory): TabSharing | undefined {
  const found = sharing(opts);
  return (
    found && {
      ajaxOnly: opts.shareAcrossTabs === 'ajax',
      transport: (ctx) => lazyTransport(ctx, (m) => m.createTabTransport(ctx, m.tabGroup(found, opts, url, lead, tabKit)), () => import('./tabs.js')),
    }
  );
}
