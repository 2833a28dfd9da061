import { describe, expect, it } from 'vitest';
import { exponentialBackoff, senteBackoff } from '../src/index.js';

describe('exponentialBackoff', () => {
  it('draws attempt n from [0, min(maxMs, baseMs * 2^n)) with full jitter', () => {
    const low = exponentialBackoff({ random: () => 0 });
    const high = exponentialBackoff({ random: () => 0.999999 });
    expect(low(2)).toBe(0);
    expect(high(2)).toBe(1999);
    expect(high(5)).toBe(15_999);
    expect(high(6)).toBe(29_999);
    expect(high(1000)).toBe(29_999);
    expect(exponentialBackoff({ baseMs: 100, maxMs: 1000, random: () => 0.5 })(3)).toBe(400);
  });
});

describe('senteBackoff', () => {
  it("matches Sente's exp-backoff: (2^n + random(2^n)) * 500 ms, without a cap", () => {
    expect(senteBackoff(() => 0)(2)).toBe(2000);
    expect(senteBackoff(() => 0.999)(2)).toBe(3500);
    expect(senteBackoff(() => 0)(10)).toBe(512_000);
  });
});
