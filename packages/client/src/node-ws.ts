/**
 * The `ws` package's WebSocket on Node (the `"node"` entry): the frames sent
 * in one tick leave in one write to its TCP socket. Browsers' bundles never
 * see it.
 */
import type { WebSocketConstructor, WebSocketLike } from './platform.js';

/** What is used of the TCP socket under a `ws` WebSocket (Node's `net.Socket`). */
interface NodeSocketLike {
  readonly writableCorked: number;
  cork(): void;
  uncork(): void;
}

const corkingClasses = new WeakMap<WebSocketConstructor, WebSocketConstructor>();

/**
 * A subclass of `WS` whose `send` corks a `ws` socket's TCP socket until the
 * tick's microtasks are done: the requests a burst of replies sets off go out
 * in one system call rather than one each, still in order and before the tick
 * ends. A WebSocket without `ws`'s `_socket` (undici's) sends as it would;
 * a constructor without a `send` of its own to extend (a factory) is returned
 * as it is. One subclass per class.
 */
export function corkingWebSocket(WS: WebSocketConstructor): WebSocketConstructor {
  // Only a class with its own send to extend (`ws`'s); anything else is used as given.
  if (typeof (WS.prototype as Partial<WebSocketLike> | undefined)?.send !== 'function') return WS;
  let C = corkingClasses.get(WS);
  if (C === undefined) {
    const resolved = Promise.resolve();
    C = class extends WS {
      override send(data: Parameters<WebSocketLike['send']>[0]): void {
        const tcp = (this as { _socket?: NodeSocketLike })._socket;
        if (tcp?.writableCorked === 0) {
          tcp.cork();
          // A promise reaction rather than queueMicrotask, which Node wraps in an async resource each call.
          void resolved.then(() => tcp.uncork());
        }
        super.send(data);
      }
    };
    corkingClasses.set(WS, C);
  }
  return C;
}
