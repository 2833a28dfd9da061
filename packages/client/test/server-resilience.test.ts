import type { Packer } from '@sente/core';
import { json } from '@sente/packer-json';
import WebSocket from 'ws';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createSenteClient } from '../src/node.js';
import type { ClientType, SenteClient, SenteClientOptions } from '../src/node.js';
import { handshakeFrame, startRawServer } from './support/raw-servers.js';
import type { RawServer } from './support/raw-servers.js';
import { startServer, waitFor } from './support/server.js';
import type { TestServer } from './support/server.js';
import { startProxy } from '@sente/adapter-conformance/tcp-proxy';
import type { TcpProxy } from '@sente/adapter-conformance/tcp-proxy';

let server: TestServer | undefined;
let raw: RawServer | undefined;
let proxy: TcpProxy | undefined;
const clients: SenteClient[] = [];
const cleanups: Array<() => void> = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  for (const f of cleanups.splice(0)) f();
  await proxy?.close();
  proxy = undefined;
  await raw?.close();
  raw = undefined;
  await server?.close();
  server = undefined;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const codeOf = (e: unknown) => (e as { code?: string } | null)?.code;

/** A Node client that records what it reports. */
function client(url: string, options: SenteClientOptions = {}): { c: SenteClient; errors: unknown[] } {
  const errors: unknown[] = [];
  const c = createSenteClient(url, null, { WebSocket, params: { uid: 'u1' }, backoffMs: () => 20, onError: (e) => errors.push(e), ...options });
  clients.push(c);
  return { c, errors };
}

/** A packer the default JSON client cannot read: JSON behind a marker. */
const otherPacker: Packer = {
  name: 'marked-json',
  binary: false,
  pack: (v) => `~${json.pack(v) as string}`,
  unpack: (d) => json.unpack(typeof d === 'string' ? d.slice(1) : d),
};

