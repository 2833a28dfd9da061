import { describe, expect, it } from 'vitest';
import { kw } from '../src/index.js';
import { Harness } from './support/harness.js';
import { failingOn, jsonPacker, keywordPacker } from './support/packers.js';

describe('Ajax handshake and long-poll', () => {
  it('answers a handshake GET with the handshake at once, without uidport-open', async () => {
    const h = new Harness({ handshakeData: () => ({ hello: 1 }) });
    const hs = await h.ajaxGet('c1', { uid: 'alice', handshake: true });
    expect(hs.answered).toBe(true);
    expect(hs.body()).toEqual([['chsk/handshake', ['alice', null, { hello: 1 }]], null]);
    expect(h.eventsOf('chsk/uidport-open')).toHaveLength(0);
    expect(h.server.connectedUids.any.size).toBe(0);
    expect(h.server.stats().ajaxClients).toBe(1);
  });

  it('answers the first GET of an unknown client with the handshake even without handshake?', async () => {
    const h = new Harness();
    const first = await h.ajaxGet('c1', { uid: 'alice' });
    expect(first.body()).toEqual([['chsk/handshake', ['alice', null, null]], null]);
    const poll = await h.ajaxGet('c1', { uid: 'alice' });
    expect(poll.answered).toBe(false);
  });

  it('answers a GET with handshake? with the handshake even for a known client', async () => {
    const h = new Harness();
    await h.ajaxClient('c1', { uid: 'alice' });
    const again = await h.ajaxGet('c1', { uid: 'alice', handshake: true });
    expect(again.body()).toEqual([['chsk/handshake', ['alice', null, null]], null]);
  });

  it('writes the Ajax handshake nil uid as the keyword sente/nil-uid', async () => {
    const h = new Harness({ packer: keywordPacker });
    const hs = await h.ajaxGet('c1', { handshake: true });
    expect(hs.body()).toEqual([[kw('chsk/handshake'), [kw('sente/nil-uid'), null, null]], null]);
  });

  it('answers 500 to the handshake GET when the handshake data cannot be packed, recording nothing', async () => {
    const poison = Symbol('unpackable');
    const h = new Harness({ packer: failingOn(jsonPacker, poison), handshakeData: () => [poison] });
    const r = await h.handle({ query: { 'client-id': 'c1', uid: 'alice', 'handshake?': '1' } });
    expect(r.response?.status).toBe(500);
    expect(r.channel).toBeUndefined();
    expect(h.errors).toHaveLength(1);
    expect(h.server.stats()).toMatchObject({ ajaxClients: 0, timers: 0 });
  });

  it('parks a poll and counts the client as connected, with one uidport-open', async () => {
    const h = new Harness();
    const poll = await h.ajaxClient('c1', { uid: 'alice' });
    expect(poll.answered).toBe(false);
    expect(h.server.connectedUids.ajax.has('alice')).toBe(true);
    expect(h.server.connectedUids.any.has('alice')).toBe(true);
    expect(h.eventsOf('chsk/uidport-open').map((m) => m.data)).toEqual(['alice']);
    const m = h.eventsOf('chsk/uidport-open')[0]!;
    expect(m).toMatchObject({ uid: 'alice', clientId: 'c1', transport: 'ajax', event: ['chsk/uidport-open', 'alice'] });
  });

  it('answers a parked poll with [chsk/timeout nil] after lpTimeoutMs', async () => {
    const h = new Harness({ lpTimeoutMs: 20_000 });
    const poll = await h.ajaxClient('c1', { uid: 'alice' });
    await h.advance(19_999);
    expect(poll.answered).toBe(false);
    await h.advance(1);
    expect(poll.body()).toEqual(['chsk/timeout', null]);
  });

  it('writes the poll timeout as the keyword chsk/timeout', async () => {
    const h = new Harness({ packer: keywordPacker, lpTimeoutMs: 1000 });
    const poll = await h.ajaxClient('c1', { uid: 'alice' });
    await h.advance(1000);
    expect(poll.body()).toEqual([kw('chsk/timeout'), null]);
  });

  it('answers the old parked poll with chsk/timeout when the same client polls again', async () => {
    const h = new Harness();
    const p1 = await h.ajaxClient('c1', { uid: 'alice' });
    const p2 = await h.ajaxGet('c1', { uid: 'alice' });
    expect(p1.body()).toEqual(['chsk/timeout', null]);
    expect(p2.answered).toBe(false);
    h.server.send('alice', ['chat/msg', 1], { flush: true });
    expect(p2.body()).toEqual([[['chat/msg', 1]], null]);
  });

  it('starts the grace period when the client aborts its parked poll', async () => {
    const h = new Harness();
    const p = await h.ajaxClient('c1', { uid: 'alice' });
    p.abort();
    await h.advance(4_999);
    expect(h.server.connectedUids.any.has('alice')).toBe(true);
    await h.advance(1);
    expect(h.server.connectedUids.any.has('alice')).toBe(false);
    expect(h.eventsOf('chsk/uidport-close').map((m) => m.data)).toEqual(['alice']);
  });
});
