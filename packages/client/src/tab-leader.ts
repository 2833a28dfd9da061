import type { OutEvent, Packed, TimerHandle } from '@sente/core';
import type { ClientCore, ConnectionTap, TabGroup } from './share.js';
import { HANDSHAKE_KEYS, packed, portable, post, unpacked } from './tab-messages.js';
import type { Handshake, LeaderMessage, Message, TabMessage } from './tab-messages.js';
import type { TransportContext } from './transport.js';

/** What a leader needs from where it runs: a tab's client, or a SharedWorker (shared-worker.ts). */
export type LeaderContext = Pick<TransportContext, 'clock' | 'packer' | 'position' | 'csrfToken'>;

/** How long a new leader waits for the other tabs' positions before it connects. */
export const GATHER_MS = 50;

/** How many recent pushes a leader keeps, to replay them to a tab that joins behind it. */
const RECENT_PUSHES = 256;

/** How many unanswered server requests a leader remembers (the first tab's answer counts). */
const MAX_SERVER_REQUESTS = 1000;

/**
 * Leads `group` from this tab: announces itself, gathers the tabs' positions,
 * then runs the leader's client (client id `cid`) and relays.
 */
export function lead(ctx: LeaderContext, group: TabGroup, cid: string, csrf: string | undefined): { stop(): void } {
  const { clock, packer } = ctx;
  const [, randomId, , CHSK_ERROR] = group.kit;
  const id = randomId(12);
  const onError = group.opts.onError;
  const channel = new group.Channel(group.name);
  let core: ClientCore | null = null;
  let lastHs: Handshake | null = null;
  /** Positions the tabs gave while gathering; `null` once connected. */
  let gathered: string[] | null = [];
  const recent: Array<{ ev: Packed; e: string | undefined; o: number | null | undefined }> = [];
  const requests = new Set<string>();

  const broadcast = (m: LeaderMessage): void => post(channel, m, onError);

  const tap: ConnectionTap = {
    handshake(kind, content) {
      lastHs = [kind, packed(packer, content)];
      broadcast({ k: 'hs', h: id, hs: lastHs });
    },
    push(item, e, o) {
      const ev = packed(packer, item);
      if (typeof o === 'number' && recent.push({ ev, e, o }) > RECENT_PUSHES) recent.shift();
      broadcast({ k: 'push', h: id, ev, e, o });
    },
    request(c, q) {
      requests.add(q);
      if (requests.size > MAX_SERVER_REQUESTS) requests.delete(requests.values().next().value as string);
      broadcast({ k: 'request', h: id, c: packed(packer, c), q });
    },
  };

  const welcome = (m: Extract<TabMessage, { k: 'hello' }>): void => {
    const state = core?.client.state;
    const open = state?.open === true;
    broadcast({ k: 'welcome', h: id, to: m.s, cid, p: state === undefined ? {} : portable(state, null, HANDSHAKE_KEYS), hs: open ? lastHs : null });
    // A tab that joins behind the leader (an 'auto' tab that fell back to Ajax) gets the pushes it missed that are still here.
    const at = m.pos?.lastIndexOf(':') ?? -1;
    if (!open || m.pos === undefined || at < 0) return;
    const epoch = m.pos.slice(0, at);
    const offset = Number(m.pos.slice(at + 1));
    for (const r of recent) {
      if (r.e === epoch && (r.o as number) > offset) broadcast({ k: 'push', h: id, to: m.s, ev: r.ev, e: r.e, o: r.o });
    }
  };

  const connect = (): void => {
    const from = oldest(gathered ?? [], ctx.position());
    gathered = null;
    const c = group.lead(() => csrf ?? ctx.csrfToken(), { ...group.opts, clientId: cid, autoConnect: false, onError: relayError }, { tap, position: from });
    core = c;
    c.client.on('state', (change) => {
      if (core !== c) return;
      const p = portable(change.new, change.old, ['handshakeData']);
      if (Object.keys(p).length > 0) broadcast({ k: 'state', h: id, p });
    });
    c.client.connect();
  };

  /** The leader's client reports connection problems through its state: each tab reports them to its own onError. */
  const relayError = (error: unknown): void => {
    if (error !== core?.client.state.lastError) onError(error);
  };

  channel.onmessage = (ev) => {
    const m = ev.data as Message;
    switch (m.k) {
      case 'hello':
        if (m.h !== undefined && m.h !== id) return;
        if (gathered !== null && m.pos !== undefined) gathered.push(m.pos);
        // A leader without a token of its own (a SharedWorker) takes the tabs'.
        if ((csrf ?? ctx.csrfToken()) === undefined) csrf = m.csrf;
        welcome(m);
        // A tab that joins with another token was loaded after a login (or logout) in the same browser:
        // the connection's session is the new one, whose token this is.
        if (m.h === undefined && m.csrf !== undefined && m.csrf !== (csrf ?? ctx.csrfToken())) {
          csrf = m.csrf;
          core?.client.reconnect();
        }
        return;
      case 'send':
        if (m.h === id) relay(m);
        return;
      case 'reconnect':
        csrf = m.csrf;
        core?.client.reconnect();
        return;
      case 'break':
        if (m.h === id) core?.client.breakConnection({ closeWs: m.closeWs, wsCode: m.wsCode });
        return;
      case 'wake':
        if (m.h === id) core?.wake();
        return;
    }
  };

  /** Sends a tab's event on the shared connection; its reply goes back to that tab. */
  const relay = (m: Extract<TabMessage, { k: 'send' }>): void => {
    const r = m.x?.r;
    // A server request: the first tab's answer counts.
    if (r !== undefined && !requests.delete(r)) return;
    const { n, s } = m;
    const c = core;
    const reply = (value: unknown): void => {
      // Not the failures of a leader that stops: the tab sends the request again to the next one.
      if (n !== undefined && core === c) broadcast({ k: 'reply', h: id, to: s, n, r: packed(packer, value) });
    };
    try {
      const sent = c?.submit(unpacked(packer, m.ev) as OutEvent, n === undefined ? undefined : reply, m.t, r, m.x?.m);
      if (sent !== true && sent !== false) reply(CHSK_ERROR);
    } catch (error) {
      onError(error);
      reply(CHSK_ERROR);
    }
  };

  broadcast({ k: 'lead', h: id });
  const timer: TimerHandle = clock.setTimeout(connect, GATHER_MS);

  return {
    stop() {
      clock.clearTimeout(timer);
      gathered = null;
      const c = core;
      core = null;
      c?.client.disconnect();
      broadcast({ k: 'bye', h: id });
      channel.close();
    },
  };
}

/**
 * The position to resume from: the oldest the tabs hold in the epoch of
 * `own` (the leader tab's; else the first given), so that the server
 * replays what any tab missed; the tabs drop what they have.
 */
function oldest(positions: readonly string[], own: string | undefined): string | undefined {
  let epoch: string | undefined;
  let offset = Infinity;
  for (const p of own === undefined ? positions : [own, ...positions]) {
    const at = p.lastIndexOf(':');
    const e = p.slice(0, at);
    epoch ??= e;
    if (e === epoch) offset = Math.min(offset, Number(p.slice(at + 1)));
  }
  return epoch === undefined ? undefined : `${epoch}:${offset}`;
}
