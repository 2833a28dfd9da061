/**
 * Nothing lost (issue 8), on real servers through a loopback proxy that cuts
 * the network: pushes exactly once and in order across reconnects, the
 * `recovered` flag, the outbox, idempotent retries, and server→client requests.
 */
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { createSenteClient } from '../src/node.js';
import type { ClientType, HandshakeInfo, SenteClient, SenteClientOptions } from '../src/node.js';
import { waitFor } from './support/server.js';
import { useServers } from './support/use-servers.js';
import type { TestServer } from './support/server.js';
import type { TcpProxy } from '@sente/adapter-conformance/tcp-proxy';

let server: TestServer | undefined;
let proxy: TcpProxy | undefined;
const { clients, startServer, startProxy } = useServers();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const codeOf = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
};
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** A client of uid u1 that retries every 20 ms and keeps its errors to itself. */
function client(url: string, options: SenteClientOptions = {}): SenteClient {
  const c = createSenteClient(url, null, { WebSocket, params: { uid: 'u1' }, backoffMs: () => 20, onError: () => {}, ...options });
  clients.push(c);
  return c;
}

/** A server behind a proxy, whose grace periods are short: a cut of 300 ms outlives them. */
async function serverBehindProxy(options: Parameters<typeof startServer>[0] = {}): Promise<{ s: TestServer; p: TcpProxy; url: string }> {
  server = await startServer({ msAllowReconnectBeforeCloseWs: 100, msAllowReconnectBeforeCloseAjax: 100, ...options });
  proxy = await startProxy(Number(new URL(server.origin).port));
  return { s: server, p: proxy, url: `${proxy.origin}/chsk` };
}

/** The app's view: each pushed `test/n` number, in the order the client handed it over. */
function pushesOf(c: SenteClient): number[] {
  const seen: number[] = [];
  c.on('event', ([id, n]) => {
    if (id === 'test/n') seen.push(n as number);
  });
  return seen;
}

describe('the README quick start', () => {
  for (const type of ['ws', 'ajax'] as ClientType[]) {
    it(`answers a request made right after createSenteClient, before any handshake (${type})`, async () => {
      server = await startServer();
      server.sente.server.startRouter((msg) => {
        if (msg.id === 'chat/users') msg.reply?.(['alice', 'bob']);
      });
      const c = createSenteClient(server.url, null, { WebSocket, type });
      clients.push(c);
      const users = await c.request(['chat/users'], 5000); // or rejects with a SenteError
      expect(users).toEqual(['alice', 'bob']);
    });
  }
});

describe('pushes exactly once, in order, across a network cut longer than the grace period', () => {
  for (const type of ['ws', 'ajax'] as ClientType[]) {
    it(`replays what the client missed while the server had forgotten it, and says recovered: true (${type})`, async () => {
      const { s, p, url } = await serverBehindProxy();
      const c = client(url, { type });
      const seen = pushesOf(c);
      const handshakes: HandshakeInfo[] = [];
      c.on('handshake', (h) => handshakes.push(h));
      await waitFor(() => c.state.open, 'open');
      for (const n of range(1, 5)) s.sente.server.send('u1', ['test/n', n], { flush: true });
      await waitFor(() => seen.length === 5, 'the first pushes');

      await p.refuse();
      await waitFor(() => !c.state.open, 'the cut noticed');
      for (const n of range(6, 10)) s.sente.server.send('u1', ['test/n', n], { flush: n % 2 === 0 });
      await sleep(300);
      expect(s.sente.server.stats()).toMatchObject({ wsClients: 0, ajaxClients: 0 });
      await p.accept();
      await waitFor(() => seen.length >= 10, 'the replay');
      s.sente.server.send('u1', ['test/n', 11], { flush: true });
      await waitFor(() => seen.length >= 11, 'a new push');
      await sleep(100);

      expect(seen).toEqual(range(1, 11));
      expect(c.state.recovered).toBe(true);
      expect(handshakes.map((h) => h.recovered)).toEqual([undefined, true]);
    });

    it(`says recovered: false past the log's window, and hands over nothing twice (${type})`, async () => {
      const { s, p, url } = await serverBehindProxy({ replay: { maxEntries: 2 } });
      const c = client(url, { type });
      const seen = pushesOf(c);
      const handshakes: HandshakeInfo[] = [];
      c.on('handshake', (h) => handshakes.push(h));
      await waitFor(() => c.state.open, 'open');
      for (const n of range(1, 3)) s.sente.server.send('u1', ['test/n', n], { flush: true });
      await waitFor(() => seen.length === 3, 'the first pushes');

      await p.refuse();
      await waitFor(() => !c.state.open, 'the cut noticed');
      for (const n of range(4, 8)) s.sente.server.send('u1', ['test/n', n], { flush: true });
      await sleep(300);
      await p.accept();
      await waitFor(() => c.state.open && c.state.recovered !== undefined, 'the handshake');
      s.sente.server.send('u1', ['test/n', 9], { flush: true });
      await waitFor(() => seen.includes(9), 'a new push');
      await sleep(100);

      expect(c.state.recovered).toBe(false);
      expect(handshakes.at(-1)?.recovered).toBe(false);
      expect(seen).toEqual([1, 2, 3, 9]);
    });
  }
});

