// Transit's read and write caches, per message. transit-js's own are unsafe
// to use: its write cache keeps keys in a plain object, so writing the map
// key "__proto__" makes it set numbered properties on Object.prototype, and
// it never forgets a key; its read cache, cleared by rewinding an index,
// answers a code the message never defined with an older message's value.
// These follow transit's caching rules exactly (transit-js caching.js,
// transit-java WriteCache/ReadCache).

const MIN_SIZE_CACHEABLE = 3;
const BASE_CHAR = 48;
const CODE_DIGITS = 44;
const MAX_ENTRIES = CODE_DIGITS * CODE_DIGITS;

/** True when transit caches `s`: longer than 3 characters, and a map key or a keyword, symbol or tag. */
export function isCacheable(s: string, asMapKey: boolean): boolean {
  if (s.length <= MIN_SIZE_CACHEABLE) return false;
  if (asMapKey) return true;
  return s[0] === '~' && (s[1] === ':' || s[1] === '$' || s[1] === '#');
}

function indexToCode(i: number): string {
  const hi = Math.floor(i / CODE_DIGITS);
  const lo = String.fromCharCode((i % CODE_DIGITS) + BASE_CHAR);
  return hi === 0 ? `^${lo}` : `^${String.fromCharCode(hi + BASE_CHAR)}${lo}`;
}

function codeToIndex(code: string): number {
  if (code.length === 2) return code.charCodeAt(1) - BASE_CHAR;
  return (code.charCodeAt(1) - BASE_CHAR) * CODE_DIGITS + (code.charCodeAt(2) - BASE_CHAR);
}

/** The write cache of one message: a repeated cacheable string is written as its `^N` code. */
export class TransitWriteCache {
  private readonly codes = new Map<string, string>();
  private index = 0;

  /** `s`, or its code when it was written before. */
  write(s: string, asMapKey: boolean): string {
    if (!isCacheable(s, asMapKey)) return s;
    const code = this.codes.get(s);
    if (code !== undefined) return code;
    if (this.index === MAX_ENTRIES) this.clear();
    this.codes.set(s, indexToCode(this.index++));
    return s;
  }

  clear(): void {
    this.codes.clear();
    this.index = 0;
  }
}

/** The read cache of one message. `idx` is public: transit-js rewinds it after a failed tag probe. */
export class TransitReadCache {
  idx = 0;
  private readonly entries: unknown[] = [];

  write(value: unknown): unknown {
    if (this.idx === MAX_ENTRIES) this.idx = 0;
    this.entries[this.idx++] = value;
    return value;
  }

  /** The value of a `^N` code, or `undefined` when this message never defined it. */
  read(code: string): unknown {
    const i = codeToIndex(code);
    return Object.hasOwn(this.entries, i) ? this.entries[i] : undefined;
  }

  clear(): void {
    this.idx = 0;
  }
}
