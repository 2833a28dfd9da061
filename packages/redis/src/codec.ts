import type { Packed, Packer, WireEvent } from '@sente/core';

/**
 * How events cross Redis: packed with the servers' packer, as text (`t…`) or
 * as base64 bytes (`b…`), so that every message and stream entry is a string.
 */
export function packedToText(p: Packed): string {
  return typeof p === 'string' ? `t${p}` : `b${Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString('base64')}`;
}

/** The inverse of {@link packedToText}. */
export function textToPacked(s: string): Packed {
  return s.startsWith('b') ? new Uint8Array(Buffer.from(s.slice(1), 'base64')) : s.slice(1);
}

/**
 * A push's body in the log and on the wire: `[!]<client id as JSON, or
 * nothing>\n<packed event>`, `!` when the sender asked for `flush`.
 */
export function encodeBody(packer: Packer, event: WireEvent, clientId: string | undefined, flush = false): string {
  return `${flush ? '!' : ''}${clientId === undefined ? '' : JSON.stringify(clientId)}\n${packedToText(packer.pack(event))}`;
}

/** The inverse of {@link encodeBody}. Throws on a body that is not one. */
export function decodeBody(packer: Packer, body: string): DecodedBody {
  const nl = body.indexOf('\n');
  if (nl < 0) throw new Error('not a push body');
  const flush = body.startsWith('!');
  const head = body.slice(flush ? 1 : 0, nl);
  const clientId = head === '' ? undefined : (JSON.parse(head) as string);
  const event = packer.unpack(textToPacked(body.slice(nl + 1))) as WireEvent;
  return { event, clientId, flush };
}

/** One message of a uid's channel: a logged push, or "close the uid's connections". */
export type UidMessage =
  | {
      readonly kind: 'p';
      readonly offset: number;
      readonly epoch: string;
      readonly body: string;
      /** The body decoded, shared by the uids of one broadcast (decoded once per node). */
      readonly shared?: { decoded?: DecodedBody | undefined } | undefined;
    }
  | { readonly kind: 'c' };

/** A push's body, decoded. */
export interface DecodedBody {
  readonly event: WireEvent;
  readonly clientId: string | undefined;
  readonly flush: boolean;
}

/** Parses a uid channel's message (`p\n<offset>\n<epoch>\n<body>` or `c\n`); undefined for anything else. */
export function parseUidMessage(msg: string): UidMessage | undefined {
  if (msg.startsWith('c\n')) return { kind: 'c' };
  if (!msg.startsWith('p\n')) return undefined;
  const a = msg.indexOf('\n', 2);
  const b = msg.indexOf('\n', a + 1);
  if (a < 0 || b < 0) return undefined;
  const offset = Number(msg.slice(2, a));
  if (!Number.isSafeInteger(offset)) return undefined;
  return { kind: 'p', offset, epoch: msg.slice(a + 1, b), body: msg.slice(b + 1) };
}

/**
 * Parses a broadcast channel's message (`b\n<JSON [uid, epoch, offset, …]>\n<body>`)
 * into its body and its flat list of uid, epoch, offset; undefined for anything else.
 */
export function parseBroadcast(msg: string): { body: string; positions: string[] } | undefined {
  if (!msg.startsWith('b\n')) return undefined;
  const nl = msg.indexOf('\n', 2);
  if (nl < 0) return undefined;
  let positions: unknown;
  try {
    positions = JSON.parse(msg.slice(2, nl));
  } catch {
    return undefined;
  }
  if (!Array.isArray(positions) || positions.length % 3 !== 0) return undefined;
  return { body: msg.slice(nl + 1), positions: positions as string[] };
}

/** A stream entry as XRANGE gives it: `[id, [field, value, …]]`. */
export type RawEntry = [string, string[]];

/** The offset, time (ms) and body of a stream entry (id `<offset>-<ms>`, field `b`). */
export function parseEntry(e: RawEntry): { offset: number; at: number; body: string } {
  const fields = e[1];
  let body = '';
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === 'b') body = fields[i + 1] as string;
  const dash = e[0].indexOf('-');
  return { offset: Number(e[0].slice(0, dash)), at: Number(e[0].slice(dash + 1)), body };
}
