import { Keyword } from '@sente/core';
import { EXT } from './ext-types.js';
import { UnpackKeyCache } from './key-cache.js';
import { Sym, Uuid, buildMap, keyIdentity } from '@sente/core';
import type { ObjectKeys } from '@sente/core';

/** What the decoder needs from the packer's options. */
export interface DecodeOptions {
  readonly objectKeys: ObjectKeys;
  readonly maxDepth: number;
}

/** Malformed MessagePack: what is wrong, and where. */
export class MsgpackDecodeError extends Error {
  override readonly name = 'MsgpackDecodeError';
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} (at byte ${offset})`);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const MAX_MILLIS = 8.64e15;

const safe = (n: bigint): number | bigint =>
  n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;

/**
 * Decodes the first value of a payload in Sente 1.21's MessagePack dialect.
 * Bytes after it are ignored: Sente's JS client posts the whole backing
 * buffer of its output (sente-protocol §8.12). Every declared length is
 * checked against the bytes present, so hostile input costs no more memory
 * than its own size.
 */
export class SenteDecoder {
  private pos = 0;
  private end: number;
  private readonly view: DataView;
  private readonly cache = new UnpackKeyCache();

  constructor(
    private readonly bytes: Uint8Array,
    private readonly options: DecodeOptions,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.end = bytes.length;
  }

  /** The first value of the payload. */
  decode(): unknown {
    return this.value(0);
  }

  private fail(message: string, at: number = this.pos): never {
    throw new MsgpackDecodeError(message, at);
  }

  /** Claims the next `n` bytes, or fails when the payload is shorter. */
  private take(n: number): number {
    const at = this.pos;
    if (n > this.end - at) this.fail(`truncated: ${n} more bytes declared, ${this.end - at} present`);
    this.pos = at + n;
    return at;
  }

  private u8(): number {
    return this.view.getUint8(this.take(1));
  }

  private u16(): number {
    return this.view.getUint16(this.take(2));
  }

  private u32(): number {
    return this.view.getUint32(this.take(4));
  }

  private enter(depth: number): void {
    if (depth > this.options.maxDepth) this.fail(`nesting deeper than ${this.options.maxDepth}`);
  }

  private value(depth: number): unknown {
    const at = this.pos;
    const h = this.u8();
    if (h <= 0x7f) return h;
    if (h >= 0xe0) return h - 0x100;
    if (h <= 0x8f) return this.map(h & 0x0f, depth);
    if (h <= 0x9f) return this.array(h & 0x0f, depth);
    if (h <= 0xbf) return this.str(h & 0x1f);
    const v = this.view;
    switch (h) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
        return this.bin(this.u8());
      case 0xc5:
        return this.bin(this.u16());
      case 0xc6:
        return this.bin(this.u32());
      case 0xc7:
        return this.ext(this.u8(), depth);
      case 0xc8:
        return this.ext(this.u16(), depth);
      case 0xc9:
        return this.ext(this.u32(), depth);
      case 0xca:
        return v.getFloat32(this.take(4));
      case 0xcb:
        return v.getFloat64(this.take(8));
      case 0xcc:
        return this.u8();
      case 0xcd:
        return this.u16();
      case 0xce:
        return this.u32();
      case 0xcf:
        return safe(v.getBigUint64(this.take(8)));
      case 0xd0:
        return v.getInt8(this.take(1));
      case 0xd1:
        return v.getInt16(this.take(2));
      case 0xd2:
        return v.getInt32(this.take(4));
      case 0xd3:
        return safe(v.getBigInt64(this.take(8)));
      case 0xd4:
        return this.ext(1, depth);
      case 0xd5:
        return this.ext(2, depth);
      case 0xd6:
        return this.ext(4, depth);
      case 0xd7:
        return this.ext(8, depth);
      case 0xd8:
        return this.ext(16, depth);
      case 0xd9:
        return this.str(this.u8());
      case 0xda:
        return this.str(this.u16());
      case 0xdb:
        return this.str(this.u32());
      case 0xdc:
        return this.array(this.u16(), depth);
      case 0xdd:
        return this.array(this.u32(), depth);
      case 0xde:
        return this.map(this.u16(), depth);
      case 0xdf:
        return this.map(this.u32(), depth);
      default:
        return this.fail(`unused type byte 0x${h.toString(16)}`, at);
    }
  }

  private str(n: number): string {
    return this.textAt(this.take(n), n);
  }

  private bin(n: number): Uint8Array {
    const at = this.take(n);
    // A copy: the transport may reuse the payload's buffer.
    return this.bytes.slice(at, at + n);
  }

  private array(n: number, depth: number): unknown[] {
    this.enter(depth + 1);
    if (n > this.end - this.pos) this.fail(`an array of ${n} items in ${this.end - this.pos} bytes`);
    const items = new Array<unknown>(n);
    for (let i = 0; i < n; i++) items[i] = this.value(depth + 1);
    return items;
  }

  private map(n: number, depth: number): unknown {
    const at = this.pos;
    this.enter(depth + 1);
    if (2 * n > this.end - this.pos) this.fail(`a map of ${n} entries in ${this.end - this.pos} bytes`);
    const entries = new Array<[unknown, unknown]>(n);
    const seen = new Set<unknown>();
    for (let i = 0; i < n; i++) {
      const key = this.mapKey(depth + 1);
      const id = keyIdentity(key);
      if (id !== undefined) {
        if (seen.has(id)) this.fail('duplicate map key', at);
        seen.add(id);
      }
      entries[i] = [key, this.value(depth + 1)];
    }
    return buildMap(entries, this.options.objectKeys);
  }

  private mapKey(depth: number): unknown {
    const at = this.pos;
    if (this.bytes[at] === 0xd4 && this.bytes[at + 1] === EXT.cachedKey) {
      this.take(3);
      const index = this.bytes[at + 2] ?? 0;
      const key = this.cache.get(index);
      if (key === undefined) this.fail(`cached map key ${index} was never defined`, at);
      return key;
    }
    const key = this.value(depth);
    this.cache.add(key);
    return key;
  }

  /** Decodes the ext payload of `n` bytes at `pos` (its type byte first). */
  private ext(n: number, depth: number): unknown {
    const typeAt = this.take(1);
    const type = this.view.getInt8(typeAt);
    const at = this.take(n);
    const v = new DataView(this.bytes.buffer, this.bytes.byteOffset + at, n);
    switch (type) {
      case EXT.keyword:
        return Keyword.for(this.textAt(at, n));
      case EXT.symbol:
        return new Sym(this.textAt(at, n));
      case EXT.char: {
        const c = this.textAt(at, n);
        if (c.length === 0) this.fail('an empty char', at);
        return c;
      }
      case EXT.uuid: {
        const s = this.textAt(at, n);
        try {
          return new Uuid(s);
        } catch {
          return this.fail('an invalid UUID', at);
        }
      }
      case EXT.set:
        return this.within(at, n, () => this.set(depth));
      case EXT.ratio:
        return this.within(at, n, () => this.ratio(depth));
      case EXT.int32Array:
        return this.typedArray(at, 4, new Int32Array(Math.floor(n / 4)), (i) => v.getInt32(i));
      case EXT.float32Array:
        return this.typedArray(at, 4, new Float32Array(Math.floor(n / 4)), (i) => v.getFloat32(i));
      case EXT.float64Array:
        return this.typedArray(at, 8, new Float64Array(Math.floor(n / 8)), (i) => v.getFloat64(i));
      case EXT.timestamp:
        return timestamp(v) ?? this.fail('an invalid timestamp', at);
      case EXT.cachedKey:
        return this.fail('a cached map key outside a map key', typeAt - 1);
      default:
        return this.fail(`unknown ext type ${type}`, typeAt);
    }
  }

  /** Fills `out` from big-endian elements of `width` bytes; the payload must hold whole elements only. */
  private typedArray<T extends Int32Array | Float32Array | Float64Array>(at: number, width: number, out: T, get: (i: number) => number): T {
    const n = this.pos - at;
    if (n % width !== 0) this.fail(`a typed array payload of ${n} bytes, not a multiple of ${width}`, at);
    for (let i = 0; i < out.length; i++) out[i] = get(i * width);
    return out;
  }

  private textAt(at: number, n: number): string {
    try {
      return utf8.decode(this.bytes.subarray(at, at + n));
    } catch {
      return this.fail('invalid UTF-8', at);
    }
  }

  /** Decodes an ext payload that is MessagePack itself, with the message's key cache, to its exact end. */
  private within<T>(at: number, n: number, read: () => T): T {
    const [pos, end] = [this.pos, this.end];
    this.pos = at;
    this.end = at + n;
    const value = read();
    if (this.pos !== this.end) this.fail('bytes left over in an ext payload');
    this.pos = pos;
    this.end = end;
    return value;
  }

  private set(depth: number): Set<unknown> {
    const at = this.pos;
    const h = this.u8();
    let n: number;
    if (h >= 0x90 && h <= 0x9f) n = h & 0x0f;
    else if (h === 0xdc) n = this.u16();
    else if (h === 0xdd) n = this.u32();
    else return this.fail('a set whose payload is not an array', at);
    const items = this.array(n, depth);
    const seen = new Set<unknown>();
    for (const item of items) {
      const id = keyIdentity(item);
      if (id === undefined) continue;
      if (seen.has(id)) this.fail('duplicate set element', at);
      seen.add(id);
    }
    return new Set(items);
  }

  private ratio(depth: number): number {
    const num = this.value(depth + 1);
    const den = this.value(depth + 1);
    const ok = (x: unknown): x is number | bigint => typeof x === 'bigint' || (typeof x === 'number' && Number.isInteger(x));
    if (!ok(num) || !ok(den) || Number(den) === 0) this.fail('a ratio needs two integers, the second not zero');
    // As Sente's JS side reads ratios: a number.
    return Number(num) / Number(den);
  }
}

/** A timestamp in any of MessagePack's three forms (Sente writes the 12-byte one). */
function timestamp(v: DataView): Date | undefined {
  let secs: number;
  let nanos: number;
  if (v.byteLength === 4) {
    secs = v.getUint32(0);
    nanos = 0;
  } else if (v.byteLength === 8) {
    const hi = v.getUint32(0);
    nanos = hi >>> 2;
    secs = (hi & 0x3) * 2 ** 32 + v.getUint32(4);
  } else if (v.byteLength === 12) {
    nanos = v.getUint32(0);
    secs = Number(v.getBigInt64(4));
  } else {
    return undefined;
  }
  const millis = secs * 1000 + Math.floor(nanos / 1_000_000);
  if (nanos >= 1e9 || !Number.isFinite(millis) || Math.abs(millis) > MAX_MILLIS) return undefined;
  return new Date(millis);
}