describe('a server that forgets an open Ajax client', () => {
  it("says so on the next poll's handshake: recovered: false when the log cannot cover the gap", async () => {
    // A queue of 2 batches and a log of 2 entries: a burst between two polls overflows the
    // queue, and the server forgets the client (it must come back with its position).
    server = await startServer({ maxQueuedBatches: 2, replay: { maxEntries: 2 }, onError: () => {} });
    const s = server;
    const c = client(s.url, { type: 'ajax' });
    const seen = pushesOf(c);
    const handshakes: HandshakeInfo[] = [];
    c.on('handshake', (h) => handshakes.push(h));
    await waitFor(() => c.state.open && s.sente.server.stats().ajaxClients === 1, 'open');
    await sleep(50);
    // 1 answers the parked poll; 2, 3 and 4 queue up before the next poll, 4 overflows the queue.
    for (const n of range(1, 6)) s.sente.server.send('u1', ['test/n', n], { flush: true });
    await waitFor(() => handshakes.length === 2, "the next poll's handshake");
    s.sente.server.send('u1', ['test/n', 7], { flush: true });
    await waitFor(() => seen.includes(7), 'a new push');

    expect(c.state.open).toBe(true);
    expect(handshakes.map((h) => h.recovered)).toEqual([undefined, false]);
    expect(c.state.recovered).toBe(false);
    expect(seen).toEqual([1, 7]);
  });
});

describe('the outbox', () => {
  for (const type of ['ws', 'ajax'] as ClientType[]) {
    it(`queues sends while the server is unreachable and delivers them in order once it opens (${type})`, async () => {
      const { s, p, url } = await serverBehindProxy();
      const received: number[] = [];
      s.sente.server.startRouter((msg) => {
        if (msg.id === 'test/q') received.push(msg.data as number);
        if (msg.id === 'test/r') msg.reply?.(msg.data);
      });
      await p.refuse();
      const c = client(url, { type });
      const replies: unknown[] = [];
      for (const n of range(1, 5)) {
        if (n === 3) expect(c.send(['test/r', 'three'], 5000, (r) => replies.push(r))).toBe(true);
        expect(c.send(['test/q', n])).toBe(true);
      }
      await sleep(200);
      expect(c.state.open).toBe(false);
      await p.accept();
      await waitFor(() => received.length === 5 && replies.length === 1, 'the queued sends');
      // Ajax POSTs run in parallel (as in Sente): the server may take them in another order.
      expect(type === 'ws' ? received : [...received].sort()).toEqual(range(1, 5));
      expect(replies).toEqual(['three']);
    });
  }

  it('refuses sends past maxEvents or maxBytes with ERR_SENTE_QUEUE_OVERFLOW, and the cb with chsk/error', async () => {
    const { p, url } = await serverBehindProxy();
    await p.refuse();
    const c = client(url, { type: 'ws', outbox: { maxEvents: 2, maxBytes: 200 } });
    expect(c.send(['test/q', 1])).toBe(true);
    expect(await codeOf(c.request(['test/q', 'x'.repeat(300)], 5000))).toBe('ERR_SENTE_QUEUE_OVERFLOW');
    expect(c.send(['test/q', 2])).toBe(true);
    expect(await codeOf(c.request(['test/q', 3], 5000))).toBe('ERR_SENTE_QUEUE_OVERFLOW');
    const replies: unknown[] = [];
    expect(c.send(['test/q', 3], 5000, (r) => replies.push(r))).toBe(false);
    expect(replies).toEqual(['chsk/error']);
  });

  it('times out a queued request (ERR_SENTE_TIMEOUT) and never sends it', async () => {
    const { s, p, url } = await serverBehindProxy();
    const received: unknown[] = [];
    s.sente.server.startRouter((msg) => {
      if (msg.id === 'test/q') received.push(msg.data);
    });
    await p.refuse();
    const c = client(url, { type: 'ws' });
    const late = codeOf(c.request(['test/q', 'late'], 100));
    c.send(['test/q', 'kept']);
    expect(await late).toBe('ERR_SENTE_TIMEOUT');
    await p.accept();
    await waitFor(() => received.length === 1, 'the other send');
    await sleep(100);
    expect(received).toEqual(['kept']);
  });

  it('fails what waits with chsk/closed on disconnect() (ERR_SENTE_CLOSED), and refuses sends after it', async () => {
    const { p, url } = await serverBehindProxy();
    await p.refuse();
    const c = client(url, { type: 'ws' });
    const replies: unknown[] = [];
    c.send(['test/q', 1], 5000, (r) => replies.push(r));
    const waiting = codeOf(c.request(['test/q', 2], 5000));
    c.disconnect();
    expect(replies).toEqual(['chsk/closed']);
    expect(await waiting).toBe('ERR_SENTE_CLOSED');
    expect(await codeOf(c.request(['test/q', 3], 5000))).toBe('ERR_SENTE_CLOSED');
  });
});

