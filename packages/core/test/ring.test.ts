import { describe, expect, it } from 'vitest';
import { Ring } from '../src/ring.js';

/** Every item of `r`, oldest first, read by position. */
const all = <T>(r: Ring<T>): T[] => Array.from({ length: r.length }, (_, i) => r.at(i) as T);

describe('Ring', () => {
  it('is first in, first out, read by position from the oldest, across wraps and growth', () => {
    const r = new Ring<number>();
    const model: number[] = [];
    let next = 0;
    // Pushes and shifts in uneven runs: the head wraps around, the array grows while wrapped.
    for (let round = 0; round < 200; round++) {
      for (let i = 0; i < (round * 7) % 13; i++) {
        r.push(next);
        model.push(next++);
      }
      for (let i = 0; i < (round * 5) % 11; i++) expect(r.shift()).toBe(model.shift());
      expect(r.length).toBe(model.length);
      expect(all(r)).toEqual(model);
    }
    expect(r.at(-1)).toBeUndefined();
    expect(r.at(r.length)).toBeUndefined();
  });

  it('held at a bound (one in, one out), keeps its order and its array', () => {
    const r = new Ring<number>();
    for (let i = 0; i < 100; i++) r.push(i);
    for (let i = 100; i < 10_000; i++) {
      r.push(i);
      expect(r.shift()).toBe(i - 100);
    }
    expect(all(r)).toEqual(Array.from({ length: 100 }, (_, i) => 9_900 + i));
  });

  it('empty: shift gives undefined; emptied, it starts over', () => {
    const r = new Ring<string>();
    expect(r.shift()).toBeUndefined();
    r.push('a');
    r.push('b');
    expect(r.shift()).toBe('a');
    expect(r.shift()).toBe('b');
    expect(r.shift()).toBeUndefined();
    expect(r.length).toBe(0);
    r.push('c');
    expect(all(r)).toEqual(['c']);
    r.clear();
    expect(r.length).toBe(0);
    expect(r.at(0)).toBeUndefined();
  });
});
