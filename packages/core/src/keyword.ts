/**
 * A Clojure keyword, e.g. `:chsk/handshake`, held as its name without the colon.
 *
 * Keywords are interned: `Keyword.for('a/b') === Keyword.for('a/b')`, so they
 * compare with `===`. Packers with a keyword type (transit, edn, msgpack) read
 * and write them as keywords; text formats without one (JSON) write the bare
 * name, which is why {@link keywordName} accepts strings too.
 */
class KeywordClass {
  // Weakly interned: keywords read off the network must not pile up for the
  // life of the process (a memory exhaustion vector). A keyword is shared
  // while anything holds it, so `===` still works; once nothing does, nothing
  // can compare with it either, and its entry goes.
  static readonly #interned = new Map<string, WeakRef<KeywordClass>>();
  static readonly #registry = new FinalizationRegistry<string>((name) => {
    if (KeywordClass.#interned.get(name)?.deref() === undefined) KeywordClass.#interned.delete(name);
  });

  /** The keyword asked for last, held: the same id asked for again (a client's sends, a server's pushes) skips the lookup. */
  static #last: KeywordClass | undefined;

  /** The interned keyword with this name (`'ns/name'` or `'name'`). */
  static for(name: string): KeywordClass {
    const last = KeywordClass.#last;
    if (last?.name === name) return last;
    const found = (KeywordClass.#last = KeywordClass.#interned.get(name)?.deref());
    if (found !== undefined) return found;
    const k = (KeywordClass.#last = new KeywordClass(name));
    KeywordClass.#interned.set(name, new WeakRef(k));
    KeywordClass.#registry.register(k, name);
    return k;
  }

  /** How many keywords are interned now (a diagnostic). */
  static get internedCount(): number {
    return KeywordClass.#interned.size;
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

const SHARED = Symbol.for('sente.keyword');

/**
 * The one {@link Keyword} class of the process. An app may load two copies of
 * this package (its ESM and CommonJS builds, or two versions): the first copy
 * to load publishes its class, and every later copy uses it, so keywords stay
 * interned (`===`) and `instanceof Keyword` holds across copies.
 */
export const Keyword: typeof KeywordClass = ((globalThis as Record<symbol, unknown>)[SHARED] ??= KeywordClass) as typeof KeywordClass;
/** A Clojure keyword: see {@link Keyword}. */
export type Keyword = KeywordClass;

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
