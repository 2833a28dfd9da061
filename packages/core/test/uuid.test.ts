import { describe, expect, it } from 'vitest';
import { Uuid, isUuid } from '../src/index.js';

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
