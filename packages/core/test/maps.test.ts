import { describe, expect, it } from 'vitest';
import { Sym, Uuid, buildMap, isPlainObject, keyIdentity, kw, setOwn } from '../src/index.js';

describe('map helpers', () => {
  it('isPlainObject is true for literals and null-prototype objects only', () => {
    expect(isPlainObject({})).toBe(true);
    expect(isPlainObject(Object.create(null))).toBe(true);
    expect(isPlainObject(new Map())).toBe(false);
    expect(isPlainObject([])).toBe(false);
    expect(isPlainObject(new Date())).toBe(false);
    expect(isPlainObject(null)).toBe(false);
  });

  it('setOwn sets __proto__ as an own property without touching the prototype', () => {
    const o: Record<string, unknown> = {};
    setOwn(o, '__proto__', { polluted: true });
    setOwn(o, 'a', 1);
    expect(Object.getPrototypeOf(o)).toBe(Object.prototype);
    expect(Object.keys(o)).toEqual(['__proto__', 'a']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('buildMap gives a plain object when every key fits, else a Map', () => {
    expect(buildMap([['a', 1], ['b', 2]], 'string')).toEqual({ a: 1, b: 2 });
    expect(buildMap([[kw('a'), 1]], 'keyword')).toEqual({ a: 1 });
    expect(buildMap([['a', 1]], 'keyword')).toEqual(new Map([['a', 1]]));
    expect(buildMap([[kw('a'), 1]], 'string')).toEqual(new Map([[kw('a'), 1]]));
    expect(buildMap([[1, 'x']], 'string')).toEqual(new Map([[1, 'x']]));
    const o = buildMap([['__proto__', 1]], 'string') as Record<string, unknown>;
    expect(Object.getPrototypeOf(o)).toBe(Object.prototype);
    expect(Object.keys(o)).toEqual(['__proto__']);
  });

  it('keyIdentity is equal for equal keys and tells kinds apart', () => {
    expect(keyIdentity('a')).toBe(keyIdentity('a'));
    expect(keyIdentity('a')).not.toBe(keyIdentity(new Sym('a')));
    expect(keyIdentity(new Sym('a'))).toBe(keyIdentity(new Sym('a')));
    expect(keyIdentity(kw('a'))).toBe(keyIdentity(kw('a')));
    expect(keyIdentity(kw('a'))).not.toBe(keyIdentity('a'));
    const u = '8a3c6f1e-1234-4abc-9def-0123456789ab';
    expect(keyIdentity(new Uuid(u))).toBe(keyIdentity(new Uuid(u.toUpperCase())));
    expect(keyIdentity(new Date(5))).toBe(keyIdentity(new Date(5)));
    expect(keyIdentity(1)).toBe(1);
    expect(keyIdentity(null)).toBeNull();
    expect(keyIdentity({})).toBeUndefined();
    expect(keyIdentity([1])).toBeUndefined();
  });
});
