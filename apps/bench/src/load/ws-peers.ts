/**
 * Raw-protocol WebSocket clients: each speaks its target's wire protocol with
 * nothing else, so the load generator costs little and the server's cost is
 * what is measured.
 */
import WebSocket from 'ws';
import type { Family } from '../targets.js';
import { ECHO_DATA, ECHO_DATA_JSON, ECHO_ID, PUSH_ID } from '../wire.js';

/** One connection of the load generator. */
export interface Peer {
  /** Sends one echo request; `done` runs when its reply arrives, `failed` if it cannot (an error status, a dropped request). */
  request(done: () => void, failed: (why: string) => void): void;
  close(): void;
}

/** Called with a pushed event's send time. */
export type OnPush = (sentAt: number) => void;

const SENTE_REQUEST_HEAD = `[["${ECHO_ID}",${ECHO_DATA_JSON}],"`;

/** How a raw peer writes its requests. */
export interface PeerOptions {
  /** Ask for this library's extensions (the push log). */
  readonly ext?: boolean;
  /** With `ext`: every request carries a message id, as `@sente/client` gives it. */
  readonly messageIds?: boolean;
  /**
   * Serialise each request's data (`JSON.stringify`), as any client must: the client scenarios. The server
   * scenarios' peers send a frame serialised once, to cost as little as they can.
   */
  readonly encodeEach?: boolean;
}

/** Opens a raw WebSocket peer of `family` on 127.0.0.1:`port`; resolves once the target's handshake is done. */
export function openWsPeer(family: Family, port: number, i: number, onPush: OnPush, options: PeerOptions = {}): Promise<Peer> {
  return family === 'socketio' ? socketIoPeer(port, onPush) : senteOrRawPeer(family, port, i, onPush, options);
}

/** Peers opened by this process: each one's message ids have a prefix of their own. */
let peersOpened = 0;

function connect(url: string): WebSocket {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  ws.on('error', () => {});
  return ws;
}

function failOnClose(ws: WebSocket, reject: (e: Error) => void): void {
  ws.once('close', (code) => reject(new Error(`socket closed (${code}) before it was ready`)));
  ws.once('error', (e) => reject(e));
}

/** Sente's JSON wire, which the raw servers speak too: `[[id data] cbId]` → `[data cbId]`; pushes as batches. */
function senteOrRawPeer(family: Family, port: number, i: number, onPush: OnPush, options: PeerOptions): Promise<Peer> {
  const { ext = false, messageIds = false, encodeEach = false } = options;
  const sente = family === 'sente';
  const url = sente ? `ws://127.0.0.1:${port}/chsk?uid=u${i}&client-id=c${i}-${process.pid}${ext ? '&sente-ext=1' : ''}` : `ws://127.0.0.1:${port}/`;
  const ws = connect(url);
  const waiting = new Map<string, () => void>();
  let nextCb = 0;
  // A message id as long as `@sente/client`'s: 12 characters unique to the peer, then a count. A peer of a
  // later scenario has the same client id, and the server remembers that client's ids: its own prefix keeps
  // its requests new ones (as a new `@sente/client` draws one), not retries of the last scenario's.
  // It ends with a dash, as `@sente/client`'s does, so that the server tells it from the count.
  const mPrefix = `m${(peersOpened++).toString(36).padStart(5, '0')}${String(process.pid).padStart(5, '0')}-`;
  // As `@sente/client` does, one request in 32 names the first id still waiting for its reply (`a`):
  // the server lets the earlier replies go. `waiting` keeps its cbs in the order they went out.
  let acked = 0;
  const ack = (cb: string): string | undefined => {
    const first = Number(waiting.keys().next().value ?? cb);
    if (first - acked < 32) return undefined;
    acked = first;
    return mPrefix + first;
  };
  return new Promise((resolve, reject) => {
    const peer: Peer = {
      request(done) {
        const cb = String(nextCb++);
        const a = messageIds ? ack(cb) : undefined;
        waiting.set(cb, done);
        if (encodeEach) ws.send(JSON.stringify(messageIds ? [[ECHO_ID, ECHO_DATA], cb, a === undefined ? { m: mPrefix + cb } : { m: mPrefix + cb, a }] : [[ECHO_ID, ECHO_DATA], cb]));
        else if (!messageIds) ws.send(`${SENTE_REQUEST_HEAD}${cb}"]`);
        else ws.send(a === undefined ? `${SENTE_REQUEST_HEAD}${cb}",{"m":"${mPrefix}${cb}"}]` : `${SENTE_REQUEST_HEAD}${cb}",{"m":"${mPrefix}${cb}","a":"${a}"}]`);
      },
      close: () => ws.terminate(),
    };
    failOnClose(ws, reject);
    if (!sente) ws.once('open', () => resolve(peer));
    ws.on('message', (raw) => {
      const [content, cbId] = JSON.parse(String(raw)) as [unknown, unknown];
      if (typeof cbId === 'string') {
        const done = waiting.get(cbId);
        waiting.delete(cbId);
        done?.();
      } else if (!sente) {
        if (content === PUSH_ID) onPush((cbId as { t: number }).t);
      } else if (Array.isArray(content) && Array.isArray(content[0])) {
        for (const ev of content as [string, { t: number }][]) onPush(ev[1].t);
      } else if (content === 'chsk/ws-ping') {
        ws.send('[["chsk/ws-pong"],null]');
      } else if (Array.isArray(content) && content[0] === 'chsk/handshake') {
        resolve(peer);
      }
    });
  });
}

/** Engine.IO 4 / Socket.IO 5 over WebSocket: `42<ack>["echo",data]` → `43<ack>[data]`; pushes as `42["push",data]`. */
function socketIoPeer(port: number, onPush: OnPush): Promise<Peer> {
  const ws = connect(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`);
  const waiting = new Map<number, () => void>();
  let nextAck = 0;
  return new Promise((resolve, reject) => {
    const peer: Peer = {
      request(done) {
        const ack = nextAck++;
        waiting.set(ack, done);
        ws.send(`42${ack}["echo",${ECHO_DATA_JSON}]`);
      },
      close: () => ws.terminate(),
    };
    failOnClose(ws, reject);
    ws.on('message', (raw) => onSocketIoPacket(String(raw), (p) => ws.send(p), waiting, onPush, () => resolve(peer)));
  });
}

/** Reads one Engine.IO packet of a Socket.IO connection; shared by the WebSocket and the polling peers. */
export function onSocketIoPacket(packet: string, send: (p: string) => void, waiting: Map<number, () => void>, onPush: OnPush, onConnected: () => void): void {
  const type = packet.charCodeAt(0);
  if (type === 0x34 /* 4: message */) {
    const sio = packet.charCodeAt(1);
    if (sio === 0x33 /* 3: ack */) {
      const bracket = packet.indexOf('[');
      const ack = Number(packet.slice(2, bracket));
      const done = waiting.get(ack);
      waiting.delete(ack);
      done?.();
    } else if (sio === 0x32 /* 2: event */) {
      const [, data] = JSON.parse(packet.slice(2)) as [string, { t: number }];
      onPush(data.t);
    } else if (sio === 0x30 /* 0: connect */) {
      onConnected();
    }
  } else if (type === 0x30 /* 0: open */) {
    send('40');
  } else if (type === 0x32 /* 2: ping */) {
    send('3');
  }
}
