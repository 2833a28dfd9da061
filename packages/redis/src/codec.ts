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

/** One message of a uid's channel: a logged push, or "close the uid's connections"; or a broadcast, for each uid. */
export type UidMessage =
  | {
      readonly kind: 'p';
      readonly offset: number;
      /** The uid's own pushes with this one, and the broadcast sequence when it was made. */
      readonly own: number;
      readonly bseq: number;
      readonly epoch: string;
      readonly body: string;
    }
  | Broadcast
  | { readonly kind: 'c' };

/** A broadcast: the broadcast log's generation, its sequence there, its body. */
export interface Broadcast {
  readonly kind: 'b';
  readonly generation: string;
  readonly seq: number;
  readonly body: string;
  /** The body decoded, shared by the uids a node holds (decoded once per node). */
  readonly shared: { decoded?: DecodedBody | undefined };
}

/** A push's body, decoded. */
export interface DecodedBody {
  readonly event: WireEvent;
  readonly clientId: string | undefined;
  readonly flush: boolean;
}

/** Parses a uid channel's message (`o\n<offset>\n<own>\n<bseq>\n<epoch>\n<body>` or `c\n`); undefined for anything else. */
export function parseUidMessage(msg: string): UidMessage | undefined {
  if (msg.startsWith('c\n')) return { kind: 'c' };
  if (!msg.startsWith('o\n')) return undefined;
  const a = msg.indexOf('\n', 2);
  const b = msg.indexOf('\n', a + 1);
  const c = msg.indexOf('\n', b + 1);
  const d = msg.indexOf('\n', c + 1);
  if (a < 0 || b < 0 || c < 0 || d < 0) return undefined;
  const offset = Number(msg.slice(2, a));
  const own = Number(msg.slice(a + 1, b));
  const bseq = Number(msg.slice(b + 1, c));
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(own) || !Number.isSafeInteger(bseq)) return undefined;
  return { kind: 'p', offset, own, bseq, epoch: msg.slice(c + 1, d), body: msg.slice(d + 1) };
}

/** Parses a broadcast channel's message (`a\n<generation>\n<seq>\n<body>`); undefined for anything else. */
export function parseBroadcast(msg: string): Broadcast | undefined {
  if (!msg.startsWith('a\n')) return undefined;
  const a = msg.indexOf('\n', 2);
  const b = msg.indexOf('\n', a + 1);
  if (a < 0 || b < 0) return undefined;
  const seq = Number(msg.slice(a + 1, b));
  if (!Number.isSafeInteger(seq)) return undefined;
  return { kind: 'b', generation: msg.slice(2, a), seq, body: msg.slice(b + 1), shared: {} };
}
