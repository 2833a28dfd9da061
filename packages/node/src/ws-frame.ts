// Imported, not the global: a global is looked up through an inline cache at every use, once per frame (about 140 instructions).
import { Buffer } from 'node:buffer';
import type { WebSocket } from 'ws';

/**
 * The part of a `ws` socket's sender (ws 8, `ws._sender`; not public API)
 * that a frame built by the adapter goes through: `sendFrame` writes its
 * buffers to the socket as they are, where `ws.send` would build a header,
 * and write header and payload apart, for every frame. Socket.IO's engine.io
 * writes its broadcasts the same way.
 */
export interface FrameSender {
  sendFrame(list: readonly Buffer[], cb?: () => void): void;
  /** 0 while the sender queues nothing (no compression or Blob read in progress): a frame written now keeps its place. */
  readonly _state: number;
}

/**
 * `ws`'s sender of `ws` when a frame built by the adapter may be written through it;
 * `undefined` (send with `ws.send`) when its shape is not the one known
 * (another `ws` version), or when the socket compresses (a frame built here
 * is not compressed, and a compressing sender queues its frames).
 */
export function frameSender(ws: WebSocket): FrameSender | undefined {
  const sender = (ws as unknown as { _sender?: Partial<FrameSender> })._sender;
  if (sender === undefined || typeof sender.sendFrame !== 'function' || sender._state !== 0) return undefined;
  // A negotiated extension (permessage-deflate) changes what a frame is.
  if (ws.extensions !== '') return undefined;
  return sender as FrameSender;
}

/**
 * One unmasked text frame with FIN set, as a server sends it (RFC 6455
 * §5.2): the header and the UTF-8 payload of `text` in one buffer, written
 * as one chunk (to every socket of a broadcast).
 */
export function textFrame(text: string): readonly Buffer[] {
  const length = Buffer.byteLength(text, 'utf8');
  const frame = textFrameOf(length);
  frame.write(text, frame.length - length, 'utf8');
  return [frame];
}

/**
 * A text frame in two parts (see `TextParts` in `@sente/core`): the head's
 * UTF-8 bytes (a broadcast's events, encoded once for all its sockets), then
 * the tail (this socket's position) encoded after them. A tail of ASCII (a
 * position's digits and an epoch's letters) is copied as Latin-1, its bytes
 * as they are, without UTF-8's encoder.
 */
export function splitTextFrame(headBytes: Uint8Array, tail: string): readonly Buffer[] {
  const tailLength = Buffer.byteLength(tail, 'utf8');
  const frame = textFrameOf(headBytes.length + tailLength);
  const at = frame.length - tailLength;
  frame.set(headBytes, at - headBytes.length);
  frame.write(tail, at, tailLength === tail.length ? 'latin1' : 'utf8');
  return [frame];
}

/** A text frame's buffer for a payload of `length` bytes, its header written (FIN, opcode 1, no mask), the payload still to fill in. */
function textFrameOf(length: number): Buffer {
  const head = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(head + length);
  frame[0] = 0x81;
  if (head === 2) frame[1] = length;
  else if (head === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(0, 2);
    frame.writeUInt32BE(length, 6);
  }
  return frame;
}
