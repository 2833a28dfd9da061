// Types only: what runs comes from the client through `group.kit` (see share.ts).
import type { Envelope, EnvelopeExt, Packed, Packer, SenteErrorCode, TimerHandle, WireEvent } from '@sente/core';
import type { ClientCore, ChannelLike, ConnectionTap, TabGroup } from './share.js';
import type { ClientState } from './state.js';
import type { Transport, TransportContext } from './transport.js';

/**
 * One connection for all of a browser's tabs (issue 17). Each tab's client
 * runs on a tab transport: it joins its group's `BroadcastChannel` and asks
 * for the group's Web Lock. The tab that holds the lock leads: it runs an
 * ordinary client (the leader's client) on the real connection and relays
 * between it and every tab, its own included, over the channel: the raw
 * handshake, each push with its position, server requests; sends, answers,
 * reconnects. A tab processes what the leader relays as if it came off the
 * wire (its own positions drop repeats), so it keeps the whole client API:
 * state, events, routers, the outbox, retried requests.
 *
 * When the leader goes (closed, crashed: the browser frees its lock), the
 * next tab in the lock's queue leads: it gathers every tab's position for
 * `GATHER_MS`, connects from the oldest (the server replays what any tab
 * missed), and the tabs send their requests in flight again, with their
 * message ids, to the same client id: the server handles each once.
 */

/** How long a new leader waits for the other tabs' positions before it connects. */
export const GATHER_MS = 50;

/** How many recent pushes a leader keeps, to replay them to a tab that joins behind it. */
const RECENT_PUSHES = 256;

/** How many unanswered server requests a leader remembers (the first tab's answer counts). */
const MAX_SERVER_REQUESTS = 1000;

/** What a tab sends its leader (`h`: the leader it means; `s`: the tab). */
type TabMessage =
  | { readonly k: 'hello'; readonly s: string; readonly h: string | undefined; readonly pos: string | undefined; readonly csrf: string | undefined }
  | { readonly k: 'send'; readonly s: string; readonly h: string; readonly n: string | undefined; readonly ev: Packed; readonly t: number | undefined; readonly x: EnvelopeExt | undefined }
  | { readonly k: 'reconnect'; readonly s: string; readonly h: string | undefined; readonly csrf: string | undefined }
  | { readonly k: 'break'; readonly s: string; readonly h: string; readonly closeWs: boolean; readonly wsCode: number }
  | { readonly k: 'wake'; readonly s: string; readonly h: string };

/** What a leader (`h`) sends the tabs; `to` for one tab only. */
type LeaderMessage =
  | { readonly k: 'lead'; readonly h: string }
  | { readonly k: 'bye'; readonly h: string }
  | { readonly k: 'welcome'; readonly h: string; readonly to: string; readonly cid: string; readonly p: PortableState; readonly hs: Handshake | null }
  | { readonly k: 'state'; readonly h: string; readonly p: PortableState }
  | { readonly k: 'hs'; readonly h: string; readonly hs: Handshake }
  | { readonly k: 'push'; readonly h: string; readonly to?: string; readonly ev: Packed; readonly e: string | undefined; readonly o: number | null | undefined }
  | { readonly k: 'request'; readonly h: string; readonly c: Packed; readonly q: string }
  | { readonly k: 'reply'; readonly h: string; readonly to: string; readonly n: string; readonly r: Packed };

type Message = TabMessage | LeaderMessage;
type Handshake = readonly [kind: 'ws' | 'ajax', content: Packed];

/** A state patch as it crosses the channel: no DOM event, the error as its code and message. */
type PortableState = Omit<Partial<ClientState>, 'lastError'> & { lastError?: { code: SenteErrorCode; message: string } | null };

/** The fields a handshake sets: a tab gets them from the handshake itself. */
const HANDSHAKE_KEYS = ['uid', 'handshakeData', 'everOpened', 'recovered', 'type', 'open'] as const;

