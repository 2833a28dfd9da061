import { describe, expect, it } from 'vitest';
import type { ConnectedUidsChange } from '../src/index.js';
import { Harness } from './support/harness.js';

const sets = (h: Harness) => ({
  ws: [...h.server.connectedUids.ws].sort(),
  ajax: [...h.server.connectedUids.ajax].sort(),
  any: [...h.server.connectedUids.any].sort(),
});

describe('connected uids', () => {
  it('tracks ws, ajax and any sets', async () => {
    const h = new Harness();
    await h.ws('a1', { uid: 'alice' });
    await h.ajaxClient('b1', { uid: 'bob' });
    await h.ws('n1');
    expect(sets(h)).toEqual({ ws: ['alice', 'sente/nil-uid'], ajax: ['bob'], any: ['alice', 'bob', 'sente/nil-uid'] });
  });

  it('emits uidport-open once per uid: a second tab or transport adds nothing', async () => {
    const h = new Harness();
    await h.ws('a1', { uid: 'alice' });
    await h.ws('a2', { uid: 'alice' });
    await h.ajaxClient('a3', { uid: 'alice' });
    expect(h.eventsOf('chsk/uidport-open').map((m) => [m.data, m.clientId, m.transport])).toEqual([['alice', 'a1', 'ws']]);
    expect(sets(h)).toEqual({ ws: ['alice'], ajax: ['alice'], any: ['alice'] });
  });

  it('emits uidport-close only after the WebSocket grace period (2500 ms) of the last client', async () => {
    const h = new Harness();
    const a1 = await h.ws('a1', { uid: 'alice' });
    const a2 = await h.ws('a2', { uid: 'alice' });
    a1.drop();
    await h.advance(3000);
    expect(h.eventsOf('chsk/uidport-close')).toHaveLength(0);
    expect(sets(h).ws).toEqual(['alice']);
    a2.drop();
    await h.advance(2499);
    expect(h.eventsOf('chsk/uidport-close')).toHaveLength(0);
    expect(sets(h).any).toEqual(['alice']);
    await h.advance(1);
    expect(h.eventsOf('chsk/uidport-close').map((m) => [m.data, m.clientId])).toEqual([['alice', 'a2']]);
    expect(sets(h)).toEqual({ ws: [], ajax: [], any: [] });
  });

  it('counts three tabs of a uid: it stays connected until the last one is gone, and comes back once', async () => {
    const h = new Harness();
    const tabs = [await h.ws('a1', { uid: 'alice' }), await h.ws('a2', { uid: 'alice' }), await h.ws('a3', { uid: 'alice' })];
    for (const tab of tabs.slice(0, 2)) {
      tab.drop();
      await h.advance(3000);
      expect(sets(h).ws).toEqual(['alice']);
    }
    expect(h.eventsOf('chsk/uidport-close')).toHaveLength(0);
    tabs[2]!.drop();
    await h.advance(3000);
    expect(h.eventsOf('chsk/uidport-close').map((m) => m.clientId)).toEqual(['a3']);
    expect(sets(h)).toEqual({ ws: [], ajax: [], any: [] });
    await h.ws('a4', { uid: 'alice' });
    expect(h.eventsOf('chsk/uidport-open').map((m) => m.clientId)).toEqual(['a1', 'a4']);
  });

  it('emits uidport-close only after the Ajax grace period (5000 ms) after the last poll', async () => {
    const h = new Harness();
    await h.ajaxClient('a1', { uid: 'alice' });
    h.server.send('alice', ['chat/a'], { flush: true });
    await h.advance(4999);
    expect(h.eventsOf('chsk/uidport-close')).toHaveLength(0);
    await h.advance(1);
    expect(h.eventsOf('chsk/uidport-close').map((m) => m.data)).toEqual(['alice']);
  });

  it('keeps an Ajax client connected while it keeps polling', async () => {
    const h = new Harness({ lpTimeoutMs: 20_000 });
    await h.ajaxClient('a1', { uid: 'alice' });
    for (let i = 0; i < 5; i++) {
      await h.advance(20_000);
      await h.advance(1000);
      await h.ajaxGet('a1', { uid: 'alice' });
    }
    expect(h.eventsOf('chsk/uidport-close')).toHaveLength(0);
    expect(h.eventsOf('chsk/uidport-open')).toHaveLength(1);
  });

  it('uses the configured grace periods', async () => {
    const h = new Harness({ msAllowReconnectBeforeCloseWs: 100, msAllowReconnectBeforeCloseAjax: 200 });
    const w = await h.ws('w1', { uid: 'wsu' });
    await h.ajaxClient('a1', { uid: 'ajaxu' });
    w.drop();
    h.server.send('ajaxu', ['chat/a'], { flush: true });
    await h.advance(100);
    expect(h.eventsOf('chsk/uidport-close').map((m) => m.data)).toEqual(['wsu']);
    await h.advance(100);
    expect(h.eventsOf('chsk/uidport-close').map((m) => m.data)).toEqual(['wsu', 'ajaxu']);
  });

  it('a WebSocket reconnect within the grace period produces no close/open pair', async () => {
    const h = new Harness();
    const a = await h.ws('a1', { uid: 'alice' });
    a.drop(1006);
    await h.advance(2000);
    const again = await h.ws('a1', { uid: 'alice' });
    await h.advance(10_000);
    expect(h.ids().filter((id) => id.startsWith('chsk/uidport'))).toEqual(['chsk/uidport-open']);
    again.drop();
    await h.advance(2500);
    expect(h.ids().filter((id) => id.startsWith('chsk/uidport'))).toEqual(['chsk/uidport-open', 'chsk/uidport-close']);
    expect(sets(h)).toEqual({ ws: [], ajax: [], any: [] });
  });

  it('a page reload (new client id, same uid) within the grace period produces no close/open pair', async () => {
    const h = new Harness();
    const a = await h.ws('tab-1', { uid: 'alice' });
    a.drop(1001);
    await h.advance(1000);
    await h.ws('tab-2', { uid: 'alice' });
    await h.advance(10_000);
    expect(h.ids().filter((id) => id.startsWith('chsk/uidport'))).toEqual(['chsk/uidport-open']);
    expect(h.server.stats().wsClients).toBe(1);
  });

  it('a uid change opens the new uid and closes the old one after its grace period', async () => {
    const h = new Harness();
    const anon = await h.ws('c1');
    anon.drop();
    await h.ws('c1', { uid: 'alice' });
    await h.advance(2500);
    expect(h.events.filter((m) => m.id.startsWith('chsk/uidport')).map((m) => m.event)).toEqual([
      ['chsk/uidport-open', 'sente/nil-uid'],
      ['chsk/uidport-open', 'alice'],
      ['chsk/uidport-close', 'sente/nil-uid'],
    ]);
  });

  it('keeps the uid in any while it has a client on the other transport', async () => {
    const h = new Harness();
    const w = await h.ws('w1', { uid: 'alice' });
    await h.ajaxClient('a1', { uid: 'alice' });
    w.drop();
    await h.advance(2500);
    expect(sets(h)).toEqual({ ws: [], ajax: ['alice'], any: ['alice'] });
    expect(h.eventsOf('chsk/uidport-close')).toHaveLength(0);
  });

  it('removes an Ajax client that handshook but never polled, without uidport events', async () => {
    const h = new Harness();
    await h.ajaxGet('a1', { uid: 'alice', handshake: true });
    expect(h.server.stats().ajaxClients).toBe(1);
    await h.advance(5000);
    expect(h.server.stats()).toMatchObject({ ajaxClients: 0, timers: 0 });
    expect(h.ids()).toEqual([]);
  });

  it('tells watchConnectedUids listeners about every change, until unsubscribed', async () => {
    const h = new Harness();
    const changes: ConnectedUidsChange[] = [];
    const snapshots: string[][] = [];
    const stop = h.server.watchConnectedUids((uids, change) => {
      changes.push(change);
      snapshots.push([...uids.any]);
    });
    const w = await h.ws('w1', { uid: 'alice' });
    await h.ajaxClient('a1', { uid: 'alice' });
    await h.ws('w2', { uid: 'alice' });
    w.drop();
    await h.advance(2500);
    expect(changes).toEqual([
      { uid: 'alice', transport: 'ws', connected: true, any: true },
      { uid: 'alice', transport: 'ajax', connected: true, any: false },
    ]);
    expect(snapshots).toEqual([['alice'], ['alice']]);
    stop();
    await h.ws('b1', { uid: 'bob' });
    expect(changes).toHaveLength(2);
  });

  it('a connected-uids listener that throws does not break the server', async () => {
    const h = new Harness();
    h.server.watchConnectedUids(() => {
      throw new Error('listener bug');
    });
    const seen: string[] = [];
    h.server.watchConnectedUids((_u, c) => void seen.push(c.uid));
    const c = await h.ws('a1', { uid: 'alice' });
    expect(c.frames()).toHaveLength(1);
    expect(h.eventsOf('chsk/uidport-open')).toHaveLength(1);
    expect(seen).toEqual(['alice']);
    expect(h.errorCodes()).toEqual(['ERR_SENTE_HOOK_FAILED']);
    c.drop();
    await h.advance(2500);
    expect(h.eventsOf('chsk/uidport-close')).toHaveLength(1);
    expect(h.server.connectedUids.any.size).toBe(0);
  });

  it('is a live read-only view', async () => {
    const h = new Harness();
    const view = h.server.connectedUids;
    await h.ws('a1', { uid: 'alice' });
    expect(view.any.has('alice')).toBe(true);
  });
});
