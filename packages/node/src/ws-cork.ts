import type { WebSocket } from 'ws';

/**
 * The parts of a `ws` socket (ws 8; not public API) that tell whether more
 * frames of the chunk being read wait behind the one being handled: its
 * receiver's unread bytes, and its TCP socket.
 */
interface WsInternals {
  readonly _receiver?: { readonly _bufferedBytes?: unknown } | null;
  readonly _socket?: { readonly writableCorked?: unknown; cork(): void; uncork(): void } | null;
}

/** The sockets corked in this tick, uncorked together once it ends. */
let corked: { uncork(): void }[] = [];

function uncorkAll(): void {
  const sockets = corked;
  corked = [];
  for (const s of sockets) s.uncork();
}

/**
 * Corks `ws`'s TCP socket until the end of this tick when more frames of the
 * chunk being read wait behind the one being handled: the replies to a
 * chunk's frames then go out in one write, as uWS sends its handlers' replies,
 * where each would be a write (a system call) of its own. A chunk of one frame,
 * the common case at one request in flight, is not corked: its reply is
 * written at once. Call it only while a frame of `ws` is being handled.
 */
export function corkWhileReading(ws: WebSocket): void {
  const { _receiver: receiver, _socket: socket } = ws as unknown as WsInternals;
  if (receiver == null || socket == null || !(typeof receiver._bufferedBytes === 'number' && receiver._bufferedBytes > 0)) return;
  if (socket.writableCorked !== 0) return;
  socket.cork();
  if (corked.push(socket) === 1) process.nextTick(uncorkAll);
}
