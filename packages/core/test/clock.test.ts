import { describe, expect, it, vi } from 'vitest';
import { randomId, systemClock } from '../src/index.js';

describe('randomId', () => {
  it('draws each character from [a-z0-9] with the given random source', () => {
    expect(randomId(4, () => 0)).toBe('aaaa');
    expect(randomId(3, () => 0.999999)).toBe('999');
    expect(randomId(6)).toMatch(/^[a-z0-9]{6}$/);
  });
});

describe('systemClock', () => {
  it('schedules on the global timers, unref-ed, and cancels them', () => {
    vi.useFakeTimers();
    try {
      const fn = vi.fn();
      const h = systemClock.setTimeout(fn, 100);
      expect(typeof (h as { unref?: unknown }).unref).toBe('function');
      systemClock.clearTimeout(h);
      systemClock.setTimeout(fn, 100);
      vi.advanceTimersByTime(100);
      expect(fn).toHaveBeenCalledTimes(1);
      expect(systemClock.now()).toBe(Date.now());
    } finally {
      vi.useRealTimers();
    }
  });
});
