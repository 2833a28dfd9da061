import { describe, expect, it } from 'vitest';
import { Keyword, isSenteError } from '@sente/core';
import { ednPacker, Sym, TaggedValue, Uuid } from '../src/index.js';

const kw = Keyword.for;
const read = (text: string): unknown => ednPacker().unpack(text);
const readKw = (text: string): unknown => ednPacker({ objectKeys: 'keyword' }).unpack(text);

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

function expectMalformed(text: string | Uint8Array, message?: string): void {
  const e = errorOf(() => ednPacker().unpack(text));
  expect(isSenteError(e) && e.code).toBe('ERR_SENTE_BAD_PACKAGE');
  if (message !== undefined) expect((e as Error).message).toBe(message);
}

describe('reading scalars', () => {
  it('reads nil, booleans and integers', () => {
    expect(read('nil')).toBeNull();
    expect(read('true')).toBe(true);
    expect(read('false')).toBe(false);
    expect(read('[0 -0 +5 -17 9007199254740991]')).toStrictEqual([0, 0, 5, -17, 9007199254740991]);
  });

  it('reads integers beyond 2^53, and N integers, as bigints', () => {
    expect(read('9007199254740993')).toBe(9007199254740993n);
    expect(read('-123456789012345678901234567890')).toBe(-123456789012345678901234567890n);
    expect(read('[1N -7N]')).toStrictEqual([1n, -7n]);
  });

  it('reads floats in every form Clojure prints', () => {
    expect(read('[1.5 1. 1e10 1.0E-5 -2.5e+3 -0.0 1.0E21]')).toStrictEqual([1.5, 1, 1e10, 1e-5, -2500, -0, 1e21]);
    expect(Object.is(read('-0.0'), -0)).toBe(true);
    expect(read('[##Inf ##-Inf ##NaN]')).toStrictEqual([Infinity, -Infinity, Number.NaN]);
  });

  it('reads M decimals as numbers, or through readDecimal', () => {
    expect(read('19.99M')).toBe(19.99);
    expect(read('1M')).toBe(1);
    expect(ednPacker({ readDecimal: (t) => `decimal:${t}` }).unpack('[19.990M -1e3M]')).toStrictEqual(['decimal:19.990', 'decimal:-1e3']);
  });

  it('reads ratios as numbers, as ClojureScript does', () => {
    expect(read('[1/3 -6/3 22/7]')).toStrictEqual([1 / 3, -2, 22 / 7]);
  });

  it('reads strings with every escape', () => {
    expect(read('"a\\tb\\nc\\rd\\\\e\\"f\\bg\\fh"')).toBe('a\tb\nc\rd\\e"f\bg\fh');
    expect(read('"\\u00e9\\u0041 \\101\\7 \\uD83D\\uDE00"')).toBe('éA A\u0007 😀');
    expect(read('"multi\nline 😀"')).toBe('multi\nline 😀');
  });

  it('reads characters as one-character strings', () => {
    expect(read('[\\a \\Z \\newline \\space \\tab \\return \\backspace \\formfeed \\u00e9 \\o101 \\( \\] \\\\ \\😀]')).toStrictEqual([
      'a', 'Z', '\n', ' ', '\t', '\r', '\b', '\f', 'é', 'A', '(', ']', '\\', '😀',
    ]);
    expect(read('[\\a\\b]')).toStrictEqual(['a', 'b']);
  });

  it('reads keywords as interned Keywords', () => {
    const v = read('[:a :ns/name :a.b/c-d? :200 :a#b :ok*]') as unknown[];
    expect(v).toStrictEqual([kw('a'), kw('ns/name'), kw('a.b/c-d?'), kw('200'), kw('a#b'), kw('ok*')]);
    expect(v[1]).toBe(kw('ns/name'));
  });

  it('reads symbols as Syms', () => {
    expect(read('[foo my.ns/bar / + - . ->> a\' élan]')).toStrictEqual(
      ['foo', 'my.ns/bar', '/', '+', '-', '.', '->>', "a'", 'élan'].map((n) => new Sym(n)),
    );
  });
});

