import type { Packed, TextParts } from './packer.js';
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
  accept(open: OpenSocket): void;
}

/**
 * Opens an accepted socket, given either as a {@link SocketChannel}, or as
 * the adapter's own socket object with the {@link SocketOps} of its kind (no
 * channel object per socket). Returns the listener of the socket.
 */
export interface OpenSocket {
  (socket: SocketChannel): SocketListener;
  <S extends object>(socket: S, ops: SocketOps<S>): SocketListener;
}

/** An open WebSocket: the whole of what the core may do with it. */
export interface SocketChannel {
  /**
   * Sends a text frame (a string) or a binary frame (bytes). A no-op once
   * closed. `parts`, when given, is the same text in two parts (see
   * {@link TextParts}): a broadcast's events and this socket's position.
   * `alone`: `true` for a payload that goes to this socket only (a reply, a
   * handshake): an adapter that encodes a broadcast's text once for all its
   * sockets need not compare it with the last text it sent.
   */
  send(payload: Packed, parts?: TextParts, alone?: boolean): void;
  /** Closes with a close frame. A no-op once closed. */
  close(code: number, reason: string): void;
  /**
   * Bytes sent but not yet written to the network. The core stops sending
   * past its bound (`maxBufferedBytes`), so a slow reader never makes the
   * socket buffer grow without bound.
   */
  readonly bufferedAmount: number;
}

/**
 * What a {@link SocketChannel} does, for every socket of one kind: the
 * operations are given the socket. An adapter that has an object per socket
 * anyway (uWS's) opens its sockets with one shared `SocketOps` rather than a
 * channel object per socket. Each operation means what the channel's does.
 */
export interface SocketOps<S> {
  /** As {@link SocketChannel.send}. */
  send(socket: S, payload: Packed, parts?: TextParts, alone?: boolean): void;
  close(socket: S, code: number, reason: string): void;
  bufferedAmount(socket: S): number;
}

/** A {@link SocketChannel} through {@link SocketOps}: what the core uses for a socket opened as a channel. */
export const CHANNEL_OPS: SocketOps<SocketChannel> = {
  send: (channel, payload, parts, alone) => channel.send(payload, parts, alone),
  close: (channel, code, reason) => channel.close(code, reason),
  bufferedAmount: (channel) => channel.bufferedAmount,
};

/** What the core wants to hear about a socket it opened. */
export interface SocketListener {
  /** A message (text as a string, binary as bytes). */
  onMessage(data: Packed): void;
  /** The socket's buffer was written out (uWS `drain`). Optional to call: the core also checks on a timer. */
  onDrain(): void;
  /** The socket closed, for any reason. Calling it more than once is harmless. */
  onClose(code?: number, reason?: string): void;
}
