import { describe, expect, it } from 'vitest';
import { Harness } from './support/harness.js';
import type { AjaxRequest, WsClient } from './support/harness.js';
import { seededRandom as prng } from '../src/seeded-random.js';

const UIDS = ['alice', 'bob', undefined] as const;
const CLIENTS = ['c0', 'c1', 'c2', 'c3', 'c4'];

describe('random walks', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    'seed %i: whatever clients do, once they all leave nothing is left and every uidport-open got its close',
    async (seed) => {
      const rnd = prng(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
      const h = new Harness({ wsKaliveMs: 4000, wsPingTimeoutMs: 1000, lpTimeoutMs: 3000, maxQueuedBatches: 5 });
      const sockets = new Map<string, WsClient>();
      const polls = new Map<string, AjaxRequest>();
      for (let step = 0; step < 300; step++) {
        const clientId = pick(CLIENTS);
        const uid = pick(UIDS);
        const who = uid === undefined ? {} : { uid };
        switch (Math.floor(rnd() * 14)) {
          case 0:
            sockets.set(clientId, await h.ws(clientId, who));
            break;
          case 1: {
            const s = sockets.get(clientId);
            if (s?.channel.isOpen()) s.drop(1006);
            break;
          }
          case 2:
            await h.ajaxGet(clientId, { ...who, handshake: true });
            break;
          case 3:
            polls.set(clientId, await h.ajaxGet(clientId, who));
            break;
          case 4: {
            const p = polls.get(clientId);
            if (p?.channel.isOpen()) p.abort();
            break;
          }
          case 5:
            await h.post(clientId, [['app/ev', step], rnd() < 0.5 ? 'ajax' : null], who);
            break;
          case 6: {
            const s = sockets.get(clientId);
            if (s?.channel.isOpen()) s.send(['app/ev', step], rnd() < 0.5 ? `cb${step}` : null);
            break;
          }
          case 7: {
            const s = sockets.get(clientId);
            if (s?.channel.isOpen()) s.sendRaw(rnd() < 0.5 ? '{bad' : JSON.stringify([['chsk/ws-pong'], null]));
            break;
          }
          case 8:
            h.server.send(uid ?? 'sente/all-users-without-uid', ['app/push', step], rnd() < 0.3 ? { flush: true } : undefined);
            break;
          case 9:
            h.server.sendToClient(clientId, ['app/one', step]);
            break;
          case 10:
            h.server.broadcast(['app/all', step]);
            break;
          case 11:
            if (rnd() < 0.3) h.server.closeUser(uid ?? 'sente/all-users-without-uid');
            break;
          case 12: {
            const waiting = h.events.filter((m) => m.reply !== undefined);
            if (waiting.length > 0) pick(waiting).reply?.({ step });
            break;
          }
          default:
            await h.advance(Math.floor(rnd() * 3000));
        }
      }
      for (const s of sockets.values()) if (s.channel.isOpen()) s.drop();
      for (const p of polls.values()) if (p.channel.isOpen()) p.abort();
      await h.advance(60_000);

      expect(h.server.stats()).toEqual({ wsClients: 0, ajaxClients: 0, timers: 0, bufferedBatches: 0, queuedBatches: 0, queuedBytes: 0, pendingReplies: 0, loggedPushes: 0, serverRequests: 0, messageIds: 0 });
      expect(h.clock.pending).toBe(0);
      expect(h.server.connectedUids.any.size).toBe(0);
      for (const uid of ['alice', 'bob', 'sente/nil-uid']) {
        const port = h.events.filter((m) => m.data === uid && m.id.startsWith('chsk/uidport-')).map((m) => m.id);
        // opens and closes alternate, starting with an open
        port.forEach((id, i) => expect(id).toBe(i % 2 === 0 ? 'chsk/uidport-open' : 'chsk/uidport-close'));
        expect(port.length % 2).toBe(0);
      }
      // Only the reports the walk provokes: bad frames, silent sockets, full queues, pushes to clients that
      // left, and pushes by client id alone to ids that two uids hold.
      const expected = ['ERR_SENTE_BAD_PACKAGE', 'ERR_SENTE_KEEPALIVE_TIMEOUT', 'ERR_SENTE_QUEUE_OVERFLOW', 'ERR_SENTE_UNDELIVERED', 'ERR_SENTE_CLIENT_ID_CLASH'];
      expect(h.errorCodes().filter((c) => !expected.includes(c))).toEqual([]);
    },
  );

  it.each([11, 12, 13, 14, 15])(
    'seed %i: every client gets the pushes in send order, without duplicates, across reconnects and polls',
    async (seed) => {
      const rnd = prng(seed);
      const h = new Harness({ lpTimeoutMs: 2000 });
      const received = new Map<string, number[]>();
      const sockets = new Map<string, WsClient>();
      const polls = new Map<string, AjaxRequest>();
      const take = (clientId: string, batch: unknown): void => {
        if (!Array.isArray(batch) || !Array.isArray(batch[0])) return;
        for (const ev of batch[0] as unknown[]) {
          const [id, n] = ev as [string, number];
          if (id === 'app/n') received.set(clientId, [...(received.get(clientId) ?? []), n]);
        }
      };
      const harvestWs = (clientId: string, s: WsClient): void => {
        for (const f of s.pushes()) take(clientId, f);
      };
      let seq = 0;
      for (let step = 0; step < 400; step++) {
        const ws = `w${Math.floor(rnd() * 2)}`;
        const ajax = `a${Math.floor(rnd() * 2)}`;
        const r = rnd();
        if (r < 0.35) {
          h.server.send('alice', ['app/n', seq++], rnd() < 0.2 ? { flush: true } : undefined);
        } else if (r < 0.4) {
          h.server.sendToClient(rnd() < 0.5 ? ws : ajax, ['app/n', seq++]);
        } else if (r < 0.45) {
          const s = sockets.get(ws);
          if (s?.channel.isOpen()) s.drop(1006);
        } else if (r < 0.5) {
          const old = sockets.get(ws);
          if (old) harvestWs(ws, old);
          sockets.set(ws, await h.ws(ws, { uid: 'alice' }));
        } else if (r < 0.6) {
          const old = polls.get(ajax);
          if (old?.answered) take(ajax, old.body());
          polls.set(ajax, await h.ajaxGet(ajax, { uid: 'alice' }));
        } else {
          await h.advance(Math.floor(rnd() * 400));
        }
      }
      await h.advance(200);
      for (const [id, s] of sockets) harvestWs(id, s);
      for (const [id, p] of polls) if (p.answered) take(id, p.body());
      let total = 0;
      for (const [clientId, ns] of received) {
        total += ns.length;
        for (let i = 1; i < ns.length; i++) expect(ns[i], `${clientId} after ${ns[i - 1]}`).toBeGreaterThan(ns[i - 1]!);
      }
      expect(total).toBeGreaterThan(50);
    },
  );
});
