import { describe, expect, it } from 'vitest';
import { Keyword, isSenteError } from '@sente/core';
import { ednPacker, Sym, TaggedValue, Uuid } from '../src/index.js';
import type { EdnWriter } from '../src/index.js';

const kw = Keyword.for;
const write = (v: unknown): unknown => ednPacker().pack(v);
const writeKw = (v: unknown): unknown => ednPacker({ objectKeys: 'keyword' }).pack(v);

function expectPackFailed(fn: () => unknown, message?: RegExp): void {
  let e: unknown;
  try {
    fn();
  } catch (err) {
    e = err;
  }
  expect(isSenteError(e) && e.code).toBe('ERR_SENTE_PACK_FAILED');
  if (message !== undefined) expect((e as Error).message).toMatch(message);
}

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

describe('writing as pr-str prints', () => {
  it('writes scalars', () => {
    expect(write([null, undefined, true, false, 0, -7, 1.5, 'x'])).toBe('[nil nil true false 0 -7 1.5 "x"]');
    expect(write([12n, -3n])).toBe('[12N -3N]');
    expect(write([Number.NaN, Infinity, -Infinity, -0])).toBe('[##NaN ##Inf ##-Inf -0.0]');
  });

  it('writes numbers beyond 2^53 in float syntax, so they read back as the same number', () => {
    expect(write(2 ** 60)).toBe('1.152921504606847e+18');
    expect(write(1e21)).toBe('1e+21');
    expect(ednPacker().unpack(write(2 ** 60) as string)).toBe(2 ** 60);
  });

  it('escapes strings as Clojure does, and controls and lone surrogates as \\u', () => {
    expect(write('a"b\\c\nd\te\rf\fg\bh')).toBe('"a\\"b\\\\c\\nd\\te\\rf\\fg\\bh"');
    expect(write('\u0000\u0001\u001f\u007f')).toBe('"\\u0000\\u0001\\u001f\\u007f"');
    expect(write('\ud800 and \udc00 but 😀 and é stay')).toBe('"\\ud800 and \\udc00 but 😀 and é stay"');
    expect(ednPacker().unpack(write('\ud800x') as string)).toBe('\ud800x');
  });

  it('writes keywords, symbols, uuids, dates and sets', () => {
    expect(write([kw('a'), kw('ns/b-c?'), new Sym('my.ns/f')])).toBe('[:a :ns/b-c? my.ns/f]');
    expect(write(new Uuid('8A1C3B5E-0F2D-4A6B-9C7D-1E2F3A4B5C6D'))).toBe('#uuid "8a1c3b5e-0f2d-4a6b-9c7d-1e2f3a4b5c6d"');
    expect(write(new Date(Date.UTC(2024, 2, 1, 10, 20, 30, 45)))).toBe('#inst "2024-03-01T10:20:30.045-00:00"');
    expect(write(new Date('0099-12-31T23:59:59.999Z'))).toBe('#inst "0099-12-31T23:59:59.999-00:00"');
    expect(write(new Set([1, kw('a')]))).toBe('#{1 :a}');
  });

  it('separates map entries with ", " as pr-str does', () => {
    expect(write({ a: 1, b: [2, 3], 'c d': {} })).toBe('{"a" 1, "b" [2 3], "c d" {}}');
    expect(writeKw({ a: 1, 'user/id': 2 })).toBe('{:a 1, :user/id 2}');
    expect(write(new Map<unknown, unknown>([[kw('a'), 1], [[1, 2], 'v'], [null, true]]))).toBe('{:a 1, [1 2] "v", nil true}');
    expect(write({ a: undefined, b: 1 })).toBe('{"b" 1}');
  });

  it("writes a Sente envelope as Clojure Sente does, with objectKeys 'keyword'", () => {
    const env = [[[kw('my/ev'), { a: 1, b: 'x' }], [kw('my/ev2'), [1.5, null]]], null];
    expect(writeKw(env)).toBe('[[[:my/ev {:a 1, :b "x"}] [:my/ev2 [1.5 nil]]] nil]');
  });
});

