import { describe, expect, it } from 'vitest';
import { Dedupe } from '../src/dedupe.js';
import { seededRandom as prng } from '../src/seeded-random.js';

/** What Dedupe must do, written the plain way: the last `maxIds` ids in arrival order, each with its reply. */
class Model {
  private readonly order: string[] = [];
  private readonly values = new Map<string, unknown>();
  constructor(private readonly maxIds: number) {}

  get size(): number {
    return this.order.length;
  }

  /** Whether `id` is kept, and its first reply (`value` when it is new: it is handled now). */
  admit(id: string, value: unknown): { seen: boolean; value: unknown } {
    if (this.values.has(id)) return { seen: true, value: this.values.get(id) };
    this.order.push(id);
    this.values.set(id, value);
    if (this.order.length > this.maxIds) this.values.delete(this.order.shift() as string);
    return { seen: false, value };
  }
}

/**
 * Ids as clients send them: mostly numbered in order (`@sente/client`'s
 * `<prefix>.<n>`), with gaps, retries of recent and old ids, ids of another
 * shape, a prefix ending in digits, leading zeros, numbers too long to be
 * small integers, and a client that starts again with another prefix.
 */
function nextId(r: () => number, s: { n: number; prefix: string }): string {
  const x = r();
  if (x < 0.55) return `${s.prefix}${s.n++}`;
  if (x < 0.65) return `${s.prefix}${(s.n += 1 + Math.floor(r() * 40))}`;
  if (x < 0.8) return `${s.prefix}${Math.max(0, s.n - 1 - Math.floor(r() * 60))}`;
  if (x < 0.85) return `free-${Math.floor(r() * 30)}`;
  if (x < 0.88) return `${s.prefix}0${Math.floor(r() * 30)}`;
  if (x < 0.9) return `${s.prefix}${1_000_000_000 + Math.floor(r() * 5)}`;
  if (x < 0.92) return `${Math.floor(r() * 50)}`;
  if (x < 0.94) return `other7${Math.floor(r() * 120)}`;
  if (x < 0.95) {
    s.prefix = r() < 0.5 ? `p${Math.floor(r() * 10)}.` : `q${Math.floor(r() * 10)}`;
    s.n = Math.floor(r() * 3);
  }
  return `${s.prefix}${s.n++}`;
}

describe('message ids, against the plain model', () => {
  it('handles exactly the ids the model handles, and answers retries with the first reply, over 300 random histories', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const r = prng(seed);
      const maxIds = 5 + Math.floor(r() * 60);
      const dedupe = new Dedupe(() => 0, { maxIds, ttlMs: 60_000 });
      const model = new Model(maxIds);
      const state = { n: Math.floor(r() * 3), prefix: r() < 0.7 ? 'k3x.' : 'k3x9' };
      for (let step = 0; step < 400; step++) {
        const id = nextId(r, state);
        const got: unknown[] = [];
        const first = dedupe.admit('u', 'c', id, (v) => got.push(v) > 0);
        const want = model.admit(id, step);
        if (typeof first === 'function') first(step);
        // Compared as one record, and only asserted when they differ: 120,000 steps stay fast.
        const seen = { handled: typeof first === 'function', replies: got, kept: dedupe.size };
        const expected = { handled: !want.seen, replies: [want.value], kept: model.size };
        if (seen.handled !== expected.handled || seen.replies.length !== 1 || seen.replies[0] !== expected.replies[0] || seen.kept !== expected.kept) {
          expect({ seed, step, id, ...seen }).toEqual({ seed, step, id, ...expected });
        }
      }
    }
  });
});
