import type { Packed } from './packer.js';
import type { SenteResponse } from './request.js';

/**
 * One request's channel, as an adapter gives it to the core (Sente's
 * `IServerChan`): the whole of what the core may do with a socket or a parked
 * response.
 */
export interface ServerChannel {
  /** True while the channel can send. */
  isOpen(): boolean;
  /**
   * Sends a payload; false (and a no-op) when closed. A string goes as a text
   * frame, bytes as a binary frame. On Ajax a send **answers the request and
   * ends it**: status 200, {@link payloadHeaders}, the payload as the body.
   */
  send(payload: Packed): boolean;
  /**
   * Closes the channel; false (and a no-op) when already closed. WebSocket:
   * a close frame with `code` and `reason`. Ajax: ends the response with no body.
   */
  close(code?: number, reason?: string): boolean;
}

/** What the core wants to hear about a channel it opened. */
export interface ChannelListener {
  /** A WebSocket message (text as a string, binary as bytes). Ajax channels never call it. */
  onMessage(data: Packed): void;
  /**
   * The channel closed, for any reason: the peer left, `close()` was called, an
   * Ajax response was sent or aborted. Calling it more than once is harmless.
   */
  onClose(code?: number, reason?: string): void;
}

/**
 * The contract an adapter implements for one request to the Sente path (the
 * counterpart of Sente's `IServerChanAdapter`). The core calls exactly one of
 * these methods, once, from `server.handle(request, adapter)`:
 *
 * - `respond`: answer with a plain HTTP response and end the request
 *   (rejections, bad input). On an upgrade request it answers instead of
 *   upgrading.
 * - `acceptWebSocket`: complete the upgrade, then call `open` **exactly once**
 *   with the socket's channel as soon as it can send, and wire the socket's
 *   messages and close to the returned listener.
 * - `acceptAjax`: keep the response open; call `open` exactly once with a
 *   channel whose `send` answers the request, and report a client abort or the
 *   end of the response to the listener's `onClose`.
 *
 * No protocol rule lives in an adapter: it translates, the core decides.
 */
export interface ServerChannelAdapter {
  respond(response: SenteResponse): void;
  acceptWebSocket(open: (channel: ServerChannel) => ChannelListener): void;
  acceptAjax(open: (channel: ServerChannel) => ChannelListener): void;
}
