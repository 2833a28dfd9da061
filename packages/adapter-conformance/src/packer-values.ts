import { Keyword } from '@sente/core';
import { seededRandom } from '@sente/core/internal';

/** What a packer can carry beyond JSON's types, as declared to the conformance suite. */
export interface PackerValueKinds {
  /** `Date` values round-trip. */
  dates?: boolean;
  /** `Uint8Array` values round-trip. */
  binary?: boolean;
  /** `Set` values round-trip. */
  sets?: boolean;
  /** `Map` values with non-string keys (numbers, keywords, arrays) round-trip. */
  maps?: boolean;
  /** `bigint` values outside the safe integer range round-trip. */
  bigints?: boolean;
  /** `NaN`, `Infinity` and `-Infinity` round-trip. */
  nonFinite?: boolean;
  /** Keywords round-trip as {@link Keyword}s (`'native'`) or come back as their names (`'names'`). */
  keywords: 'native' | 'names';
  /**
   * Which maps read back as plain objects: those whose keys are all strings
   * (`'string'`) or all keywords (`'keyword'`); a `Map` of such keys is
   * expected back as an object.
   * @default 'string'
   */
  objectKeys?: 'string' | 'keyword';
  /** An object with an own `__proto__` key round-trips (else the corpus leaves it out). @default true */
  protoKey?: boolean;
}

/** One value of the round-trip corpus: `expected` is what `unpack(pack(value))` must equal. */
export interface CorpusEntry {
  readonly label: string;
  readonly value: unknown;
  readonly expected: unknown;
}

const kw = (name: string): Keyword => Keyword.for(name);

/** A deterministic PRNG (mulberry32), so "random" inputs are the same on every run: core's, shared by the repository's tests. */
export { seededRandom };

