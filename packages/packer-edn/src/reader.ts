import { Keyword } from '@sente/core';
import { parseInst } from './inst.js';
import { isConstituent, isValidKeywordName, isValidSymbolName, isValidTag } from './names.js';
import { Sym, Uuid, buildMap, isSym, keyIdentity } from '@sente/core';
import type { ObjectKeys } from '@sente/core';

/** What the reader needs from the packer's options. */
export interface ReadOptions {
  readonly objectKeys: ObjectKeys;
  readonly readers: ReadonlyMap<string, (value: unknown) => unknown>;
  readonly defaultReader: ((tag: string, value: unknown) => unknown) | undefined;
  readonly readDecimal: (text: string) => unknown;
  readonly maxDepth: number;
}

/** Malformed edn: what is wrong, and where. */
export class EdnSyntaxError extends Error {
  override readonly name = 'EdnSyntaxError';
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} (at offset ${offset})`);
  }
}

const INT = /^[-+]?(?:0|[1-9][0-9]*)N?$/;
// A float has a fraction, an exponent or the M suffix (or several).
const FLOAT = /^[-+]?[0-9]+(?=[.eEM])(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?M?$/;
const RATIO = /^([-+]?[0-9]+)\/([0-9]+)$/;
const HEX4 = /^[0-9a-fA-F]{4}$/;
const OCTAL = /^[0-7]{1,3}$/;

const NAMED_CHARS: Readonly<Record<string, string>> = {
  newline: '\n',
  space: ' ',
  tab: '\t',
  backspace: '\b',
  formfeed: '\f',
  return: '\r',
};

const STRING_ESCAPES: Readonly<Record<string, string>> = { t: '\t', r: '\r', n: '\n', '\\': '\\', '"': '"', b: '\b', f: '\f' };

// Whitespace as Clojure reads it between forms: the commas too.
const isWhitespace = (c: number): boolean =>
  c === 0x20 || c === 0x2c || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x0c || c === 0x0b;

// Characters that end a token without being part of it.
const isDelimiter = (c: number): boolean =>
  c === 0x22 || c === 0x3b || c === 0x28 || c === 0x29 || c === 0x5b || c === 0x5d || c === 0x7b || c === 0x7d || c === 0x5c;

/**
 * A strict edn reader: one form, optionally surrounded by whitespace,
 * comments and discarded forms; anything else is an {@link EdnSyntaxError}.
 */
export class EdnReader {
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly options: ReadOptions,
  ) {}

  /** Reads the one form of the text; empty text (or only comments) reads as `null`, as in Sente. */
  readAll(): unknown {
    this.skipIgnorable(0);
    if (this.pos >= this.text.length) return null;
    const value = this.readForm(0);
    this.skipIgnorable(0);
    if (this.pos < this.text.length) this.fail('unexpected content after the value');
    return value;
  }

  private fail(message: string, at: number = this.pos): never {
    throw new EdnSyntaxError(message, at);
  }

  private code(): number {
    return this.text.charCodeAt(this.pos);
  }

  /** Skips whitespace, `;` comments and `#_` discarded forms. */
  private skipIgnorable(depth: number): void {
    const t = this.text;
    for (;;) {
      while (this.pos < t.length && isWhitespace(this.code())) this.pos++;
      if (this.pos >= t.length) return;
      const c = this.code();
      if (c === 0x3b) {
        while (this.pos < t.length && this.code() !== 0x0a && this.code() !== 0x0d) this.pos++;
      } else if (c === 0x23 && t.charCodeAt(this.pos + 1) === 0x5f) {
        const at = this.pos;
        this.pos += 2;
        this.skipIgnorable(depth);
        if (this.pos >= t.length) this.fail('#_ with nothing to discard', at);
        this.readForm(depth);
      } else {
        return;
      }
    }
  }

  private readForm(depth: number): unknown {
    this.skipIgnorable(depth);
    if (this.pos >= this.text.length) this.fail('unexpected end of input');
    const c = this.code();
    switch (c) {
      case 0x28: // (
        return this.readSeq(0x29, depth + 1);
      case 0x5b: // [
        return this.readSeq(0x5d, depth + 1);
      case 0x7b: // {
        return this.readMap(depth + 1, undefined);
      case 0x22: // "
        return this.readString();
      case 0x5c: // \
        return this.readChar();
      case 0x23: // #
        return this.readDispatch(depth);
      case 0x29:
      case 0x5d:
      case 0x7d:
        return this.fail(`unexpected ${this.text[this.pos]}`);
      default:
        return this.readAtom();
    }
  }

  private enter(depth: number): void {
    if (depth > this.options.maxDepth) this.fail(`nesting deeper than ${this.options.maxDepth}`);
  }

  /** Reads forms up to the closing delimiter `close`; the opening one is at `pos`. */
  private readItems(close: number, depth: number, openLength: number): unknown[] {
    this.enter(depth);
    const start = this.pos;
    this.pos += openLength;
    const items: unknown[] = [];
    for (;;) {
      this.skipIgnorable(depth);
      if (this.pos >= this.text.length) this.fail('unterminated collection', start);
      if (this.code() === close) {
        this.pos++;
        return items;
      }
      items.push(this.readForm(depth));
    }
  }

  private readSeq(close: number, depth: number): unknown[] {
    // Lists and vectors both read as arrays: JS has one sequential type.
    return this.readItems(close, depth, 1);
  }

  private readMap(depth: number, namespace: string | undefined): unknown {
    const start = this.pos;
    const items = this.readItems(0x7d, depth, 1);
    if (items.length % 2 !== 0) this.fail('a map needs an even number of forms', start);
    const entries: Array<[unknown, unknown]> = [];
    const seen = new Set<unknown>();
    for (let i = 0; i < items.length; i += 2) {
      const key = namespace === undefined ? items[i] : qualify(items[i], namespace);
      const id = keyIdentity(key);
      if (id !== undefined) {
        if (seen.has(id)) this.fail(`duplicate map key ${describeKey(key)}`, start);
        seen.add(id);
      }
      entries.push([key, items[i + 1]]);
    }
    return buildMap(entries, this.options.objectKeys);
  }

  private readSet(depth: number): Set<unknown> {
    const start = this.pos;
    const items = this.readItems(0x7d, depth, 2);
    const set = new Set<unknown>();
    const seen = new Set<unknown>();
    for (const item of items) {
      const id = keyIdentity(item);
      if (id !== undefined) {
        if (seen.has(id)) this.fail(`duplicate set element ${describeKey(item)}`, start);
        seen.add(id);
      }
      set.add(item);
    }
    return set;
  }

  private readString(): string {
    const t = this.text;
    const start = this.pos;
    let i = this.pos + 1;
    let out = '';
    let chunk = i;
    for (;;) {
      if (i >= t.length) this.fail('unterminated string', start);
      const c = t.charCodeAt(i);
      if (c === 0x22) {
        out += t.slice(chunk, i);
        this.pos = i + 1;
        return out;
      }
      if (c !== 0x5c) {
        i++;
        continue;
      }
      out += t.slice(chunk, i);
      const e = t[i + 1];
      if (e === undefined) this.fail('unterminated string', start);
      const simple = STRING_ESCAPES[e];
      if (simple !== undefined) {
        out += simple;
        i += 2;
      } else if (e === 'u') {
        const hex = t.slice(i + 2, i + 6);
        if (!HEX4.test(hex)) this.fail('invalid \\u escape in string', i);
        out += String.fromCharCode(parseInt(hex, 16));
        i += 6;
      } else if (e >= '0' && e <= '7') {
        let j = i + 1;
        while (j < i + 4 && t[j] !== undefined && t[j]! >= '0' && t[j]! <= '7') j++;
        const n = parseInt(t.slice(i + 1, j), 8);
        if (n > 0o377) this.fail('octal escape above \\377 in string', i);
        out += String.fromCharCode(n);
        i = j;
      } else {
        this.fail(`unsupported escape \\${e} in string`, i);
      }
      chunk = i;
    }
  }

  /** Reads a token: the code points up to whitespace or a delimiter. */
  private readToken(from: number): string {
    const t = this.text;
    let i = from;
    while (i < t.length) {
      const cp = t.codePointAt(i) ?? 0;
      if (isWhitespace(cp) || isDelimiter(cp)) break;
      if (!isConstituent(cp)) this.fail(`invalid character ${JSON.stringify(String.fromCodePoint(cp))}`, i);
      i += cp > 0xffff ? 2 : 1;
    }
    const token = t.slice(this.pos, i);
    this.pos = i;
    return token;
  }

  private readChar(): string {
    const start = this.pos;
    const t = this.text;
    if (start + 1 >= t.length) this.fail('a backslash with no character', start);
    // The first character after the backslash always belongs to the token: `\(` is the char (.
    const first = t.codePointAt(start + 1) ?? 0;
    let i = start + 1 + (first > 0xffff ? 2 : 1);
    while (i < t.length) {
      const cp = t.codePointAt(i) ?? 0;
      if (isWhitespace(cp) || isDelimiter(cp)) break;
      i += cp > 0xffff ? 2 : 1;
    }
    const token = t.slice(start + 1, i);
    this.pos = i;
    if ([...token].length === 1) {
      if (first >= 0xd800 && first <= 0xdfff) this.fail('invalid character literal', start);
      return token;
    }
    const named = NAMED_CHARS[token];
    if (named !== undefined) return named;
    if (token.startsWith('u') && HEX4.test(token.slice(1))) {
      const n = parseInt(token.slice(1), 16);
      if (n >= 0xd800 && n <= 0xdfff) this.fail(`invalid character literal \\${token}`, start);
      return String.fromCharCode(n);
    }
    if (token.startsWith('o') && OCTAL.test(token.slice(1))) {
      const n = parseInt(token.slice(1), 8);
      if (n > 0o377) this.fail(`octal character above \\o377`, start);
      return String.fromCharCode(n);
    }
    return this.fail(`unsupported character literal \\${token}`, start);
  }

  private readDispatch(depth: number): unknown {
    const start = this.pos;
    const next = this.text[this.pos + 1];
    if (next === '{') return this.readSet(depth + 1);
    if (next === '#') {
      this.pos += 2;
      const token = this.readToken(this.pos);
      if (token === 'Inf') return Number.POSITIVE_INFINITY;
      if (token === '-Inf') return Number.NEGATIVE_INFINITY;
      if (token === 'NaN') return Number.NaN;
      return this.fail(`unknown symbolic value ##${token}`, start);
    }
    if (next === ':') {
      this.pos += 2;
      const ns = this.readToken(this.pos);
      if (!isValidSymbolName(ns) || ns.includes('/')) this.fail('invalid namespaced map prefix', start);
      this.skipIgnorable(depth);
      if (this.code() !== 0x7b) this.fail('a namespaced map prefix must be followed by a map', start);
      return this.readMap(depth + 1, ns);
    }
    if (next !== undefined && /^[A-Za-z]$/.test(next)) {
      this.pos += 1;
      const tag = this.readToken(this.pos);
      if (!isValidTag(tag)) this.fail(`invalid tag #${tag}`, start);
      // A tagged literal nests its form one level deeper, as the printer counts it.
      this.enter(depth + 1);
      this.skipIgnorable(depth + 1);
      if (this.pos >= this.text.length) this.fail(`#${tag} with no value`, start);
      const value = this.readForm(depth + 1);
      return this.readTagged(tag, value, start);
    }
    return this.fail(`unsupported dispatch #${next ?? ''}`, start);
  }

  private readTagged(tag: string, value: unknown, at: number): unknown {
    const custom = this.options.readers.get(tag);
    if (custom !== undefined) return custom(value);
    if (tag === 'inst') {
      const d = typeof value === 'string' ? parseInst(value) : undefined;
      if (d === undefined || Number.isNaN(d.getTime())) this.fail('#inst needs an RFC 3339 timestamp string', at);
      return d;
    }
    if (tag === 'uuid') {
      if (typeof value !== 'string') this.fail('#uuid needs a string', at);
      try {
        return new Uuid(value);
      } catch {
        return this.fail('#uuid needs a canonical UUID string', at);
      }
    }
    if (this.options.defaultReader !== undefined) return this.options.defaultReader(tag, value);
    return this.fail(`no reader for tag #${tag}`, at);
  }

  private readAtom(): unknown {
    const start = this.pos;
    const token = this.readToken(this.pos);
    if (token.length === 0) this.fail(`invalid character ${JSON.stringify(this.text[start])}`, start);
    const c0 = token[0] ?? '';
    const c1 = token[1] ?? '';
    if ((c0 >= '0' && c0 <= '9') || ((c0 === '-' || c0 === '+') && c1 >= '0' && c1 <= '9')) {
      return this.readNumber(token, start);
    }
    if (token === 'nil') return null;
    if (token === 'true') return true;
    if (token === 'false') return false;
    if (c0 === ':') {
      const name = token.slice(1);
      if (!isValidKeywordName(name)) this.fail(`invalid keyword ${token}`, start);
      return Keyword.for(name);
    }
    if (!isValidSymbolName(token)) this.fail(`invalid symbol ${token}`, start);
    return new Sym(token);
  }

  private readNumber(token: string, at: number): unknown {
    if (INT.test(token)) {
      if (token.endsWith('N')) return BigInt(token.slice(0, -1));
      const n = Number(token);
      // Clojure reads integers beyond a long as BigInts; beyond 2^53 ours are bigints, exactly.
      if (Number.isSafeInteger(n)) return n === 0 ? 0 : n;
      return BigInt(token);
    }
    if (FLOAT.test(token)) {
      return token.endsWith('M') ? this.options.readDecimal(token.slice(0, -1)) : Number(token);
    }
    const ratio = RATIO.exec(token);
    if (ratio !== null) {
      const den = BigInt(ratio[2] ?? '0');
      if (den === 0n) this.fail(`ratio ${token} divides by zero`, at);
      // As ClojureScript reads ratios: a number.
      return Number(BigInt(ratio[1] ?? '0')) / Number(den);
    }
    return this.fail(`invalid number ${token}`, at);
  }
}

function qualify(key: unknown, ns: string): unknown {
  if (key instanceof Keyword && !key.name.includes('/')) return Keyword.for(`${ns}/${key.name}`);
  if (key instanceof Keyword && key.name.startsWith('_/')) return Keyword.for(key.name.slice(2));
  if (isSym(key) && key.namespace === undefined) return new Sym(`${ns}/${key.name}`);
  if (isSym(key) && key.name.startsWith('_/')) return new Sym(key.name.slice(2));
  return key;
}

function describeKey(k: unknown): string {
  if (k instanceof Keyword) return String(k);
  if (typeof k === 'string') return JSON.stringify(k);
  return String(k);
}