describe("other Sente packers' value types", () => {
  it('writes the Sym and Uuid of any Sente packer, by their shared brand', () => {
    const sym = { [Symbol.for('sente.sym')]: true, name: 'a/b' };
    const uuid = { [Symbol.for('sente.uuid')]: true, value: '8a1c3b5e-0f2d-4a6b-9c7d-1e2f3a4b5c6d' };
    expect(write([sym, uuid])).toBe('[a/b #uuid "8a1c3b5e-0f2d-4a6b-9c7d-1e2f3a4b5c6d"]');
  });
});

describe('writers for app types', () => {
  const pointWriter: EdnWriter<Point> = { type: Point, tag: 'app/point', rep: (p) => [p.x, p.y] };

  it('writes app classes as tagged literals and reads them back with readers', () => {
    const packer = ednPacker({
      writers: [pointWriter],
      readers: { 'app/point': (v) => new Point(...(v as [number, number])) },
    });
    const text = packer.pack({ at: new Point(1, 2) });
    expect(text).toBe('{"at" #app/point [1 2]}');
    expect(packer.unpack(text)).toStrictEqual({ at: new Point(1, 2) });
  });

  it('lets a writer replace a built-in type, such as Date', () => {
    const packer = ednPacker({ writers: [{ type: Date, tag: 'app/epoch-ms', rep: (d: Date) => d.getTime() }] });
    expect(packer.pack([new Date(5)])).toBe('[#app/epoch-ms 5]');
  });

  it('writes TaggedValues back as they were read', () => {
    const packer = ednPacker({ defaultReader: (tag, value) => new TaggedValue(tag, value) });
    expect(packer.pack(packer.unpack('[#unknown/tag {"a" 1}]'))).toBe('[#unknown/tag {"a" 1}]');
  });

  it('refuses option values that cannot work', () => {
    const bad = [
      () => ednPacker({ objectKeys: 'symbol' as 'string' }),
      () => ednPacker({ maxDepth: 0 }),
      () => ednPacker({ readers: { '1bad': (v) => v } }),
      () => ednPacker({ writers: [{ type: Point, tag: 'no space', rep: (p: Point) => p.x }] }),
    ];
    for (const fn of bad) {
      let e: unknown;
      try {
        fn();
      } catch (err) {
        e = err;
      }
      expect(isSenteError(e) && e.code).toBe('ERR_SENTE_BAD_OPTION');
    }
  });
});

describe('refusing what edn cannot express', () => {
  it('refuses keyword names Clojure could not read back', () => {
    expectPackFailed(() => write(kw('has space')), /:has space is not a readable edn keyword/);
    expectPackFailed(() => write(kw('a/b/c')));
    expectPackFailed(() => writeKw({ 'has space': 1 }), /:has space is not a readable edn keyword/);
    expectPackFailed(() => writeKw({ '': 1 }));
  });

  it('refuses types without an edn form', () => {
    expectPackFailed(() => write(new Uint8Array(2)), /edn has no binary type/);
    expectPackFailed(() => write(new Point(1, 2)), /no edn writer for Point/);
    expectPackFailed(() => write(() => 1), /edn cannot express a function/);
    expectPackFailed(() => write(new TaggedValue('9bad', 1)));
    expectPackFailed(() => write(new Date('+010000-01-01T00:00:00Z')), /years 0000–9999/);
  });

  it('bounds nesting with maxDepth, and so refuses cycles', () => {
    const packer = ednPacker({ maxDepth: 2 });
    expect(packer.pack([[1]])).toBe('[[1]]');
    expectPackFailed(() => packer.pack([[[1]]]), /nesting deeper than 2 \(or a cycle\)/);
    const loop: unknown[] = [];
    loop.push(loop);
    expectPackFailed(() => ednPacker().pack(loop), /or a cycle/);
  });
});
