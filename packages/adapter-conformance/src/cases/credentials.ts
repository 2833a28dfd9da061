import { expect, it } from 'vitest';
import { CASE_TIMEOUT_MS } from './context.js';
import { EMPTY_STATS } from '../harness.js';
import { until } from '../wait.js';
import type { CaseContext } from './context.js';
import type { Transport } from '../peer.js';
import type { SenteEvent } from '@sente/core';
import type { SenteRequest } from '@sente/core';
import { liveCredentials, refreshCredentials } from '@sente/client';

/** The suite's expiry hook: the `exp` query parameter, ms since the epoch. */
const expFromQuery = (req: SenteRequest): number | undefined => (req.query['exp'] === undefined ? undefined : Number(req.query['exp']));

/** Live credentials on an open connection: refresh (the uid moves, no reconnect) and server-side expiry (4401 / 401). */
export function credentialsCases({ harness, wire }: CaseContext, transport: Transport): void {
  it('moves an open connection to the uid of refreshed credentials, without a reconnect', async () => {
    const t = await harness.start();
    const c = t.client({ type: transport, params: { uid: 'alice' } });
    const pushed: SenteEvent[] = [];
    const handshakes: string[] = [];
    c.on('event', (e) => pushed.push(e));
    c.on('handshake', (h) => handshakes.push(h.uid));
    const uids: (string | null)[] = [];
    c.on('state', (s) => uids.push(s.new.uid));
    await until(() => c.state.open, 'the client to open');
    await t.uidport('open', 'alice');
    await expect(refreshCredentials(c, { params: { uid: 'bob' } })).resolves.toEqual({ uid: 'bob', expiresInMs: undefined });
    expect(c.state).toMatchObject({ open: true, uid: 'bob' });
    expect(uids.at(-1)).toBe('bob');
    await t.uidport('close', 'alice');
    await t.uidport('open', 'bob');
    expect([...t.server.connectedUids[transport]]).toEqual(['bob']);
    // The same connection: no second handshake, nothing closed.
    expect(handshakes).toEqual(['alice']);
    expect(t.stats()[transport === 'ws' ? 'wsClients' : 'ajaxClients']).toBe(1);
    t.server.send('alice', ['test/push', 'for alice']);
    t.server.send('bob', ['test/push', 'for bob']);
    await until(() => pushed.length >= 1, 'a push to bob');
    expect(pushed).toEqual([wire.received(['test/push', 'for bob'])]);
    // The new uid is what its events come from; the client id belongs to it alone.
    t.handler = (msg) => {
      if (msg.id === 'test/who') msg.reply?.(msg.uid);
    };
    await expect(c.request(['test/who'], 3000)).resolves.toBe('bob');
    t.server.sendToClient(c.clientId, ['test/push', 'by client id']);
    await until(() => pushed.length >= 2, 'a push by client id');
    // The client's position moved to bob's log: after an outage, it gets exactly what it missed there.
    const recovered: (boolean | undefined)[] = [];
    c.on('handshake', (h) => recovered.push(h.recovered));
    c.breakConnection();
    t.server.send('bob', ['test/push', 'while away']);
    await until(() => recovered.length === 1 && pushed.length >= 3, 'the reconnect and the missed push');
    expect(recovered).toEqual([true]);
    expect(handshakes).toEqual(['alice', 'bob']);
    expect(pushed.slice(2)).toEqual([wire.received(['test/push', 'while away'])]);
    expect(t.errorCodes()).toEqual([]);
    // The reconnect may have come after the grace period (a close and an open of bob): wait for the next close.
    const closes = t.eventsOf('chsk/uidport-close', 'bob').length;
    c.disconnect();
    await until(() => t.eventsOf('chsk/uidport-close', 'bob').length > closes, 'bob to leave');
    // Both logs keep their pushes for replay, within their window: alice's one, bob's three; and the
    // server the message id of the request, for a retry.
    expect(t.stats()).toEqual({ ...EMPTY_STATS, loggedPushes: 4, messageIds: 1 });
  }, CASE_TIMEOUT_MS);

  it('refuses a refresh the hooks refuse: a typed error, and the connection keeps its identity', async () => {
    const t = await harness.start({ authorized: (req) => req.query['uid'] !== 'mallory' });
    const c = t.client({ type: transport, params: { uid: 'alice' } });
    const pushed: SenteEvent[] = [];
    c.on('event', (e) => pushed.push(e));
    await until(() => c.state.open, 'the client to open');
    await t.uidport('open', 'alice');
    await expect(refreshCredentials(c, { params: { uid: 'mallory' } })).rejects.toMatchObject({ code: 'ERR_SENTE_UNAUTHORIZED' });
    expect(c.state).toMatchObject({ open: true, uid: 'alice', lastError: null });
    expect([...t.server.connectedUids[transport]]).toEqual(['alice']);
    t.server.send('alice', ['test/push', 'still alice']);
    await until(() => pushed.length >= 1, 'a push to alice');
    expect(t.errorCodes()).toContain('ERR_SENTE_UNAUTHORIZED');
  }, CASE_TIMEOUT_MS);

  it('closes a connection whose credentials expire with the terminal unauthorized code, and refuses expired ones', async () => {
    const t = await harness.start({ credentialsExpireAt: expFromQuery });
    // A margin for a loaded machine: the client must open before the expiry.
    const c = t.client({ type: transport, params: { uid: 'alice', exp: Date.now() + 1000 } });
    await until(() => c.state.open, 'the client to open');
    await t.uidport('open', 'alice');
    await until(() => c.state.lastClose?.reason === 'rejected', 'the expiry to close the client');
    expect(c.state.lastError?.code).toBe('ERR_SENTE_UNAUTHORIZED');
    if (transport === 'ws') expect(c.state.lastWsClose?.code).toBe(4401);
    await t.uidport('close', 'alice');
    expect(t.errorCodes()).toContain('ERR_SENTE_CREDENTIALS_EXPIRED');
    expect(t.stats()).toEqual(EMPTY_STATS);
    // The same credentials, already expired, are refused at the door.
    const again = t.client({ type: transport, params: { uid: 'alice', exp: Date.now() - 1 } });
    await until(() => again.state.lastClose?.reason === 'rejected' || again.state.lastError !== null, 'the refusal');
    expect(again.state.lastError?.code).toBe('ERR_SENTE_UNAUTHORIZED');
    expect(again.state.everOpened).toBe(false);
  }, CASE_TIMEOUT_MS);

  it('calls the credentials provider before the server-side expiry, so the connection stays open', async () => {
    const t = await harness.start({ credentialsExpireAt: expFromQuery });
    let calls = 0;
    const firstExpiry = Date.now() + 1200;
    const c = t.client({ type: transport, params: { uid: 'alice', exp: firstExpiry } });
    const stop = liveCredentials(
      c,
      () => {
        calls++;
        return { params: { uid: 'alice', exp: Date.now() + 60_000 } };
      },
      { aheadMs: 1000, onError: (e) => t.clientErrors.push(e) },
    );
    await until(() => c.state.open, 'the client to open');
    await until(() => calls === 1, 'the provider');
    // Past the first expiry: still open, on the same connection.
    await until(() => Date.now() > firstExpiry + 200, 'the first expiry to pass');
    expect(c.state).toMatchObject({ open: true, uid: 'alice', lastClose: null });
    expect(t.errorCodes()).toEqual([]);
    expect(calls).toBe(1);
    // An explicit refresh says how long the new credentials last.
    const { expiresInMs } = await refreshCredentials(c);
    expect(expiresInMs).toBeGreaterThan(50_000);
    stop();
  }, CASE_TIMEOUT_MS);

  it('closes every connection of a uid with the unauthorized code on server.expire(uid)', async () => {
    const t = await harness.start();
    const a = t.client({ type: transport, params: { uid: 'alice' } });
    const b = t.client({ type: transport, params: { uid: 'bob' } });
    await until(() => a.state.open && b.state.open, 'the clients to open');
    await t.uidport('open', 'alice');
    t.server.expire('alice');
    await until(() => a.state.lastClose?.reason === 'rejected', 'alice to be closed');
    expect(a.state.lastError?.code).toBe('ERR_SENTE_UNAUTHORIZED');
    await t.uidport('close', 'alice');
    expect(b.state.open).toBe(true);
    expect([...t.server.connectedUids.any]).toEqual(['bob']);
  }, CASE_TIMEOUT_MS);

  if (transport === 'ws') {
    it('moves a WebSocket by a refresh POST bound to it (the POST’s own cookies and params decide), without a reconnect', async () => {
      const t = await harness.start();
      const c = t.client({ type: 'ws', params: { uid: 'alice' } });
      const handshakes: string[] = [];
      c.on('handshake', (h) => handshakes.push(h.uid));
      await until(() => c.state.open, 'the client to open');
      await t.uidport('open', 'alice');
      await expect(refreshCredentials(c, { params: { uid: 'bob' } }, { overHttp: true })).resolves.toEqual({ uid: 'bob', expiresInMs: undefined });
      await t.uidport('open', 'bob');
      expect(c.state).toMatchObject({ open: true, type: 'ws', uid: 'bob' });
      expect([...t.server.connectedUids.ws]).toEqual(['bob']);
      expect(t.stats()).toMatchObject({ wsClients: 1, ajaxClients: 0 });
      expect(handshakes).toEqual(['alice']);
      t.handler = (msg) => {
        if (msg.id === 'test/who') msg.reply?.([msg.uid, msg.transport]);
      };
      await expect(c.request(['test/who'], 3000)).resolves.toEqual(['bob', 'ws']);
    }, CASE_TIMEOUT_MS);

    it('turns a chsk/refresh from a Sente client (no extensions) into chsk/bad-event, and moves nothing', async () => {
      const t = await harness.start();
      const s = await t.ws({ params: { uid: 'alice' } });
      s.sendEvent(['chsk/refresh', { params: { uid: 'bob' } }]);
      const bad = await t.event((m) => m.id === 'chsk/bad-event', 'chsk/bad-event');
      expect(bad.msg.uid).toBe('alice');
      expect([...t.server.connectedUids.ws]).toEqual(['alice']);
    }, CASE_TIMEOUT_MS);
  }
}
