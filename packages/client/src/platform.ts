/**
 * A listener property type that accepts any WebSocket implementation's event
 * type: written as a method so that TypeScript compares it bivariantly, the way
 * it compares the DOM's and `ws`'s own handler properties.
 */
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

/** What the client reads off a WebSocket `message` event. */
export interface WsMessageEventLike {
  /** A string for text frames; an `ArrayBuffer` (or a view) for binary ones. */
  readonly data: unknown;
}

/** What the client reads off a WebSocket `close` event. */
export interface WsCloseEventLike {
  /** The close code; 1006 when the connection dropped or never opened. */
  readonly code: number;
  /** The close reason the peer gave, often empty. */
  readonly reason: string;
  /** True when the closing handshake completed. */
  readonly wasClean: boolean;
}

/**
 * The part of the WHATWG `WebSocket` the client uses. Browsers' `WebSocket`,
 * the `ws` package's class and React Native's all fit.
 */
export interface WebSocketLike {
  /** Set to `'arraybuffer'`, so binary frames arrive as `ArrayBuffer`s. */
  binaryType: string;
  /** Sends a text or binary frame. */
  send(data: string | Uint8Array<ArrayBuffer>): void;
  /** Starts the closing handshake. */
  close(code?: number, reason?: string): void;
  /** The socket opened. */
  onopen: Handler<unknown> | null;
  /** A frame arrived. */
  onmessage: Handler<WsMessageEventLike> | null;
  /** The socket failed; a close follows. */
  onerror: Handler<unknown> | null;
  /** The socket closed. */
  onclose: Handler<WsCloseEventLike> | null;
}

/** A WebSocket constructor: `globalThis.WebSocket`, or `WebSocket` from the `ws` package on Node. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** What the client reads off a `fetch` response. */
export interface ResponseLike {
  /** True for a 2xx status. */
  readonly ok: boolean;
  /** The HTTP status. */
  readonly status: number;
  /** The body as text (text packers). */
  text(): Promise<string>;
  /** The body as bytes (binary packers). */
  arrayBuffer(): Promise<ArrayBuffer>;
  /** The headers: the client reads a 503's `Retry-After`. */
  readonly headers?: { get(name: string): string | null } | undefined;
  /** The body stream, cancelled when an error status makes the body useless. */
  readonly body?: { cancel(): Promise<void> } | null;
}

/** What the client passes to `fetch`. */
export interface FetchInit {
  /** `GET` for polls, `POST` for sends. */
  method: 'GET' | 'POST';
  /** `X-CSRF-Token`, `Content-Type` and the app's `headers`. */
  headers: Record<string, string>;
  /** A form (text packers) or the packed bytes (binary packers); POST only. */
  body?: string | Uint8Array<ArrayBuffer>;
  /** Set with `withCredentials`. */
  credentials?: 'include';
  /** Aborts on timeout, `disconnect()` and `breakConnection()`. */
  signal: AbortSignal;
  /** Long-polls must never be answered from a cache. */
  cache: 'no-store';
}

/** A `fetch` function: `globalThis.fetch`, or any compatible one. */
export type FetchLike = (url: string, init: FetchInit) => Promise<ResponseLike>;

/**
 * A packer's bytes as the DOM typings want them. Packers return ordinary
 * (`ArrayBuffer`-backed) arrays; only the typings admit a `SharedArrayBuffer`.
 */
export const asSendable = (packed: string | Uint8Array): string | Uint8Array<ArrayBuffer> =>
  packed as string | Uint8Array<ArrayBuffer>;
