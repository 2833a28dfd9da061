// What edn allows in symbols and keywords (edn spec, "Symbols"), with
// Clojure's reader as the tie-breaker: the writer only writes names the
// reader reads back, and the reader reads every name Clojure prints.

const ASCII_CONSTITUENT = new Uint8Array(128);
for (const c of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.*+!-_?$%&=<>/:#\'') {
  ASCII_CONSTITUENT[c.charCodeAt(0)] = 1;
}
const NON_ASCII_EXCLUDED = /[\p{Z}\p{C}]/u;

/** True when the code point may appear inside a symbol or keyword token. */
export function isConstituent(cp: number): boolean {
  if (cp < 128) return ASCII_CONSTITUENT[cp] === 1;
  if (cp >= 0xd800 && cp <= 0xdfff) return false;
  return !NON_ASCII_EXCLUDED.test(String.fromCodePoint(cp));
}

/** True when every code point of `s` is a constituent. */
function allConstituents(s: string): boolean {
  for (const ch of s) {
    if (!isConstituent(ch.codePointAt(0) ?? 0)) return false;
  }
  return true;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** One side of `ns/name`: non-empty, no leading digit (nor `+1`, `-1`, `.1`), no leading `:`, `#` or `'`. */
function validPart(p: string, leadingDigitOk: boolean): boolean {
  if (p.length === 0 || p.includes('/') || p.includes('::') || p.endsWith(':')) return false;
  const c0 = p[0];
  if (c0 === ':' || c0 === '#' || c0 === "'") return false;
  if (!leadingDigitOk && isDigit(c0)) return false;
  if ((c0 === '+' || c0 === '-' || c0 === '.') && isDigit(p[1])) return false;
  return true;
}

function validName(s: string, leadingDigitOk: boolean): boolean {
  if (s === '/') return true;
  if (!allConstituents(s)) return false;
  const i = s.indexOf('/');
  if (i < 0) return validPart(s, leadingDigitOk);
  return validPart(s.slice(0, i), false) && validPart(s.slice(i + 1), false);
}

/** True when `name` can be written as the edn symbol `name` and read back. */
export function isValidSymbolName(name: string): boolean {
  return name !== 'nil' && name !== 'true' && name !== 'false' && validName(name, false);
}

/**
 * True when `name` can be written as the edn keyword `:name` and read back.
 * Clojure reads unqualified keywords with a leading digit (`:200`), so they
 * are allowed; `:/` is not.
 */
export function isValidKeywordName(name: string): boolean {
  return name !== '/' && validName(name, true);
}

/** True when `tag` can follow `#` as a tagged literal's tag: a symbol starting with a letter. */
export function isValidTag(tag: string): boolean {
  return /^[A-Za-z]/.test(tag) && isValidSymbolName(tag);
}
