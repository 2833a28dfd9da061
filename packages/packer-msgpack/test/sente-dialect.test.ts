import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Keyword, isSenteError } from '@sente/core';
import { msgpackPacker, Sym, Uuid } from '../src/index.js';

const kw = Keyword.for;
const packer = msgpackPacker();
const hex = (b: Uint8Array | string): string => Buffer.from(b as Uint8Array).toString('hex');
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));

interface ExtraVector {
  id: string;
  clojure: string;
  direction: 'both' | 'read';
  description: string;
  payloadHex: string;
}
const extras = (
  JSON.parse(readFileSync(new URL('./fixtures/sente-extras.json', import.meta.url), 'utf8')) as { vectors: ExtraVector[] }
).vectors;

const expected: Record<string, unknown> = {
  'key-cache-keywords': [
    [
      [kw('my/ev'), new Map<unknown, unknown>([[kw('text'), 'hi'], [kw('n'), 1]])],
      [kw('my/ev'), new Map<unknown, unknown>([[kw('text'), 'yo'], [kw('n'), 2]])],
    ],
    null,
  ],
  'key-cache-strings': [[{ id: 1, name: 'a' }, { id: 2, name: 'b' }], null],
  set: new Set([1]),
  'empty-set': new Set(),
  date: new Date('2023-11-14T22:13:20.123Z'),
  'date-before-epoch': new Date(-1),
  uuid: new Uuid('8a1c3b5e-0f2d-4a6b-9c7d-1e2f3a4b5c6d'),
  symbol: new Sym('my.ns/f'),
  'float32-exact': 1.5,
  float64: 0.1,
  'jvm-double': 1.5,
  int64: 2 ** 40,
  uint64: 2n ** 64n - 1n,
  'negative-ints': [-33, -129, -32769],
  char: 'a',
  ratio: 1 / 3,
  'int32-array': new Int32Array([1, -1]),
  'float32-array': new Float32Array([1.5]),
  'float64-array': new Float64Array([1.5]),
  bytes: new Uint8Array([1, 2, 3]),
};