/** `state`'s fields that differ from `old` (all of them without `old`), ready to post; `omit`: fields left out. */
function portable(state: ClientState, old: ClientState | null, omit: readonly string[]): PortableState {
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
const packed = (packer: Packer, v: unknown): Packed => packer.pack([v] as unknown as Envelope);
const unpacked = (packer: Packer, p: Packed): unknown => (packer.unpack(p) as unknown[])[0];

/** Posts, reporting instead of throwing what the channel refuses (it is closed, a value it cannot clone). */
function post(channel: ChannelLike, message: Message, onError: (error: unknown) => void): void {
  try {
    channel.postMessage(message);
  } catch (error) {
    onError(error);
  }
}

/** Makes `into` (share.ts's stand-in) the transport of a tab in `group`, and returns it. */
export function createTabTransport(ctx: TransportContext, group: TabGroup, into: Transport): Transport {
  const { clock, packer } = ctx;
  const { SenteError, randomId, replyCallbacks, error: CHSK_ERROR } = group.kit;
  const me = randomId(12);
  const waiting = replyCallbacks(clock, ctx.onError);
  let channel: ChannelLike | null = null;
  let abort: AbortController | null = null;
  /** The leader that welcomed this tab. */
  let hub: string | null = null;
  /** The shared connection's client id, once a leader told it. */
  let cid: string | undefined;
  let kind: 'ws' | 'ajax' = 'ajax';
  /** The CSRF token of the last `reconnect()` in any tab, or of a tab that joined with another (a login): a new leader connects with it. */
  let csrf: string | undefined;
  let leader: { stop(): void } | null = null;

  const handshake = (hs: Handshake): void => {
    kind = hs[0];
    ctx.handshake(hs[0], unpacked(packer, hs[1]) as readonly [unknown, unknown]);
  };

  const send = (m: TabMessage): void => {
    if (channel !== null) post(channel, m, ctx.onError);
  };

  /** The leader went: the tab is closed until the next one welcomes it; requests in flight go back to the outbox. */
  const lost = (): void => {
    if (hub === null) return;
    hub = null;
    ctx.state.close('unexpected');
    waiting.failAll(CHSK_ERROR);
  };

  /** Takes the leader's state; `report`: a problem the leader just met (not a welcome's past one). */
  const apply = (p: PortableState, report: boolean): void => {
    const { lastError, ...rest } = p;
    const error = lastError ? new SenteError(lastError.code, lastError.message) : lastError;
    ctx.state.update(report || error === undefined ? rest : { ...rest, lastError: error });
    // Each tab reports the problem once per outage, and stops on a refusal, as a client of its own would.
    if (report && error) ctx.report(error);
  };

  const onMessage = (m: Message): void => {
    switch (m.k) {
      case 'lead':
        if (m.h !== hub) {
          lost();
          send({ k: 'hello', s: me, h: m.h, pos: ctx.position(), csrf: ctx.csrfToken() });
        }
        return;
      case 'reconnect':
        csrf = m.csrf;
        return;
      case 'hello':
        // A tab loaded after a login: the leader takes its token (see lead()); so will the next one.
        if (m.h === undefined && m.csrf !== undefined) csrf = m.csrf;
        return;
      case 'welcome':
        if (m.to !== me) return;
        hub = m.h;
        cid = m.cid;
        apply(m.p, false);
        if (m.hs !== null) handshake(m.hs);
        return;
    }
    if (!('h' in m) || m.h !== hub) return;
    switch (m.k) {
      case 'bye':
        lost();
        return;
      case 'state':
        apply(m.p, true);
        return;
      case 'hs':
        handshake(m.hs);
        return;
      case 'push':
        if (m.to === undefined || m.to === me) ctx.receiveBatch([unpacked(packer, m.ev)], { e: m.e, o: [m.o ?? null] });
        return;
      case 'request':
        ctx.receiveBatch(unpacked(packer, m.c), { q: m.q });
        return;
      case 'reply':
        if (m.to === me) waiting.settle(m.n, unpacked(packer, m.r));
        return;
    }
  };

  const leave = (): void => {
    abort?.abort();
    abort = null;
    leader?.stop();
    leader = null;
    channel?.close();
    channel = null;
    hub = null;
  };

  const transport: Transport = {
    get kind() {
      return kind;
    },
    get busy() {
      return waiting.size > 0;
    },
    get clientId() {
      return cid;
    },
    connect() {
      if (channel !== null) return;
      const ch = new group.Channel(group.name);
      channel = ch;
      ch.onmessage = (ev) => {
        if (channel === ch) onMessage(ev.data as Message);
      };
      const a = new AbortController();
      abort = a;
      send({ k: 'hello', s: me, h: undefined, pos: ctx.position(), csrf: ctx.csrfToken() });
      group.locks
        .request(group.name, { signal: a.signal }, () => {
          if (abort !== a) return undefined;
          // Held for as long as this tab is in the group; the browser frees it when the tab goes.
          return new Promise<void>((release) => {
            const hub = lead(ctx, group, cid ?? group.opts.clientId, csrf);
            leader = {
              stop() {
                hub.stop();
                release();
              },
            };
          });
        })
        .catch(() => {});
    },
    disconnect(reason, recordClose = false) {
      if (channel === null) return;
      leave();
      if (reason !== null) ctx.state.close(reason, undefined, recordClose);
      waiting.failAll(CHSK_ERROR);
    },
    send(event, cb, timeoutMs, ext) {
      if (hub === null) return false;
      // Refused here past the payload limits, as a transport of its own refuses.
      ctx.pack((ext === undefined ? [event, null] : [event, null, ext]) as unknown as Envelope);
      let n: string | undefined;
      if (cb !== undefined) {
        n = waiting.newId();
        waiting.add(n, cb, timeoutMs ?? group.opts.ajaxTimeoutMs);
      }
      send({ k: 'send', s: me, h: hub, n, ev: packed(packer, event), t: timeoutMs, x: ext });
      return true;
    },
    breakConnection(closeWs, wsCode) {
      if (hub !== null) send({ k: 'break', s: me, h: hub, closeWs, wsCode });
    },
    // This tab came back (visible, online): the leader, maybe hidden and waiting out a backoff, reconnects now.
    kick() {
      if (hub !== null) send({ k: 'wake', s: me, h: hub });
    },
    checkHealth() {},
    reconnectShared() {
      csrf = ctx.csrfToken();
      send({ k: 'reconnect', s: me, h: hub ?? undefined, csrf });
    },
  };
  return Object.defineProperties(into, Object.getOwnPropertyDescriptors(transport));
}

/**
 * Leads `group` from this tab: announces itself, gathers the tabs' positions,
 * then runs the leader's client (client id `cid`) and relays.
 */
function lead(ctx: TransportContext, group: TabGroup, cid: string, csrf: string | undefined): { stop(): void } {
  const { clock, packer } = ctx;
  const { randomId, error: CHSK_ERROR } = group.kit;
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
      const sent = c?.submit(unpacked(packer, m.ev) as WireEvent, n === undefined ? undefined : reply, m.t, r, m.x?.m);
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
