/**
 * The MessagePack extension types of Sente 1.21's codec (taoensso.msgpack,
 * sente-protocol §7.2).
 */
export const EXT = {
  /** UTF-8 of the keyword's name, without the colon. */
  keyword: 0,
  /** UTF-8 of the symbol's name. */
  symbol: 1,
  /** UTF-8 of one character (read only: JS has no char type). */
  char: 2,
  /** Numerator then denominator, each a MessagePack integer (read only). */
  ratio: 3,
  /** A MessagePack array of the elements. */
  set: 4,
  /** Big-endian int32 elements. */
  int32Array: 5,
  /** Big-endian float32 elements. */
  float32Array: 6,
  /** Big-endian float64 elements. */
  float64Array: 7,
  /** One byte: the index of a map key in the per-message key cache. */
  cachedKey: 8,
  /** UTF-8 of the canonical UUID string. */
  uuid: 9,
  /** The MessagePack timestamp: Sente writes the 12-byte form (u32 nanos, i64 seconds). */
  timestamp: -1,
} as const;

/** How many distinct map keys a message's key cache holds (indices 0–255). */
export const KEY_CACHE_SIZE = 256;
