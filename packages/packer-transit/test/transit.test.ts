import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Keyword, isSenteError } from '@sente/core';
import type { WireFixtureFile } from '../../adapter-conformance/src/packers.js';
import { Sym, transitPacker, Uuid } from '../src/index.js';
import type { TransitWriteHandler } from '../src/index.js';

const kw = Keyword.for;

function errorOf(fn: () => unknown): { code: string | undefined; message: string } {
  try {
    fn();
  } catch (e) {
    return { code: isSenteError(e) ? e.code : undefined, message: (e as Error).message };
  }
  throw new Error('expected an error');
}

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

/** An app date type: a calendar day with no time. */
class LocalDate {
  constructor(readonly iso: string) {}
}

describe("transit's write cache", () => {
  const file = JSON.parse(readFileSync(new URL('./fixtures/sente-transit-cache.json', import.meta.url), 'utf8')) as WireFixtureFile;
  const expected: Record<string, unknown> = {
    'repeated-event-and-keys': [[[kw('my/ev'), { text: 'hi', n: 1 }], [kw('my/ev'), { text: 'yo', n: 2 }]], null],
    'string-keys': [[new Map<unknown, unknown>([['name', 'a'], ['id', 1]]), new Map<unknown, unknown>([['name', 'b'], ['id', 2]])], null],
    'set-and-keyword-values': [new Set([kw('chat/room')]), kw('chat/room')],
  };
  const packer = transitPacker({ objectKeys: 'keyword' });

  for (const v of file.vectors) {
    it(`writes and reads ${v.id}: ${v.clojure}`, () => {
      expect(packer.pack(expected[v.id])).toBe(v.payload);
      expect(packer.unpack(v.payload ?? '')).toStrictEqual(expected[v.id]);
    });
  }

  it('starts every message with an empty cache, both ways', () => {
    const first = packer.pack([{ longkey: 1 }]);
    expect(packer.pack([{ longkey: 2 }])).toBe('[["^ ","~:longkey",2]]');
    expect(packer.unpack(first)).toStrictEqual([{ longkey: 1 }]);
    // "^0" was defined by the previous message only.
    expect(errorOf(() => packer.unpack('[["^ ","^0",3]]')).message).toBe(
      'transit packer cannot unpack this payload: a cache code that refers to nothing.',
    );
  });

  it('writes a "__proto__" key without touching Object.prototype (transit-js alone would set its 0 and 1)', () => {
    const text = transitPacker().pack(JSON.parse('[{"__proto__": {"polluted": true}}, {"__proto__": 2}]'));
    expect(text).toBe('[["^ ","__proto__",["^ ","polluted",true]],["^ ","^0",2]]');
    expect(Object.getOwnPropertyNames(Object.prototype).filter((n) => /^\d+$/.test(n))).toStrictEqual([]);
    const back = transitPacker().unpack(text) as Array<Record<string, unknown>>;
    expect(Object.keys(back[1] ?? {})).toStrictEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('caches keys past index 43 with two-character codes', () => {
    const keys = Array.from({ length: 50 }, (_, i) => `key${String(i).padStart(2, '0')}`);
    const obj = Object.fromEntries(keys.map((k) => [k, 0]));
    const text = transitPacker().pack([obj, obj]);
    // Codes are base 44 from '0': index 43 is "^[", 44 is "^10", 49 is "^15".
    expect(text).toContain('"^[",0,"^10",0,"^11",0,"^12",0,"^13",0,"^14",0,"^15",0]');
    expect(transitPacker().unpack(text)).toStrictEqual([obj, obj]);
  });
});

describe('custom handlers', () => {
  const pointHandler: TransitWriteHandler<Point> = { tag: () => 'point', rep: (p) => [p.x, p.y] };
  const localDateHandler: TransitWriteHandler<LocalDate> = { tag: () => 'D', rep: (d) => d.iso, stringRep: (d) => d.iso };

  it('writes an app class with a write handler and reads it back with a read handler', () => {
    const packer = transitPacker({
      writeHandlers: new Map([[Point, pointHandler]]),
      readHandlers: { point: (rep) => new Point(...(rep as [number, number])) },
    });
    const text = packer.pack([kw('geo/at'), new Point(1, 2)]);
    expect(text).toBe('["~:geo/at",["~#point",[1,2]]]');
    expect(packer.unpack(text)).toStrictEqual([kw('geo/at'), new Point(1, 2)]);
  });

  it('writes an app date type as a scalar tag, usable as a map key', () => {
    const packer = transitPacker({
      writeHandlers: [[LocalDate, localDateHandler]],
      readHandlers: { D: (rep) => new LocalDate(rep as string) },
    });
    const value = new Map([[new LocalDate('2024-03-01'), 'launch']]);
    const text = packer.pack([new LocalDate('2024-02-29'), value]);
    expect(text).toBe('["~D2024-02-29",["^ ","~D2024-03-01","launch"]]');
    expect(packer.unpack(text)).toStrictEqual([new LocalDate('2024-02-29'), value]);
  });

  it('lets a write handler replace how Dates are written, and a read handler how they read', () => {
    const packer = transitPacker({
      writeHandlers: [[Date, { tag: () => 't', rep: (d: Date) => d.toISOString(), stringRep: (d: Date) => d.toISOString() }]],
      readHandlers: { t: (rep) => `iso:${String(rep)}` },
    });
    expect(packer.pack([new Date(0)])).toBe('["~t1970-01-01T00:00:00.000Z"]');
    expect(packer.unpack('["~t1970-01-01T00:00:00.000Z"]')).toStrictEqual(['iso:1970-01-01T00:00:00.000Z']);
  });

  it('gives read handlers big integers as bigints', () => {
    const packer = transitPacker({ readHandlers: { span: (rep) => rep } });
    expect(packer.unpack('["~#span",["~i9007199254740993",1]]')).toStrictEqual([9007199254740993n, 1]);
  });

  it('reads unknown tags as TaggedValues, written back unchanged, or through defaultReadHandler', () => {
    const text = '[["~#app/money",["^ ","~:amount","~f19.99"]],"~qodd"]';
    const tagged = transitPacker({ objectKeys: 'keyword' });
    expect(tagged.pack(tagged.unpack(text))).toBe('[["~#app/money",["^ ","~:amount",19.99]],"~qodd"]');
    const custom = transitPacker({ objectKeys: 'keyword', defaultReadHandler: (tag, rep) => ({ tag, rep }) });
    expect(custom.unpack(text)).toStrictEqual([
      { tag: 'app/money', rep: { amount: 19.99 } },
      { tag: 'q', rep: 'odd' },
    ]);
  });

  it('refuses read handlers for transit ground types', () => {
    expect(errorOf(() => transitPacker({ readHandlers: { i: (rep) => rep } })).code).toBe('ERR_SENTE_BAD_OPTION');
  });
});

describe('reading what Clojure writes', () => {
  const packer = transitPacker({ objectKeys: 'keyword' });

  it('reads a map as transit-clj writes it', () => {
    const text =
      '["^ ","~:user/id",42,"~:name","Ann","~:roles",["~#set",["~:admin"]],"~:joined","~m1709287200000",' +
      '"~:score",9.5,"~:big","~n123456789012345678901234567890","~:long","~i9007199254740993","~:price","~f19.99",' +
      '"~:id","~u8a1c3b5e-0f2d-4a6b-9c7d-1e2f3a4b5c6d","~:f","~$my.ns/f","~:xs",["~#list",[1,2,3]],"~:ch","~ca",' +
      '"~:half",["~#ratio",["~n1","~n2"]],"~:blob","~bAQID","~:inf","~zINF","~:none",null,"~:tilde","~~x"]';
    expect(packer.unpack(text)).toStrictEqual({
      'user/id': 42,
      name: 'Ann',
      roles: new Set([kw('admin')]),
      joined: new Date(1_709_287_200_000),
      score: 9.5,
      big: 123456789012345678901234567890n,
      long: 9007199254740993n,
      price: 19.99,
      id: new Uuid('8a1c3b5e-0f2d-4a6b-9c7d-1e2f3a4b5c6d'),
      f: new Sym('my.ns/f'),
      xs: [1, 2, 3],
      ch: 'a',
      half: 0.5,
      blob: new Uint8Array([1, 2, 3]),
      inf: Infinity,
      none: null,
      tilde: '~x',
    });
  });

  it('writes the Sym and Uuid of any Sente packer, by their shared brand', () => {
    const sym = { [Symbol.for('sente.sym')]: true, name: 'a/b' };
    const uuid = { [Symbol.for('sente.uuid')]: true, value: '8a1c3b5e-0f2d-4a6b-9c7d-1e2f3a4b5c6d' };
    expect(transitPacker().pack([sym, uuid])).toBe('["~$a/b","~u8a1c3b5e-0f2d-4a6b-9c7d-1e2f3a4b5c6d"]');
  });

  it('reads maps with non-stringable keys (cmap) as Maps', () => {
    expect(packer.unpack('["~#cmap",[[1,2],"pair",["^ ","~:a",1],"map"]]')).toStrictEqual(
      new Map<unknown, unknown>([[[1, 2], 'pair'], [{ a: 1 }, 'map']]),
    );
    expect(transitPacker().pack(new Map([[[1, 2], 'pair']]))).toBe('["~#cmap",[[1,2],"pair"]]');
  });

  it('reads json-verbose maps and dates whichever encoding it writes', () => {
    expect(packer.unpack('[{"~:ok":true,"~:at":"~t2024-03-01T10:00:00.000Z"}]')).toStrictEqual([
      { ok: true, at: new Date('2024-03-01T10:00:00Z') },
    ]);
  });

  it('writes what Clojure reads: keywords, symbols, UUIDs, big integers, numbers as map keys', () => {
    const value = new Map<unknown, unknown>([
      [2, new Uuid('8a1c3b5e-0f2d-4a6b-9c7d-1e2f3a4b5c6d')],
      [kw('n'), 12345678901234567890n],
      [Number.NaN, new Sym('a/b')],
    ]);
    expect(transitPacker().pack(value)).toBe('["^ ","~i2","~u8a1c3b5e-0f2d-4a6b-9c7d-1e2f3a4b5c6d","~:n","~n12345678901234567890","~zNaN","~$a/b"]');
    // transit-js cannot write a float map key; such maps go as cmaps, which Clojure reads as the same map.
    expect(transitPacker().pack(new Map([[1.5, 'x']]))).toBe('["~#cmap",[1.5,"x"]]');
    expect(transitPacker().unpack('["^ ","~d1.5","x"]')).toStrictEqual(new Map([[1.5, 'x']]));
    expect(transitPacker({ encoding: 'json-verbose' }).pack([new Date('0001-01-01T00:00:00Z')])).toBe('["~t0001-01-01T00:00:00.000Z"]');
  });
});

describe('strictness', () => {
  it('names what is wrong', () => {
    const cases: Array<[string, string]> = [
      ['[1,', 'transit packer cannot unpack this payload: not valid JSON text.'],
      ['["~i1x"]', 'transit packer cannot unpack this payload: invalid ~i value "~i1x".'],
      ['["^ ",1]', 'transit packer cannot unpack this payload: a map needs an even number of keys and values.'],
      ['["^!"]', 'transit packer cannot unpack this payload: invalid cache code "^!".'],
      ['["~#constructor",[1]]', 'transit packer cannot unpack this payload: invalid ~# value "~#constructor".'],
    ];
    for (const [text, message] of cases) expect(errorOf(() => transitPacker().unpack(text))).toStrictEqual({ code: 'ERR_SENTE_BAD_PACKAGE', message });
  });

  it('bounds nesting with maxDepth, counting sets and maps', () => {
    const packer = transitPacker({ maxDepth: 2 });
    expect(packer.unpack('[["~#set",[1]]]')).toStrictEqual([new Set([1])]);
    expect(errorOf(() => packer.unpack('[[["^ "]]]')).code).toBe('ERR_SENTE_BAD_PACKAGE');
    expect(errorOf(() => packer.unpack('[["~#set",[[]]]]')).code).toBe('ERR_SENTE_BAD_PACKAGE');
    expect(errorOf(() => packer.pack([new Set([[]])])).code).toBe('ERR_SENTE_PACK_FAILED');
  });

  it('refuses option values that cannot work', () => {
    for (const options of [{ encoding: 'msgpack' as 'json' }, { objectKeys: 'x' as 'string' }, { maxDepth: -1 }]) {
      expect(errorOf(() => transitPacker(options)).code).toBe('ERR_SENTE_BAD_OPTION');
    }
  });
});
