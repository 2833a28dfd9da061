import { describe, expect, it } from 'vitest';
import { formatRetryHint, parseRetryAfter, parseRetryHint, retryDelay } from '../src/index.js';

describe('retry hints', () => {
  it('travel in a close reason and read back', () => {
    const reason = `Server draining ${formatRetryHint({ afterMs: 5000, jitterMs: 2000 })}`;
    expect(reason.length).toBeLessThanOrEqual(123);
    expect(parseRetryHint(reason)).toEqual({ afterMs: 5000, jitterMs: 2000 });
    expect(parseRetryHint('retry=10~0')).toEqual({ afterMs: 10, jitterMs: 0 });
  });

  it('are absent from reasons without one, and from malformed ones', () => {
    for (const r of [undefined, '', 'Server closing', 'retry=5000', 'retry=-1~2', 'xretry=1~2', 'retry=1~2x']) {
      expect(parseRetryHint(r)).toBeUndefined();
    }
  });

  it('read Retry-After seconds with half of it as jitter', () => {
    expect(parseRetryAfter('3')).toEqual({ afterMs: 3000, jitterMs: 1500 });
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });

  it('spread the delay over afterMs ± jitterMs, never below zero', () => {
    expect(retryDelay({ afterMs: 1000, jitterMs: 500 }, () => 0)).toBe(500);
    expect(retryDelay({ afterMs: 1000, jitterMs: 500 }, () => 0.999999)).toBeCloseTo(1500, 0);
    expect(retryDelay({ afterMs: 100, jitterMs: 500 }, () => 0)).toBe(0);
  });
});
