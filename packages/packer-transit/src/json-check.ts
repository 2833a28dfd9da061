// Transit's JSON is checked before transit-js decodes it: transit-js
// recurses without a bound, reads unknown cache codes as undefined, and
// parses malformed scalars (`~iabc`, `~mxyz`) into garbage instead of
// failing.

/** Malformed transit: what is wrong. */
export class TransitSyntaxError extends Error {
  override readonly name = 'TransitSyntaxError';
}

const CACHE_CODE = /^\^[0-[]{1,2}$/;
const INTEGER = /^-?[0-9]+$/;
const FLOAT = /^-?(?:[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|NaN|Infinity|-Infinity)$/;
const DECIMAL = /^-?[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The scalar tags whose string form transit-js would misread, with the forms they must have. */
const SCALAR_FORMS: Readonly<Record<string, (rep: string) => boolean>> = {
  i: (r) => INTEGER.test(r),
  n: (r) => INTEGER.test(r),
  m: (r) => INTEGER.test(r),
  d: (r) => FLOAT.test(r),
  f: (r) => DECIMAL.test(r),
  b: (r) => BASE64.test(r),
  '?': (r) => r === 't' || r === 'f',
  _: (r) => r === '',
  z: (r) => r === 'NaN' || r === 'INF' || r === '-INF',
  // transit-js looks tags up in a plain object: "constructor" or "toString" would find Object.prototype's.
  '#': (r) => r.length > 0 && !(r in Object.prototype),
  c: (r) => [...r].length === 1,
};

function checkString(s: string): void {
  const c0 = s[0];
  if (c0 === '^') {
    if (s !== '^ ' && !CACHE_CODE.test(s)) throw new TransitSyntaxError(`invalid cache code ${JSON.stringify(s)}`);
  } else if (c0 === '~') {
    const tag = s[1];
    if (tag === undefined) throw new TransitSyntaxError('a lone ~');
    const form = SCALAR_FORMS[tag];
    if (form !== undefined && !form(s.slice(2))) throw new TransitSyntaxError(`invalid ~${tag} value ${JSON.stringify(s)}`);
  }
}

/**
 * Checks parsed transit JSON: nesting at most `maxJsonDepth` deep (checked
 * iteratively, so hostile nesting cannot overflow the stack), valid cache
 * codes and well-formed scalar escapes.
 */
export function checkTransitJson(json: unknown, maxJsonDepth: number): void {
  const stack: Array<[unknown, number]> = [[json, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (typeof node === 'string') {
      checkString(node);
      continue;
    }
    if (typeof node !== 'object' || node === null) continue;
    if (depth + 1 > maxJsonDepth) throw new TransitSyntaxError(`nesting deeper than ${maxJsonDepth} JSON levels`);
    if (Array.isArray(node)) {
      for (const x of node) stack.push([x, depth + 1]);
    } else {
      for (const [k, x] of Object.entries(node)) {
        checkString(k);
        stack.push([x, depth + 1]);
      }
    }
  }
}
