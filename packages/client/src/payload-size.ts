import type { Packed } from '@sente/core';

/**
 * True when `packed` takes more than `limit` bytes on the wire (UTF-8 for
 * text). Counts without encoding the string, and only when its length alone
 * cannot settle it: the common small message costs one comparison.
 */
export function exceedsBytes(packed: Packed, limit: number): boolean {
  if (typeof packed !== 'string') return packed.byteLength > limit;
  const n = packed.length;
  // A UTF-16 code unit is at most 3 UTF-8 bytes; at least 1.
  if (n * 3 <= limit) return false;
  if (n > limit) return true;
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const c = packed.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if ((c & 0xfc00) === 0xd800 && (packed.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      // A surrogate pair is one 4-byte code point.
      bytes += 4;
      i++;
    } else bytes += 3;
    if (bytes > limit) return true;
  }
  return false;
}
