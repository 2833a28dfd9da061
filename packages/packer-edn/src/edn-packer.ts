import { SenteError, payloadText } from '@sente/core';
import type { ObjectKeys, Packed, Packer } from '@sente/core';
import { isValidTag } from './names.js';
import { EdnPrinter } from './printer.js';
import type { EdnWriter } from './printer.js';
import { EdnReader } from './reader.js';

/** Options of {@link ednPacker}. */
export interface EdnPackerOptions {
  /**
   * What the keys of plain JS objects are on the wire. `'string'`: `{ a: 1 }`
   * ↔ `{"a" 1}`, and keyword-keyed maps read as `Map`s with `Keyword` keys.
   * `'keyword'`: `{ a: 1 }` ↔ `{:a 1}`, Clojure's idiom, and string-keyed maps
   * read as `Map`s. Pick `'keyword'` to talk to a Clojure app.
   * @default 'string'
   */
  objectKeys?: ObjectKeys;
  /**
   * Readers for tagged literals, by tag without `#` (Clojure's `:readers`),
   * e.g. `{ 'app/point': ([x, y]) => new Point(x, y) }`. They take precedence
   * over the built-in `inst` and `uuid`.
   * @default {}
   */
  readers?: Readonly<Record<string, (value: unknown) => unknown>>;
  /**
   * Reads tagged literals that have no reader (Clojure's `:default`), e.g.
   * `(tag, value) => new TaggedValue(tag, value)`. Without one, an unknown tag
   * makes the payload malformed, as in Clojure.
   * @default undefined
   */
  defaultReader?: ((tag: string, value: unknown) => unknown) | undefined;
  /**
   * Writers for app types, tried in order before the built-in types: each
   * writes instances of its class as `#tag rep`.
   * @default []
   */
  writers?: ReadonlyArray<EdnWriter>;
  /**
   * Reads `M` decimals, given their digits without the `M` (`'19.99'`).
   * The default reads them as numbers, as ClojureScript does; return a
   * decimal library's value to keep them exact.
   * @default Number
   */
  readDecimal?: (text: string) => unknown;
  /** The deepest nesting of collections and tagged literals read or written. @default 256 */
  maxDepth?: number;
}


function badPackage(reason: string, cause: unknown): SenteError {
  return new SenteError('ERR_SENTE_BAD_PACKAGE', `edn packer cannot unpack this payload: ${reason}`, { cause });
}

function badOption(message: string): SenteError {
  return new SenteError('ERR_SENTE_BAD_OPTION', `ednPacker: ${message}`);
}

/**
 * The edn packer, Clojure Sente's default format: text, written the way
 * Clojure's `pr-str` prints the same data, and read strictly (one form,
 * no unknown tags, no duplicate keys, bounded nesting).
 *
 * @example
 * ```ts
 * import { ednPacker } from '@sente/packer-edn';
 * const packer = ednPacker({ objectKeys: 'keyword' });
 * packer.pack([[Keyword.for('chat/msg'), { text: 'hi' }], null]); // '[[:chat/msg {:text "hi"}] nil]'
 * ```
 */
export function ednPacker(options: EdnPackerOptions = {}): Packer {
  const objectKeys = options.objectKeys ?? 'string';
  const maxDepth = options.maxDepth ?? 256;
  if (objectKeys !== 'string' && objectKeys !== 'keyword') throw badOption(`objectKeys must be 'string' or 'keyword'`);
  if (!Number.isInteger(maxDepth) || maxDepth < 1) throw badOption('maxDepth must be a positive integer');
  const readers = new Map(Object.entries(options.readers ?? {}));
  for (const tag of readers.keys()) {
    if (!isValidTag(tag)) throw badOption(`readers: #${tag} is not a valid edn tag`);
  }
  const writers = [...(options.writers ?? [])];
  for (const w of writers) {
    if (!isValidTag(w.tag)) throw badOption(`writers: #${w.tag} is not a valid edn tag`);
  }
  const readOptions = {
    objectKeys,
    readers,
    defaultReader: options.defaultReader,
    readDecimal: options.readDecimal ?? Number,
    maxDepth,
  };
  const writeOptions = { objectKeys, writers, maxDepth };

  return {
    name: 'edn',
    binary: false,
    pack(value: unknown): string {
      try {
        return new EdnPrinter(writeOptions).write(value);
      } catch (cause) {
        throw new SenteError('ERR_SENTE_PACK_FAILED', `edn packer cannot pack this value: ${(cause as Error).message}`, { cause });
      }
    },
    unpack(data: Packed): unknown {
      const text = payloadText(data);
      if (text === undefined) throw badPackage('not UTF-8 text.', undefined);
      try {
        return new EdnReader(text, readOptions).readAll();
      } catch (cause) {
        throw badPackage(`${(cause as Error).message}.`, cause);
      }
    },
  };
}

/** A shared default instance of {@link ednPacker}. */
export const edn: Packer = ednPacker();
