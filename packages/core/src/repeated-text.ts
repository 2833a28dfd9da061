/**
 * The bytes of a text sent to several sockets in a row (a broadcast's batch,
 * packed once): encoded on its second send, then the same bytes for every
 * further socket, instead of each socket encoding the text again. What
 * "encoded" is belongs to the adapter: UTF-8 bytes, or a whole WebSocket
 * frame built once. A text sent once (a reply, which the core sends
 * `alone`) does not come here: the caller sends or encodes it itself, with
 * no comparison (a reply is a fresh string, often of the last one's length,
 * and often a cons string that the comparison would have to flatten).
 * Only a small text is kept, until the next one: nothing large stays in
 * memory after it went out.
 */
export class RepeatedText<Bytes> {
  private text: string | undefined;
  private bytes: Bytes | undefined;

  constructor(private readonly encode: (text: string) => Bytes) {}

  /** Its bytes when `text` is the text of the previous call; `undefined` (send the text) otherwise. */
  bytesOf(text: string): Bytes | undefined {
    if (text === this.text) return (this.bytes ??= this.encode(text));
    this.text = text.length <= KEEP_TEXT_CHARS ? text : undefined;
    this.bytes = undefined;
    return undefined;
  }

  /**
   * The bytes of `text`, encoded now unless it is the text of the previous
   * call: for a part every socket of a broadcast sends (the head of
   * `TextParts`), encoded on its first send and kept for the next.
   */
  bytesFor(text: string): Bytes {
    if (text === this.text && this.bytes !== undefined) return this.bytes;
    const bytes = this.encode(text);
    const keep = text.length <= KEEP_TEXT_CHARS;
    this.text = keep ? text : undefined;
    this.bytes = keep ? bytes : undefined;
    return bytes;
  }
}

/** The longest text kept for its next socket. */
const KEEP_TEXT_CHARS = 64 * 1024;
