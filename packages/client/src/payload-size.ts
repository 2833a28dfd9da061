import type { Packed } from '@sente/core';

const utf8 = new TextEncoder();

/** How many bytes `packed` takes on the wire (UTF-8 for text). */
export const byteLength = (packed: Packed): number => (typeof packed === 'string' ? utf8.encode(packed).byteLength : packed.byteLength);

/**
 * True when `packed` takes more than `limit` bytes on the wire (UTF-8 for
 * text). Encodes a string only when its length alone cannot settle it: the
 * common small message costs one comparison.
 */
export function exceedsBytes(packed: Packed, limit: number): boolean {
  if (typeof packed !== 'string') return packed.byteLength > limit;
  // A UTF-16 code unit is at least 1 UTF-8 byte and at most 3.
  const n = packed.length;
  return n * 3 > limit && (n > limit || byteLength(packed) > limit);
}
