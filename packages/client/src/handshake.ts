import { CHSK, NIL_UID, keywordName } from '@sente/core';

/** A handshake read off the wire. */
export interface HandshakeContent {
  readonly uid: string;
  readonly handshakeData: unknown;
}

/** True when a message's content is a handshake, `[chsk/handshake, …]`. */
export function isHandshake(content: unknown): content is readonly [unknown, unknown] {
  return Array.isArray(content) && content.length === 2 && keywordName(content[0]) === CHSK.handshake;
}

/**
 * Reads `[chsk/handshake [uid nil handshakeData]]`. The uid may be the keyword
 * `:sente/nil-uid` (or its name, from keyword-less packers): it becomes the
 * string {@link NIL_UID}; a missing uid too. Pre-1.21 servers sent `[uid nil]`
 * when there was no handshake data.
 */
export function readHandshake(content: readonly [unknown, unknown]): HandshakeContent {
  const body = content[1];
  const parts: readonly unknown[] = Array.isArray(body) ? body : [];
  const rawUid = parts[0];
  const uid = keywordName(rawUid) ?? (rawUid === null || rawUid === undefined ? NIL_UID : String(rawUid));
  const handshakeData = parts[2] === undefined ? null : parts[2];
  return { uid, handshakeData };
}