describe('reading collections', () => {
  it('reads vectors and lists as arrays', () => {
    expect(read('[1 (2 3) [] ()]')).toStrictEqual([1, [2, 3], [], []]);
  });

  it('treats commas as whitespace and skips comments and discarded forms', () => {
    expect(read('[1,2 ,, 3 ; a comment\n 4 #_ 5 #_ #_ 6 7 8 #_[9 [10]]]')).toStrictEqual([1, 2, 3, 4, 8]);
    expect(read('; only a comment\n#_ discarded')).toBeNull();
  });

  it('reads sets as Sets', () => {
    expect(read('#{1 :a "s" nil}')).toStrictEqual(new Set([1, kw('a'), 's', null]));
  });

  it("reads string-keyed maps as objects and others as Maps, with objectKeys 'string'", () => {
    expect(read('{"a" 1, "b" {"c" [2]}}')).toStrictEqual({ a: 1, b: { c: [2] } });
    expect(read('{:a 1}')).toStrictEqual(new Map([[kw('a'), 1]]));
    expect(read('{1 :one, [1 2] :pair, nil 0}')).toStrictEqual(
      new Map<unknown, unknown>([[1, kw('one')], [[1, 2], kw('pair')], [null, 0]]),
    );
    expect(read('{}')).toStrictEqual({});
  });

  it("reads keyword-keyed maps as objects and others as Maps, with objectKeys 'keyword'", () => {
    expect(readKw('{:text "hi", :user/id 7, :nested {:ok true}}')).toStrictEqual({ text: 'hi', 'user/id': 7, nested: { ok: true } });
    expect(readKw('{"a" 1}')).toStrictEqual(new Map([['a', 1]]));
    expect(readKw('{:a 1, "a" 2}')).toStrictEqual(new Map<unknown, unknown>([[kw('a'), 1], ['a', 2]]));
  });

  it('keeps a __proto__ key as an own property', () => {
    const v = read('{"__proto__" {"polluted" true}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toStrictEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('reads namespaced maps, as Clojure prints them with *print-namespace-maps*', () => {
    expect(readKw('#:user{:id 1, :name "Ann", :_/plain 2}')).toStrictEqual({ 'user/id': 1, 'user/name': 'Ann', plain: 2 });
    expect(readKw('#:user {:id 1}')).toStrictEqual({ 'user/id': 1 });
  });
});

describe('reading tagged literals', () => {
  it('reads #inst in every RFC 3339 form clojure.instant accepts', () => {
    expect(read('#inst "2024-03-01T10:20:30.123-00:00"')).toStrictEqual(new Date('2024-03-01T10:20:30.123Z'));
    expect(read('#inst "2024-03-01T10:20:30.123456789Z"')).toStrictEqual(new Date('2024-03-01T10:20:30.123Z'));
    expect(read('#inst "2024-03-01T10:20:30+02:00"')).toStrictEqual(new Date('2024-03-01T08:20:30Z'));
    expect(read('#inst "2024"')).toStrictEqual(new Date('2024-01-01T00:00:00Z'));
    expect(read('#inst "0001-01-01T00:00:00.000-00:00"')).toStrictEqual(new Date('0001-01-01T00:00:00Z'));
    expect(read('#inst "2024-02-29"')).toStrictEqual(new Date('2024-02-29T00:00:00Z'));
  });

  it('refuses #inst values that are not timestamps', () => {
    for (const bad of ['"2023-02-29"', '"2024-13-01"', '"2024-01-01T24:00:00Z"', '"yesterday"', '1700000000000', '"2024-01-01t00:00:00z"']) {
      expectMalformed(`#inst ${bad}`);
    }
  });

  it('reads #uuid as a Uuid, lower-cased', () => {
    expect(read('#uuid "8A1C3B5E-0F2D-4A6B-9C7D-1E2F3A4B5C6D"')).toStrictEqual(new Uuid('8a1c3b5e-0f2d-4a6b-9c7d-1e2f3a4b5c6d'));
    expectMalformed('#uuid "8a1c3b5e"');
    expectMalformed('#uuid 42');
  });

  it('reads app tags through readers, which take precedence over the built-ins', () => {
    const packer = ednPacker({
      readers: { 'app/point': (v) => ({ point: v }), inst: (v) => `inst:${String(v)}` },
    });
    expect(packer.unpack('[#app/point [1 2] #inst "2024"]')).toStrictEqual([{ point: [1, 2] }, 'inst:2024']);
  });

  it('refuses unknown tags unless a defaultReader reads them', () => {
    expectMalformed('#app/thing {:a 1}', 'edn packer cannot unpack this payload: no reader for tag #app/thing (at offset 0).');
    const packer = ednPacker({ defaultReader: (tag, value) => new TaggedValue(tag, value) });
    expect(packer.unpack('#app/thing [1]')).toStrictEqual(new TaggedValue('app/thing', [1]));
  });

  it('answers a reader that throws with ERR_SENTE_BAD_PACKAGE', () => {
    const packer = ednPacker({
      readers: {
        'app/strict': () => {
          throw new RangeError('nope');
        },
      },
    });
    const e = errorOf(() => packer.unpack('#app/strict 1'));
    expect(isSenteError(e) && e.code).toBe('ERR_SENTE_BAD_PACKAGE');
    expect((e as Error).cause).toBeInstanceOf(RangeError);
  });
});

describe('strictness', () => {
  it('names what is wrong and where', () => {
    expectMalformed('[1 2', 'edn packer cannot unpack this payload: unterminated collection (at offset 0).');
    expectMalformed('[1 2]]', 'edn packer cannot unpack this payload: unexpected content after the value (at offset 5).');
    expectMalformed('{:a 1 :a 2}', 'edn packer cannot unpack this payload: duplicate map key :a (at offset 0).');
    expectMalformed('[1 @x]', 'edn packer cannot unpack this payload: invalid character "@" (at offset 3).');
  });

  it('refuses malformed tokens', () => {
    for (const bad of ['::a', ':', ':a/', ':/a', 'a/b/c', ':a:', 'a::b', '1a', '1.2.3', '0x10', '08', '1/2/3', '+1a', '##Foo', '\\abc', '\\uD800', '\\o400', '#:a/b{:c 1}', '#::{}']) {
      expectMalformed(bad);
    }
  });

  it('refuses reader syntax that is not edn', () => {
    for (const bad of ["'a", '`a', '~a', '@a', '^:m []', '#"re"', '#(x)', "#'a", '#<obj>', '#?(:clj 1)', '#', '#_']) {
      expectMalformed(bad);
    }
  });

  it('refuses invalid UTF-8 and bytes of anything but text', () => {
    expectMalformed(new Uint8Array([0x22, 0xc3, 0x28, 0x22]));
    expect(ednPacker().unpack(new TextEncoder().encode('[:a "é"]'))).toStrictEqual([kw('a'), 'é']);
  });

  it('bounds nesting with maxDepth, tagged literals included', () => {
    const packer = ednPacker({ maxDepth: 3, defaultReader: (_t, v) => v });
    expect(packer.unpack('[[[1]]]')).toStrictEqual([[[1]]]);
    expect(packer.unpack('[[#x/y 1]]')).toStrictEqual([[1]]);
    for (const bad of ['[[[[1]]]]', '[[#x/y []]]', '{:a {:b #{[]}}}']) {
      expect(() => packer.unpack(bad)).toThrow(/nesting deeper than 3/);
    }
  });
});

describe('reading Clojure data', () => {
  it('reads a map as a Clojure app prints it', () => {
    const text =
      '{:user/id 42, :name "Ann", :roles #{:admin}, :joined #inst "2024-03-01T10:00:00.000-00:00", ' +
      ':score 9.5, :half 1/2, :big 123456789012345678901234567890N, :price 19.99M, ' +
      ':id #uuid "8a1c3b5e-0f2d-4a6b-9c7d-1e2f3a4b5c6d", :f my.ns/f, :xs (1 2 3), :ch \\a, :none nil}';
    expect(readKw(text)).toStrictEqual({
      'user/id': 42,
      name: 'Ann',
      roles: new Set([kw('admin')]),
      joined: new Date('2024-03-01T10:00:00Z'),
      score: 9.5,
      half: 0.5,
      big: 123456789012345678901234567890n,
      price: 19.99,
      id: new Uuid('8a1c3b5e-0f2d-4a6b-9c7d-1e2f3a4b5c6d'),
      f: new Sym('my.ns/f'),
      xs: [1, 2, 3],
      ch: 'a',
      none: null,
    });
  });
});
