/**
 * Closing a socket that uWS still buffers data for (a slow reader). uWS's own
 * `end` would queue the close frame behind that data, drop the connection at
 * its next 4 s timer sweep if the peer had not read it all by then, and — once
 * the peer read some — wait for that peer with no timeout at all. The adapter
 * holds the close frame until the buffer drains, then until the peer answers
 * a ping sent behind the data (what the kernel still held is read by then),
 * for at most 30 s, as `ws` does; so these tests wait past uWS's sweep on
 * purpose.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import uWS from 'uWebSockets.js';
import type { TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import { attachSente } from '../src/index.js';
import { CLOSE_DRAIN_MS, CLOSE_PING } from '../src/websocket.js';
import type { SenteUws } from '../src/index.js';
import { connectWs, handshake } from '@sente/adapter-conformance/json-peer';
import type { WsPeer } from '@sente/adapter-conformance/json-peer';

interface Started {
  app: TemplatedApp;
  sente: SenteUws;
  token: us_listen_socket;
  port: number;
  errors: string[];
}

const running: Started[] = [];
const peers: WsPeer[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  for (const p of peers.splice(0)) p.ws.terminate();
  for (const s of sockets.splice(0)) s.destroy();
  for (const s of running.splice(0)) {
    await s.sente.close();
    uWS.us_listen_socket_close(s.token);
    s.app.close();
  }
});

/** Past uWS's timer sweep (every 4 s), which drops a socket still closing when it comes. */
const PAST_UWS_SWEEP_MS = 5000;
const PAD = 'x'.repeat(64 * 1024);
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sente on uWS with small bounds and no keep-alive: a reader that does not read is closed for its queue only. */
async function start(): Promise<Started> {
  const app = uWS.App();
  const errors: string[] = [];
  const sente = attachSente(app, {
    csrfToken: null,
    userId: (req) => req.query['user'],
    maxBufferedBytes: 256 * 1024,
    maxQueuedBytes: 1024 * 1024,
    wsKaliveMs: null,
    onError: (e) => void errors.push(e.code),
  });
  const token = await new Promise<us_listen_socket>((resolve, reject) =>
    app.listen('127.0.0.1', 0, (t) => (t ? resolve(t) : reject(new Error('Cannot listen')))),
  );
  const started = { app, sente, token, port: uWS.us_socket_local_port(token), errors };
  running.push(started);
  return started;
}

/** Pushes 64 KiB to alice, a turn of the event loop apart, until her queue overflows (the close with 1013); gives how many. */
async function pushUntilOverflow(s: Started): Promise<number> {
  let n = 0;
  while (n < 400 && !s.errors.includes('ERR_SENTE_QUEUE_OVERFLOW')) {
    s.sente.server.send('alice', ['app/push', [n++, PAD]], { flush: true });
    await new Promise((r) => setImmediate(r));
  }
  expect(s.errors).toContain('ERR_SENTE_QUEUE_OVERFLOW');
  return n;
}

/** Alice, connected with the handshake read, then reading nothing while pushes fill her queue past its bound. */
async function stalledAlice(s: Started): Promise<WsPeer> {
  const peer = await connectWs(`ws://127.0.0.1:${s.port}/chsk?client-id=c1&user=alice`);
  peers.push(peer);
  expect(await peer.next()).toEqual(handshake('alice'));
  tcp(peer).pause();
  await pushUntilOverflow(s);
  return peer;
}

/** The next message already received, or undefined. */
function arrived(peer: WsPeer): Promise<unknown> {
  return Promise.race([peer.next(), delay(100).then(() => undefined)]);
}

/** The TCP socket under a `ws` client: pausing it is the only way to read nothing. */
function tcp(peer: WsPeer): Socket {
  return (peer.ws as unknown as { _socket: Socket })._socket;
}

