import { Decoder, Encoder, ExtensionCodec } from '@msgpack/msgpack';
import { Keyword } from '@sente/core';
import { EXT } from './ext-types.js';
import { firstValueEnd } from './first-value.js';
import { MsgpackEncodeError } from './sente-encoder.js';

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

function plainExtensions(): ExtensionCodec {
  const codec = new ExtensionCodec();
  codec.register({
    type: EXT.keyword,
    encode(input: unknown): Uint8Array | null {
      if (input instanceof Keyword) return utf8Encoder.encode(input.name);
      // @msgpack/msgpack would write a Map or Set as an empty map: refuse instead of losing data.
      if (input instanceof Map || input instanceof Set) {
        throw new MsgpackEncodeError(`plain MessagePack cannot pack a ${input.constructor.name}; use mode 'sente'`);
      }
      return null;
    },
    decode: (data: Uint8Array): Keyword => Keyword.for(utf8Decoder.decode(data)),
  });
  return codec;
}

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/**
 * Refuses what @msgpack/msgpack would write wrongly: nesting beyond
 * `maxDepth` (cycles included), and bigints beyond 64 bits, which it
 * silently truncates.
 */
function check(v: unknown, maxDepth: number, depth = 0): void {
  if (typeof v === 'bigint' && (v < INT64_MIN || v > UINT64_MAX)) throw new MsgpackEncodeError(`${v} does not fit in 64 bits`);
  if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v) || v instanceof Date || v instanceof Keyword) return;
  if (depth + 1 > maxDepth) throw new MsgpackEncodeError(`nesting deeper than ${maxDepth} (or a cycle)`);
  for (const x of Array.isArray(v) ? v : Object.values(v)) check(x, maxDepth, depth + 1);
}

/**
 * Standard MessagePack through @msgpack/msgpack, with the keyword ext type
 * (0) and the timestamp (-1) only: for peers that speak plain MessagePack.
 */
export class PlainCodec {
  private readonly encoder: Encoder;
  private readonly decoder: Decoder;

  constructor(private readonly maxDepth: number) {
    const extensionCodec = plainExtensions();
    // 64-bit integers read as bigints, and bigints write as 64-bit integers, so both round-trip.
    this.encoder = new Encoder({ extensionCodec, useBigInt64: true, ignoreUndefined: true, maxDepth: maxDepth + 1 });
    this.decoder = new Decoder({ extensionCodec, useBigInt64: true });
  }

  /** The MessagePack bytes of `value`. */
  encode(value: unknown): Uint8Array {
    check(value, this.maxDepth);
    return this.encoder.encode(value);
  }

  /** The first value of `bytes`; bytes after it are ignored (sente-protocol §8.12). */
  decode(bytes: Uint8Array): unknown {
    const end = firstValueEnd(bytes, this.maxDepth);
    return this.decoder.decode(bytes.subarray(0, end));
  }
}
