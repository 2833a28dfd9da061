/** What a packer produces and consumes: text for text packers, bytes for binary ones. */
export type Packed = string | Uint8Array;

/**
 * Turns values into wire payloads and back. Every payload of Sente, in both
 * directions and on both transports, crosses the wire through the app's packer;
 * client and server must use the same one.
 *
 * A packer is a small value. `pack` and `unpack` are synchronous and throw on
 * failure (ideally a `SenteError` with code `ERR_SENTE_BAD_PACKAGE` from
 * `unpack`); nothing outside a packer knows its format.
 *
 * Keywords: the protocol's ids and reserved values are {@link Keyword}s. A
 * packer with a keyword type writes them as keywords; one without (JSON) writes
 * their names, and reads strings back, which the protocol accepts in every
 * keyword position.
 */
export interface Packer {
  /** A short name for logs and errors, e.g. `'json'`. */
  readonly name: string;
  /** True when `pack` returns bytes (binary WebSocket frames, octet-stream Ajax). */
  readonly binary: boolean;
  /** Packs a value. */
  pack(value: unknown): Packed;
  /** Unpacks a payload. Must throw, never hang or return garbage, on malformed input. */
  unpack(data: Packed): unknown;
}
