import { expect, it } from 'vitest';
import { CASE_TIMEOUT_MS } from './context.js';
import { TIMING } from '../harness.js';
import { connect } from '../peer.js';
import { within } from '../wait.js';
import type { CaseContext } from './context.js';
import type { Transport } from '../peer.js';

const GRACE: Readonly<Record<Transport, number>> = {
  ws: TIMING.msAllowReconnectBeforeCloseWs,
  ajax: TIMING.msAllowReconnectBeforeCloseAjax,
};

/** Connected uids and the uidport events, with the reconnect grace period (protocol §5). */
export function uidportCases({ harness }: CaseContext, transport: Transport): void {
  it('emits uidport-open once per uid, and uidport-close only after the grace period', async () => {
    const t = await harness.start();
    const a = await connect(t, transport, { uid: 'alice' });
    const open = await t.uidport('open', 'alice');
    expect(open.msg).toMatchObject({ id: 'chsk/uidport-open', uid: 'alice', clientId: a.clientId, transport });
    expect(t.server.connectedUids[transport].has('alice')).toBe(true);
    expect(t.server.connectedUids.any.has('alice')).toBe(true);
    // A second tab of the same user is no new uid.
    const b = await connect(t, transport, { uid: 'alice' });
    const left = Date.now();
    await Promise.all([a.leave(), b.leave()]);
    const close = await t.uidport('close', 'alice');
    expect(close.msg.uid).toBe('alice');
    // Timers may round down by a millisecond.
    expect(close.at - left).toBeGreaterThanOrEqual(GRACE[transport] - 2);
    expect(t.eventsOf('chsk/uidport-open')).toHaveLength(1);
    expect(t.eventsOf('chsk/uidport-close')).toHaveLength(1);
    expect([...t.server.connectedUids.any]).toEqual([]);
    expect([...t.server.connectedUids[transport]]).toEqual([]);
  }, CASE_TIMEOUT_MS);

  it('emits no uidport-close for a client that comes back within the grace period', async () => {
    const t = await harness.start();
    const a = await connect(t, transport, { uid: 'alice' });
    const sentinel = await connect(t, transport, { uid: 'sentinel' });
    await t.uidport('open', 'alice');
    await a.leave();
    await connect(t, transport, { uid: 'alice', clientId: a.clientId });
    // The sentinel leaves after alice came back: once its grace period is over, alice's is too.
    await sentinel.leave();
    await t.uidport('close', 'sentinel');
    expect(t.eventsOf('chsk/uidport-close', 'alice')).toEqual([]);
    expect(t.eventsOf('chsk/uidport-open', 'alice')).toHaveLength(1);
    expect(t.server.connectedUids.any.has('alice')).toBe(true);
  }, CASE_TIMEOUT_MS);

  if (transport === 'ajax') {
    it('counts an Ajax client only once it polls: no uidport-open for the handshake', async () => {
      const t = await harness.start();
      const c = t.ajax({ params: { uid: 'alice' } });
      await c.handshake();
      expect(t.eventsOf('chsk/uidport-open')).toEqual([]);
      expect(t.server.connectedUids.any.has('alice')).toBe(false);
      c.startPolling();
      await t.uidport('open', 'alice');
      expect(t.server.connectedUids.ajax.has('alice')).toBe(true);
    }, CASE_TIMEOUT_MS);
  }
}

/** Closing a user's connections from the server: `closeUser`, or Sente's `['chsk/close']` push (protocol §1.4). */
export function closeUserCases({ harness }: CaseContext, transport: Transport): void {
  it("closes every connection of a uid on send(uid, ['chsk/close']), and only that uid's", async () => {
    const t = await harness.start();
    const other = await connect(t, transport, { uid: 'bob' });
    if (transport === 'ws') {
      const a = await t.ws({ params: { uid: 'alice' } });
      const b = await t.ws({ params: { uid: 'alice' } });
      t.server.send('alice', ['chsk/close']);
      expect((await within(a.closed, 'the close')).code).toBe(4001);
      expect((await within(b.closed, 'the close')).code).toBe(4001);
    } else {
      const a = t.ajax({ params: { uid: 'alice' } });
      await a.handshake();
      const parked = a.get();
      await t.uidport('open', 'alice');
      t.server.send('alice', ['chsk/close']);
      // An Ajax channel closes by ending its response with no body.
      const ended = await parked;
      expect(ended.status).toBeLessThan(300);
      expect(ended.text).toBe('');
    }
    await t.uidport('close', 'alice');
    t.server.send('bob', ['test/push', 1]);
    expect(await other.nextPush()).toHaveLength(1);
    expect(t.eventsOf('chsk/uidport-close', 'bob')).toEqual([]);
  }, CASE_TIMEOUT_MS);
}
