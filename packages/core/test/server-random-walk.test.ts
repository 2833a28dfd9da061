import { describe, expect, it } from 'vitest';
import { Harness } from './support/harness.js';
import type { AjaxRequest, WsClient } from './support/harness.js';

/** A small deterministic PRNG (mulberry32), so a failing walk can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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

      expect(h.server.stats()).toEqual({ wsClients: 0, ajaxClients: 0, timers: 0, bufferedBatches: 0, queuedBatches: 0, pendingReplies: 0 });
      expect(h.clock.pending).toBe(0);
      expect(h.server.connectedUids.any.size).toBe(0);
      for (const uid of ['alice', 'bob', 'sente/nil-uid']) {
        const port = h.events.filter((m) => m.data === uid && m.id.startsWith('chsk/uidport-')).map((m) => m.id);
        // opens and closes alternate, starting with an open
        port.forEach((id, i) => expect(id).toBe(i % 2 === 0 ? 'chsk/uidport-open' : 'chsk/uidport-close'));
        expect(port.length % 2).toBe(0);
      }
      expect(h.errorCodes().filter((c) => c !== 'ERR_SENTE_BAD_PACKAGE' && c !== 'ERR_SENTE_KEEPALIVE_TIMEOUT' && c !== 'ERR_SENTE_QUEUE_OVERFLOW')).toEqual([]);
    },
  );
});
