import { CHSK, NIL_UID } from './ids.js';
import { keywordName } from './keyword.js';

/** A handshake as a client reads it. */
export interface Handshake {
  /** The uid; `sente/nil-uid` when the server has none for this client. */
  readonly uid: string;
  /** The server's handshake data (`null` when none). */
  readonly handshakeData: unknown;
}

/** True when an envelope's content is a handshake, `[chsk/handshake, …]`. */
export function isHandshake(content: unknown): content is readonly [unknown, unknown] {
  return Array.isArray(content) && content.length === 2 && keywordName(content[0]) === CHSK.handshake;
}

/**
 * Reads `[chsk/handshake [uid nil handshakeData]]`. The uid may be the keyword
 * `:sente/nil-uid` (or its name, from keyword-less packers) or missing: both
 * read as {@link NIL_UID}. Servers before Sente 1.21 sent `[uid nil]` when
 * there was no handshake data.
 */
export function readHandshake(content: readonly [unknown, unknown]): Handshake {
  const body = content[1];
  const parts: readonly unknown[] = Array.isArray(body) ? body : [];
  const rawUid = parts[0];
  const uid = keywordName(rawUid) ?? (rawUid === null || rawUid === undefined ? NIL_UID : String(rawUid));
  return { uid, handshakeData: parts[2] === undefined ? null : parts[2] };
}
