import { afterEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import WebSocket from 'ws';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, Server } from 'node:http';
import { senteHttp } from '../src/index.js';
import type { NodeSenteOptions, UpgradeHandle } from '../src/index.js';

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(options: NodeSenteOptions<IncomingMessage> = {}): Promise<{ sente: ReturnType<typeof senteHttp>; http: Server; handle: UpgradeHandle; url: string }> {
  const sente = senteHttp({ csrfToken: null, userId: (req) => req.query['uid'] ?? null, ...options });
  const http: Server = createServer(sente.listener);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const handle = sente.attach(http);
  cleanups.push(async () => {
    await sente.close();
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  });
  return { sente, http, handle, url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}/chsk` };
}

/** A raw client, resolved once Sente's handshake arrived; `closed` resolves with the close code it saw. */
async function open(url: string, i: number): Promise<{ ws: WebSocket; closed: Promise<number> }> {
  const ws = new WebSocket(`${url}?client-id=c${i}&uid=u${i}`, { headers: { 'User-Agent': 'detach-test/1.0', Origin: 'http://127.0.0.1' } });
  const closed = new Promise<number>((resolve) => ws.once('close', resolve));
  await new Promise<void>((resolve, reject) => {
    ws.on('message', (m) => {
      if (String(m).includes('chsk/handshake')) resolve();
    });
    ws.once('error', reject);
  });
  cleanups.push(async () => void ws.terminate());
  return { ws, closed };
}

describe('@sente/node detach', () => {
  it("terminates every socket it opened, without ws's client tracking (off by default), a socket closed before left out", async () => {
    const { http, handle, url } = await start();
    expect(handle.wss.clients).toBeUndefined();
    const peers = await Promise.all([0, 1, 2].map((i) => open(url, i)));
    // One leaves first: its socket is out of the list when detach comes.
    const [gone, ...rest] = peers as [(typeof peers)[number], ...typeof peers];
    gone.ws.close(1000);
    expect(await gone.closed).toBe(1000);
    // The server's side of it closed too (its TCP connection is gone).
    const connections = (): Promise<number> => new Promise((resolve, reject) => http.getConnections((e, n) => (e ? reject(e) : resolve(n))));
    await expect.poll(connections).toBe(2);
    handle.detach();
    // Terminated: the TCP connection drops, no close frame (1006 on the client's side).
    expect(await Promise.all(rest.map((p) => p.closed))).toEqual([1006, 1006]);
  });

  it("keeps ws's clients set when wsOptions asks for it, and detach terminates them", async () => {
    const { handle, url } = await start({ wsOptions: { clientTracking: true } });
    const peers = await Promise.all([0, 1].map((i) => open(url, i)));
    expect(handle.wss.clients.size).toBe(2);
    handle.detach();
    expect(await Promise.all(peers.map((p) => p.closed))).toEqual([1006, 1006]);
  });

  it('terminates the sockets of a WebSocket class of the app', async () => {
    class AppSocket extends WebSocket {}
    const { handle, url } = await start({ wsOptions: { WebSocket: AppSocket } });
    const peers = await Promise.all([0, 1].map((i) => open(url, i)));
    handle.detach();
    expect(await Promise.all(peers.map((p) => p.closed))).toEqual([1006, 1006]);
  });

  it("keeps the upgrade request's headers as the client sent them, for the socket's life", async () => {
    const { sente, url } = await start();
    const seen: { headers: unknown; rawHeaders: string[]; httpVersion: string }[] = [];
    sente.server.startRouter((msg) => {
      if (msg.id !== 'app/headers') return;
      const req = msg.request.raw;
      seen.push({ headers: { ...req.headers }, rawHeaders: [...req.rawHeaders], httpVersion: req.httpVersion });
      msg.reply?.(true);
    });
    const peers = await Promise.all([0, 1].map((i) => open(url, i)));
    for (const p of peers) p.ws.send('[["app/headers"],"cb1"]');
    await expect.poll(() => seen.length).toBe(2);
    for (const [i, s] of seen.entries()) {
      expect(s.httpVersion).toBe('1.1');
      expect(s.headers).toMatchObject({ 'user-agent': 'detach-test/1.0', origin: 'http://127.0.0.1', upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-version': '13' });
      expect(s.rawHeaders).toEqual(expect.arrayContaining(['User-Agent', 'detach-test/1.0', 'Origin', 'http://127.0.0.1', 'Sec-WebSocket-Version', '13', 'Upgrade', 'websocket']));
      // Each socket keeps its own key.
      expect(s.rawHeaders[s.rawHeaders.indexOf('Sec-WebSocket-Key') + 1]).toBe((s.headers as Record<string, string>)['sec-websocket-key']);
      expect(seen[1 - i]?.headers).not.toEqual(s.headers);
    }
  });
});
