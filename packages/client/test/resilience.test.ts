import { Keyword } from '@sente/core';
import { json } from '@sente/packer-json';
import { beforeAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { equalJitterBackoff } from '../src/reupgrade.js';
import type { HandshakeInfo, SenteEvent } from '../src/index.js';
import { harness } from './support/clients.js';
import { flush } from './support/fake-fetch.js';
import { FakeWebSocket } from './support/fake-web-socket.js';
import { loadFallback } from '../src/lazy-ajax.js';

// These tests drive the Ajax code with a fake clock, step by step: it is loaded
// beforehand, as a page has it once a client went to Ajax (lazy-ajax.test.ts
// covers the load itself).
beforeAll(() => loadFallback());

const K = (n: string) => Keyword.for(n);
const ajaxHandshake = (uid = 'u1') => json.pack([[K('chsk/handshake'), [uid, null, null]], null]) as string;
const codeOf = (e: unknown) => (e as { code?: string } | null)?.code;

afterEach(() => FakeWebSocket.reset());

describe('jittered reconnects and retry hints', () => {
  it('waits before the first reconnect too: the default backoff draws attempt 1 from [0, 1000)', () => {
    const { client, clock } = harness({ type: 'ws', backoffMs: undefined, random: () => 0.5 });
    FakeWebSocket.last.handshake();
    clock.advance(2000);
    FakeWebSocket.last.serverClose(1001, 'going away', true);
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(client.state.udtNextReconnect).toBe(clock.now() + 500);
    clock.advance(500);
    expect(FakeWebSocket.instances).toHaveLength(2);
  });

  it("obeys a close reason's retry=<ms>~<jitter> hint instead of the backoff", () => {
    const { client, clock } = harness({ type: 'ws', random: () => 0 });
    FakeWebSocket.last.handshake();
    clock.advance(2000);
    FakeWebSocket.last.serverClose(1012, 'draining retry=3000~1000', true);
    // random 0 picks the low end of 3000 ± 1000.
    expect(client.state.udtNextReconnect).toBe(clock.now() + 2000);
    clock.advance(1999);
    expect(FakeWebSocket.instances).toHaveLength(1);
    clock.advance(1);
    expect(FakeWebSocket.instances).toHaveLength(2);
  });

  it('caps a hint at 10 × maxBackoffMs', () => {
    const { client, clock } = harness({ type: 'ws', maxBackoffMs: 8000 });
    FakeWebSocket.last.handshake();
    clock.advance(2000);
    FakeWebSocket.last.serverClose(1013, 'retry=999999999~0', true);
    expect(client.state.udtNextReconnect).toBe(clock.now() + 80_000);
  });

  it("obeys a 503's Retry-After on an Ajax poll", async () => {
    const { client, fetch, clock } = harness({ type: 'ajax', random: () => 0.5 });
    fetch.last.respond(ajaxHandshake());
    await flush();
    fetch.last.respond('busy', 503, { 'Retry-After': '4' });
    await flush();
    expect(client.state.udtNextReconnect).toBe(clock.now() + 4000);
    expect(fetch.requests).toHaveLength(2);
    clock.advance(4000);
    expect(fetch.requests).toHaveLength(3);
  });

  it('equal jitter never probes near 0 and caps the window', () => {
    expect(equalJitterBackoff(10_000, 300_000, () => 0)(1)).toBe(5000);
    expect(equalJitterBackoff(10_000, 300_000, () => 0.999)(2)).toBe(19_990);
    expect(equalJitterBackoff(10_000, 300_000, () => 0)(40)).toBe(150_000);
  });
});

describe('WebSocket connect timeout', () => {
  it("gives up on a socket with no handshake after wsConnectTimeoutMs, reports ERR_SENTE_CONNECT_TIMEOUT once, and retries ('ws')", () => {
    const { client, clock, errors } = harness({ type: 'ws', wsConnectTimeoutMs: 3000 });
    const first = FakeWebSocket.last;
    clock.advance(2999);
    expect(first.closeCalls).toEqual([]);
    clock.advance(1);
    expect(first.closeCalls).toEqual([{ code: 1000, reason: 'CLOSE_NORMAL' }]);
    expect(codeOf(client.state.lastError)).toBe('ERR_SENTE_CONNECT_TIMEOUT');
    expect(FakeWebSocket.instances).toHaveLength(2);
    clock.advance(3000);
    expect(FakeWebSocket.instances).toHaveLength(2);
    clock.advance(2000);
    expect(FakeWebSocket.instances).toHaveLength(3);
    expect(errors.map(codeOf)).toEqual(['ERR_SENTE_CONNECT_TIMEOUT']);
    expect((errors[0] as Error).message).toMatch(/wsConnectTimeoutMs/);
  });

  it("falls back to Ajax when the upgrade is never answered ('auto'), without calling it an error", async () => {
    const { client, clock, fetch, errors } = harness({ wsConnectTimeoutMs: 3000 });
    clock.advance(3000);
    expect(client.state.lastClose?.reason).toBe('downgrading-ws-to-ajax');
    expect(codeOf(client.state.lastWsError?.event)).toBe('ERR_SENTE_CONNECT_TIMEOUT');
    fetch.last.respond(ajaxHandshake());
    await flush();
    expect(client.state).toMatchObject({ type: 'ajax', open: true });
    expect(errors).toEqual([]);
  });

  it('gives up on an Ajax handshake poll nobody answers after wsConnectTimeoutMs, and retries it with backoff', async () => {
    const { client, clock, fetch, errors } = harness({ type: 'ajax', wsConnectTimeoutMs: 3000 });
    const first = fetch.last;
    clock.advance(3000);
    await flush();
    expect(first.aborted).toBe(true);
    expect(codeOf(client.state.lastError)).toBe('ERR_SENTE_CONNECT_TIMEOUT');
    expect(fetch.requests).toHaveLength(2);
    clock.advance(3000);
    await flush();
    // Attempt 2 waits its backoff: no busy loop of handshake polls.
    expect(fetch.requests).toHaveLength(2);
    expect(client.state.udtNextReconnect).toBe(clock.now() + 2000);
    expect(errors.map(codeOf)).toEqual(['ERR_SENTE_CONNECT_TIMEOUT']);
  });

  it('0 turns the connect timeout off', () => {
    const { clock } = harness({ type: 'ws', wsConnectTimeoutMs: 0 });
    expect(clock.pending).toBe(0);
    clock.advance(60_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
  });
});

describe('early death', () => {
  it("counts a socket that dies uncleanly within wsEarlyDeathMs of its handshake as failed: the backoff keeps growing ('ws')", () => {
    const { client, clock } = harness({ type: 'ws' });
    FakeWebSocket.last.handshake();
    FakeWebSocket.last.serverClose();
    expect(FakeWebSocket.instances).toHaveLength(2);
    FakeWebSocket.last.handshake();
    clock.advance(200);
    FakeWebSocket.last.serverClose();
    // Attempt 2, not attempt 1 again: no instant reconnect loop.
    expect(client.state.udtNextReconnect).toBe(clock.now() + 2000);
  });

  it("falls back to Ajax when a handshaken socket dies early ('auto')", () => {
    const { client, clock, fetch } = harness();
    FakeWebSocket.last.handshake();
    clock.advance(200);
    FakeWebSocket.last.serverClose();
    expect(client.state.lastClose?.reason).toBe('downgrading-ws-to-ajax');
    expect(fetch.requests).toHaveLength(1);
  });

  it('does not count a clean close (a server restarting) as an early death', () => {
    const { client, fetch } = harness();
    FakeWebSocket.last.handshake();
    FakeWebSocket.last.serverClose(1012, 'restarting', true);
    expect(client.state.lastClose?.reason).toBe('clean');
    expect(fetch.requests).toHaveLength(0);
  });
});

describe('diagnosed errors', () => {
  it("reports ERR_SENTE_PACKER_MISMATCH when the first frame is no handshake the packer reads, closes and retries ('ws')", () => {
    const { client, clock, errors } = harness({ type: 'ws' });
    FakeWebSocket.last.serverOpen();
    FakeWebSocket.last.serverSendRaw('\x92\xa4chsk');
    expect(FakeWebSocket.instances[0]?.closeCalls).toEqual([{ code: 1000, reason: 'CLOSE_NORMAL' }]);
    expect(FakeWebSocket.instances).toHaveLength(2);
    FakeWebSocket.last.serverOpen();
    FakeWebSocket.last.serverSend([[['chat/not-a-handshake']], null]);
    clock.advance(2000);
    expect(errors.map(codeOf)).toEqual(['ERR_SENTE_PACKER_MISMATCH']);
    expect((errors[0] as Error).message).toContain('same packer');
    expect(client.state.open).toBe(false);
    expect(FakeWebSocket.instances).toHaveLength(3);
  });

  it('reports ERR_SENTE_PACKER_MISMATCH for an Ajax handshake answer the packer cannot read', async () => {
    const { client, fetch, errors } = harness({ type: 'ajax' });
    fetch.last.respond('<html>not sente</html>');
    await flush();
    expect(errors.map(codeOf)).toEqual(['ERR_SENTE_PACKER_MISMATCH']);
    expect(client.state.lastError).toBe(errors[0]);
    expect(fetch.requests).toHaveLength(2);
  });

  it('stops retrying after a close with 4401 unauthorized, says so in the state, and connects again on reconnect()', () => {
    const { client, clock, errors } = harness({ type: 'ws' });
    FakeWebSocket.last.handshake();
    clock.advance(5000);
    FakeWebSocket.last.serverClose(4401, 'unauthorized', true);
    expect(client.state).toMatchObject({ open: false, lastClose: { reason: 'rejected' }, udtNextReconnect: null });
    expect(codeOf(client.state.lastError)).toBe('ERR_SENTE_UNAUTHORIZED');
    expect(errors.map(codeOf)).toEqual(['ERR_SENTE_UNAUTHORIZED']);
    clock.advance(120_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(clock.pending).toBe(0);
    client.reconnect();
    expect(FakeWebSocket.instances).toHaveLength(2);
  });

  it('stops retrying after an Ajax 403 (CSRF) or 401, reporting ERR_SENTE_FORBIDDEN / ERR_SENTE_UNAUTHORIZED', async () => {
    for (const [status, code] of [
      [403, 'ERR_SENTE_FORBIDDEN'],
      [401, 'ERR_SENTE_UNAUTHORIZED'],
    ] as const) {
      const { client, fetch, errors, clock } = harness({ type: 'ajax' });
      fetch.last.respond('Bad CSRF token', status);
      await flush();
      expect(client.state.lastClose?.reason).toBe('rejected');
      expect(errors).toMatchObject([{ code, status }]);
      clock.advance(120_000);
      await flush();
      expect(fetch.requests).toHaveLength(1);
    }
  });

  it('stops for good when a POST is refused 403 while the polls still pass (a credential that expired)', async () => {
    const { client, fetch, errors, clock } = harness({ type: 'ajax' });
    fetch.last.respond(ajaxHandshake());
    await flush();
    expect(client.state.open).toBe(true);
    const outcomes: unknown[] = [];
    client.send(['app/save', 1], 1000, (reply) => outcomes.push(reply));
    await flush();
    (fetch.open('POST')[0] as (typeof fetch.requests)[number]).respond('Bad CSRF token', 403);
    await flush();
    expect(client.state.lastClose?.reason).toBe('rejected');
    expect(errors).toMatchObject([{ code: 'ERR_SENTE_FORBIDDEN', status: 403 }]);
    expect(outcomes).toEqual(['chsk/error']);
    const before = fetch.requests.length;
    clock.advance(120_000);
    await flush();
    expect(fetch.requests).toHaveLength(before);
  });

  it('reports a 404 once per outage as ERR_SENTE_NOT_FOUND and keeps retrying with backoff', async () => {
    const { fetch, errors, clock } = harness({ type: 'ajax' });
    for (let i = 0; i < 3; i++) {
      fetch.last.respond('Not Found', 404);
      await flush();
      clock.advance(5000);
    }
    expect(fetch.requests).toHaveLength(4);
    expect(errors.map(codeOf)).toEqual(['ERR_SENTE_NOT_FOUND']);
    fetch.last.respond(ajaxHandshake());
    await flush();
    fetch.last.fail();
    await flush();
    fetch.last.respond('Not Found', 404);
    await flush();
    // A new outage after a handshake: reported again.
    expect(errors.map(codeOf)).toEqual(['ERR_SENTE_NOT_FOUND', 'ERR_SENTE_UNREACHABLE', 'ERR_SENTE_NOT_FOUND']);
  });
});

describe('the handshake ext', () => {
  it("refuses a send over the server's maxPayloadBytes locally; the socket and its pending replies live on", () => {
    const { client } = harness({ type: 'ws' });
    const s = FakeWebSocket.last;
    s.serverOpen();
    s.serverSend([[K('chsk/handshake'), ['u1', null, null, { v: 1, maxPayloadBytes: 64 }]], null]);
    const replies: unknown[] = [];
    client.send(['chat/a'], 5000, (r) => replies.push(r));
    expect(() => client.send(['chat/big', 'x'.repeat(100)])).toThrow(
      expect.objectContaining({ code: 'ERR_SENTE_PAYLOAD_TOO_LARGE', message: "Not sent: over the server's limit (64 bytes)." }),
    );
    expect(s.sent).toHaveLength(1);
    expect(client.state.open).toBe(true);
    s.serverSend(['ok', (s.frames[0] as [unknown, string])[1]]);
    expect(replies).toEqual(['ok']);
  });

  it("keeps the client's own maxPayloadBytes when it is lower, and forgets the server's on a handshake without ext", () => {
    const { client } = harness({ type: 'ws', maxPayloadBytes: 50 });
    const s = FakeWebSocket.last;
    s.serverOpen();
    s.serverSend([[K('chsk/handshake'), ['u1', null, null, { v: 1, maxPayloadBytes: 1000 }]], null]);
    expect(() => client.send(['chat/big', 'x'.repeat(60)])).toThrow(expect.objectContaining({ message: expect.stringContaining('maxPayloadBytes (50 bytes)') }));
    s.serverSend([[K('chsk/handshake'), ['u1', null, null]], null]);
    expect(client.send(['chat/ok', 'x'.repeat(20)])).toBe(true);
  });
});

describe('background tabs', () => {
  class FakeDocument extends EventTarget {
    visibilityState: 'visible' | 'hidden' = 'visible';
  }
  const g = globalThis as { window?: EventTarget; document?: FakeDocument };
  let doc: FakeDocument;
  beforeEach(() => {
    g.window = new EventTarget();
    doc = new FakeDocument();
    g.document = doc;
  });
  afterEach(() => {
    delete g.window;
    delete g.document;
  });

  it('on Ajax, replaces a poll parked for over half of ajaxTimeoutMs when the browser comes back online', async () => {
    const { client, fetch, clock } = harness({ type: 'ajax', ajaxTimeoutMs: 60_000 });
    fetch.last.respond(ajaxHandshake());
    await flush();
    const parked = fetch.last;
    clock.advance(20_000);
    g.window?.dispatchEvent(new Event('online'));
    await flush();
    expect(parked.aborted).toBe(false);
    clock.advance(10_001);
    g.window?.dispatchEvent(new Event('online'));
    await flush();
    expect(parked.aborted).toBe(true);
    expect(fetch.requests).toHaveLength(3);
    expect(fetch.last.url.searchParams.has('handshake?')).toBe(false);
    expect(client.state.open).toBe(true);
  });

  it('sends no keep-alive pings while hidden (throttled timers), and checks the socket at once when visible again', () => {
    const { client, clock } = harness({ type: 'ws', wsKaliveMs: 20_000, wsPingTimeoutMs: 5000 });
    const s = FakeWebSocket.last;
    s.handshake();
    doc.visibilityState = 'hidden';
    doc.dispatchEvent(new Event('visibilitychange'));
    clock.advance(120_000);
    expect(s.sent).toHaveLength(0);
    expect(client.state.open).toBe(true);
    doc.visibilityState = 'visible';
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(s.frames.map((f) => (f as [unknown])[0])).toEqual([['chsk/ws-ping']]);
    clock.advance(5000);
    expect(client.state.lastClose?.reason).toBe('ws-ping-timeout');
  });
});

describe('re-upgrade (type auto)', () => {
  /** A client that fell back to Ajax and is open there; probes after 1000 ms. */
  async function onAjax(options = {}) {
    const h = harness({ upgradeBackoffMs: (n) => n * 1000, ...options });
    FakeWebSocket.last.serverError();
    h.fetch.last.respond(ajaxHandshake());
    await flush();
    expect(h.client.state).toMatchObject({ type: 'ajax', open: true });
    return h;
  }

  it('probes WebSocket in the background and switches once the probe has lived wsEarlyDeathMs: no close, no second handshake, no push twice', async () => {
    const { client, clock, fetch, changes } = await onAjax();
    const events: SenteEvent[] = [];
    const handshakes: HandshakeInfo[] = [];
    client.on('event', (e) => events.push(e));
    client.on('handshake', (h) => handshakes.push(h));
    const before = changes.length;
    clock.advance(1000);
    expect(FakeWebSocket.instances).toHaveLength(2);
    const probe = FakeWebSocket.last;
    expect(probe.url).toContain('sente-ext=1');
    probe.handshake();
    // Pushes sent to both transports while the probe proves itself: Ajax delivers them.
    probe.serverSend([[['chat/a', 1]], null]);
    fetch.last.respond(json.pack([[['chat/a', 1]], null]) as string);
    await flush();
    expect(client.state.type).toBe('ajax');
    const poll = fetch.last;
    clock.advance(2000);
    expect(client.state).toMatchObject({ type: 'ws', open: true });
    expect(poll.aborted).toBe(true);
    probe.serverSend([[['chat/b', 2]], null]);
    expect(events).toEqual([['chat/a', 1], ['chat/b', 2]]);
    expect(handshakes).toEqual([]);
    expect(changes.slice(before).some((c) => c.closed)).toBe(false);
    expect(client.send(['chat/now-ws'])).toBe(true);
    expect(probe.frames).toEqual([[['chat/now-ws'], null]]);
    expect(fetch.open('POST')).toHaveLength(0);
  });

  it('loses no push and delivers none twice when WebSocket runs ahead of Ajax, or behind it', async () => {
    const push = (n: number) => [['chat/n', n]];
    const ahead = await onAjax();
    const gotAhead: unknown[] = [];
    ahead.client.on('event', ([, n]) => gotAhead.push(n));
    ahead.clock.advance(1000);
    FakeWebSocket.last.handshake();
    FakeWebSocket.last.serverSend([[...push(1), ...push(2)], null]);
    FakeWebSocket.last.serverSend([push(3), null]);
    ahead.fetch.last.respond(json.pack([push(1), null]) as string);
    await flush();
    ahead.clock.advance(2000);
    expect(ahead.client.state.type).toBe('ws');
    // 2 and 3 reached only the probe before the switch: delivered from it.
    FakeWebSocket.last.serverSend([push(4), null]);
    expect(gotAhead).toEqual([1, 2, 3, 4]);
    ahead.client.disconnect();

    const behind = await onAjax();
    const gotBehind: unknown[] = [];
    behind.client.on('event', ([, n]) => gotBehind.push(n));
    behind.clock.advance(1000);
    const probe = FakeWebSocket.last;
    probe.handshake();
    probe.serverSend([push(1), null]);
    behind.fetch.last.respond(json.pack([[...push(1), ...push(2)], null]) as string);
    await flush();
    behind.fetch.last.respond(json.pack([push(3), null]) as string);
    await flush();
    behind.clock.advance(2000);
    expect(behind.client.state.type).toBe('ws');
    // 2 and 3 came over Ajax first: skipped when WebSocket brings them.
    probe.serverSend([[...push(2), ...push(3)], null]);
    probe.serverSend([[...push(4), ...push(1)], null]);
    expect(gotBehind).toEqual([1, 2, 3, 4, 1]);
  });

  it('delivers a push after the switch that looks like one Ajax delivered long before the probe connected', async () => {
    const { client, clock, fetch } = await onAjax();
    const got: SenteEvent[] = [];
    client.on('event', (e) => got.push(e));
    fetch.last.respond(json.pack([[['presence/tick']], null]) as string);
    await flush();
    clock.advance(5000);
    expect(FakeWebSocket.instances).toHaveLength(2);
    FakeWebSocket.last.handshake();
    clock.advance(2000);
    expect(client.state.type).toBe('ws');
    FakeWebSocket.last.serverSend([[['presence/tick']], null]);
    expect(got).toEqual([['presence/tick'], ['presence/tick']]);
  });

  it('keeps sends in order across the switch: it waits for Ajax POSTs in flight', async () => {
    const { client, clock, fetch } = await onAjax();
    clock.advance(1000);
    const probe = FakeWebSocket.last;
    probe.handshake();
    const replies: unknown[] = [];
    client.send(['chat/first'], 10_000, (r) => replies.push(r));
    clock.advance(2000);
    expect(client.state.type).toBe('ajax');
    expect(client.send(['chat/second'])).toBe(true);
    expect(fetch.open('POST')).toHaveLength(2);
    for (const post of fetch.open('POST')) post.respond(json.pack(['ok', null]) as string);
    await flush();
    clock.advance(50);
    expect(client.state.type).toBe('ws');
    expect(replies).toEqual(['ok']);
    client.send(['chat/third']);
    expect(probe.frames).toEqual([[['chat/third'], null]]);
  });

  it('stays on Ajax when a probe dies early, and waits longer before the next one', async () => {
    const { client, clock } = await onAjax();
    clock.advance(1000);
    FakeWebSocket.last.handshake();
    clock.advance(500);
    FakeWebSocket.last.serverClose();
    expect(client.state).toMatchObject({ type: 'ajax', open: true });
    clock.advance(1999);
    expect(FakeWebSocket.instances).toHaveLength(2);
    clock.advance(1);
    expect(FakeWebSocket.instances).toHaveLength(3);
    // A probe that never answers gives up at the connect timeout.
    clock.advance(10_000);
    expect(FakeWebSocket.last.closeCalls).toEqual([{ code: 1000, reason: 'CLOSE_NORMAL' }]);
    expect(client.state.type).toBe('ajax');
  });

  it('after a switch, a WebSocket that dies early again falls back, and the next probe waits longer', async () => {
    const { client, clock, fetch } = await onAjax();
    clock.advance(1000);
    FakeWebSocket.last.handshake();
    clock.advance(2000);
    expect(client.state.type).toBe('ws');
    // Reconnected after a clean close, the WebSocket dies at once: back to Ajax.
    FakeWebSocket.last.serverClose(1001, 'going away', true);
    FakeWebSocket.last.handshake();
    FakeWebSocket.last.serverClose();
    expect(client.state.lastClose?.reason).toBe('downgrading-ws-to-ajax');
    fetch.last.respond(ajaxHandshake());
    await flush();
    const sockets = FakeWebSocket.instances.length;
    clock.advance(1999);
    expect(FakeWebSocket.instances).toHaveLength(sockets);
    clock.advance(1);
    expect(FakeWebSocket.instances).toHaveLength(sockets + 1);
  });

  it('never delivers what a probe that died received', async () => {
    const { client, clock } = await onAjax();
    const got: SenteEvent[] = [];
    client.on('event', (e) => got.push(e));
    clock.advance(1000);
    FakeWebSocket.last.handshake();
    FakeWebSocket.last.serverSend([[['chat/from-a-dead-probe']], null]);
    FakeWebSocket.last.serverClose();
    clock.advance(2000);
    FakeWebSocket.last.handshake();
    clock.advance(2000);
    expect(client.state.type).toBe('ws');
    expect(got).toEqual([]);
  });

  it('does not probe with upgradeBackoffMs: null, and stops probing on disconnect()', async () => {
    const off = await onAjax({ upgradeBackoffMs: null });
    off.clock.advance(600_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
    off.client.disconnect();
    const on = await onAjax();
    on.clock.advance(1000);
    const probe = FakeWebSocket.last;
    on.client.disconnect();
    expect(probe.closeCalls).toEqual([{ code: 1000, reason: 'CLOSE_NORMAL' }]);
    expect(on.clock.pending).toBe(0);
  });
});
