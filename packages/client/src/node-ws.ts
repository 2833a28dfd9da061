/**
 * The `ws` package's WebSocket on Node (the `"node"` entry), made cheaper per
 * frame. Browsers' bundles never see it.
 */
import type { WebSocketConstructor, WebSocketLike, WsMessageEventLike } from './platform.js';

/** What is used of the TCP socket under a `ws` WebSocket (Node's `net.Socket`). */
interface NodeSocketLike {
  readonly writableCorked: number;
  cork(): void;
  uncork(): void;
}

type MessageListener = (data: { toString(): string }, isBinary: boolean) => void;

/** What is used of a `ws` WebSocket beyond the WHATWG API: its TCP socket and its EventEmitter side. */
interface WsSocket {
  readonly _socket?: NodeSocketLike;
  on(event: 'message', listener: MessageListener): unknown;
  off(event: 'message', listener: MessageListener): unknown;
}

const subclasses = new WeakMap<WebSocketConstructor, WebSocketConstructor>();

/**
 * A subclass of `ws`'s `WebSocket` class `WS`:
 *
 * - `send` corks the TCP socket until the tick's microtasks are done: the
 *   frames sent in one tick (the requests a burst of replies sets off) leave
 *   in one system call rather than one each, still in order and before the
 *   tick ends;
 * - `onmessage` listens to `ws`'s own `message` event, and gets
 *   `{ data }` as its `MessageEvent` would have it (text as a string, binary
 *   as `binaryType` says), without the `MessageEvent` `ws` builds per frame.
 *
 * A WebSocket without a TCP socket of `ws`'s (undici's) sends as it would; a
 * constructor without a `send` of its own to extend (a factory) is returned as
 * it is. One subclass per class.
 */
export function nodeWebSocket(WS: WebSocketConstructor): WebSocketConstructor {
  const proto = WS.prototype as Partial<WebSocketLike & WsSocket> | undefined;
  if (typeof proto?.send !== 'function') return WS;
  let C = subclasses.get(WS);
  if (C !== undefined) return C;
  const resolved = Promise.resolve();
  const emitter = typeof proto.on === 'function' && typeof proto.off === 'function';
  C = class NodeWs extends WS {
    #uncork: (() => void) | undefined;
    #onmessage: ((event: WsMessageEventLike) => void) | null = null;
    #listener: MessageListener | undefined;

    static {
      if (emitter) {
        Object.defineProperty(NodeWs.prototype, 'onmessage', {
          enumerable: true,
          get(this: NodeWs) {
            return this.#onmessage;
          },
          // One listener at most, as with ws's own accessor.
          set(this: NodeWs, handler: unknown) {
            const ws = this as unknown as WsSocket;
            if (this.#listener !== undefined) ws.off('message', this.#listener);
            this.#listener = undefined;
            this.#onmessage = null;
            if (typeof handler !== 'function') return;
            const fn = handler as (event: WsMessageEventLike) => void;
            this.#onmessage = fn;
            this.#listener = (data, isBinary) => fn.call(this, { data: isBinary ? data : data.toString() });
            ws.on('message', this.#listener);
          },
        });
      }
    }

    override send(data: Parameters<WebSocketLike['send']>[0]): void {
      const tcp = (this as unknown as WsSocket)._socket;
      if (tcp?.writableCorked === 0) {
        tcp.cork();
        // A promise reaction rather than queueMicrotask, which Node wraps in an async resource each call.
        void resolved.then((this.#uncork ??= () => tcp.uncork()));
      }
      super.send(data);
    }
  };
  subclasses.set(WS, C);
  return C;
}