describe('@sente/uws closing a slow reader', () => {
  it('sends the 1013 close frame after what the socket already held, even when the reader reads again only after uWS would have dropped it', async () => {
    const s = await start();
    const peer = await stalledAlice(s);

    await delay(PAST_UWS_SWEEP_MS);
    tcp(peer).resume();
    const closed = await peer.closed;
    expect(closed.code).toBe(1013);
    // Every message arrived before the close: each a batch of pushes.
    const numbers: number[] = [];
    for (let m = await arrived(peer); m !== undefined; m = await arrived(peer)) {
      for (const ev of (m as [[string, [number, string]][], null])[0]) numbers.push(ev[1][0]);
    }
    // What the socket held went out first, in order, from the first push on; the rest was dropped at the bound.
    expect(numbers.length).toBeGreaterThan(0);
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => i));
  }, 20_000);

  it('sends the close frame after what the kernel still holds too: a reader that reads some, stops past uWS\'s sweep, then writes before reading on, gets all of it', async () => {
    const s = await start();
    const peer = await stalledAlice(s);
    // Enough for uWS's buffer to drain into the kernel (at most maxBufferedBytes and a batch): the kernel still holds more.
    const tcpSocket = tcp(peer);
    let read = 0;
    const stopAfterSome = (b: Buffer): void => {
      read += b.length;
      if (read < 2 * 1024 * 1024) return;
      tcpSocket.pause();
      tcpSocket.off('data', stopAfterSome);
    };
    tcpSocket.on('data', stopAfterSome);
    tcpSocket.resume();
    await delay(PAST_UWS_SWEEP_MS);
    expect(peer.ws.readyState).toBe(peer.ws.OPEN);
    // The reader is alive: it writes (a connection the server had let go of answers this with a reset, losing the rest).
    peer.send(['app/still-here']);
    await delay(100);
    tcpSocket.resume();
    expect((await peer.closed).code).toBe(1013);
    const numbers: number[] = [];
    for (let m = await arrived(peer); m !== undefined; m = await arrived(peer)) {
      for (const ev of (m as [[string, [number, string]][], null])[0]) numbers.push(ev[1][0]);
    }
    expect(numbers.length * PAD.length).toBeGreaterThan(read);
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => i));
  }, 20_000);

  it('drops a reader that reads nothing for 30 s after its close was decided: no close frame then (1006), and nothing of it is left', async () => {
    const s = await start();
    const peer = await stalledAlice(s);
    // The close frame waits for the drain (read within 30 s, it would still come: see the first case), for at most 30 s.
    await delay(CLOSE_DRAIN_MS + 1000);
    tcp(peer).resume();
    // What the reader's side had received arrives, then the connection ends without a close frame.
    expect((await peer.closed).code).toBe(1006);
    // The client's record went with its grace period (msAllowReconnectBeforeCloseWs), long before.
    expect(s.sente.server.stats()).toMatchObject({ wsClients: 0, timers: 0, queuedBatches: 0 });
  }, CLOSE_DRAIN_MS + 20_000);

  it('lets go of the connection of a reader that read everything, the close frame too, but never ends its side', async () => {
    const s = await start();
    const socket = connect({ port: s.port, host: '127.0.0.1', allowHalfOpen: true });
    sockets.push(socket);
    await new Promise((resolve) => socket.once('connect', resolve));
    let received = Buffer.alloc(0);
    let fin = false;
    socket.on('data', (b: Buffer) => void (received = Buffer.concat([received, b])));
    socket.on('end', () => void (fin = true));
    const gone = new Promise<string>((resolve) => {
      socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      socket.on('close', () => resolve('closed'));
    });
    socket.write(
      'GET /chsk?client-id=c1&user=alice HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    for (let i = 0; i < 100 && !received.includes('chsk/handshake'); i++) await delay(10);
    socket.pause();
    await pushUntilOverflow(s);
    socket.resume();
    // As a WebSocket peer must, it answers the ping the close frame waits behind (a pong, masked with zeros).
    const ping = Buffer.concat([Buffer.from([0x89, CLOSE_PING.length]), Buffer.from(CLOSE_PING)]);
    for (let i = 0; i < 500 && !received.includes(ping); i++) await delay(10);
    socket.write(Buffer.concat([Buffer.from([0x8a, 0x80 | CLOSE_PING.length, 0, 0, 0, 0]), Buffer.from(CLOSE_PING)]));
    for (let i = 0; i < 500 && !fin; i++) await delay(10);
    expect(fin).toBe(true);
    // The last frame before the FIN is the close frame (0x88: FIN bit and opcode 8; nothing else sent holds that byte), code 1013.
    const at = received.lastIndexOf(0x88);
    expect(at + 2 + (received[at + 1] as number)).toBe(received.length);
    expect(received.readUInt16BE(at + 2)).toBe(1013);

    // The peer never ends its side. Once the server let go of the connection, what the peer sends is refused
    // (an RST, seen at the next write: the peer stopped reading at the FIN).
    await delay(PAST_UWS_SWEEP_MS);
    socket.write('still here');
    await delay(200);
    socket.write('still here');
    expect(await Promise.race([gone, delay(3000).then(() => 'still held by the server')])).toMatch(/^(ECONNRESET|EPIPE)$/);
  }, 20_000);
});
