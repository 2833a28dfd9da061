import { kw } from '@sente/core';
import type { Packed, Packer } from '@sente/core';
import type { Rng } from '../rng.js';

/** A hostile payload for one packer, and the frame type it goes in. */
export interface HostilePayload {
  /** The input class it belongs to (a row of the report). */
  readonly kind: string;
  readonly bytes: Buffer;
  /** Sent as a binary frame (else as a text frame, even when the bytes are not UTF-8). */
  readonly binary: boolean;
}

const MARK = 'TORTUREMARK';

/** The payload kinds a WebSocket frame or a POST body is drawn from. */
export const PAYLOAD_KINDS = [
  'malformed',
  'truncated',
  'oversized',
  'invalid-utf8',
  'deep-nesting',
  'wrong-envelope',
  'bogus-cb-id',
  'reserved-id',
  'non-namespaced-id',
  'wrong-frame-type',
  'random-value',
] as const;
export type PayloadKind = (typeof PAYLOAD_KINDS)[number];

/** Hostile payloads in the dialect of one packer, drawn from a seeded source. */
export class PayloadGenerator {
  constructor(
    readonly packer: Packer,
    readonly maxPayloadBytes: number,
  ) {}

  /** A payload of `kind`. */
  make(rng: Rng, kind: PayloadKind): HostilePayload {
    const binary = this.packer.binary;
    const out = (bytes: Buffer, asBinary = binary): HostilePayload => ({ kind, bytes, binary: asBinary });
    switch (kind) {
      case 'malformed':
        return out(binary ? Buffer.from(rng.bytes(rng.range(1, 64))) : Buffer.from(rng.string(rng.range(1, 64)), 'utf8'));
      case 'truncated': {
        const whole = this.bytes(this.event(rng));
        return out(whole.subarray(0, rng.int(whole.length)));
      }
      case 'oversized':
        return out(this.bytes(this.packer.pack([[kw('torture/big'), 'x'.repeat(this.maxPayloadBytes + rng.range(1, 4096))], null])));
      case 'invalid-utf8': {
        const bad = [Buffer.of(0xc3, 0x28), Buffer.of(0xa0, 0xa1), Buffer.of(0xe2, 0x28, 0xa1), Buffer.of(0xf0, 0x90, 0x28, 0xbc), Buffer.of(0xff), Buffer.of(0xed, 0xa0, 0x80)];
        const whole = this.bytes(this.event(rng));
        const at = rng.int(whole.length + 1);
        return out(Buffer.concat([whole.subarray(0, at), rng.pick(bad), whole.subarray(at)]), false);
      }
      case 'deep-nesting':
        return out(this.nested(rng));
      case 'wrong-envelope':
        return out(this.bytes(this.safePack(rng.pick<unknown>([[], [kw('a/b')], [kw('a/b'), 1, 2, 3], 42, 'text', null, true, { a: 1 }, [[kw('a/b'), 1], null, null], [null, null], [[], null]]))));
      case 'bogus-cb-id': {
        const cb = rng.pick<unknown>([42, -1, 1.5, '', 'x'.repeat(rng.range(200, 20000)), true, { cb: 1 }, [1, 2], kw('chsk/ws-ping'), 'ajax', '\u0000']);
        return out(this.bytes(this.safePack([[kw('torture/ev'), rng.int(1000)], cb])));
      }
      case 'reserved-id': {
        const id = rng.pick(['chsk/handshake', 'chsk/ws-ping', 'chsk/ws-pong', 'chsk/uidport-open', 'chsk/uidport-close', 'chsk/recv', 'chsk/bad-event', 'chsk/close', 'sente/nil-uid', 'sente/all-users-without-uid']);
        return out(this.bytes(this.safePack([[kw(id), rng.pick<unknown>(['mallory', null, 1])], rng.chance(0.5) ? null : `cb${rng.int(1e6)}`])));
      }
      case 'non-namespaced-id': {
        const id = rng.pick<unknown>([kw('plain'), 'plain', '', '/', 'a/', '/b', 42, null, kw('a/b/c'), ' x/y', 'x/ y']);
        return out(this.bytes(this.safePack([[id, 1], null])));
      }
      case 'wrong-frame-type':
        return out(this.bytes(this.event(rng)), !binary);
      case 'random-value':
        return out(this.bytes(this.safePack([[kw('torture/random'), randomValue(rng, 4)], rng.chance(0.5) ? null : `cb${rng.int(1e6)}`])));
    }
  }

  /** A well-formed event payload (for truncation and mutation). */
  event(rng: Rng): Packed {
    return this.safePack([[kw('torture/ev'), randomValue(rng, 2)], rng.chance(0.5) ? null : `cb${rng.int(1e6)}`]);
  }

  bytes(p: Packed): Buffer {
    return typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p);
  }

  private safePack(v: unknown): Packed {
    try {
      return this.packer.pack(v);
    } catch {
      return this.packer.pack([[kw('torture/unpackable'), null], null]);
    }
  }

  /** An event whose data is nested `depth` deep in the packer's own syntax, balanced or not. */
  private nested(rng: Rng): Buffer {
    const depth = rng.pick([64, 255, 256, 257, 1000, 10_000, 100_000]);
    const balanced = rng.chance(0.7);
    let inner: Buffer;
    if (this.packer.binary) inner = Buffer.concat([Buffer.alloc(depth, 0x91), balanced ? Buffer.of(0xc0) : Buffer.alloc(0)]);
    else {
      const [open, close] = this.packer.name === 'edn' ? rng.pick([['[', ']'], ['(', ')'], ['{:a ', '}']]) : rng.pick([['[', ']'], ['{"a":', '}']]);
      inner = Buffer.from(open.repeat(depth) + (balanced ? `1${close.repeat(depth)}` : ''), 'utf8');
    }
    const template = this.bytes(this.packer.pack([[kw('torture/deep'), MARK], null]));
    const mark = this.packer.binary ? Buffer.concat([Buffer.of(0xa0 | MARK.length), Buffer.from(MARK)]) : Buffer.from(`"${MARK}"`);
    const at = template.indexOf(mark);
    if (at < 0) return inner;
    return Buffer.concat([template.subarray(0, at), inner, template.subarray(at + mark.length)]);
  }
}

/** A random value every packer can write: strings (any Unicode), numbers, booleans, null, arrays, objects. */
export function randomValue(rng: Rng, depth: number): unknown {
  const k = rng.int(depth <= 0 ? 5 : 7);
  switch (k) {
    case 0:
      return rng.pick([0, 1, -1, 2 ** 31, -(2 ** 53) + 1, 2 ** 53 - 1, 0.5, 1e300, -1e-300, rng.int(1000)]);
    case 1:
      return rng.string(rng.int(24), 'abc/:#~^"\\[]{}() \n\t\u0000\u00e9\u4e2d\ud83d\ude00');
    case 2:
      return rng.chance(0.5);
    case 3:
      return null;
    case 4:
      return `s${rng.int(1e6)}`;
    case 5:
      return Array.from({ length: rng.int(5) }, () => randomValue(rng, depth - 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = rng.int(4); i > 0; i--) o[`k${rng.int(100)}`] = randomValue(rng, depth - 1);
      return o;
    }
  }
}
