import { Keyword } from '../../src/index.js';
import type { Packed, Packer } from '../../src/index.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function text(data: Packed): string {
  return typeof data === 'string' ? data : decoder.decode(data);
}

/**
 * JSON as `@sente/packer-json` writes it: keywords become their bare names
 * (through `Keyword.toJSON`), so they read back as strings. Unpack failures
 * are the plain `SyntaxError`s of `JSON.parse`.
 */
export const jsonPacker: Packer = {
  name: 'test-json',
  binary: false,
  pack: (value) => JSON.stringify(value) ?? 'null',
  unpack: (data) => JSON.parse(text(data)) as unknown,
};

const KW = '~kw';

function encodeKeywords(v: unknown): unknown {
  if (v instanceof Keyword) return { [KW]: v.name };
  if (Array.isArray(v)) return v.map(encodeKeywords);
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encodeKeywords(x)]));
  }
  return v;
}

function reviveKeywords(_key: string, v: unknown): unknown {
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const keys = Object.keys(v);
    const name = (v as Record<string, unknown>)[KW];
    if (keys.length === 1 && typeof name === 'string') return Keyword.for(name);
  }
  return v;
}

/** A packer with a keyword type, as transit/edn/msgpack have: keywords read back as {@link Keyword}s. */
export const keywordPacker: Packer = {
  name: 'test-keywords',
  binary: false,
  pack: (value) => JSON.stringify(encodeKeywords(value)) ?? 'null',
  unpack: (data) => JSON.parse(text(data), reviveKeywords) as unknown,
};

/** A binary packer: the keyword packer's JSON as UTF-8 bytes. */
export const binaryPacker: Packer = {
  name: 'test-binary',
  binary: true,
  pack: (value) => encoder.encode(JSON.stringify(encodeKeywords(value)) ?? 'null'),
  unpack: (data) => JSON.parse(text(data), reviveKeywords) as unknown,
};

/**
 * Wraps a packer so that packing any value containing `poison` throws, as a
 * real packer does on a value it cannot encode.
 */
export function failingOn(packer: Packer, poison: unknown): Packer {
  const contains = (v: unknown): boolean =>
    v === poison || (Array.isArray(v) && v.some(contains)) ||
    (typeof v === 'object' && v !== null && !(v instanceof Keyword) && Object.values(v).some(contains));
  return {
    ...packer,
    pack: (value) => {
      if (contains(value)) throw new TypeError('cannot pack this value');
      return packer.pack(value);
    },
  };
}
