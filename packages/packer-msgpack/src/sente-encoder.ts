import { Keyword } from '@sente/core';
import { ByteWriter } from './byte-writer.js';
import { EXT } from './ext-types.js';
import { PackKeyCache } from './key-cache.js';
import { isPlainObject, isSym, isUuid } from '@sente/core';
import type { ObjectKeys } from '@sente/core';

/** What the encoder needs from the packer's options. */
export interface EncodeOptions {
  readonly objectKeys: ObjectKeys;
  readonly maxDepth: number;
}

/** A value Sente's MessagePack cannot express, or nesting beyond the bound. */
export class MsgpackEncodeError extends Error {
  override readonly name = 'MsgpackEncodeError';
}

const utf8 = new TextEncoder();
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
const MAX_MILLIS = 8.64e15;

/**
 * Encodes values in Sente 1.21's MessagePack dialect (taoensso.msgpack), the
 * way its ClojureScript side writes them: smallest integer encodings, float32
 * when exact, the ext types of {@link EXT} and the per-message map key cache.
 */
export class SenteEncoder {
  private out = new ByteWriter();
  private readonly cache = new PackKeyCache();

  constructor(private readonly options: EncodeOptions) {}

  /** The MessagePack bytes of `value`. */
  encode(value: unknown): Uint8Array {
    this.value(value, 0);
    return this.out.bytes();
  }

  private fail(message: string): never {
    throw new MsgpackEncodeError(message);
  }

  private enter(depth: number): void {
    if (depth > this.options.maxDepth) this.fail(`nesting deeper than ${this.options.maxDepth} (or a cycle)`);
  }

  private value(v: unknown, depth: number): void {
    switch (typeof v) {
      case 'undefined':
        this.out.u8(0xc0);
        return;
      case 'boolean':
        this.out.u8(v ? 0xc3 : 0xc2);
        return;
      case 'number':
        this.number(v);
        return;
      case 'bigint':
        this.bigint(v);
        return;
      case 'string':
        this.string(v);
        return;
      case 'object':
        if (v === null) this.out.u8(0xc0);
        else this.object(v, depth);
        return;
      default:
        this.fail(`MessagePack cannot express a ${typeof v}`);
    }
  }

  private number(n: number): void {
    const out = this.out;
    if (Number.isSafeInteger(n) && !Object.is(n, -0)) {
      if (n >= 0) {
        if (n <= 0x7f) out.u8(n);
        else if (n <= 0xff) out.u8(0xcc).u8(n);
        else if (n <= 0xffff) out.u8(0xcd).u16(n);
        else if (n <= 0xffffffff) out.u8(0xce).u32(n);
        // Sente writes int64 (never uint64) for large positive integers.
        else out.u8(0xd3).i64(BigInt(n));
      } else if (n >= -32) out.u8(n);
      else if (n >= -0x80) out.u8(0xd0).u8(n);
      else if (n >= -0x8000) out.u8(0xd1).u16(n & 0xffff);
      else if (n >= -0x80000000) out.u8(0xd2).u32(n >>> 0);
      else out.u8(0xd3).i64(BigInt(n));
      return;
    }
    // Sente's JS rule: float32 when exactly representable, else float64. Unsafe
    // integers go here too, so they read back as the same number (and -0 keeps its sign).
    if (Math.fround(n) === n) out.u8(0xca).f32(n);
    else out.u8(0xcb).f64(n);
  }

