import { SenteError } from '@sente/core';
import type { Packed, Packer } from '@sente/core';
import { PlainCodec } from './plain-codec.js';
import { SenteDecoder } from './sente-decoder.js';
import { SenteEncoder } from './sente-encoder.js';
import type { ObjectKeys } from '@sente/core';

/** Options of {@link msgpackPacker}. */
export interface MsgpackPackerOptions {
  /**
   * `'sente'`: Sente 1.21's MessagePack dialect (taoensso.msgpack), with its
   * ext types and map key cache, to talk to Clojure Sente's `:msgpack`
   * packer. `'plain'`: standard MessagePack through @msgpack/msgpack, with
   * only the keyword ext type (0) and the timestamp, for other peers.
   * @default 'sente'
   */
  mode?: 'sente' | 'plain';
  /**
   * What the keys of plain JS objects are on the wire (mode `'sente'` only).
   * `'string'`: `{ a: 1 }` ↔ `{"a" 1}`, and keyword-keyed maps read as `Map`s
   * with `Keyword` keys. `'keyword'`: `{ a: 1 }` ↔ `{:a 1}`, Clojure's idiom,
   * and string-keyed maps read as `Map`s. Pick `'keyword'` to talk to a
   * Clojure app.
   * @default 'string'
   */
  objectKeys?: ObjectKeys;
  /** The deepest nesting of collections read or written. @default 256 */
  maxDepth?: number;
}

function badOption(message: string): SenteError {
  return new SenteError('ERR_SENTE_BAD_OPTION', `msgpackPacker: ${message}`);
}

function badPackage(reason: string, cause: unknown): SenteError {
  return new SenteError('ERR_SENTE_BAD_PACKAGE', `msgpack packer cannot unpack this payload: ${reason}`, { cause });
}

/**
 * The MessagePack packer: binary, the smallest and fastest of the packers.
 * By default it speaks Sente 1.21's own MessagePack dialect, so it talks to
 * Clojure Sente's `:msgpack` packer; `mode: 'plain'` speaks standard
 * MessagePack instead. Either way it reads the first value of a payload and
 * ignores the bytes after it, as Sente's JS client posts whole buffers.
 *
 * @example
 * ```ts
 * import { msgpackPacker } from '@sente/packer-msgpack';
 * const packer = msgpackPacker({ objectKeys: 'keyword' });
 * packer.pack([[Keyword.for('chat/msg'), { text: 'hi' }], null]); // Uint8Array
 * ```
 */
export function msgpackPacker(options: MsgpackPackerOptions = {}): Packer {
  const mode = options.mode ?? 'sente';
  const objectKeys = options.objectKeys ?? 'string';
  const maxDepth = options.maxDepth ?? 256;
  if (mode !== 'sente' && mode !== 'plain') throw badOption(`mode must be 'sente' or 'plain'`);
  if (objectKeys !== 'string' && objectKeys !== 'keyword') throw badOption(`objectKeys must be 'string' or 'keyword'`);
  if (mode === 'plain' && objectKeys !== 'string') throw badOption(`objectKeys 'keyword' needs mode 'sente'`);
  if (!Number.isInteger(maxDepth) || maxDepth < 1) throw badOption('maxDepth must be a positive integer');

  const codecOptions = { objectKeys, maxDepth };
  const plain = mode === 'plain' ? new PlainCodec(maxDepth) : undefined;

  return {
    name: mode === 'plain' ? 'msgpack-plain' : 'msgpack',
    binary: true,
    pack(value: unknown): Uint8Array {
      try {
        return plain === undefined ? new SenteEncoder(codecOptions).encode(value) : plain.encode(value);
      } catch (cause) {
        throw new SenteError('ERR_SENTE_PACK_FAILED', `msgpack packer cannot pack this value: ${(cause as Error).message}`, { cause });
      }
    },
    unpack(data: Packed): unknown {
      if (!(data instanceof Uint8Array)) throw badPackage('not bytes (this packer is binary).', undefined);
      if (data.length === 0) throw badPackage('empty.', undefined);
      try {
        return plain === undefined ? new SenteDecoder(data, codecOptions).decode() : plain.decode(data);
      } catch (cause) {
        throw badPackage(`${(cause as Error).message}.`, cause);
      }
    },
  };
}

/** A shared default instance of {@link msgpackPacker}. */
export const msgpack: Packer = msgpackPacker();
