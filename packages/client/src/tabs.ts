import type { Envelope } from '@sente/core';
import type { ChannelLike, LeaderFactory, Sharing, TabGroup, TabKit } from './share.js';
import type { ResolvedOptions } from './options.js';
import type { ClientState } from './state.js';
import { lead } from './tab-leader.js';
import { packed, post, unpacked } from './tab-messages.js';
import type { Handshake, Message, PortableState, TabMessage } from './tab-messages.js';
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

/** The part of a `SharedWorker` the tab uses. */
interface SharedWorkerLike {
  onerror: (() => void) | null;
}
type SharedWorkerConstructor = new (url: string | URL, options: { name: string }) => SharedWorkerLike;

/**
 * The group of the clients with options `opts` on chsk URL `url` (its http
 * form), that share over `sharing` (see share.ts).
 */
export function tabGroup([locks, Channel]: Sharing, opts: ResolvedOptions, url: string, lead: LeaderFactory, kit: TabKit): TabGroup {
  const type = opts.shareAcrossTabs === 'ajax' ? 'ajax' : opts.type;
  return { name: `sente:${type}:${url}`, locks, Channel, opts: { ...opts, type }, lead, kit };
}

/** The transport of a tab in `group`. */
export function createTabTransport(ctx: TransportContext, group: TabGroup): Transport {
  const { clock, packer } = ctx;
  const [SenteError, randomId, replyCallbacks, CHSK_ERROR] = group.kit;
  const me = randomId(12);
  const waiting = replyCallbacks(clock, ctx.onError);
  let channel: ChannelLike | null = null;
  let abort: AbortController | null = null;
  /** The leader that welcomed this tab. */
  let hub: string | null = null;
  /** The shared connection's client id, once a leader told it. */
  let cid: string | undefined;
  /** The CSRF token of the last `reconnect()` in any tab, or of a tab that joined with another (a login): a new leader connects with it. */
  let csrf: string | undefined;
  let leader: { stop(): void } | null = null;
  /** The app's SharedWorker, held while this tab is in the group. */
  let worker: SharedWorkerLike | null = null;

  const handshake = (hs: Handshake): void => {
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
    worker = null;
  };

  const transport: Transport = {
    busy: () => waiting.size() > 0,
    clientId: () => cid,
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
      const candidate = (): void => void group.locks
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
      // With the app's SharedWorker, the worker leads (it asks for the lock too); the tab only if the worker fails.
      const Worker = (globalThis as { SharedWorker?: SharedWorkerConstructor }).SharedWorker;
      const url = group.opts.sharedWorker;
      if (url === undefined || typeof Worker !== 'function') return candidate();
      try {
        worker = new Worker(url, { name: group.name });
        worker.onerror = () => {
          if (abort === a) candidate();
        };
      } catch {
        candidate();
      }
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
  return transport;
}
