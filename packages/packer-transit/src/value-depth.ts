import { isPlainObject } from '@sente/core';

/**
 * True when collections (arrays, `Map`s, `Set`s, plain objects) nest deeper
 * than `maxDepth` in `v`; a cycle counts as too deep. Recursion stops at the
 * bound, so any input is safe.
 */
export function exceedsDepth(v: unknown, maxDepth: number, depth = 0): boolean {
  let children: Iterable<unknown>;
  if (Array.isArray(v)) children = v;
  else if (v instanceof Set) children = v;
  else if (v instanceof Map) children = [...v.keys(), ...v.values()];
  else if (isPlainObject(v)) children = Object.values(v);
  else return false;
  if (depth + 1 > maxDepth) return true;
  for (const x of children) if (exceedsDepth(x, maxDepth, depth + 1)) return true;
  return false;
}
