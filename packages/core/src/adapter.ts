import type { Packed } from './packer.js';
import type { SenteResponse } from './request.js';

/**
 * An HTTP exchange to the Sente path (an Ajax GET or POST), as an adapter
 * hands it to `server.handleHttp`. The core decides every response — its
 * status, headers and body — and when to write it (at once, or later for a
 * parked long-poll); the adapter only writes it.
 */
export interface HttpExchange {
  /**
   * Writes the whole response and ends the exchange. Returns false, writing
   * nothing, when the exchange already ended (answered, or the client left).
   */
  respond(response: SenteResponse): boolean;
  /**
   * Registers `fn` to run once when the client goes away before the response
   * was written (a closed connection, an aborted request); runs it at once if
   * that already happened.
   */
  onAbort(fn: () => void): void;
}

/**
 * A WebSocket upgrade request to the Sente path, as an adapter hands it to
 * `server.handleUpgrade`. The core calls exactly one method, once.
 */
export interface UpgradeExchange {
  /** Refuses the upgrade with a plain HTTP response. */
  reject(response: SenteResponse): void;
  /**
   * Completes the upgrade, then calls `open` exactly once with the socket as
   * soon as it can send, and reports the socket's messages, drains and close
   * to the listener `open` returns.
   */
  accept(open: (socket: SocketChannel) => SocketListener): void;
}

/** An open WebSocket: the whole of what the core may do with it. */
export interface SocketChannel {
  /** Sends a text frame (a string) or a binary frame (bytes). A no-op once closed. */
  send(payload: Packed): void;
  /** Closes with a close frame. A no-op once closed. */
  close(code: number, reason: string): void;
  /**
   * Bytes sent but not yet written to the network. The core stops sending
   * past its bound (`maxBufferedBytes`), so a slow reader never makes the
   * socket buffer grow without bound.
   */
  readonly bufferedAmount: number;
}

/** What the core wants to hear about a socket it opened. */
export interface SocketListener {
  /** A message (text as a string, binary as bytes). */
  onMessage(data: Packed): void;
  /** The socket's buffer was written out (uWS `drain`). Optional to call: the core also checks on a timer. */
  onDrain(): void;
  /** The socket closed, for any reason. Calling it more than once is harmless. */
  onClose(code?: number, reason?: string): void;
}