describe('connections refused, black-holed or cut (a loopback proxy)', () => {
  for (const type of ['ws', 'ajax'] as ClientType[]) {
    it(`reports ERR_SENTE_UNREACHABLE once while nothing listens, keeps retrying, and connects when the server is back (${type})`, async () => {
      server = await startServer();
      proxy = await startProxy(Number(new URL(server.origin).port));
      await proxy.refuse();
      const { c, errors } = client(`${proxy.origin}/chsk`, { type });
      await waitFor(() => codeOf(c.state.lastError) === 'ERR_SENTE_UNREACHABLE', 'unreachable');
      await sleep(200);
      expect(errors.map(codeOf)).toEqual(['ERR_SENTE_UNREACHABLE']);
      expect((errors[0] as Error).message).toContain('is the server up?');
      await proxy.accept();
      await waitFor(() => c.state.open, 'open');
      expect(c.state.type).toBe(type);
    });
  }

  it("gives up on an upgrade nobody answers after wsConnectTimeoutMs: ERR_SENTE_CONNECT_TIMEOUT ('ws')", async () => {
    server = await startServer();
    proxy = await startProxy(Number(new URL(server.origin).port), 'blackhole-upgrades');
    const { c, errors } = client(`${proxy.origin}/chsk`, { type: 'ws', wsConnectTimeoutMs: 200 });
    await waitFor(() => proxy !== undefined && proxy.upgrades >= 2, 'a second upgrade');
    expect(errors.map(codeOf)).toEqual(['ERR_SENTE_CONNECT_TIMEOUT']);
    expect(c.state.everOpened).toBe(false);
  });

  it("reports ERR_SENTE_CONNECT_TIMEOUT once when a proxy holds every request, and connects when it lets them through ('ajax')", async () => {
    server = await startServer();
    proxy = await startProxy(Number(new URL(server.origin).port), 'blackhole');
    const { c, errors } = client(`${proxy.origin}/chsk`, { type: 'ajax', wsConnectTimeoutMs: 150, backoffMs: () => 50 });
    await waitFor(() => proxy !== undefined && proxy.connections >= 3, 'three held requests');
    expect(errors.map(codeOf)).toEqual(['ERR_SENTE_CONNECT_TIMEOUT']);
    expect(c.state.everOpened).toBe(false);
    proxy.mode = 'pass';
    await waitFor(() => c.state.open, 'open');
  });

  it("falls back to Ajax when the upgrade is black-holed, and works there ('auto')", async () => {
    server = await startServer();
    server.sente.server.startRouter((msg) => {
      msg.reply?.({ via: msg.transport });
    });
    proxy = await startProxy(Number(new URL(server.origin).port), 'blackhole-upgrades');
    const { c, errors } = client(`${proxy.origin}/chsk`, { wsConnectTimeoutMs: 200, upgradeBackoffMs: null });
    await waitFor(() => c.state.open, 'open');
    expect(c.state).toMatchObject({ type: 'ajax', lastClose: { reason: 'downgrading-ws-to-ajax' } });
    await expect(c.request(['test/echo'], 2000)).resolves.toEqual({ via: 'ajax' });
    expect(errors).toEqual([]);
  });

  it('falls back to Ajax when a middlebox kills WebSockets right after they open, probes without flapping, and re-upgrades once they live, losing and repeating no push or send', async () => {
    server = await startServer();
    const received: number[] = [];
    server.sente.server.startRouter((msg) => {
      if (msg.id === 'test/n') received.push(msg.data as number);
    });
    proxy = await startProxy(Number(new URL(server.origin).port), 'kill-upgrades');
    proxy.killAfterMs = 100;
    const { c } = client(`${proxy.origin}/chsk`, { wsEarlyDeathMs: 400, upgradeBackoffMs: () => 150 });
    const closes: string[] = [];
    c.on('state', (ch) => {
      if (ch.closed) closes.push(ch.new.lastClose?.reason ?? '?');
    });
    const pushes: number[] = [];
    c.on('event', ([, n]) => pushes.push(n as number));
    await waitFor(() => c.state.open && c.state.type === 'ajax', 'open on Ajax');
    await sleep(1500);
    // Each probe lives 100 ms and waits 150 ms: a handful, and the app never saw a close.
    expect(proxy.upgrades).toBeGreaterThanOrEqual(3);
    expect(proxy.upgrades).toBeLessThan(12);
    expect(c.state).toMatchObject({ type: 'ajax', open: true });
    expect(closes).toEqual(['downgrading-ws-to-ajax']);

    // The middlebox goes away; pushes and sends flow while the client switches.
    proxy.mode = 'pass';
    let n = 0;
    let sent = 0;
    let sentOnAjax = -1;
    c.on('state', (ch) => {
      if (ch.new.type === 'ws' && ch.old.type === 'ajax') sentOnAjax = sent;
    });
    const pump = setInterval(() => {
      server?.sente.server.send('u1', ['test/push', ++n]);
      if (c.send(['test/n', sent + 1])) sent++;
    }, 5);
    try {
      await waitFor(() => c.state.type === 'ws', 're-upgrade', 5000);
      await sleep(300);
    } finally {
      clearInterval(pump);
    }
    await waitFor(() => received.length === sent, 'every send');
    // Every send arrived once. Parallel Ajax POSTs may overtake each other (as in
    // Sente), but none overtakes a send made after the switch, and WebSocket keeps order.
    expect([...received].sort((a, b) => a - b)).toEqual(Array.from({ length: sent }, (_, i) => i + 1));
    expect(sentOnAjax).toBeGreaterThan(0);
    expect(received.slice(0, sentOnAjax).every((x) => x <= sentOnAjax)).toBe(true);
    expect(received.slice(sentOnAjax)).toEqual(Array.from({ length: sent - sentOnAjax }, (_, i) => sentOnAjax + i + 1));
    // Every push once, in order, though the server sent each to both transports during the switch.
    await waitFor(() => pushes.length >= n, 'every push');
    expect(pushes).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(closes).toEqual(['downgrading-ws-to-ajax']);
  }, 15_000);
});