describe('the outbox, when the server refuses the client for good', () => {
  for (const type of ['ws', 'ajax'] as ClientType[]) {
    it(`fails what waits with chsk/closed (ERR_SENTE_CLOSED) on a 403 (${type})`, async () => {
      server = await startServer({ csrfToken: () => 'secret-token', onError: () => {} });
      const c = createSenteClient(server.url, 'wrong', { WebSocket, type, params: { uid: 'u1' }, backoffMs: () => 20, onError: () => {} });
      clients.push(c);
      const replies: unknown[] = [];
      c.send(['test/q', 1], 5000, (r) => replies.push(r));
      expect(await codeOf(c.request(['test/q', 2], 5000))).toBe('ERR_SENTE_CLOSED');
      expect(replies).toEqual(['chsk/closed']);
      expect(c.state.lastClose?.reason).toBe('rejected');
    });
  }
});

describe('idempotent retries', () => {
  for (const type of ['ws', 'ajax'] as ClientType[]) {
    it(`sends a request again after its connection died, handled once, and resolves with the first reply (${type})`, async () => {
      const { s, p, url } = await serverBehindProxy();
      let calls = 0;
      let reply: ((v: unknown) => boolean) | undefined;
      s.sente.server.startRouter((msg) => {
        if (msg.id !== 'test/charge') return;
        calls++;
        reply = msg.reply;
      });
      const c = client(url, { type });
      await waitFor(() => c.state.open, 'open');
      const answer = c.request(['test/charge', 10], 10_000);
      await waitFor(() => calls === 1, 'the handler');
      p.cutAll();
      await waitFor(() => !c.state.open, 'the cut noticed');
      await waitFor(() => c.state.open, 'open again');
      // The retry reaches the server, which waits for the first send's handler.
      await sleep(200);
      reply?.({ charged: 10 });
      expect(await answer).toEqual({ charged: 10 });
      expect(calls).toBe(1);
    });
  }
});

describe('server→client requests', () => {
  for (const type of ['ws', 'ajax'] as ClientType[]) {
    it(`answers server.request through the router's reply, once (${type})`, async () => {
      server = await startServer();
      const c = client(server.url, { type });
      c.startRouter((msg) => {
        if (msg.id !== 'app/confirm') return;
        msg.reply?.({ yes: msg.data });
        msg.reply?.('ignored');
      });
      await waitFor(() => c.state.open, 'open');
      await expect(server.sente.server.request(c.clientId, ['app/confirm', 7], 3000)).resolves.toEqual({ yes: 7 });
      await expect(server.sente.server.request(c.clientId, ['app/confirm', 8], 3000)).resolves.toEqual({ yes: 8 });
    });
  }
});
