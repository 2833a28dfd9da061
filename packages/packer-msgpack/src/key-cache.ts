import { Keyword } from '@sente/core';
import { KEY_CACHE_SIZE } from './ext-types.js';

// Sente's map key cache (taoensso.msgpack.common): within one message, the
// first 256 distinct map keys that are keywords or strings get indices in
// the order they are first met; a repeated key is written as fixext1 of type
// 8 holding its index. Both sides must assign indices identically, so only
// keys written (or read) literally enter the cache.

/** The packing side of the key cache: one per `pack` call. */
export class PackKeyCache {
  private readonly strings = new Map<string, number>();
  private readonly keywords = new Map<string, number>();
  private size = 0;

  /**
   * The index of a string key, or of a keyword key given its name, already in
   * the cache; `undefined` after adding it (while there is room): the caller
   * then writes the key literally.
   */
  indexOf(key: string, isKeyword: boolean): number | undefined {
    const table = isKeyword ? this.keywords : this.strings;
    const found = table.get(key);
    if (found !== undefined) return found;
    if (this.size < KEY_CACHE_SIZE) table.set(key, this.size++);
    return undefined;
  }
}

/** The unpacking side of the key cache: one per `unpack` call. */
export class UnpackKeyCache {
  private readonly keys: unknown[] = [];

  /** Records a key read literally, if it can be cached and there is room. */
  add(key: unknown): void {
    if ((typeof key === 'string' || key instanceof Keyword) && this.keys.length < KEY_CACHE_SIZE) this.keys.push(key);
  }

  /** The key at `index`, or `undefined` when no key has that index yet. */
  get(index: number): unknown {
    return index < this.keys.length ? this.keys[index] : undefined;
  }
}