describe('misconfiguration, said once with a hint', () => {
  it('a wrong path: Ajax gets ERR_SENTE_NOT_FOUND; a WebSocket upgrade nobody answers times out; auto ends with ERR_SENTE_NOT_FOUND', async () => {
    server = await startServer();
    // Upgrades to a path nobody serves stay unanswered: cut them at the end so the server can close.
    const unanswered: Duplex[] = [];
    server.http.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
      if (req.url?.startsWith('/nope') === true) unanswered.push(socket);
    });
    cleanups.push(() => {
      for (const s of unanswered) s.destroy();
    });
    const ajax = client(`${server.origin}/nope`, { type: 'ajax' });
    // 1 s: long enough that a busy machine answers the auto client's Ajax handshake (a 404) within it.
    const ws = client(`${server.origin}/nope`, { type: 'ws', wsConnectTimeoutMs: 1000 });
    const auto = client(`${server.origin}/nope`, { wsConnectTimeoutMs: 1000 });
    await waitFor(() => codeOf(ajax.c.state.lastError) === 'ERR_SENTE_NOT_FOUND', 'ajax 404');
    await waitFor(() => codeOf(ws.c.state.lastError) === 'ERR_SENTE_CONNECT_TIMEOUT', 'ws timeout');
    await waitFor(() => codeOf(auto.c.state.lastError) === 'ERR_SENTE_NOT_FOUND', 'auto 404');
    await sleep(300);
    expect(ajax.errors).toMatchObject([{ code: 'ERR_SENTE_NOT_FOUND', status: 404 }]);
    expect(ws.errors.map(codeOf)).toEqual(['ERR_SENTE_CONNECT_TIMEOUT']);
    expect(auto.errors.map(codeOf)).toEqual(['ERR_SENTE_NOT_FOUND']);
  });

  for (const type of ['ws', 'ajax', 'auto'] as ClientType[]) {
    it(`a refused CSRF token (403) stops the retries with ERR_SENTE_FORBIDDEN (${type})`, async () => {
      let hits = 0;
      server = await startServer({ csrfToken: () => 'secret-token' });
      server.http.prependListener('request', () => hits++);
      server.http.prependListener('upgrade', () => hits++);
      const { c, errors } = client(server.url, { type });
      await waitFor(() => c.state.lastClose?.reason === 'rejected', 'rejected');
      const settled = hits;
      await sleep(300);
      expect(hits).toBe(settled);
      expect(errors).toMatchObject([{ code: 'ERR_SENTE_FORBIDDEN', status: 403 }]);
      expect((errors[0] as Error).message).toContain('CSRF token');
      expect(c.state).toMatchObject({ open: false, udtNextReconnect: null, lastError: errors[0] });
    });
  }

  for (const type of ['ws', 'ajax'] as ClientType[]) {
    it(`a 401 from the server's reject hook stops the retries with ERR_SENTE_UNAUTHORIZED (${type})`, async () => {
      server = await startServer({ reject: () => ({ status: 401, body: 'sign in' }) });
      const { c, errors } = client(server.url, { type });
      await waitFor(() => c.state.lastClose?.reason === 'rejected', 'rejected');
      expect(errors.map(codeOf)).toEqual(['ERR_SENTE_UNAUTHORIZED']);
    });

    it(`a server with another packer: ERR_SENTE_PACKER_MISMATCH, said once (${type})`, async () => {
      server = await startServer({ packer: otherPacker });
      const { c, errors } = client(server.url, { type });
      await waitFor(() => codeOf(c.state.lastError) === 'ERR_SENTE_PACKER_MISMATCH', 'mismatch');
      await sleep(200);
      expect(errors.map(codeOf)).toEqual(['ERR_SENTE_PACKER_MISMATCH']);
      expect((errors[0] as Error).message).toContain('the same packer on both sides?');
      expect(c.state.open).toBe(false);
    });
  }
});

