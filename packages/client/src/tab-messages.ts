// Types only from the client: what runs in the tab-sharing chunk comes through `group.kit` (see share.ts).
import type { Envelope, EnvelopeExt, Packed, Packer, SenteErrorCode } from '@sente/core';
import type { ChannelLike } from './share.js';
import type { ClientState } from './state.js';

/** The messages between the tabs of a group and their leader (tabs.ts), and how values cross. */

/** What a tab sends its leader (`h`: the leader it means; `s`: the tab). */
export type TabMessage =
  | { readonly k: 'hello'; readonly s: string; readonly h: string | undefined; readonly pos: string | undefined; readonly csrf: string | undefined }
  | { readonly k: 'send'; readonly s: string; readonly h: string; readonly n: string | undefined; readonly ev: Packed; readonly t: number | undefined; readonly x: EnvelopeExt | undefined }
  | { readonly k: 'reconnect'; readonly s: string; readonly h: string | undefined; readonly csrf: string | undefined }
  | { readonly k: 'break'; readonly s: string; readonly h: string; readonly closeWs: boolean; readonly wsCode: number }
  | { readonly k: 'wake'; readonly s: string; readonly h: string };

/** What a leader (`h`) sends the tabs; `to` for one tab only. */
export type LeaderMessage =
  | { readonly k: 'lead'; readonly h: string }
  | { readonly k: 'bye'; readonly h: string }
  | { readonly k: 'welcome'; readonly h: string; readonly to: string; readonly cid: string; readonly p: PortableState; readonly hs: Handshake | null }
  | { readonly k: 'state'; readonly h: string; readonly p: PortableState }
  | { readonly k: 'hs'; readonly h: string; readonly hs: Handshake }
  | { readonly k: 'push'; readonly h: string; readonly to?: string; readonly ev: Packed; readonly e: string | undefined; readonly o: number | null | undefined }
  | { readonly k: 'request'; readonly h: string; readonly c: Packed; readonly q: string }
  | { readonly k: 'reply'; readonly h: string; readonly to: string; readonly n: string; readonly r: Packed };

export type Message = TabMessage | LeaderMessage;
export type Handshake = readonly [kind: 'ws' | 'ajax', content: Packed];

/** A state patch as it crosses the channel: no DOM event, the error as its code and message. */
export type PortableState = Omit<Partial<ClientState>, 'lastError'> & { lastError?: { code: SenteErrorCode; message: string } | null };

/** The fields a handshake sets: a tab gets them from the handshake itself. */
export const HANDSHAKE_KEYS = ['uid', 'handshakeData', 'everOpened', 'recovered', 'type', 'open'] as const;

/** `state`'s fields that differ from `old` (all of them without `old`), ready to post; `omit`: fields left out. */
export function portable(state: ClientState, old: ClientState | null, omit: readonly string[]): PortableState {
  const p: Record<string, unknown> = {};
  for (const k of Object.keys(state) as (keyof ClientState)[]) {
    if ((old === null || old[k] !== state[k]) && !omit.includes(k)) p[k] = state[k];
  }
  const { lastWsError, lastError } = state;
  if ('lastWsError' in p && lastWsError !== null) p['lastWsError'] = { udt: lastWsError.udt, event: null };
  if ('lastError' in p && lastError !== null) p['lastError'] = { code: lastError.code, message: lastError.message };
  return p as PortableState;
}

/**
 * A value as it crosses the channel: packed with the app's packer, as on the
 * wire, so that each tab reads exactly what a connection of its own would
 * (a keyword stays a keyword), whatever structured cloning would make of it.
 */
export const packed = (packer: Packer, v: unknown): Packed => packer.pack([v] as unknown as Envelope);
export const unpacked = (packer: Packer, p: Packed): unknown => (packer.unpack(p) as unknown[])[0];

/** Posts, reporting instead of throwing what the channel refuses (it is closed, a value it cannot clone). */
export function post(channel: ChannelLike, message: Message, onError: (error: unknown) => void): void {
  try {
    channel.postMessage(message);
  } catch (error) {
    onError(error);
  }
}
