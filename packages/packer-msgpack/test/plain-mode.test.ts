import { encode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { Keyword, isSenteError } from '@sente/core';
import { msgpackPacker } from '../src/index.js';

const plain = msgpackPacker({ mode: 'plain' });
const hex = (b: unknown): string => Buffer.from(b as Uint8Array).toString('hex');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isSenteError(e) ? e.code : `not a SenteError: ${String(e)}`;
  }
  return undefined;
}

describe("mode 'plain'", () => {
  it('is named apart from the Sente dialect', () => {
    expect(plain.name).toBe('msgpack-plain');
    expect(plain.binary).toBe(true);
  });

  it('writes standard MessagePack, as @msgpack/msgpack does', () => {
    const v = { a: 1, b: [1.5, 'x', null, true], c: new Uint8Array([1, 2]), d: { e: -200 } };
    expect(hex(plain.pack(v))).toBe(hex(encode(v)));
    expect(plain.unpack(encode(v))).toStrictEqual(v);
  });

  it('writes keywords as ext type 0 and dates as standard timestamps', () => {
    expect(hex(plain.pack(Keyword.for('my/ev')))).toBe('c705006d792f6576');
    expect(hex(plain.pack(new Date(1_700_000_000_000)))).toBe('d6ff6553f100');
    expect(plain.unpack(plain.pack([Keyword.for('a'), new Date(5)]))).toStrictEqual([Keyword.for('a'), new Date(5)]);
  });

  it('writes bigints as 64-bit integers and reads 64-bit integers as bigints', () => {
    expect(hex(plain.pack(2n ** 60n))).toBe('cf1000000000000000');
    expect(plain.unpack(plain.pack([-(2n ** 63n), 2n ** 64n - 1n]))).toStrictEqual([-(2n ** 63n), 2n ** 64n - 1n]);
  });

  it('refuses Maps and Sets rather than writing them as empty maps', () => {
    expect(codeOf(() => plain.pack({ m: new Map([[1, 2]]) }))).toBe('ERR_SENTE_PACK_FAILED');
    expect(codeOf(() => plain.pack([new Set([1])]))).toBe('ERR_SENTE_PACK_FAILED');
  });

  it('refuses to read a map with a __proto__ key, as @msgpack/msgpack does', () => {
    expect(codeOf(() => plain.unpack(plain.pack(JSON.parse('{"__proto__": 1}'))))).toBe('ERR_SENTE_BAD_PACKAGE');
  });

  it('reads only the first value and ignores the bytes after it', () => {
    const padded = new Uint8Array(64);
    padded.set(encode(['pong', 'k3f9a1']));
    expect(plain.unpack(padded)).toStrictEqual(['pong', 'k3f9a1']);
  });

  it('refuses collections nested beyond maxDepth without decoding them', () => {
    const p = msgpackPacker({ mode: 'plain', maxDepth: 2 });
    expect(p.unpack(new Uint8Array([0x91, 0x90]))).toStrictEqual([[]]);
    expect(codeOf(() => p.unpack(new Uint8Array([0x91, 0x91, 0x90])))).toBe('ERR_SENTE_BAD_PACKAGE');
    expect(codeOf(() => p.pack([[[]]]))).toBe('ERR_SENTE_PACK_FAILED');
    expect(codeOf(() => p.pack({ a: { b: {} } }))).toBe('ERR_SENTE_PACK_FAILED');
  });
});
