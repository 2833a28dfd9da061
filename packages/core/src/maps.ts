import { Keyword } from './keyword.js';
import { isSym } from './sym.js';
import { isUuid } from './uuid.js';

/**
 * Helpers for packers whose format has maps with keys of any type (edn,
 * transit, msgpack).
 *
 * What the keys of plain JS objects are on the wire:
 * - `'string'`: `{ a: 1 }` ↔ `{"a" 1}`; maps whose keys are all strings read
 *   as plain objects, every other map as a `Map`.
 * - `'keyword'`: `{ a: 1 }` ↔ `{:a 1}`, Clojure's idiom; maps whose keys are
 *   all keywords read as plain objects keyed by the keywords' names, every
 *   other map (string keys included) as a `Map`.
 */
export type ObjectKeys = 'string' | 'keyword';

/** True for `{…}` literals and `Object.create(null)`: the objects written as maps. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Sets `o[key]`, as an own property even for `__proto__`. */
export function setOwn(o: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  else o[key] = value;
}

/** A map read off the wire, as a plain object when its keys allow, else as a `Map`. */
export function buildMap(entries: ReadonlyArray<readonly [unknown, unknown]>, objectKeys: ObjectKeys): unknown {
  const asObject =
    objectKeys === 'string'
      ? entries.every(([k]) => typeof k === 'string')
      : entries.every(([k]) => k instanceof Keyword);
  if (!asObject) return new Map(entries);
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries) setOwn(o, k instanceof Keyword ? k.name : (k as string), v);
  return o;
}

/**
 * A value that is equal for equal keys of the kinds a map can be checked
 * for duplicates (scalars, keywords, symbols, UUIDs, dates); `undefined` for
 * the others.
 */
export function keyIdentity(k: unknown): unknown {
  if (k === null || typeof k === 'number' || typeof k === 'bigint' || typeof k === 'boolean' || k instanceof Keyword) return k;
  if (typeof k === 'string') return `s${k}`;
  if (isSym(k)) return `y${k.name}`;
  if (isUuid(k)) return `u${k.value}`;
  if (k instanceof Date) return `d${k.getTime()}`;
  return undefined;
}
