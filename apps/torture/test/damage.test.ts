import { describe, expect, it } from 'vitest';
import { addDamage, checkSequence, damageCount, noDamage } from '../src/good/damage.js';

describe("the good clients' judgement", () => {
  it('counts every push not seen as missing when no contract excuses it', () => {
    expect(checkSequence([0, 1, 3, 5], 6)).toEqual({ missing: 2, excused: 0, outOfOrder: 0 });
  });

  it('excuses only the pushes between the last seen before a gap and the first seen after it', () => {
    // A plain Ajax client forgotten after its grace period: 4 and 5 went with its record; 2 did not.
    expect(checkSequence([0, 1, 3, 6, 7], 8, [{ after: 3, before: 6 }])).toEqual({ missing: 1, excused: 2, outOfOrder: 0 });
  });

  it('excuses the tail after a gap no push closed, and nothing before the gap', () => {
    expect(checkSequence([0, 2], 5, [{ after: 2, before: Infinity }])).toEqual({ missing: 1, excused: 2, outOfOrder: 0 });
  });

  it('counts a push seen twice or late as out of order', () => {
    expect(checkSequence([0, 2, 1, 1], 3)).toEqual({ missing: 0, excused: 0, outOfOrder: 2 });
  });

  it('counts a server that forgot a client early as damage, and what contracts allow as figures only', () => {
    const d = { ...noDamage(), ajaxExpiries: 2, pushesLostAtExpiry: 5, unrecovered: 1, pushesLostBeyondLog: 3, pushesLate: 40, pushesDroppedAtBound: 7 };
    expect(damageCount(d)).toBe(0);
    expect(damageCount({ ...d, earlyExpiries: 1 })).toBe(1);
  });

  it('keeps the slowest catch-up as a maximum when damages add up', () => {
    const sum = addDamage({ ...noDamage(), slowestCatchUpMs: 900, pushesLate: 1 }, { ...noDamage(), slowestCatchUpMs: 300, pushesLate: 2 });
    expect(sum).toMatchObject({ slowestCatchUpMs: 900, pushesLate: 3 });
  });
});
