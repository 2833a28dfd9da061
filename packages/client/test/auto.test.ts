import { Keyword } from '@sente/core';
import { json } from '@sente/packer-json';
import { beforeAll, afterEach, describe, expect, it } from 'vitest';
import { createSenteClient } from '../src/index.js';
import { harness } from './support/clients.js';
import { FakeClock } from '@sente/core/internal';
import { FakeFetch, flush } from './support/fake-fetch.js';
import { FakeWebSocket } from './support/fake-web-socket.js';
import { loadFallback } from '../src/lazy-ajax.js';

// These tests drive the Ajax code with a fake clock, step by step: it is loaded
// beforehand, as a page has it once a client went to Ajax (lazy-ajax.test.ts
// covers the load itself).
beforeAll(() => loadFallback());

const handshake = (uid = 'u1') => json.pack([[Keyword.for('chsk/handshake'), [uid, null, null]], null]) as string;

afterEach(() => FakeWebSocket.reset());

describe("type 'auto'", () => {
  it('starts on WebSocket and reports type auto until the first handshake', () => {
    const { client, fetch } = harness();
    expect(client.state.type).toBe('auto');
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(fetch.requests).toHaveLength(0);
    FakeWebSocket.last.handshake();
    expect(client.state.type).toBe('ws');
  });

  it('downgrades to Ajax when the WebSocket fails before its first handshake', async () => {
    const { client, fetch } = harness();
    const ws = FakeWebSocket.last;
    ws.serverError();
    expect(client.state.lastClose?.reason).toBe('downgrading-ws-to-ajax');
    expect(ws.closeCalls).toEqual([{ code: 1000, reason: 'CLOSE_NORMAL' }]);
    ws.serverClose();
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(fetch.last.url.searchParams.get('handshake?')).toBe('1');
    fetch.last.respond(handshake('carol'));
    await flush();
    expect(client.state).toMatchObject({ type: 'ajax', open: true, uid: 'carol' });
  });

  it('downgrades when the socket closes before a handshake without an error event', () => {
    const { fetch } = harness();
    FakeWebSocket.last.serverOpen();
    FakeWebSocket.last.serverClose(1011, 'nope', true);
    expect(fetch.requests).toHaveLength(1);
  });

  it('does not start Ajax when a state listener disconnects during the downgrade', () => {
    const { client, fetch } = harness();
    client.on('state', (c) => {
      if (c.new.lastClose?.reason === 'downgrading-ws-to-ajax') client.disconnect();
    });
    FakeWebSocket.last.serverError();
    expect(fetch.requests).toHaveLength(0);
  });

  it('keeps retrying WebSocket once a WebSocket handshake worked', () => {
    const { client, fetch, clock } = harness();
    FakeWebSocket.last.handshake();
    clock.advance(2000);
    FakeWebSocket.last.serverError();
    FakeWebSocket.last.serverClose();
    expect(client.state.lastClose?.reason).toBe('unexpected');
    expect(FakeWebSocket.instances).toHaveLength(2);
    FakeWebSocket.last.serverError();
    FakeWebSocket.last.serverClose();
    expect(fetch.requests).toHaveLength(0);
  });

  it('reconnect() after a downgrade tries WebSocket again', async () => {
    const { client, fetch } = harness();
    FakeWebSocket.last.serverError();
    fetch.last.respond(handshake());
    await flush();
    client.reconnect();
    expect(fetch.last.aborted).toBe(true);
    expect(FakeWebSocket.instances).toHaveLength(2);
    FakeWebSocket.last.handshake();
    expect(client.state.type).toBe('ws');
  });

  it('uses Ajax directly where there is no WebSocket', () => {
    const fetch = new FakeFetch();
    const g = globalThis as { WebSocket?: unknown };
    const saved = g.WebSocket;
    delete g.WebSocket;
    try {
      const client = createSenteClient('http://127.0.0.1:9/chsk', null, { fetch: fetch.fetch, clock: new FakeClock() });
      expect(fetch.requests).toHaveLength(1);
      client.disconnect();
    } finally {
      if (saved !== undefined) g.WebSocket = saved;
    }
  });

  it("refuses type 'ws' without a WebSocket constructor, with a message that says what to pass", () => {
    const g = globalThis as { WebSocket?: unknown };
    const saved = g.WebSocket;
    delete g.WebSocket;
    try {
      expect(() => createSenteClient('http://127.0.0.1:9/chsk', null, { type: 'ws' })).toThrow(
        expect.objectContaining({ code: 'ERR_SENTE_BAD_OPTION', message: expect.stringContaining('options.WebSocket') }),
      );
    } finally {
      if (saved !== undefined) g.WebSocket = saved;
    }
  });
});
