import { Keyword } from '@sente/core';
import { formatInst } from './inst.js';
import { isValidKeywordName, isValidSymbolName, isValidTag } from './names.js';
import { TaggedValue } from './tagged-value.js';
import { isPlainObject, isSym, isUuid } from '@sente/core';
import type { ObjectKeys } from '@sente/core';

/**
 * Writes instances of an app type as an edn tagged literal, `#tag rep`: the
 * analogue of a Clojure `print-method` for a record with a data reader.
 */
export interface EdnWriter<T = unknown> {
  /** The class whose instances this writer writes (checked with `instanceof`). */
  readonly type: abstract new (...args: never[]) => T;
  /** The tag, without `#`: a symbol starting with a letter, namespaced for app tags (`'app/point'`). */
  readonly tag: string;
  /** The value written after the tag, itself anything the packer can write. */
  rep(value: T): unknown;
}

/** What the writer needs from the packer's options. */
export interface WriteOptions {
  readonly objectKeys: ObjectKeys;
  readonly writers: ReadonlyArray<EdnWriter<unknown>>;
  readonly maxDepth: number;
}

/** A value edn cannot express, or nesting beyond the bound. */
export class EdnWriteError extends Error {
  override readonly name = 'EdnWriteError';
}

const ESCAPES: Readonly<Record<string, string>> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\t': '\\t', '\r': '\\r', '\f': '\\f', '\b': '\\b' };

// Controls, DEL and lone surrogates: Clojure prints the first two raw, but
// `\uXXXX` reads the same and survives transports that mangle them.
const NEEDS_ESCAPE = /["\\\u0000-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** `s` as an edn string literal, escaped as Clojure's `pr-str` escapes it. */
export function quoteString(s: string): string {
  return `"${s.replace(NEEDS_ESCAPE, (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}

/** `n` as an edn number that reads back as the same JS number. */
export function formatNumber(n: number): string {
  if (Number.isNaN(n)) return '##NaN';
  if (n === Number.POSITIVE_INFINITY) return '##Inf';
  if (n === Number.NEGATIVE_INFINITY) return '##-Inf';
  if (Object.is(n, -0)) return '-0.0';
  if (Number.isSafeInteger(n)) return String(n);
  const s = String(n);
  // An unsafe integer prints without `.` or `e`, and would read back as a bigint: force the float syntax.
  return /[.e]/.test(s) ? s : n.toExponential();
}

/** Prints JS values as edn text the way Clojure's `pr-str` prints the same data. */
export class EdnPrinter {
  private readonly out: string[] = [];

  constructor(private readonly options: WriteOptions) {}

  /** The edn text of `value`. */
  write(value: unknown): string {
    this.value(value, 0);
    return this.out.join('');
  }

  private fail(message: string): never {
    throw new EdnWriteError(message);
  }

  private enter(depth: number): void {
    if (depth > this.options.maxDepth) this.fail(`nesting deeper than ${this.options.maxDepth} (or a cycle)`);
  }

  private value(v: unknown, depth: number): void {
    const out = this.out;
    switch (typeof v) {
      case 'undefined':
        out.push('nil');
        return;
      case 'boolean':
        out.push(v ? 'true' : 'false');
        return;
      case 'number':
        out.push(formatNumber(v));
        return;
      case 'bigint':
        out.push(`${v}N`);
        return;
      case 'string':
        out.push(quoteString(v));
        return;
      case 'object':
        if (v === null) out.push('nil');
        else this.object(v, depth);
        return;
      default:
        this.fail(`edn cannot express a ${typeof v}`);
    }
  }

  private keyword(name: string): void {
    if (!isValidKeywordName(name)) this.fail(`:${name} is not a readable edn keyword`);
    this.out.push(':', name);
  }

  private object(v: object, depth: number): void {
    const out = this.out;
    for (const w of this.options.writers) {
      if (v instanceof w.type) {
        this.enter(depth + 1);
        out.push('#', w.tag, ' ');
        this.value(w.rep(v), depth + 1);
        return;
      }
    }
    if (v instanceof Keyword) return this.keyword(v.name);
    if (isUuid(v)) {
      out.push('#uuid "', v.value, '"');
      return;
    }
    if (isSym(v)) {
      if (!isValidSymbolName(v.name)) this.fail(`${v.name} is not a readable edn symbol`);
      out.push(v.name);
      return;
    }
    if (Array.isArray(v)) {
      this.enter(depth + 1);
      out.push('[');
      for (let i = 0; i < v.length; i++) {
        if (i > 0) out.push(' ');
        this.value(v[i], depth + 1);
      }
      out.push(']');
      return;
    }
    if (isPlainObject(v)) {
      this.enter(depth + 1);
      out.push('{');
      let first = true;
      for (const key of Object.keys(v)) {
        const x = v[key];
        if (x === undefined) continue;
        if (!first) out.push(', ');
        first = false;
        if (this.options.objectKeys === 'keyword') this.keyword(key);
        else out.push(quoteString(key));
        out.push(' ');
        this.value(x, depth + 1);
      }
      out.push('}');
      return;
    }
    if (v instanceof Map) {
      this.enter(depth + 1);
      out.push('{');
      let first = true;
      for (const [key, x] of v) {
        if (!first) out.push(', ');
        first = false;
        this.value(key, depth + 1);
        out.push(' ');
        this.value(x, depth + 1);
      }
      out.push('}');
      return;
    }
    if (v instanceof Set) {
      this.enter(depth + 1);
      out.push('#{');
      let first = true;
      for (const x of v) {
        if (!first) out.push(' ');
        first = false;
        this.value(x, depth + 1);
      }
      out.push('}');
      return;
    }
    if (v instanceof Date) {
      const inst = formatInst(v);
      if (inst === undefined) this.fail('#inst can only carry valid dates in years 0000–9999');
      out.push('#inst "', inst, '"');
      return;
    }
    if (v instanceof TaggedValue) {
      if (!isValidTag(v.tag)) this.fail(`#${v.tag} is not a readable edn tag`);
      this.enter(depth + 1);
      out.push('#', v.tag, ' ');
      this.value(v.value, depth + 1);
      return;
    }
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) this.fail('edn has no binary type');
    this.fail(`no edn writer for ${v.constructor?.name ?? 'this object'}`);
  }
}
