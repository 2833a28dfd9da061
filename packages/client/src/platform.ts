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
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

/**
 * The part of the WHATWG `WebSocket` the client uses. Browsers' `WebSocket`,
 * the `ws` package's class and React Native's all fit.
 */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: string | Uint8Array<ArrayBuffer>): void;
  close(code?: number, reason?: string): void;
  onopen: Handler<unknown> | null;
  onmessage: Handler<WsMessageEventLike> | null;
  onerror: Handler<unknown> | null;
  onclose: Handler<WsCloseEventLike> | null;
}

/** A WebSocket constructor: `globalThis.WebSocket`, or `WebSocket` from the `ws` package on Node. */
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** What the client reads off a `fetch` response. */
export interface ResponseLike {
  readonly ok: boolean;
  readonly status: number;
  text(): Promise<string>;
  arrayBuffer(): Promise<ArrayBuffer>;
  readonly body?: { cancel(): Promise<void> } | null;
}

/** What the client passes to `fetch`. */
export interface FetchInit {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string | Uint8Array<ArrayBuffer>;
  credentials?: 'include';
  signal: AbortSignal;
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
