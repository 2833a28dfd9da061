import { SenteError, payloadText } from '@sente/core';
import type { ObjectKeys, Packed, Packer } from '@sente/core';
import { TransitReadCache, TransitWriteCache } from './caches.js';
import { checkTransitJson, TransitSyntaxError } from './json-check.js';
import { decoderOptions, normalizer } from './read-handlers.js';
import type { TransitReadHandler } from './read-handlers.js';
import { t } from './transit-js.js';
import type { TransitWriterOptions } from './transit-js.js';
import { exceedsDepth } from './value-depth.js';
import { builtInWriteHandlers, TransitWriteError, writeTransform } from './write-handlers.js';
import type { TransitWriteHandlerEntry } from './write-handlers.js';

/** Options of {@link transitPacker}. */
export interface TransitPackerOptions {
  /**
   * Transit's JSON encoding: `'json'` (maps as `["^ ", k, v]` arrays, repeated
   * keys as `^N` cache codes) or `'json-verbose'` (maps as JSON objects, no
   * caching). Reading accepts both. Match Clojure's `(get-packer :json)` or
   * `(get-packer :json-verbose)`.
   * @default 'json'
   */
  encoding?: 'json' | 'json-verbose';
  /**
   * What the keys of plain JS objects are on the wire. `'string'`: `{ a: 1 }`
   * ↔ `["^ ","a",1]`, and keyword-keyed maps read as `Map`s with `Keyword`
   * keys. `'keyword'`: `{ a: 1 }` ↔ `["^ ","~:a",1]`, Clojure's `{:a 1}`, and
   * string-keyed maps read as `Map`s. Pick `'keyword'` to talk to a Clojure app.
   * @default 'string'
   */
  objectKeys?: ObjectKeys;
  /**
   * Write handlers for app types, by class: a `Map` (or array of pairs) of
   * class → handler, Sente's `:handlers` writer option. They take precedence
   * over the built-in ones, so they can also change how a `Date` is written.
   * @default []
   */
  writeHandlers?: Iterable<TransitWriteHandlerEntry>;
  /**
   * Read handlers by tag, Sente's `:handlers` reader option, e.g.
   * `{ point: ([x, y]) => new Point(x, y) }`. They take precedence over the
   * built-in ones (except transit's ground types, which cannot be replaced).
   * @default {}
   */
  readHandlers?: Readonly<Record<string, TransitReadHandler>>;
  /**
   * Reads tags that have no handler. Without one they read as transit-js
   * `TaggedValue`s (`.tag`, `.rep`), which are written back unchanged.
   * @default undefined
   */
  defaultReadHandler?: ((tag: string, rep: unknown) => unknown) | undefined;
  /** The deepest nesting of collections read or written. @default 256 */
  maxDepth?: number;
}


function badOption(message: string, cause?: unknown): SenteError {
  return new SenteError('ERR_SENTE_BAD_OPTION', `transitPacker: ${message}`, { cause });
}

function badPackage(reason: string, cause: unknown): SenteError {
  return new SenteError('ERR_SENTE_BAD_PACKAGE', `transit packer cannot unpack this payload: ${reason}`, { cause });
}

/**
 * The transit packer, on transit-js: text, keywords as `~:ns/name`, the
 * format of Clojure Sente's `(taoensso.sente.packers.transit/get-packer)`.
 *
 * @example
 * ```ts
 * import { transitPacker } from '@sente/packer-transit';
 * const packer = transitPacker({ objectKeys: 'keyword' });
 * packer.pack([[Keyword.for('chat/msg'), { text: 'hi' }], null]); // '[["~:chat/msg",["^ ","~:text","hi"]],null]'
 * ```
 */
export function transitPacker(options: TransitPackerOptions = {}): Packer {
  const encoding = options.encoding ?? 'json';
  const objectKeys = options.objectKeys ?? 'string';
  const maxDepth = options.maxDepth ?? 256;
  if (encoding !== 'json' && encoding !== 'json-verbose') throw badOption(`encoding must be 'json' or 'json-verbose'`);
  if (objectKeys !== 'string' && objectKeys !== 'keyword') throw badOption(`objectKeys must be 'string' or 'keyword'`);
  if (!Number.isInteger(maxDepth) || maxDepth < 1) throw badOption('maxDepth must be a positive integer');

  const handlers = builtInWriteHandlers();
  for (const [type, h] of options.writeHandlers ?? []) {
    handlers.set(type, t.makeWriteHandler({ tag: h.tag, rep: h.rep, stringRep: h.stringRep ?? (() => null) }));
  }
  const writerOptions: TransitWriterOptions = { handlers, transform: writeTransform(objectKeys, encoding === 'json-verbose') };
  const normalize = normalizer(options.defaultReadHandler);
  let decoder: ReturnType<typeof t.decoder>;
  try {
    decoder = t.decoder(decoderOptions(objectKeys, options.readHandlers ?? {}, normalize));
  } catch (cause) {
    throw badOption((cause as Error).message, cause);
  }
  // Each JSON level is at most one collection or one tagged value's wrapper.
  const maxJsonDepth = 2 * maxDepth + 2;

  return {
    name: encoding === 'json' ? 'transit' : 'transit-verbose',
    binary: false,
    pack(value: unknown): string {
      try {
        if (exceedsDepth(value, maxDepth)) throw new TransitWriteError(`nesting deeper than ${maxDepth} (or a cycle)`);
        // transit-js checks the top-level value for a handler before transforming it.
        const top = writerOptions.transform(value);
        return t.writer(encoding, { ...writerOptions, cache: new TransitWriteCache() }).write(top);
      } catch (cause) {
        throw new SenteError('ERR_SENTE_PACK_FAILED', `transit packer cannot pack this value: ${(cause as Error).message}`, { cause });
      }
    },
    unpack(data: Packed): unknown {
      const text = payloadText(data);
      if (text === undefined) throw badPackage('not UTF-8 text.', undefined);
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (cause) {
        throw badPackage('not valid JSON text.', cause);
      }
      try {
        checkTransitJson(json, maxJsonDepth);
        const value = normalize(decoder.decode(json, new TransitReadCache()));
        if (exceedsDepth(value, maxDepth)) throw new TransitSyntaxError(`nesting deeper than ${maxDepth}`);
        return value;
      } catch (cause) {
        throw badPackage(`${(cause as Error).message}.`, cause);
      }
    },
  };
}

/** A shared default instance of {@link transitPacker}. */
export const transit: Packer = transitPacker();
