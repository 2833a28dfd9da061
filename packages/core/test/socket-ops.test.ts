import { describe, expect, it } from 'vitest';
import { CLOSE_CODES } from '../src/index.js';
import type { Packed, SocketListener, SocketOps, UpgradeExchange } from '../src/index.js';
import { Harness, request } from './support/harness.js';

/** An adapter's own socket object: no channel is made for it, the shared {@link OPS} work on it. */
interface RawSocket {
  readonly sent: Packed[];
  closed?: { code: number; reason: string };
  buffered: number;
  listener?: SocketListener;
}

/** The operations of every {@link RawSocket}, as an adapter shares them (uWS's does). */
const OPS: SocketOps<RawSocket> = {
  send(socket, payload) {
    if (socket.closed === undefined) socket.sent.push(payload);
  },
  close(socket, code, reason) {
    if (socket.closed !== undefined) return;
    socket.closed = { code, reason };
    socket.listener?.onClose(code, reason);
  },
  bufferedAmount: (socket) => socket.buffered,
};

/** Upgrades one request, opening its socket as a {@link RawSocket} with {@link OPS}. */
async function upgrade(h: Harness, clientId: string, uid = 'alice'): Promise<RawSocket> {
  const socket: RawSocket = { sent: [], buffered: 0 };
  const exchange: UpgradeExchange = {
    reject: (r) => {
      throw new Error(`refused ${r.status}`);
    },
    accept: (open) => {
      socket.listener = open(socket, OPS);
    },
  };
  await h.server.handleUpgrade(request({ websocket: true, query: { 'client-id': clientId, uid } }), exchange);
  return socket;
}

describe('a socket opened as the adapter\'s own object with shared SocketOps', () => {
  it('gets its handshake, its replies and pushes through the operations', async () => {
    const h = new Harness();
    h.server.startRouter((msg) => msg.reply?.({ echoed: msg.data }));
    const socket = await upgrade(h, 'c1');
    expect(socket.sent.map((p) => h.decode(p))).toEqual([[['chsk/handshake', ['alice', null, null]], null]]);

    socket.listener?.onMessage(JSON.stringify([['app/echo', 1], 'cb1']));
    h.server.send('alice', ['app/news', 'hi']);
    await h.advance(100);
    expect(socket.sent.slice(1).map((p) => h.decode(p))).toEqual([[{ echoed: 1 }, 'cb1'], [[['app/news', 'hi']], null]]);
    expect(h.server.connectedUids.ws.has('alice')).toBe(true);
  });

  it('stops sending while the operations report a full buffer, and sends the rest once it drains', async () => {
    const h = new Harness({ maxBufferedBytes: 1000 });
    const socket = await upgrade(h, 'c1');
    socket.buffered = 5000;
    h.server.send('alice', ['app/a', 1]);
    await h.advance(100);
    expect(socket.sent).toHaveLength(1);

    socket.buffered = 0;
    socket.listener?.onDrain();
    await h.advance(100);
    expect(socket.sent.slice(1).map((p) => h.decode(p))).toEqual([[[['app/a', 1]], null]]);
  });

  it('is closed through the operations, and forgotten', async () => {
    const h = new Harness();
    const socket = await upgrade(h, 'c1');
    h.server.closeUser('alice');
    expect(socket.closed?.code).toBe(CLOSE_CODES.closedByServer);
    // Past the grace period a closed socket's uid gets to come back in.
    await h.advance(10_000);
    expect(h.server.connectedUids.ws.has('alice')).toBe(false);
    expect(h.server.stats()).toMatchObject({ wsClients: 0 });
  });

  it('is closed through the operations when it opens while the server closes', async () => {
    const h = new Harness();
    let open: Parameters<UpgradeExchange['accept']>[0] | undefined;
    await h.server.handleUpgrade(request({ websocket: true, query: { 'client-id': 'c1', uid: 'alice' } }), {
      reject: () => {},
      accept: (o) => void (open = o),
    });
    const closing = h.server.close();
    const socket: RawSocket = { sent: [], buffered: 0 };
    if (open === undefined) throw new Error('not accepted');
    socket.listener = open(socket, OPS);
    await closing;
    expect(socket.closed?.code).toBe(1001);
    expect(socket.sent).toEqual([]);
  });
});
