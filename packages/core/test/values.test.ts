import { describe, expect, it } from 'vitest';
import { Sym, Uuid, buildMap, isPlainObject, isSym, isUuid, keyIdentity, kw, setOwn } from '../src/index.js';

describe('Sym', () => {
  it('is a value with a name and a namespace, compared by name', () => {
    const s = new Sym('my.ns/foo');
    expect(s.name).toBe('my.ns/foo');
    expect(s.namespace).toBe('my.ns');
    expect(new Sym('foo').namespace).toBeUndefined();
    expect(s.equals(new Sym('my.ns/foo'))).toBe(true);
    expect(s.equals(new Sym('my.ns/bar'))).toBe(false);
    expect(s.equals('my.ns/foo')).toBe(false);
    expect(String(s)).toBe('my.ns/foo');
    expect(JSON.stringify([s])).toBe('["my.ns/foo"]');
  });

  it('is recognised by its brand, not by its class', () => {
    expect(isSym(new Sym('a'))).toBe(true);
    expect(isSym({ [Symbol.for('sente.sym')]: true, name: 'a' })).toBe(true);
    expect(isSym({ name: 'a' })).toBe(false);
    expect(isSym(kw('a'))).toBe(false);
    expect(isSym(null)).toBe(false);
  });
});

describe('Uuid', () => {
  const text = '8A3C6F1E-1234-4ABC-9DEF-0123456789AB';

  it('holds the canonical lower-case form and compares by value', () => {
    const u = new Uuid(text);
    expect(u.value).toBe(text.toLowerCase());
    expect(u.equals(new Uuid(text.toLowerCase()))).toBe(true);
    expect(u.equals(text.toLowerCase())).toBe(false);
    expect(String(u)).toBe(text.toLowerCase());
    expect(JSON.stringify(u)).toBe(`"${text.toLowerCase()}"`);
  });

  it('rejects what is not a canonical UUID', () => {
    for (const bad of ['', 'not-a-uuid', text.replace(/-/g, ''), `${text}0`, `{${text}}`]) {
      expect(() => new Uuid(bad)).toThrow(TypeError);
    }
  });

  it('is recognised by its brand', () => {
    expect(isUuid(new Uuid(text))).toBe(true);
    expect(isUuid({ value: text })).toBe(false);
  });
});

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
