const SYM = Symbol.for('sente.sym');

/**
 * A Clojure symbol, e.g. `my.ns/foo`. Symbols are rare in Sente payloads;
 * they are values, not interned: compare them with {@link Sym.equals} or by
 * `name`. Every Sente packer with a symbol type (edn, transit, msgpack)
 * reads and writes it.
 *
 * @example
 * ```ts
 * ednPacker().pack([new Sym('my.ns/foo')]); // '[my.ns/foo]'
 * ```
 */
export class Sym {
  readonly [SYM] = true;

  /** @param name The symbol's name, with its namespace: `'ns/name'` or `'name'`. */
  constructor(readonly name: string) {}

  /** The namespace part (`'ns'` of `ns/name`), or `undefined` when there is none. */
  get namespace(): string | undefined {
    const i = this.name.indexOf('/');
    return i > 0 ? this.name.slice(0, i) : undefined;
  }

  /** True when `other` is a symbol with the same name. */
  equals(other: unknown): boolean {
    return isSym(other) && other.name === this.name;
  }

  toString(): string {
    return this.name;
  }

  toJSON(): string {
    return this.name;
  }
}

/** True when `v` is a {@link Sym}, even one from another copy of `@sente/core`. */
export function isSym(v: unknown): v is Sym {
  return typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[SYM] === true && typeof (v as Sym).name === 'string';
}