describe("Sente 1.21's MessagePack dialect", () => {
  for (const v of extras) {
    it(`reads ${v.id}: ${v.clojure}`, () => {
      expect(v.id in expected).toBe(true);
      expect(packer.unpack(bytes(v.payloadHex))).toStrictEqual(expected[v.id]);
    });
    if (v.direction === 'both') {
      it(`writes ${v.id} byte for byte`, () => {
        expect(hex(packer.pack(expected[v.id]))).toBe(v.payloadHex);
      });
    }
  }

  it('writes every integer in its smallest encoding', () => {
    const cases: Array<[number, string]> = [
      [0, '00'], [127, '7f'], [128, 'cc80'], [255, 'ccff'], [256, 'cd0100'], [65535, 'cdffff'], [65536, 'ce00010000'],
      [2 ** 32 - 1, 'ceffffffff'], [2 ** 32, 'd30000000100000000'], [-1, 'ff'], [-32, 'e0'], [-33, 'd0df'], [-128, 'd080'],
      [-129, 'd1ff7f'], [-32768, 'd18000'], [-32769, 'd2ffff7fff'], [-(2 ** 31), 'd280000000'], [-(2 ** 31) - 1, 'd3ffffffff7fffffff'],
    ];
    for (const [n, h] of cases) expect([n, hex(packer.pack(n))]).toStrictEqual([n, h]);
  });

  it('writes float32 when exact, float64 otherwise, and keeps -0 and unsafe integers exact', () => {
    expect(hex(packer.pack(0.5))).toBe('ca3f000000');
    expect(hex(packer.pack(Infinity))).toBe('ca7f800000');
    expect(hex(packer.pack(Number.NaN)).slice(0, 2)).toBe('cb');
    expect(hex(packer.pack(-0))).toBe('ca80000000');
    expect(Object.is(packer.unpack(packer.pack(-0)), -0)).toBe(true);
    expect(hex(packer.pack(2 ** 60))).toBe('ca5d800000');
    expect(packer.unpack(packer.pack(2 ** 53 + 2))).toBe(2 ** 53 + 2);
  });

  it('writes bigints in the smallest encoding that holds them, and reads int64s beyond 2^53 as bigints', () => {
    expect(hex(packer.pack(5n))).toBe('05');
    expect(hex(packer.pack(2n ** 60n))).toBe('d31000000000000000');
    expect(hex(packer.pack(2n ** 64n - 1n))).toBe('cfffffffffffffffff');
    expect(packer.unpack(bytes('d31000000000000000'))).toBe(2n ** 60n);
    expect(packer.unpack(bytes('d3001fffffffffffff'))).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('reads every MessagePack timestamp form, and writes the 12-byte one', () => {
    expect(packer.unpack(bytes('d6ff6553f100'))).toStrictEqual(new Date(1_700_000_000_000));
    // 8-byte form: 30 bits of nanoseconds (123000000 << 2), then 34 bits of seconds.
    const ns = (123_000_000 * 4).toString(16).padStart(8, '0');
    expect(packer.unpack(bytes(`d7ff${ns}6553f100`))).toStrictEqual(new Date(1_700_000_000_123));
    expect(hex(packer.pack(new Date(0)))).toBe('c70cff000000000000000000000000');
  });

  it('caches the first 256 distinct keys of a message, and writes later keys literally', () => {
    const keys = Array.from({ length: 300 }, (_, i) => `k${i}`);
    const first = Object.fromEntries(keys.map((k) => [k, 0]));
    const packed = packer.pack([first, first]) as Uint8Array;
    const text = hex(packed);
    expect(text).toContain('d408ff'); // key 255 as a cached reference
    expect(text.split(hex(new TextEncoder().encode('k299'))).length - 1).toBe(2); // k299 literal twice
    expect(packer.unpack(packed)).toStrictEqual([first, first]);
  });

  it('shares the key cache with sets and writes their maps by reference too', () => {
    const value = [{ name: 1 }, new Set([{ name: 2 }])];
    const packed = hex(packer.pack(value));
    // The set's payload (ext8 of type 4) holds [{name 2}] with "name" as cached key 0.
    expect(packed).toBe('9281a46e616d6501c706049181d4080002');
    expect(packer.unpack(bytes(packed))).toStrictEqual(value);
  });

  it("writes plain-object keys as keywords with objectKeys 'keyword'", () => {
    const kp = msgpackPacker({ objectKeys: 'keyword' });
    expect(hex(kp.pack({ a: 1 }))).toBe('81d4006101');
    expect(kp.unpack(bytes('81d4006101'))).toStrictEqual({ a: 1 });
    expect(kp.unpack(bytes('81a16101'))).toStrictEqual(new Map([['a', 1]]));
    expect(hex(kp.pack({ 'has space': 1 }))).toBe(`81c70900${hex(new TextEncoder().encode('has space'))}01`);
  });

  it('writes the Sym and Uuid of any Sente packer, by their shared brand', () => {
    const sym = { [Symbol.for('sente.sym')]: true, name: 'my.ns/f' };
    expect(hex(packer.pack(sym))).toBe(`c70701${hex(new TextEncoder().encode('my.ns/f'))}`);
    const uuid = { [Symbol.for('sente.uuid')]: true, value: '8a1c3b5e-0f2d-4a6b-9c7d-1e2f3a4b5c6d' };
    expect(packer.unpack(packer.pack(uuid))).toStrictEqual(new Uuid(uuid.value));
  });

  it('ignores the zero padding the JS client posts after a message', () => {
    const padded = new Uint8Array(1024);
    padded.set(bytes('92a4706f6e67a66b3366396131'));
    expect(packer.unpack(padded)).toStrictEqual(['pong', 'k3f9a1']);
  });

  it('returns an exact-length buffer, not a view of a larger one', () => {
    const packed = packer.pack([1, 2, 3]) as Uint8Array;
    expect(packed.byteOffset).toBe(0);
    expect(packed.buffer.byteLength).toBe(packed.length);
  });

  it('names what is wrong and where', () => {
    const cases: Array<[string, string]> = [
      ['92c0', 'msgpack packer cannot unpack this payload: an array of 2 items in 1 bytes (at byte 1).'],
      ['a5616263', 'msgpack packer cannot unpack this payload: truncated: 5 more bytes declared, 3 present (at byte 1).'],
      ['c1', 'msgpack packer cannot unpack this payload: unused type byte 0xc1 (at byte 0).'],
      ['81d40807c0', 'msgpack packer cannot unpack this payload: cached map key 7 was never defined (at byte 1).'],
      ['dd7fffffff00', 'msgpack packer cannot unpack this payload: an array of 2147483647 items in 1 bytes (at byte 5).'],
    ];
    for (const [h, message] of cases) {
      let e: unknown;
      try {
        packer.unpack(bytes(h));
      } catch (err) {
        e = err;
      }
      expect(isSenteError(e) && e.code).toBe('ERR_SENTE_BAD_PACKAGE');
      expect((e as Error).message).toBe(message);
    }
  });

  it('refuses option values that cannot work', () => {
    for (const options of [{ mode: 'json' as 'sente' }, { objectKeys: 'x' as 'string' }, { mode: 'plain' as const, objectKeys: 'keyword' as const }, { maxDepth: 0 }]) {
      let e: unknown;
      try {
        msgpackPacker(options);
      } catch (err) {
        e = err;
      }
      expect(isSenteError(e) && e.code).toBe('ERR_SENTE_BAD_OPTION');
    }
  });
});
