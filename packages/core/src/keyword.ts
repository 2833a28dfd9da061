/**
 * A Clojure keyword, e.g. `:chsk/handshake`, held as its name without the colon.
 *
 * Keywords are interned: `Keyword.for('a/b') === Keyword.for('a/b')`, so they
 * compare with `===`. Packers with a keyword type (transit, edn, msgpack) read
 * and write them as keywords; text formats without one (JSON) write the bare
 * name, which is why {@link keywordName} accepts strings too.
 */
export class Keyword {
  private static readonly interned = new Map<string, Keyword>();

  /** The interned keyword with this name (`'ns/name'` or `'name'`). */
  static for(name: string): Keyword {
    let k = Keyword.interned.get(name);
    if (k === undefined) {
      k = new Keyword(name);
      Keyword.interned.set(name, k);
    }
    return k;
  }

  private constructor(readonly name: string) {}

  /** The namespace part (`'ns'` of `ns/name`), or `undefined` when there is none. */
  get namespace(): string | undefined {
    const i = this.name.indexOf('/');
    return i > 0 ? this.name.slice(0, i) : undefined;
  }

  toString(): string {
    return `:${this.name}`;
  }

  /** JSON has no keywords: a keyword is written as its bare name. */
  toJSON(): string {
    return this.name;
  }
}

/** Shorthand for {@link Keyword.for}. */
export const kw = (name: string): Keyword => Keyword.for(name);

/** True when `v` is a {@link Keyword}. */
export const isKeyword = (v: unknown): v is Keyword => v instanceof Keyword;

/**
 * The name of a keyword-like value: a {@link Keyword}'s name, or a string as is.
 * Anything else gives `undefined`.
 */
export function keywordName(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v instanceof Keyword) return v.name;
  return undefined;
}
