import { CHSK_HANDSHAKE, NIL_UID } from './ids.js';
import { keywordName } from './keyword.js';
import { isPlainObject } from './maps.js';

/** A handshake as a client reads it. */
export interface Handshake {
  /** The uid; `sente/nil-uid` when the server has none for this client. */
  readonly uid: string;
  /** The server's handshake data (`null` when none). */
  readonly handshakeData: unknown;
  /**
   * This library's extensions, present only when the client asked for them
   * (query parameter `sente-ext`) and the server speaks them.
   */
  readonly ext?: HandshakeExt | undefined;
}

/**
 * What a server that speaks this library's extensions adds to the handshake,
 * as a 4th element: `[uid nil handshakeData ext]`. Clojure Sente clients never
 * ask for it, so they never see it.
 */
export interface HandshakeExt {
  /** The extension version the server speaks. */
  readonly v: number;
  /** The largest payload the server accepts from a client, in bytes. */
  readonly maxPayloadBytes?: number | undefined;
  /** The most events the server takes in one Ajax POST (a batch POST); absent: one. */
  readonly maxPostEvents?: number | undefined;
  /** True when the server takes `a` in a client event's extensions (the replies the client got: see `EnvelopeExt`). */
  readonly acks?: unknown;
  /** Further fields, by name (read as they came). */
  readonly [field: string]: unknown;
}

/** True when an envelope's content is a handshake, `[chsk/handshake, …]`. */
export function isHandshake(content: unknown): content is readonly [unknown, unknown] {
  return Array.isArray(content) && content.length === 2 && keywordName(content[0]) === CHSK_HANDSHAKE;
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
  const ext = readExt(parts[3]);
  return { uid, handshakeData: parts[2] === undefined ? null : parts[2], ...(ext === undefined ? {} : { ext }) };
}

function readExt(v: unknown): HandshakeExt | undefined {
  let o: Record<string, unknown> | undefined;
  if (isPlainObject(v)) o = v;
  else if (v instanceof Map) {
    o = {};
    for (const [k, x] of v) {
      const name = keywordName(k) ?? (typeof k === 'string' ? k : undefined);
      if (name !== undefined) o[name] = x;
    }
  }
  if (o === undefined || typeof o['v'] !== 'number') return undefined;
  const max = o['maxPayloadBytes'];
  const events = o['maxPostEvents'];
  return { ...o, v: o['v'], maxPayloadBytes: typeof max === 'number' && max > 0 ? max : undefined, maxPostEvents: typeof events === 'number' && events >= 1 ? events : undefined };
}
