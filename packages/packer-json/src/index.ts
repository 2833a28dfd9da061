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
    keywordsAsNames: true,
    pack(value: unknown): string {
      try {
        // undefined (a function, a symbol) packs as null.
        return (JSON.stringify(value, replacer) as string | undefined) ?? 'null';
      } catch (cause) {
        throw new SenteError('ERR_SENTE_PACK_FAILED', `JSON packer: ${(cause as Error).message}`, { cause });
      }
    },
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

/** A shared default instance of {@link jsonPacker}. */
export const json: Packer = jsonPacker();

/**
 * {@link json} with `packAround` (see `Packer.packAround` in `@sente/core`):
 * the server adapters' default packer, also in place of `json` when an app
 * passes that. A server then packs a broadcast's events once for all the
 * clients that get positions. It is not part of `json` itself: a browser
 * never packs around, and its bundle leaves this out.
 */
export const jsonForServers: Packer = /* @__PURE__ */ withPackAround(json);

/** The packer a server adapter mounts for an app's `packer` option: {@link jsonForServers} for none or `json`, any other as given. */
export function packerForServers(packer: Packer | undefined): Packer {
  return packer === undefined || packer === json ? jsonForServers : packer;
}

function withPackAround(packer: Packer): Packer {
  // A value packs as the same JSON text alone or in an array (no replacer to see its key): `[0, ...rest]` gives the rest's.
  return { ...packer, packAround: (content, rest) => `[${content as string}${(packer.pack([0, ...rest]) as string).slice(2)}` };
}
