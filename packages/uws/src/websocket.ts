import { CLOSE_CODES } from '@sente/core';
import type { ChannelListener, ServerChannel } from '@sente/core';
import type { WebSocket } from 'uWebSockets.js';

/** What a uWS socket carries from its upgrade to its close. */
export interface SocketData {
  /** The core's `open`, from `acceptWebSocket`. */
  readonly open: (ch: ServerChannel) => ChannelListener;
  listener: ChannelListener | undefined;
  /** uWS forbids touching a socket after its close handler ran. */
  closed: boolean;
  /** A slow consumer: sends stop, and the socket closes once uWS has flushed what it holds. */
  slow: boolean;
}

/** uWS's `send` result when the message was dropped: the socket buffers more than `maxBackpressure`. */
const DROPPED = 2;


/** The channel of an open uWS socket. */
export function openSocketChannel(ws: WebSocket<SocketData>): void {
  const data = ws.getUserData();
  const ch: ServerChannel = {
    isOpen: () => !data.closed && !data.slow,
    send(payload) {
      if (data.closed || data.slow) return false;
      let status = 0;
      ws.cork(() => {
        status = ws.send(payload, typeof payload !== 'string');
      });
      if (status !== DROPPED) return true;
      // Unsent, so the core keeps it for the reconnect. Closing now would make
      // uWS discard what it buffered: close once it is flushed (see drainSocket).
      data.slow = true;
      return false;
    },
    close(code, reason) {
      if (data.closed) return false;
      // uWS runs the close handler (hence the core's onClose) synchronously.
      ws.end(code ?? 1000, reason ?? '');
      return true;
    },
  };
  data.listener = data.open(ch);
  // Closed while the core was opening it: the close handler found no listener yet.
  if (data.closed) data.listener.onClose();
}

/**
 * uWS flushed some of a socket's buffer: a slow consumer (a socket whose
 * unsent data passed `maxBackpressure`) closes with 1013 once all of it is out.
 * Sends to it stopped at once, the core keeping the pushes; its client
 * reconnects and gets the rest, in order.
 */
export function drainSocket(ws: WebSocket<SocketData>): void {
  const data = ws.getUserData();
  if (data.slow && !data.closed && ws.getBufferedAmount() === 0) ws.end(CLOSE_CODES.slowConsumer, 'Slow consumer');
}

/** A message, copied: uWS neuters its ArrayBuffer once the callback returns. */
export function copyMessage(message: ArrayBuffer, isBinary: boolean): string | Uint8Array {
  return isBinary ? new Uint8Array(message.slice(0)) : Buffer.from(message).toString('utf8');
}
