import { describe, expect, it } from 'vitest';

import { FakeClock, Timers } from '../src/internal.js';

describe('Timers', () => {
  it('counts live timers until they fire or are cancelled, once', () => {
    const clock = new FakeClock();
    const timers = new Timers(clock);
    const fired: string[] = [];
    const a = timers.set(() => fired.push('a'), 10);
    const b = timers.set(() => fired.push('b'), 20);
    expect(timers.live).toBe(2);
    b.cancel();
    b.cancel();
    expect(timers.live).toBe(1);
    expect(clock.pending).toBe(1);
    clock.advance(10);
    expect(fired).toEqual(['a']);
    expect(timers.live).toBe(0);
    a.cancel();
    expect(timers.live).toBe(0);
    clock.advance(100);
    expect(fired).toEqual(['a']);
  });
});
