import type { SocketChannel, SocketListener } from '@sente/core';
import type { WebSocket } from 'uWebSockets.js';

/** What a uWS socket carries from its upgrade to its close. */
export interface SocketData {
  /** The core's `open`, from the accepted upgrade; dropped once called (it holds the whole upgrade). */
  open: ((socket: SocketChannel) => SocketListener) | undefined;
  listener: SocketListener | undefined;
  /** uWS forbids touching a socket after its close handler ran. */
  closed: boolean;
}

/**
 * The text last sent, and its UTF-8 bytes once it was sent twice: a push to
 * many sockets (a broadcast's batch, packed once) is encoded once, not once
 * per socket. A text sent once (a reply) goes as it is.
 */
let lastText: string | undefined;
let lastBytes: Uint8Array | undefined;

/** A uWS socket as the core's channel: one object per socket, its methods shared (no closures per socket). */
class UwsChannel implements SocketChannel {
  constructor(
    private readonly ws: WebSocket<SocketData>,
    private readonly data: SocketData,
  ) {}

  send(payload: string | Uint8Array): void {
    if (this.data.closed) return;
    // Not corked: one frame is one write either way, and uWS corks its own handlers' sends (a reply) already.
    if (typeof payload !== 'string') return void this.ws.send(payload, true);
    if (payload === lastText) return void this.ws.send((lastBytes ??= Buffer.from(payload, 'utf8')), false);
    lastText = payload;
    lastBytes = undefined;
    this.ws.send(payload, false);
  }

  close(code: number, reason: string): void {
    // uWS runs the close handler (hence the core's onClose) synchronously.
    if (!this.data.closed) this.ws.end(code, reason);
  }

  get bufferedAmount(): number {
    return this.data.closed ? 0 : this.ws.getBufferedAmount();
  }
}

/** Opens the channel of a uWS socket that just opened. */
export function openSocketChannel(ws: WebSocket<SocketData>): void {
  const data = ws.getUserData();
  const open = data.open as (socket: SocketChannel) => SocketListener;
  data.open = undefined;
  data.listener = open(new UwsChannel(ws, data));
  // Closed while the core was opening it: the close handler found no listener yet.
  if (data.closed) data.listener.onClose();
}

/** A message, copied: uWS neuters its ArrayBuffer once the callback returns. */
export function copyMessage(message: ArrayBuffer, isBinary: boolean): string | Uint8Array {
  return isBinary ? new Uint8Array(message.slice(0)) : Buffer.from(message).toString('utf8');
}
