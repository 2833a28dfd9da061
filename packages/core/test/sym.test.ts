import { describe, expect, it } from 'vitest';
import { Sym, isSym, kw } from '../src/index.js';

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
