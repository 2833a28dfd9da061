import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { createSenteClient } from '../src/node.js';
import type { HandshakeInfo, SenteClient, SenteClientOptions, SenteEvent } from '../src/node.js';
import { waitFor } from './support/server.js';
import { useServers } from './support/use-servers.js';
import type { TestServer } from './support/server.js';
import { TrackingClock } from './support/tracking-clock.js';
import { handshakeFrame } from './support/raw-servers.js';

let server: TestServer | undefined;
const { clients, startServer, startRawServer } = useServers();

const connect = (url: string, uid: string, options: SenteClientOptions = {}): SenteClient => {
  const c = createSenteClient(url, null, { type: 'ws', WebSocket, params: { uid }, ...options });
  clients.push(c);
  return c;
};

describe('WebSocket client against an Express server', () => {
  it('handshakes with the uid and handshake data the server gives', async () => {
    server = await startServer();
    const c = connect(server.url, 'ann');
    const handshakes: HandshakeInfo[] = [];
    c.on('handshake', (h) => handshakes.push(h));
    await waitFor(() => c.state.open, 'open');
    expect(c.state).toMatchObject({ type: 'ws', uid: 'ann', handshakeData: { hello: 'ann' }, everOpened: true });
    expect(handshakes).toEqual([{ uid: 'ann', handshakeData: { hello: 'ann' }, firstHandshake: true }]);
    expect([...server.sente.server.connectedUids.ws]).toEqual(['ann']);
  });

  it('gets a reply within the timeout, and chsk/timeout when the server does not reply in time', async () => {
    server = await startServer();
    server.sente.server.startRouter((msg) => {
      if (msg.id === 'test/echo') msg.reply?.({ echo: msg.data, uid: msg.uid });
      if (msg.id === 'test/late') setTimeout(() => msg.reply?.('too late'), 300);
    });
    const c = connect(server.url, 'bo');
    await waitFor(() => c.state.open, 'open');
    await expect(c.request(['test/echo', [1, 'two']], 2000)).resolves.toEqual({ echo: [1, 'two'], uid: 'bo' });
    const outcomes: unknown[] = [];
    c.send(['test/late'], 100, (r) => outcomes.push(r));
    await waitFor(() => outcomes.length > 0, 'timeout');
    expect(outcomes).toEqual(['chsk/timeout']);
    // The late reply arrives and is dropped; the connection carries on.
    await new Promise((r) => setTimeout(r, 300));
    expect(outcomes).toEqual(['chsk/timeout']);
    await expect(c.request(['test/echo', 3], 2000)).resolves.toEqual({ echo: 3, uid: 'bo' });
  });

  it('receives pushes in the order the server sent them', async () => {
    server = await startServer();
    const c = connect(server.url, 'cy');
    const got: SenteEvent[] = [];
    c.on('event', (e) => got.push(e));
    await waitFor(() => c.state.open, 'open');
    for (let i = 0; i < 50; i++) server.sente.server.send('cy', ['test/n', i], { flush: i % 7 === 0 });
    await waitFor(() => got.length === 50, '50 pushes');
    expect(got.map((e) => e[1])).toEqual([...Array(50).keys()]);
  });

  it("sends the events of one tick in one write to ws's TCP socket, in order, and later ones in a write of their own", async () => {
    server = await startServer();
    server.sente.server.startRouter((msg) => {
      if (msg.id === 'test/n') msg.reply?.(msg.data);
    });
    const sockets: WebSocket[] = [];
    // The ws class, recording its instances so that the test can count the writes to their TCP socket.
    class Recorded extends WebSocket {
      constructor(url: string) {
        super(url);
        sockets.push(this);
      }
    }
    const c = connect(server.url, 'wr', { WebSocket: Recorded as never });
    await waitFor(() => c.state.open, 'open');
    const tcp = (sockets[0] as unknown as { _socket: { _writev: (...a: unknown[]) => unknown; _write: (...a: unknown[]) => unknown } })._socket;
    let writes = 0;
    for (const m of ['_writev', '_write'] as const) {
      const original = tcp[m].bind(tcp);
      tcp[m] = (...a: unknown[]) => {
        writes++;
        return original(...a);
      };
    }
    const replies = [1, 2, 3, 4, 5].map((n) => c.request(['test/n', n], 2000));
    await Promise.resolve();
    expect(writes).toBe(1);
    await expect(Promise.all(replies)).resolves.toEqual([1, 2, 3, 4, 5]);
    await expect(c.request(['test/n', 6], 2000)).resolves.toBe(6);
    expect(writes).toBe(2);
  });

  it('reads text and binary frames alike from ws (binary ones as bytes), and nothing from a socket it let go', async () => {
    const sockets: WebSocket[] = [];
    const raw = await startRawServer({
      ws: (socket) => {
        sockets.push(socket);
        socket.send(Buffer.from(handshakeFrame('bin')), { binary: true });
        socket.send('[[["test/text",1]],null]');
        socket.send(Buffer.from('[[["test/bytes","☃"]],null]'), { binary: true });
      },
    });
    const c = connect(raw.url, 'bin');
    const got: SenteEvent[] = [];
    c.on('event', (e) => got.push(e));
    await waitFor(() => got.length === 2, 'two pushes');
    expect(c.state).toMatchObject({ open: true, uid: 'bin' });
    expect(got).toEqual([
      ['test/text', 1],
      ['test/bytes', '☃'],
    ]);
    c.reconnect();
    await waitFor(() => sockets.length === 2 && got.length === 4, 'the second socket and its pushes');
    // The first socket's frames, sent after the client let it go, reach nobody.
    sockets[0]?.send('[[["test/late",0]],null]');
    sockets[1]?.send('[[["test/after",3]],null]');
    await waitFor(() => got.length === 5, 'the push on the second socket');
    expect(got.map((e) => e[0])).toEqual(['test/text', 'test/bytes', 'test/text', 'test/bytes', 'test/after']);
  });

  it('reconnects after the server closes the socket, and resumes replies and pushes', async () => {
    server = await startServer();
    server.sente.server.startRouter((msg) => {
      msg.reply?.('ok');
    });
    const c = connect(server.url, 'di');
    const handshakes: HandshakeInfo[] = [];
    c.on('handshake', (h) => handshakes.push(h));
    await waitFor(() => c.state.open, 'open');
    server.sente.server.closeUser('di');
    await waitFor(() => handshakes.length === 2, 'second handshake');
    expect(c.state.lastWsClose).toMatchObject({ code: 4001 });
    expect(handshakes[1]?.firstHandshake).toBe(false);
    await expect(c.request(['test/after'], 2000)).resolves.toBe('ok');
    const got: SenteEvent[] = [];
    c.on('event', (e) => got.push(e));
    server.sente.server.send('di', ['test/push', 1]);
    await waitFor(() => got.length === 1, 'push after reconnect');
  });

  it('comes back when the server restarts on the same port', async () => {
    server = await startServer();
    const port = Number(new URL(server.url).port);
    const c = connect(server.url, 'ed', { backoffMs: () => 50 });
    await waitFor(() => c.state.open, 'open');
    await server.close();
    await waitFor(() => !c.state.open, 'closed');
    // A graceful shutdown closes the socket cleanly; the retries after it fail until the server is back.
    expect(c.state.lastClose?.reason).toBe('clean');
    server = await startServer({}, { port });
    await waitFor(() => c.state.open, 'reopened', 10_000);
    expect([...server.sente.server.connectedUids.ws]).toEqual(['ed']);
  }, 20_000);

  it('breakConnection() drops the socket; the client reconnects by itself', async () => {
    server = await startServer();
    const c = connect(server.url, 'fa');
    let opens = 0;
    c.on('state', (s) => {
      if (s.opened) opens++;
    });
    await waitFor(() => c.state.open, 'open');
    c.breakConnection();
    await waitFor(() => opens === 2, 'reopened');
    expect(c.state.lastWsClose?.code).toBe(3000);
    expect(c.state.lastClose?.reason).toBe('unexpected');
  });

  it('answers the server keep-alive pings, so an idle connection stays up', async () => {
    // Without the client's pongs, the server would close this socket after about 1.4 s.
    server = await startServer({ wsKaliveMs: 400, wsPingTimeoutMs: 1000 });
    const c = connect(server.url, 'ka', { wsKaliveMs: null });
    let closes = 0;
    c.on('state', (s) => {
      if (s.closed) closes++;
    });
    await waitFor(() => c.state.open, 'open');
    await new Promise((r) => setTimeout(r, 1800));
    expect(closes).toBe(0);
    expect(c.state.open).toBe(true);
  }, 10_000);

  it('keeps an idle connection with its own pings, answered by "pong"', async () => {
    server = await startServer({ wsKaliveMs: null });
    const c = connect(server.url, 'kb', { wsKaliveMs: 200, wsPingTimeoutMs: 1000 });
    let closes = 0;
    c.on('state', (s) => {
      if (s.closed) closes++;
    });
    await waitFor(() => c.state.open, 'open');
    const frames: string[] = [];
    for (const ws of server.upgrade?.wss.clients ?? []) ws.on('message', (m) => frames.push(String(m)));
    await waitFor(() => frames.length >= 3, 'three client pings');
    expect(JSON.parse(frames[0] ?? '')).toEqual([['chsk/ws-ping'], expect.stringMatching(/^[1-9][0-9]*$/)]);
    expect(closes).toBe(0);
  });

  it('disconnect() closes the socket on the server and leaves no timer running', async () => {
    server = await startServer({ msAllowReconnectBeforeCloseWs: 50 });
    const clock = new TrackingClock();
    const c = connect(server.url, 'gi', { clock, wsKaliveMs: 1000 });
    await waitFor(() => c.state.open, 'open');
    c.send(['test/pending'], 60_000, () => {});
    expect(clock.pending).toBeGreaterThan(0);
    c.disconnect();
    expect(clock.pending).toBe(0);
    await waitFor(() => server?.sente.server.stats().wsClients === 0, 'server to see the close');
    await new Promise((r) => setTimeout(r, 700));
    expect(c.state.open).toBe(false);
    expect(clock.pending).toBe(0);
  });
});
