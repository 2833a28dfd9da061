const UUID = Symbol.for('sente.uuid');
const CANONICAL = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A UUID, Clojure's `#uuid "…"` (`java.util.UUID`, cljs `UUID`), held as its
 * canonical lower-case string. A value: compare with {@link Uuid.equals} or
 * by `value`. Every Sente packer with a UUID type reads and writes it.
 *
 * @example
 * ```ts
 * new Uuid('8A3c…').value; // lower-cased
 * ```
 */
export class Uuid {
  readonly [UUID] = true;
  /** The canonical form, `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, lower-case. */
  readonly value: string;

  /** @throws TypeError when `value` is not a canonical UUID string. */
  constructor(value: string) {
    if (!CANONICAL.test(value)) throw new TypeError(`Not a canonical UUID: ${JSON.stringify(value)}`);
    this.value = value.toLowerCase();
  }

  /** True when `other` is a UUID with the same value. */
  equals(other: unknown): boolean {
    return isUuid(other) && other.value === this.value;
  }

  toString(): string {
    return this.value;
  }

  toJSON(): string {
    return this.value;
  }
}

/** True when `v` is a {@link Uuid}, even one from another copy of `@sente/core`. */
export function isUuid(v: unknown): v is Uuid {
  return typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[UUID] === true && typeof (v as Uuid).value === 'string';
}