describe("the server's retry hints", () => {
  it("waits a 503's Retry-After before the next Ajax poll", async () => {
    let busy = false;
    server = await startServer(
      {},
      {
        setup(app) {
          app.get('/chsk', (_req, res, next) => {
            if (!busy) next();
            else res.set('Retry-After', '1').status(503).send('busy');
          });
        },
      },
    );
    const { c } = client(server.url, { type: 'ajax', random: () => 0.5, backoffMs: () => 0 });
    await waitFor(() => c.state.open, 'open');
    const waits: number[] = [];
    c.on('state', (ch) => {
      if (ch.new.udtNextReconnect !== null && ch.old.udtNextReconnect === null) waits.push(ch.new.udtNextReconnect - Date.now());
    });
    busy = true;
    c.breakConnection();
    await waitFor(() => waits.length > 0, 'a scheduled retry');
    expect(waits[0]).toBeGreaterThan(950);
    expect(waits[0]).toBeLessThanOrEqual(1000);
  });

  it('waits the retry=<ms>~<jitter> of a WebSocket close reason (a draining server)', async () => {
    raw = await startRawServer({
      ws(s) {
        s.send(handshakeFrame('u1'));
        setTimeout(() => s.close(1012, 'restarting retry=700~0'), 20);
      },
    });
    const { c } = client(raw.url, { type: 'ws', wsEarlyDeathMs: 0 });
    const waits: number[] = [];
    c.on('state', (ch) => {
      if (ch.new.udtNextReconnect !== null && ch.old.udtNextReconnect === null) waits.push(ch.new.udtNextReconnect - Date.now());
    });
    await waitFor(() => waits.length > 0, 'a scheduled retry');
    expect(c.state.lastWsClose).toMatchObject({ code: 1012, reason: 'restarting retry=700~0' });
    expect(waits[0]).toBeGreaterThan(650);
    expect(waits[0]).toBeLessThanOrEqual(700);
  });

  it('stops for good on a close with 4401 unauthorized', async () => {
    raw = await startRawServer({
      ws(s) {
        s.send(handshakeFrame('u1'));
        setTimeout(() => s.close(4401, 'unauthorized'), 20);
      },
    });
    const { c, errors } = client(raw.url, { type: 'ws' });
    await waitFor(() => c.state.lastClose?.reason === 'rejected', 'rejected');
    await sleep(300);
    expect(raw.requests).toHaveLength(1);
    expect(errors.map(codeOf)).toEqual(['ERR_SENTE_UNAUTHORIZED']);
  });
});

describe("the handshake's ext (a server that speaks this library's extensions)", () => {
  it("asks for it with sente-ext=1 and refuses a request over the server's maxPayloadBytes locally; the WebSocket lives on", async () => {
    raw = await startRawServer({
      ws(s) {
        s.send(handshakeFrame('u1', { v: 1, maxPayloadBytes: 200 }));
        s.on('message', (d) => {
          const [ev, cbId] = json.unpack(String(d)) as [unknown, string | null];
          if (cbId !== null) s.send(json.pack([{ got: ev }, cbId]) as string);
        });
      },
    });
    const { c } = client(raw.url, { type: 'ws' });
    await waitFor(() => c.state.open, 'open');
    expect(new URL(`http://x${raw.requests[0] ?? ''}`).searchParams.get('sente-ext')).toBe('1');
    const pending = c.request(['test/slow', 1], 2000);
    await expect(c.request(['test/big', 'x'.repeat(300)], 2000)).rejects.toMatchObject({ code: 'ERR_SENTE_PAYLOAD_TOO_LARGE' });
    await expect(pending).resolves.toEqual({ got: ['test/slow', 1] });
    await expect(c.request(['test/small', 2], 2000)).resolves.toEqual({ got: ['test/small', 2] });
    expect(raw.frames.some((f) => f.includes('test/big'))).toBe(false);
    expect(c.state.open).toBe(true);
  });

  it("does the same over Ajax, with sente-ext=1 on the polls and the POSTs", async () => {
    raw = await startRawServer({
      http(req, res, body) {
        const url = new URL(`http://x${req.url ?? ''}`);
        if (req.method === 'GET' && url.searchParams.has('handshake?')) {
          res.end(handshakeFrame('u1', { v: 1, maxPayloadBytes: 200 }));
        } else if (req.method === 'POST') {
          const [ev] = json.unpack(new URLSearchParams(body).get('ppstr') ?? '') as [unknown];
          res.end(json.pack([{ got: ev }, null]) as string);
        }
        // Other polls stay parked until the client aborts them.
      },
    });
    const { c } = client(raw.url, { type: 'ajax' });
    await waitFor(() => c.state.open, 'open');
    await expect(c.request(['test/big', 'x'.repeat(300)], 2000)).rejects.toMatchObject({ code: 'ERR_SENTE_PAYLOAD_TOO_LARGE' });
    await expect(c.request(['test/small', 2], 2000)).resolves.toEqual({ got: ['test/small', 2] });
    // The handshake GET and the POST (the next poll may still be on its way).
    expect(raw.requests.length).toBeGreaterThanOrEqual(2);
    for (const r of raw.requests) expect(new URL(`http://x${r}`).searchParams.get('sente-ext')).toBe('1');
    expect(c.state.open).toBe(true);
  });
});
