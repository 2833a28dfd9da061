import { expect, it } from 'vitest';
import { CASE_TIMEOUT_MS } from './context.js';
import { EMPTY_STATS } from '../harness.js';
import { TRANSPORT_NAMES } from '../peer.js';
import { until } from '../wait.js';
import type { CaseContext } from './context.js';
import type { SenteEvent } from '@sente/core';

const DATA = { text: 'a+b & c=d ☃ 🎉', list: [1, 'two'] };

/** The server with the real `@sente/client`, end to end. */
export function clientCases({ harness, wire }: CaseContext): void {
  for (const type of ['ws', 'ajax'] as const) {
    it(`serves a real @sente/client over ${TRANSPORT_NAMES[type]}: handshake, reply, pushes, and leaving`, async () => {
      const t = await harness.start({ handshakeData: (req) => ({ hello: req.query['uid'] ?? null }) });
      t.handler = (msg) => {
        if (msg.id === 'test/echo') msg.reply?.({ echo: msg.data, uid: msg.uid, transport: msg.transport });
      };
      const c = t.client({ type, params: { uid: 'alice' } });
      const pushed: SenteEvent[] = [];
      c.on('event', (e) => pushed.push(e));
      await until(() => c.state.open, 'the client to open');
      expect(c.state).toMatchObject({ type, uid: 'alice', handshakeData: wire.canonical({ hello: 'alice' }) });
      await expect(c.request(['test/echo', DATA], 3000)).resolves.toEqual(wire.canonical({ echo: DATA, uid: 'alice', transport: type }));
      await t.uidport('open', 'alice');
      t.server.send('alice', ['test/push', 1]);
      t.server.send('alice', ['test/push', 2]);
      await until(() => pushed.length >= 2, 'two pushes');
      expect(pushed).toEqual([wire.received(['test/push', 1]), wire.received(['test/push', 2])]);
      c.disconnect();
      await t.uidport('close', 'alice');
      // The pushes stay in the push log, within its window, for the client's replay, and the request's
      // message id for a retry; nothing else does.
      expect(t.stats()).toEqual({ ...EMPTY_STATS, loggedPushes: 2, messageIds: 1 });
      expect(t.clientErrors).toEqual([]);
    }, CASE_TIMEOUT_MS);
  }

  it('lets an auto @sente/client fall back to Ajax when the upgrade is refused', async () => {
    const t = await harness.start({ reject: (req) => (req.websocket ? { status: 403, body: 'No WebSockets here' } : undefined) });
    t.handler = (msg) => {
      if (msg.id === 'test/echo') msg.reply?.(msg.transport);
    };
    const c = t.client({ type: 'auto', params: { uid: 'alice' } });
    await until(() => c.state.open, 'the client to open');
    expect(c.state.type).toBe('ajax');
    await expect(c.request(['test/echo'], 3000)).resolves.toEqual(wire.canonical('ajax'));
  }, CASE_TIMEOUT_MS);
}
