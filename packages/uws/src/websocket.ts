import type { SocketChannel, SocketListener } from '@sente/core';
import type { WebSocket } from 'uWebSockets.js';

/** What a uWS socket carries from its upgrade to its close. */
export interface SocketData {
  /** The core's `open`, from the accepted upgrade. */
  readonly open: (socket: SocketChannel) => SocketListener;
  listener: SocketListener | undefined;
  /** uWS forbids touching a socket after its close handler ran. */
  closed: boolean;
}

/** Opens the channel of a uWS socket that just opened. */
export function openSocketChannel(ws: WebSocket<SocketData>): void {
  const data = ws.getUserData();
  const socket: SocketChannel = {
    send(payload) {
      if (data.closed) return;
      ws.cork(() => void ws.send(payload, typeof payload !== 'string'));
    },
    close(code, reason) {
      // uWS runs the close handler (hence the core's onClose) synchronously.
      if (!data.closed) ws.end(code, reason);
    },
    get bufferedAmount() {
      return data.closed ? 0 : ws.getBufferedAmount();
    },
  };
  data.listener = data.open(socket);
  // Closed while the core was opening it: the close handler found no listener yet.
  if (data.closed) data.listener.onClose();
}

/** A message, copied: uWS neuters its ArrayBuffer once the callback returns. */
export function copyMessage(message: ArrayBuffer, isBinary: boolean): string | Uint8Array {
  return isBinary ? new Uint8Array(message.slice(0)) : Buffer.from(message).toString('utf8');
}
