import { describe, expect, it } from 'vitest';
import { Keyword, kw } from '../src/index.js';

const gc = (globalThis as { gc?: () => void }).gc;

async function collect(): Promise<void> {
  // Finalization callbacks run on later turns after a collection.
  for (let i = 0; i < 10; i++) {
    gc?.();
    await new Promise((r) => setImmediate(r));
  }
}

describe('keyword interning', () => {
  it('gives the same keyword for the same name while it is held', () => {
    const a = kw('app/x');
    expect(Keyword.for('app/x')).toBe(a);
    expect(kw('app/y')).not.toBe(a);
  });

  it('lets go of keywords nothing holds any more, so names read off the network do not accumulate', async () => {
    expect(gc, 'tests run with --expose-gc').toBeTypeOf('function');
    const held = kw('app/held');
    await collect();
    const before = Keyword.internedCount;
    for (let i = 0; i < 50_000; i++) kw(`flood/k${i}`);
    expect(Keyword.internedCount).toBeGreaterThanOrEqual(before + 50_000);
    await collect();
    expect(Keyword.internedCount).toBeLessThan(before + 1000);
    expect(kw('app/held')).toBe(held);
  });
});
