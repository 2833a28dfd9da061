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
 * {@link json} with `packAround` and its two parts (see `Packer.packAround`
 * in `@sente/core`): the server adapters' default packer, also in place of
 * `json` when an app passes that. A server then packs a broadcast's events
 * once for all the clients that get positions, and its adapter encodes them
 * once for all their sockets. It is not part of `json` itself: a browser
 * never packs around, and its bundle leaves this out.
 */
export const jsonForServers: Packer = /* @__PURE__ */ withPackAround(json);

/** The packer a server adapter mounts for an app's `packer` option: {@link jsonForServers} for none or `json`, any other as given. */
export function packerForServers(packer: Packer | undefined): Packer {
  return packer === undefined || packer === json ? jsonForServers : packer;
}

function withPackAround(packer: Packer): Packer {
  // A value packs as the same JSON text alone or in an array (no replacer to see its key): `[0, ...rest]` gives the rest's.
  const tail = (rest: readonly unknown[]): string => positionText(rest) ?? (packer.pack([0, ...rest]) as string).slice(2);
  return {
    ...packer,
    packAround: (content, rest) => `[${content as string}${tail(rest)}`,
    packAroundHead: (content) => `[${content}`,
    packAroundTail: tail,
  };
}

/**
 * What follows the content in `JSON.stringify([content, ...rest])` when
 * `rest` is what a server packs around a broadcast's events once per uid,
 * `null` and the uid's position (`[null, { e: epoch, o: offsets }]`):
 * written here as one string, not by V8's stringifier, which looks up
 * `toJSON` on every object and array it meets. `undefined` for any other
 * `rest`, which `JSON.stringify` writes.
 */
function positionText(rest: readonly unknown[]): string | undefined {
  if (rest.length !== 2 || rest[0] !== null) return undefined;
  const ext = rest[1];
  if (typeof ext !== 'object' || ext === null || Object.getPrototypeOf(ext) !== Object.prototype || 'toJSON' in ext) return undefined;
  const keys = Object.keys(ext);
  if (keys.length !== 2 || keys[0] !== 'e' || keys[1] !== 'o') return undefined;
  const { e, o } = ext as { e: unknown; o: unknown };
  const offsets = integersText(o);
  if (typeof e !== 'string' || !plainText(e) || offsets === undefined) return undefined;
  return ',null,{"e":"' + e + '","o":[' + offsets + ']}]';
}

/** The items of an array of integers and nulls as JSON writes them, joined by commas; `undefined` for anything else. */
function integersText(o: unknown): string | undefined {
  if (!Array.isArray(o) || 'toJSON' in o) return undefined;
  let out = '';
  for (let i = 0; i < o.length; i++) {
    const n: unknown = o[i];
    // `${-0}` is "0", as JSON writes it; a hole reads as undefined and goes to JSON.stringify.
    if (n !== null && !Number.isSafeInteger(n)) return undefined;
    out = i === 0 ? `${n}` : `${out},${n}`;
  }
  return out;
}

/** True when `s` is printable ASCII with no quote mark or backslash: JSON writes it as it is, in quotes. */
function plainText(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}