  private bigint(n: bigint): void {
    if (n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER)) return this.number(Number(n));
    if (n >= INT64_MIN && n <= INT64_MAX) this.out.u8(0xd3).i64(n);
    else if (n > 0n && n <= UINT64_MAX) this.out.u8(0xcf).u64(n);
    else this.fail(`${n} does not fit in 64 bits`);
  }

  private string(s: string): void {
    const bytes = utf8.encode(s);
    const n = bytes.length;
    const out = this.out;
    if (n <= 0x1f) out.u8(0xa0 | n);
    else if (n <= 0xff) out.u8(0xd9).u8(n);
    else if (n <= 0xffff) out.u8(0xda).u16(n);
    else out.u8(0xdb).u32(n);
    out.raw(bytes);
  }

  private ext(type: number, payload: Uint8Array): void {
    const out = this.out;
    const n = payload.length;
    if (n === 1) out.u8(0xd4);
    else if (n === 2) out.u8(0xd5);
    else if (n === 4) out.u8(0xd6);
    else if (n === 8) out.u8(0xd7);
    else if (n === 16) out.u8(0xd8);
    else if (n <= 0xff) out.u8(0xc7).u8(n);
    else if (n <= 0xffff) out.u8(0xc8).u16(n);
    else out.u8(0xc9).u32(n);
    out.u8(type);
    out.raw(payload);
  }

  private arrayHeader(n: number): void {
    if (n <= 0xf) this.out.u8(0x90 | n);
    else if (n <= 0xffff) this.out.u8(0xdc).u16(n);
    else this.out.u8(0xdd).u32(n);
  }

  private mapHeader(n: number): void {
    if (n <= 0xf) this.out.u8(0x80 | n);
    else if (n <= 0xffff) this.out.u8(0xde).u16(n);
    else this.out.u8(0xdf).u32(n);
  }

  private mapKey(k: unknown, depth: number): void {
    const keyword = k instanceof Keyword;
    const index = keyword ? this.cache.indexOf(k.name, true) : typeof k === 'string' ? this.cache.indexOf(k, false) : undefined;
    if (index === undefined) this.value(k, depth);
    else this.out.u8(0xd4).u8(EXT.cachedKey).u8(index);
  }

  /** A plain object's key as a keyword, written from its name: app data keys must not grow the intern table. */
  private keywordKey(name: string): void {
    const index = this.cache.indexOf(name, true);
    if (index === undefined) this.ext(EXT.keyword, utf8.encode(name));
    else this.out.u8(0xd4).u8(EXT.cachedKey).u8(index);
  }

  private object(v: object, depth: number): void {
    if (v instanceof Keyword) return this.ext(EXT.keyword, utf8.encode(v.name));
    if (isSym(v)) return this.ext(EXT.symbol, utf8.encode(v.name));
    if (isUuid(v)) return this.ext(EXT.uuid, utf8.encode(v.value));
    if (Array.isArray(v)) {
      this.enter(depth + 1);
      this.arrayHeader(v.length);
      for (const x of v) this.value(x, depth + 1);
      return;
    }
    if (isPlainObject(v)) {
      this.enter(depth + 1);
      const keys = Object.keys(v).filter((key) => v[key] !== undefined);
      this.mapHeader(keys.length);
      const asKeywords = this.options.objectKeys === 'keyword';
      for (const key of keys) {
        if (asKeywords) this.keywordKey(key);
        else this.mapKey(key, depth + 1);
        this.value(v[key], depth + 1);
      }
      return;
    }
    if (v instanceof Map) {
      this.enter(depth + 1);
      this.mapHeader(v.size);
      for (const [key, x] of v) {
        this.mapKey(key, depth + 1);
        this.value(x, depth + 1);
      }
      return;
    }
    if (v instanceof Set) {
      this.enter(depth + 1);
      // The set's payload is an array packed on its own, sharing the message's key cache.
      const outer = this.out;
      this.out = new ByteWriter();
      this.arrayHeader(v.size);
      for (const x of v) this.value(x, depth + 1);
      const payload = this.out.bytes();
      this.out = outer;
      return this.ext(EXT.set, payload);
    }
    if (v instanceof Uint8Array) {
      const n = v.length;
      if (n <= 0xff) this.out.u8(0xc4).u8(n);
      else if (n <= 0xffff) this.out.u8(0xc5).u16(n);
      else this.out.u8(0xc6).u32(n);
      this.out.raw(v);
      return;
    }
    if (v instanceof Date) return this.ext(EXT.timestamp, timestamp96(v));
    if (v instanceof Int32Array) return this.ext(EXT.int32Array, bigEndian(v, 4, (d, i, x) => d.setInt32(i, x)));
    if (v instanceof Float32Array) return this.ext(EXT.float32Array, bigEndian(v, 4, (d, i, x) => d.setFloat32(i, x)));
    if (v instanceof Float64Array) return this.ext(EXT.float64Array, bigEndian(v, 8, (d, i, x) => d.setFloat64(i, x)));
    if (ArrayBuffer.isView(v)) this.fail(`Sente's MessagePack has no type for ${v.constructor.name}`);
    this.fail(`Sente's MessagePack cannot pack ${v.constructor?.name ?? 'this object'}`);
  }
}

function bigEndian<T extends Int32Array | Float32Array | Float64Array>(
  a: T,
  width: number,
  set: (d: DataView, i: number, x: number) => void,
): Uint8Array {
  const bytes = new Uint8Array(a.length * width);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < a.length; i++) set(view, i * width, a[i] ?? 0);
  return bytes;
}

/** The 12-byte timestamp, the only form Sente reads: u32 nanoseconds, then i64 seconds. */
function timestamp96(d: Date): Uint8Array {
  const millis = d.getTime();
  if (Number.isNaN(millis) || Math.abs(millis) > MAX_MILLIS) throw new MsgpackEncodeError('cannot pack an invalid Date');
  const secs = Math.floor(millis / 1000);
  const bytes = new Uint8Array(12);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, (millis - secs * 1000) * 1_000_000);
  view.setBigInt64(4, BigInt(secs));
  return bytes;
}
