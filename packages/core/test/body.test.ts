import { describe, expect, it } from 'vitest';

import { overLimit } from '../src/body.js';

describe('overLimit', () => {
  it('counts text in UTF-8 bytes, as TextEncoder does', () => {
    const samples = ['a'.repeat(10), 'é'.repeat(5), '€'.repeat(4), '🎉'.repeat(3), 'a€🎉é', '\ud800x', 'x\udc00'];
    for (const text of samples) {
      const bytes = new TextEncoder().encode(text).byteLength;
      expect([overLimit(text, bytes), overLimit(text, bytes - 1)]).toEqual([false, true]);
    }
  });

  it('compares bytes by their length', () => {
    expect(overLimit(new Uint8Array(4), 4)).toBe(false);
    expect(overLimit(new Uint8Array(5), 4)).toBe(true);
  });
});
