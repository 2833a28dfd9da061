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
  /**
   * Optional: what `pack([content, ...rest])` gives, from `packedContent`,
   * what `pack(content)` gave, and `rest` — without packing `content` again.
   * The core uses it where many payloads share their content and differ only
   * after it: a broadcast's batches to clients with positions (each uid's own
   * epoch and offsets), whose events it then packs once. Leave it out when
   * the output cannot be put together that way.
   */
  packAround?(packedContent: Packed, rest: readonly unknown[]): Packed;
  /**
   * Optional, for a text packer with `packAround`, with
   * {@link packAroundTail}: `packAround`'s text in two parts, the head
   * depending on the content alone:
   * `packAroundHead(c) + packAroundTail(rest) === packAround(c, rest)`.
   * The core then puts a broadcast's head together once and each uid's tail
   * alone, and gives both to the adapter ({@link TextParts}), which encodes
   * the head once for all the sockets.
   */
  packAroundHead?(packedContent: string): string;
  /** Optional, with {@link packAroundHead}: the part of `packAround`'s text that follows the head. */
  packAroundTail?(rest: readonly unknown[]): string;
  /**
   * Optional: true when the packer has no keyword type and writes every
   * keyword as its name (JSON). A client then gives it its events with their
   * ids as the strings the app gave: the same output, without a keyword to
   * turn back into its name at every send.
   */
  readonly keywordsAsNames?: boolean;
}

/**
 * A text payload in two parts, `head + tail`: the head shared by the
 * payloads of a broadcast (its events, packed once), the tail this one's own
 * (a uid's position). The core gives it to an adapter beside the whole text
 * (`SocketChannel.send`), so that the adapter may encode the head once for
 * all the sockets and only the tail for each; an adapter may as well send
 * the text.
 */
export interface TextParts {
  readonly head: string;
  readonly tail: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The text of a payload, for text packers: a string as is, bytes decoded as
 * UTF-8. Returns `undefined` for bytes that are not valid UTF-8 or a value
 * that is neither, so the packer can answer with its own bad-package error.
 */
export function payloadText(data: Packed): string | undefined {
  if (typeof data === 'string') return data;
  if (!(data instanceof Uint8Array)) return undefined;
  try {
    return utf8.decode(data);
  } catch {
    return undefined;
  }
}