/** `v` with every {@link Keyword} replaced by its name, as keyword-less formats read it back. */
export function keywordsAsNames(v: unknown): unknown {
  if (v instanceof Keyword) return v.name;
  if (Array.isArray(v)) return v.map(keywordsAsNames);
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [keywordsAsNames(k), keywordsAsNames(x)]));
  if (v instanceof Set) return new Set([...v].map(keywordsAsNames));
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      Object.defineProperty(out, k, { value: keywordsAsNames(x), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return v;
}

/**
 * `v` as a packer reads it back: every `Map` whose keys are all strings
 * (`objectKeys` `'string'`) or all keywords (`'keyword'`) becomes a plain
 * object, since that is how such maps read.
 */
export function mapsAsRead(v: unknown, objectKeys: 'string' | 'keyword'): unknown {
  if (Array.isArray(v)) return v.map((x) => mapsAsRead(x, objectKeys));
  if (v instanceof Set) return new Set([...v].map((x) => mapsAsRead(x, objectKeys)));
  if (v instanceof Map) {
    const entries = [...v].map(([k, x]) => [mapsAsRead(k, objectKeys), mapsAsRead(x, objectKeys)] as const);
    const isKey = objectKeys === 'string' ? (k: unknown) => typeof k === 'string' : (k: unknown) => k instanceof Keyword;
    if (!entries.every(([k]) => isKey(k))) return new Map(entries);
    const out: Record<string, unknown> = {};
    for (const [k, x] of entries) {
      Object.defineProperty(out, k instanceof Keyword ? k.name : (k as string), { value: x, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      Object.defineProperty(out, k, { value: mapsAsRead(x, objectKeys), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return v;
}

/** Arrays nested `depth` deep, innermost empty: `depth` 1 is `[]`. */
export function nestedArrays(depth: number): unknown[] {
  let v: unknown[] = [];
  for (let i = 1; i < depth; i++) v = [v];
  return v;
}

function entry(label: string, value: unknown, expected: unknown = value): CorpusEntry {
  return { label, value, expected };
}

function manyKeys(n: number, prefix: string): Record<string, number> {
  const o: Record<string, number> = {};
  for (let i = 0; i < n; i++) o[`${prefix}${i}`] = i;
  return o;
}

/**
 * The round-trip corpus for a packer with these value kinds: scalars at every
 * encoding boundary, unicode (astral chars, controls, separators), strings that
 * look like format syntax, empty and large collections, nesting, and the kinds
 * the format supports.
 */
export function packerCorpus(kinds: PackerValueKinds): CorpusEntry[] {
  const rnd = seededRandom(0x5e17e);
  const out: CorpusEntry[] = [
    entry('null', null),
    entry('true', true),
    entry('false', false),
    entry('undefined at top level, as null', undefined, null),
  ];

  const ints = [
    0, 1, -1, 31, 32, -32, -33, 127, 128, -128, -129, 255, 256, 32767, 32768, -32768, -32769, 65535, 65536,
    2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 32 - 1, 2 ** 32, -(2 ** 32), 2 ** 40 + 7,
    Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER,
  ];
  for (const n of ints) out.push(entry(`integer ${n}`, n));
  const floats = [
    0.5, 1.5, -1.25, 0.1, -0.1, 1 / 3, Math.PI, 1e-7, 1.5e-300, 1e21, -1e21, 1.7976931348623157e308, 5e-324,
    2 ** 60, -(2 ** 60), 2 ** 53 + 2, 3.4028234663852886e38, 1.401298464324817e-45, 123456.789,
  ];
  for (const n of floats) out.push(entry(`number ${n}`, n));

  const strings: Array<[string, string]> = [
    ['empty string', ''],
    ['ascii string', 'hello world'],
    ['latin-1 accents', 'héllo wörld ñ'],
    ['CJK', '日本語のテキスト'],
    ['astral emoji with modifiers', '😀👍🏽👨‍👩‍👧 𝄞 𐍈'],
    ['quotes and backslashes', 'say "hi" \\ o/ \\"'],
    ['control characters', 'a\u0000b\u0001c\u001fd\u007f\b\f\n\r\t'],
    ['line and paragraph separators, BOM', '\u2028\u2029\ufeff'],
    ['format-looking text', '~:kw ^0 ^  `x ~#set :a/b #inst "x" \\c nil ; comment #_ [1 2] {:a 1} ##NaN 1/2 1N 1.5M'],
    ['leading tilde', '~hello'],
    ['leading caret', '^hello'],
    ['leading backtick', '`hello'],
    ['keyword-looking string', ':chsk/handshake'],
    ['string of 31 bytes', 'x'.repeat(31)],
    ['string of 32 bytes', 'x'.repeat(32)],
    ['string of 255 bytes', 'x'.repeat(255)],
    ['string of 256 bytes', 'x'.repeat(256)],
    ['string of 65535 bytes', 'y'.repeat(65535)],
    ['string of 70000 two-byte chars', 'é'.repeat(70000)],
  ];
  for (const [label, s] of strings) out.push(entry(label, s));

  out.push(
    entry('empty array', []),
    entry('empty object', {}),
    entry('array of scalars', [1, 'two', 3.5, true, false, null]),
    entry('undefined in an array, as null', [1, undefined, 3], [1, null, 3]),
    entry('undefined object properties are omitted', { a: 1, b: undefined }, { a: 1 }),
    entry('nested objects and arrays', { a: 1, b: { c: [1, 2, { d: null, e: [[], {}] }] }, 'f-g': 'h' }),
    entry('unicode object keys', { ключ: 1, 日本: 2, '😀': 3 }),
    entry('object keys that need escaping', { '': 0, 'with space': 1, 'quote"d': 2, '~tilde': 3, '^caret': 4, 'a/b': 5 }),
    entry('object with 15 keys', manyKeys(15, 'k')),
    entry('object with 16 keys', manyKeys(16, 'k')),
    entry('repeated keys across 300 objects', Array.from({ length: 300 }, (_, i) => ({ id: i, name: `n${i}`, tags: [] }))),
    entry('300 distinct keys, then repeats', [manyKeys(300, 'key-'), manyKeys(300, 'key-'), { 'key-0': 'again', 'key-299': 'again' }]),
    entry('object with 70000 keys', manyKeys(70000, '')),
    entry('array of 15 items', Array.from({ length: 15 }, (_, i) => i)),
    entry('array of 16 items', Array.from({ length: 16 }, (_, i) => i)),
    entry('array of 70000 items', Array.from({ length: 70000 }, (_, i) => i % 300)),
    entry('random floats', Array.from({ length: 200 }, () => (rnd() - 0.5) * 10 ** Math.floor(rnd() * 40 - 20))),
    entry('nested 50 deep', nestedArrays(50)),
    entry('keyword values in data', { k: kw('my/kw'), plain: kw('plain'), list: [kw('a'), kw('b/c')] }),
  );

  if (kinds.protoKey ?? true) {
    out.push(entry('an own __proto__ key', JSON.parse('{"__proto__": {"polluted": true}, "x": 1}')));
  }
  if (kinds.dates) {
    out.push(
      entry('epoch date', new Date(0)),
      entry('recent date with millis', new Date(1_700_000_000_123)),
      entry('date before the epoch', new Date(-1)),
      entry('year 1 date', new Date('0001-01-01T00:00:00.000Z')),
      entry('year 9999 date', new Date(253_402_300_799_999)),
      entry('dates in data', { at: new Date(86_400_000), list: [new Date(1), new Date(2)] }),
    );
  }
  if (kinds.binary) {
    const big = new Uint8Array(70_000);
    for (let i = 0; i < big.length; i++) big[i] = Math.floor(rnd() * 256);
    out.push(
      entry('empty bytes', new Uint8Array(0)),
      entry('small bytes', new Uint8Array([0, 1, 127, 128, 255])),
      entry('256 bytes', new Uint8Array(256).fill(7)),
      entry('70000 random bytes', big),
      entry('bytes in data', { blob: new Uint8Array([1, 2, 3]) }),
    );
  }
  if (kinds.sets) {
    out.push(
      entry('empty set', new Set()),
      entry('set of scalars', new Set([1, 'a', true, null, kw('x')])),
      entry('nested sets', new Set([new Set([1]), 'b'])),
      entry('sets in data', { tags: new Set(['a', 'b']) }),
    );
  }
  if (kinds.maps) {
    out.push(
      entry('map with number keys', new Map<unknown, unknown>([[1, 'one'], [2, 'two']])),
      entry('map with keyword keys', new Map<unknown, unknown>([[kw('a'), 1], [kw('ns/b'), { c: 2 }]])),
      entry('map with mixed keys', new Map<unknown, unknown>([['s', 1], [kw('k'), 2], [3, 3], [null, 4], [true, 5]])),
      entry('map with a vector key', new Map<unknown, unknown>([[[1, 2], 'pair']])),
    );
  }
  if (kinds.bigints) {
    out.push(
      entry('bigint 2^60', 2n ** 60n),
      entry('bigint -(2^60)', -(2n ** 60n)),
      entry('bigint int64 max', 2n ** 63n - 1n),
      entry('bigint int64 min', -(2n ** 63n)),
    );
  }
  if (kinds.nonFinite) {
    out.push(entry('non-finite numbers', [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]));
  }

  const objectKeys = kinds.objectKeys ?? 'string';
  return out.map((e) => {
    const expected = kinds.maps ? mapsAsRead(e.expected, objectKeys) : e.expected;
    return { ...e, expected: kinds.keywords === 'native' ? expected : keywordsAsNames(expected) };
  });
}
