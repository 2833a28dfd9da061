import { Keyword } from '@sente/core';
import type { WriteHandler } from 'transit-js';
import { t } from './transit-js.js';
import { Sym, Uuid, isPlainObject, isSym, isUuid } from '@sente/core';
import type { ObjectKeys } from '@sente/core';

/**
 * Writes instances of an app type as a transit tagged value: the analogue
 * of a transit-clj write handler (Sente's `:handlers` writer option).
 */
export interface TransitWriteHandler<T = unknown> {
  /** The tag: one character for scalar types (written `~xrep`), longer for composite ones (`["~#tag", rep]`). */
  tag(value: T): string;
  /** The representation, itself anything the packer can write. */
  rep(value: T): unknown;
  /** The representation as a string, for map keys and one-character tags; `null` when there is none. */
  stringRep?(value: T): string | null;
}

/** A class and the handler that writes its instances. */
export type TransitWriteHandlerEntry = readonly [type: abstract new (...args: never[]) => unknown, handler: TransitWriteHandler];

/** A pack failure of this packer's own making (transit-js throws plain Errors). */
export class TransitWriteError extends Error {
  override readonly name = 'TransitWriteError';
}

const handler = <T>(h: { tag: (v: T) => string; rep: (v: T) => unknown; stringRep?: (v: T) => string | null }): WriteHandler =>
  t.makeWriteHandler({ tag: h.tag, rep: h.rep, stringRep: h.stringRep ?? (() => null) } as WriteHandler);

// transit-js writes json-verbose dates without padding the year ("~t1-01-01T…"), which Clojure cannot read.
const verboseDateHandler = handler<Date>({ tag: () => 't', rep: (d) => d.toISOString(), stringRep: (d) => d.toISOString() });
const dateHandler = t.makeWriteHandler({
  tag: () => 'm',
  rep: (d: Date) => d.getTime(),
  stringRep: (d: Date) => String(d.getTime()),
  getVerboseHandler: () => verboseDateHandler,
});

function numberTag(n: number): string {
  if (!Number.isFinite(n)) return 'z';
  return Number.isSafeInteger(n) && !Object.is(n, -0) ? 'i' : 'd';
}

/**
 * The write handlers of the JS types transit-js does not write the way
 * Clojure reads them: keywords, symbols and UUIDs of this package, native
 * `Map`s and `Set`s, and numbers (transit-js tags every number as an
 * integer, so a float map key would be written `~i1.5`).
 */
export function builtInWriteHandlers(): Map<unknown, WriteHandler> {
  return new Map<unknown, WriteHandler>([
    [Keyword, handler<Keyword>({ tag: () => ':', rep: (k) => k.name, stringRep: (k) => k.name })],
    [Sym, handler<Sym>({ tag: () => '$', rep: (s) => s.name, stringRep: (s) => s.name })],
    [Uuid, handler<Uuid>({ tag: () => 'u', rep: (u) => u.value, stringRep: (u) => u.value })],
    [Map, handler<Map<unknown, unknown>>({ tag: () => 'map', rep: (m) => m })],
    [Set, handler<Set<unknown>>({ tag: () => 'set', rep: (s) => [...s] })],
    [Date, dateHandler],
    [
      Number,
      handler<number>({
        tag: numberTag,
        rep: (n) => (Number.isFinite(n) ? n : Number.isNaN(n) ? 'NaN' : n > 0 ? 'INF' : '-INF'),
        stringRep: (n) => (Number.isFinite(n) ? String(n) : Number.isNaN(n) ? 'NaN' : n > 0 ? 'INF' : '-INF'),
      }),
    ],
  ]);
}

/**
 * transit-js's `transform`, applied to every value before it is written:
 * plain objects become `Map`s (with keyword keys when `objectKeys` is
 * `'keyword'`, without `undefined` values), bigints big integers (`~n`),
 * `undefined` nil, maps with float keys cmaps, and other packages' symbols
 * and UUIDs transit's own.
 */
export function writeTransform(objectKeys: ObjectKeys, verbose: boolean): (v: unknown) => unknown {
  return (v) => {
    if (v === undefined) return null;
    if (typeof v === 'bigint') return t.bigInt(v.toString());
    if (typeof v !== 'object' || v === null) return v;
    if (!(v instanceof Sym) && isSym(v)) return t.symbol(v.name);
    if (!(v instanceof Uuid) && isUuid(v)) return t.uuid(v.value);
    if (isPlainObject(v)) {
      const m = new Map<unknown, unknown>();
      for (const key of Object.keys(v)) {
        if (v[key] === undefined) continue;
        // transit-js writes json-verbose maps into a JS object, where "__proto__" would set the prototype.
        if (verbose && key === '__proto__') throw new TransitWriteError('json-verbose cannot write a "__proto__" key');
        // transit-js's own keyword, not Keyword.for: app data keys must not grow the intern table.
        m.set(objectKeys === 'keyword' ? t.keyword(key) : key, v[key]);
      }
      return m;
    }
    if (v instanceof Map) {
      if (verbose && v.has('__proto__')) throw new TransitWriteError('json-verbose cannot write a "__proto__" key');
      // transit-js writes a float map key as "undefinedd1.5" (its emitDouble shadows a name): write such maps as cmaps.
      for (const k of v.keys()) {
        if (typeof k === 'number' && numberTag(k) === 'd') return t.tagged('cmap', [...v].flat());
      }
      return v;
    }
    if (v instanceof Date && Number.isNaN(v.getTime())) throw new TransitWriteError('cannot write an invalid Date');
    return v;
  };
}
