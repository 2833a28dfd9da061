import { Buffer } from 'node:buffer';
import { RepeatedText } from '@sente/core/internal';
import type { SocketListener, SocketOps } from '@sente/core';
import type { WebSocket } from 'uWebSockets.js';

/**
 * How long a socket closed while uWS still buffers data for it gets to take
 * that data and answer the ping sent behind it, before it is dropped without
 * a close frame: `ws`'s close timeout, so that a slow reader is treated alike
 * on every adapter.
 */
export const CLOSE_DRAIN_MS = 30_000;

/**
 * The payload of the ping a close waits behind (see {@link UWS_SOCKETS}'
 * `close`): its pong, and no other, lets the close frame go.
 */
export const CLOSE_PING = 'sente-close';

/** A close decided while uWS still buffered data for the socket: the close frame waits for the peer to read it all. */
interface Closing {
  readonly code: number;
  readonly reason: string;
  readonly timer: ReturnType<typeof setTimeout>;
  /** uWS's buffer drained and {@link CLOSE_PING} went out behind it: its pong sends the close frame. */
  pinged: boolean;
}

/** What a uWS socket carries from its upgrade to its close. */
export interface SocketData {
  /** The core's `open`, from the accepted upgrade; dropped once called (it holds the whole upgrade). */
  open: ((ws: WebSocket<SocketData>) => SocketListener) | undefined;
  listener: SocketListener | undefined;
  /** uWS forbids touching a socket after its close handler ran. */
  closed: boolean;
  /** Set while a close waits for uWS's buffer to drain (see {@link UWS_SOCKETS}' `close`). */
  closing?: Closing | undefined;
}

/** A broadcast's text encoded once for all the sockets it goes to. */
const repeated = new RepeatedText((text) => Buffer.from(text, 'utf8'));

/** The head of a broadcast's texts in two parts (see `TextParts`), encoded once for all its sockets. */
const heads = new RepeatedText((head) => Buffer.from(head, 'utf8'));

/**
 * The UTF-8 of a text in two parts: the head's bytes, encoded once for a
 * broadcast, then the tail's (a socket's position: ASCII, copied as Latin-1,
 * its bytes as they are).
 */
function joined(headBytes: Buffer, tail: string): Buffer {
  const tailLength = Buffer.byteLength(tail, 'utf8');
  const bytes = Buffer.allocUnsafe(headBytes.length + tailLength);
  bytes.set(headBytes, 0);
  bytes.write(tail, headBytes.length, tailLength === tail.length ? 'latin1' : 'utf8');
  return bytes;
}

/**
 * Decodes the text of a frame or a close reason straight from uWS's
 * ArrayBuffer, with no Buffer made for it: about a third of
 * `Buffer.from(message).toString()`'s time. The text is what `Buffer#toString`
 * gives, a leading BOM included (`ignoreBOM`).
 */
const TEXT = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * What the core does with a uWS socket: shared by all of them, so that a
 * socket needs no channel object of its own. Its state is the socket's user
 * data, which uWS.js keeps on the socket object itself: `getUserData()` is
 * the socket (held to that by test/uws-build.test.ts).
 */
export const UWS_SOCKETS: SocketOps<WebSocket<SocketData>> = {
  send(ws, payload, parts, alone) {
    const data = ws as unknown as SocketData;
    if (data.closed || data.closing !== undefined) return;
    // Not corked: one frame is one write either way, and uWS corks its own handlers' sends (a reply) already.
    if (typeof payload !== 'string') return void ws.send(payload, true);
    // A reply's text goes as it is: comparing it with the last text sent would cost more than it could save.
    if (parts !== undefined) ws.send(joined(heads.bytesFor(parts.head), parts.tail), false);
    else ws.send(alone === true ? payload : (repeated.bytesOf(payload) ?? payload), false);
  },

  /**
   * Closes with a close frame. With nothing buffered, at once: uWS runs the
   * close handler (hence the core's onClose) synchronously, and lets the
   * connection go at its next timer sweep (within 4 s with `idleTimeout: 0`)
   * unless the peer ends it first.
   *
   * With data still buffered (a slow reader), the close frame waits until the
   * peer has read it all: uWS's `end` would queue the frame behind uWS's
   * buffer and, once the peer read some, wait for that peer with no timeout
   * at all (Sente runs uWS with `idleTimeout: 0`); and once uWS's buffer
   * drains, the kernel still holds what it took (megabytes on a slow link),
   * while uWS drops a socket it ended at its next sweep, 0–4 s later, after
   * which anything the peer sends resets the connection and loses what was
   * still unread, the close frame with it. So once uWS's buffer drains, a
   * ping goes out behind the data, and its pong — the peer read everything
   * before it — sends the close frame. Past {@link CLOSE_DRAIN_MS} without
   * that pong the socket is dropped (1006).
   */
  close(ws, code, reason) {
    const data = ws as unknown as SocketData;
    if (data.closed || data.closing !== undefined) return;
    if (ws.getBufferedAmount() === 0) return ws.end(code, reason);
    const timer = setTimeout(() => {
      if (!data.closed) ws.close();
    }, CLOSE_DRAIN_MS);
    timer.unref();
    data.closing = { code, reason, timer, pinged: false };
  },

  bufferedAmount(ws) {
    return (ws as unknown as SocketData).closed ? 0 : ws.getBufferedAmount();
  },
};

/** Opens a uWS socket that just opened to the core. */
export function openSocket(ws: WebSocket<SocketData>): void {
  const data = ws.getUserData();
  const open = data.open as (ws: WebSocket<SocketData>) => SocketListener;
  data.open = undefined;
  data.listener = open(ws);
  // Closed while the core was opening it: the close handler found no listener yet.
  if (data.closed) data.listener.onClose();
}

/** uWS wrote some of the socket's buffer: the core may send again, or a close waiting for the drain pings behind it. */
export function socketDrained(ws: WebSocket<SocketData>): void {
  const data = ws.getUserData();
  const closing = data.closing;
  if (closing === undefined) return data.listener?.onDrain();
  if (closing.pinged || ws.getBufferedAmount() > 0) return;
  closing.pinged = true;
  ws.ping(CLOSE_PING);
}

/** A pong: the answer to a close's ping sends the close frame (the peer read everything before it). */
export function socketPonged(ws: WebSocket<SocketData>, message: ArrayBuffer): void {
  const data = ws.getUserData();
  const closing = data.closing;
  if (closing === undefined || !closing.pinged || TEXT.decode(message) !== CLOSE_PING) return;
  clearTimeout(closing.timer);
  ws.end(closing.code, closing.reason);
}

/** The socket closed (its peer, uWS, or Sente): nothing may touch it any more. */
export function socketClosed(ws: WebSocket<SocketData>, code: number, message: ArrayBuffer): void {
  const data = ws.getUserData();
  data.closed = true;
  if (data.closing !== undefined) clearTimeout(data.closing.timer);
  data.listener?.onClose(code, TEXT.decode(message));
}

/** A message, copied: uWS neuters its ArrayBuffer once the callback returns. */
export function copyMessage(message: ArrayBuffer, isBinary: boolean): string | Uint8Array {
  return isBinary ? new Uint8Array(message.slice(0)) : TEXT.decode(message);
}
