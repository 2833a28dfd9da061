import { Keyword } from '@sente/core';
import { TransitSyntaxError } from './json-check.js';
import { t } from './transit-js.js';
import type { TransitDecoderOptions } from './transit-js.js';
import { Sym, Uuid, buildMap, keyIdentity } from '@sente/core';
import type { ObjectKeys } from '@sente/core';

/** Reads a transit tag's representation into a value: the analogue of a transit-clj read handler. */
export type TransitReadHandler = (rep: unknown) => unknown;

const MAX_MILLIS = 8.64e15;
const ISO_DATE = /^(?:\d{4}|[-+]\d{6})-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[-+]\d{2}:\d{2})$/;

function fail(message: string): never {
  throw new TransitSyntaxError(message);
}

type Normalize = (v: unknown) => unknown;

/**
 * How a value transit-js produced is returned: 64-bit integers beyond 2^53
 * (transit-js's goog.math.Long) become bigints, tags without a handler go to
 * the default read handler when there is one (transit-js only calls its own
 * default handler for scalar tags), and `undefined` (a cache code that refers
 * to nothing) is refused.
 */
export function normalizer(defaultReadHandler: ((tag: string, rep: unknown) => unknown) | undefined): Normalize {
  const normalize = (v: unknown): unknown => {
    if (v === undefined) fail('a cache code that refers to nothing');
    if (typeof v !== 'object' || v === null) return v;
    if (t.isInteger(v)) return BigInt(String(v));
    if (defaultReadHandler !== undefined && t.isTaggedValue(v)) {
      const { tag, rep } = v as { tag: string; rep: unknown };
      return defaultReadHandler(tag, Array.isArray(rep) ? rep.map(normalize) : normalize(rep));
    }
    return v;
  };
  return normalize;
}

function text(rep: unknown, what: string): string {
  if (typeof rep !== 'string') fail(`${what} needs a string`);
  return rep;
}

function date(millis: number): Date {
  if (!Number.isFinite(millis) || Math.abs(millis) > MAX_MILLIS) fail('an invalid date');
  return new Date(millis);
}

function pairsToMap(pairs: ReadonlyArray<readonly [unknown, unknown]>, objectKeys: ObjectKeys): unknown {
  const seen = new Set<unknown>();
  for (const [k] of pairs) {
    const id = keyIdentity(k);
    if (id === undefined) continue;
    if (seen.has(id)) fail('a duplicate map key');
    seen.add(id);
  }
  return buildMap(pairs, objectKeys);
}

function alternating(list: unknown[]): Array<[unknown, unknown]> {
  if (list.length % 2 !== 0) fail('a map needs an even number of keys and values');
  const pairs: Array<[unknown, unknown]> = [];
  for (let i = 0; i < list.length; i += 2) pairs.push([list[i], list[i + 1]]);
  return pairs;
}

/** transit-js's `["^ ", k, v, …]` array node must hold whole pairs. */
function checkArrayMap(node: unknown): void {
  if (Array.isArray(node) && node.length % 2 !== 1) fail('a map needs an even number of keys and values');
}

/** The read handlers of the types this packer maps to JS (sente-protocol §7.2, transit spec). */
function builtInReadHandlers(objectKeys: ObjectKeys, normalize: Normalize): Record<string, TransitReadHandler> {
  const items = (rep: unknown, what: string): unknown[] => {
    if (!Array.isArray(rep)) fail(`${what} needs an array`);
    return rep.map(normalize);
  };
  return {
    ':': (rep) => Keyword.for(text(rep, 'a keyword')),
    $: (rep) => new Sym(text(rep, 'a symbol')),
    u: (rep) => {
      try {
        return new Uuid(text(rep, 'a UUID'));
      } catch (e) {
        if (e instanceof TransitSyntaxError) throw e;
        return fail('an invalid UUID');
      }
    },
    m: (rep) => date(typeof rep === 'number' ? rep : Number(text(rep, 'a date'))),
    t: (rep) => {
      const s = text(rep, 'a date');
      if (!ISO_DATE.test(s)) fail('an invalid date');
      return date(Date.parse(s));
    },
    n: (rep) => BigInt(text(rep, 'a big integer')),
    // As ClojureScript reads them: decimals and ratios are numbers.
    f: (rep) => Number(text(rep, 'a decimal')),
    ratio: (rep) => {
      const [num, den] = items(rep, 'a ratio');
      const ok = (x: unknown): x is number | bigint => typeof x === 'bigint' || (typeof x === 'number' && Number.isInteger(x));
      if (!ok(num) || !ok(den) || Number(den) === 0) fail('a ratio needs two integers, the second not zero');
      return Number(num) / Number(den);
    },
    c: (rep) => text(rep, 'a char'),
    r: (rep) => text(rep, 'a URI'),
    list: (rep) => items(rep, 'a list'),
    set: (rep) => {
      const elements = items(rep, 'a set');
      const seen = new Set<unknown>();
      for (const x of elements) {
        const id = keyIdentity(x);
        if (id === undefined) continue;
        if (seen.has(id)) fail('a duplicate set element');
        seen.add(id);
      }
      return new Set(elements);
    },
    cmap: (rep) => pairsToMap(alternating(items(rep, 'a cmap')), objectKeys),
  };
}

/** The options of transit-js's decoder for this packer: maps, arrays and tags as JS values. */
export function decoderOptions(
  objectKeys: ObjectKeys,
  readHandlers: Readonly<Record<string, TransitReadHandler>>,
  normalize: Normalize,
): TransitDecoderOptions {
  const handlers: Record<string, TransitReadHandler> = builtInReadHandlers(objectKeys, normalize);
  for (const [tag, handler] of Object.entries(readHandlers)) {
    // An app handler gets its representation with the same conversions as the built-ins.
    handlers[tag] = (rep) => handler(Array.isArray(rep) ? rep.map(normalize) : normalize(rep));
  }
  return {
    handlers,
    defaultHandler: (tag, rep) => t.tagged(tag, rep),
    mapBuilder: {
      init: (node) => {
        checkArrayMap(node);
        return [];
      },
      add: (acc, k, v) => {
        acc.push([normalize(k), normalize(v)]);
        return acc;
      },
      finalize: (acc) => pairsToMap(acc, objectKeys),
      fromArray: (list, node) => {
        checkArrayMap(node);
        return pairsToMap(alternating(list.map(normalize)), objectKeys);
      },
    },
    arrayBuilder: {
      init: () => [],
      add: (acc, v) => {
        acc.push(normalize(v));
        return acc;
      },
      finalize: (acc) => acc,
      fromArray: (list) => list.map(normalize),
    },
    preferBuffers: false,
  };
}
