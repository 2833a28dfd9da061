import { SenteError, payloadText } from '@sente/core';
import type { Packed, Packer } from '@sente/core';

/** Options of {@link jsonPacker}. */
export interface JsonPackerOptions {
  /** Passed to `JSON.stringify` for app values the default encoding does not cover. @default undefined */
  replacer?: ((this: unknown, key: string, value: unknown) => unknown) | undefined;
  /** Passed to `JSON.parse`, e.g. to revive dates. @default undefined */
  reviver?: ((this: unknown, key: string, value: unknown) => unknown) | undefined;
}

/**
 * The default packer: JSON text. Keywords are written as their bare names
 * (`"chsk/handshake"`), so JSON speaks to Sente for TypeScript peers only; use
 * the transit, edn or msgpack packers to talk to Clojure Sente.
 *
 * @example
 * ```ts
 * import { jsonPacker } from '@sente/packer-json';
 * const packer = jsonPacker();
 * packer.unpack(packer.pack([['chat/msg', { text: 'hi' }], null]));
 * ```
 */
export function jsonPacker(options: JsonPackerOptions = {}): Packer {
  const { replacer, reviver } = options;
  return {
    name: 'json',
    binary: false,
    pack(value: unknown): string {
      try {
        // undefined (a function, a symbol) packs as null.
        return (JSON.stringify(value, replacer) as string | undefined) ?? 'null';
      } catch (cause) {
        throw new SenteError('ERR_SENTE_PACK_FAILED', `JSON packer: ${(cause as Error).message}`, { cause });
      }
    },
    // A value packs as JSON text the same alone or in an array (no replacer sees its key): an array is joined.
    ...(replacer === undefined ? { packAround: (packedContent: Packed, rest: readonly unknown[]): string => packAround(packedContent as string, rest) } : {}),
    unpack(data: Packed): unknown {
      try {
        const text = payloadText(data);
        if (text === undefined) throw new TypeError('not UTF-8 text');
        return JSON.parse(text, reviver);
      } catch (cause) {
        throw new SenteError('ERR_SENTE_BAD_PACKAGE', 'JSON packer: not JSON text.', { cause });
      }
    },
  };
}

/** `[content, ...rest]` as JSON text, from `content`'s JSON text. */
function packAround(packedContent: string, rest: readonly unknown[]): string {
  let out = `[${packedContent}`;
  try {
    // undefined (a function, a symbol) packs as null in an array.
    for (const v of rest) out += `,${(JSON.stringify(v) as string | undefined) ?? 'null'}`;
  } catch (cause) {
    throw new SenteError('ERR_SENTE_PACK_FAILED', `JSON packer: ${(cause as Error).message}`, { cause });
  }
  return `${out}]`;
}

/** A shared default instance of {@link jsonPacker}. */
export const json: Packer = jsonPacker();
