import { MsgpackDecodeError } from './sente-decoder.js';

// Fixed payload sizes after the type byte, for the types that have one.
const FIXED: Readonly<Record<number, number>> = {
  0xc0: 0, 0xc2: 0, 0xc3: 0, 0xca: 4, 0xcb: 8, 0xcc: 1, 0xcd: 2, 0xce: 4, 0xcf: 8,
  0xd0: 1, 0xd1: 2, 0xd2: 4, 0xd3: 8, 0xd4: 2, 0xd5: 3, 0xd6: 5, 0xd7: 9, 0xd8: 17,
};

/**
 * Where the first MessagePack value of `bytes` ends, checked without
 * building it: every length fits in the bytes present and collections nest
 * at most `maxDepth` deep. Iterative, so hostile nesting cannot overflow the
 * stack; what it accepts, a standard decoder can decode without surprises.
 */
export function firstValueEnd(bytes: Uint8Array, maxDepth: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (message: string, at: number): never => {
    throw new MsgpackDecodeError(message, at);
  };
  let pos = 0;
  const skip = (n: number): void => {
    if (n > bytes.length - pos) fail(`truncated: ${n} more bytes declared, ${bytes.length - pos} present`, pos);
    pos += n;
  };
  const len = (width: 1 | 2 | 4): number => {
    skip(width);
    const at = pos - width;
    return width === 1 ? view.getUint8(at) : width === 2 ? view.getUint16(at) : view.getUint32(at);
  };
  // Items still to read in each open collection; the bottom entry is the one top-level value.
  const open: number[] = [1];
  while (open.length > 0) {
    const last = open.length - 1;
    if (open[last] === 0) {
      open.pop();
      continue;
    }
    open[last] = (open[last] ?? 0) - 1;
    const at = pos;
    skip(1);
    const h = bytes[at] ?? 0;
    let items = -1;
    if (h <= 0x7f || h >= 0xe0) continue;
    if (h <= 0x8f) items = (h & 0x0f) * 2;
    else if (h <= 0x9f) items = h & 0x0f;
    else if (h <= 0xbf) skip(h & 0x1f);
    else if (FIXED[h] !== undefined) skip(FIXED[h]);
    else if (h === 0xc4 || h === 0xd9) skip(len(1));
    else if (h === 0xc5 || h === 0xda) skip(len(2));
    else if (h === 0xc6 || h === 0xdb) skip(len(4));
    else if (h === 0xc7) skip(len(1) + 1);
    else if (h === 0xc8) skip(len(2) + 1);
    else if (h === 0xc9) skip(len(4) + 1);
    else if (h === 0xdc) items = len(2);
    else if (h === 0xdd) items = len(4);
    else if (h === 0xde) items = len(2) * 2;
    else if (h === 0xdf) items = len(4) * 2;
    else fail(`unused type byte 0x${h.toString(16)}`, at);
    if (items < 0) continue;
    if (open.length > maxDepth) fail(`nesting deeper than ${maxDepth}`, at);
    if (items > bytes.length - pos) fail(`a collection of ${items} items in ${bytes.length - pos} bytes`, at);
    open.push(items);
  }
  return pos;
}
