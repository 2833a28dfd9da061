import type { Rng } from '../rng.js';

const MUTATORS = ['bit-flip', 'byte-set', 'insert', 'delete', 'duplicate', 'truncate', 'splice', 'swap', 'structural', 'repeat'] as const;

/** A mutation of captured bytes: which mutator, and the result. */
export interface Mutation {
  readonly mutator: (typeof MUTATORS)[number];
  readonly bytes: Buffer;
}

const STRUCTURAL = Buffer.from('[]{}()",:#~^\\/ \u0000', 'latin1');

/** Mutates `input` by a seeded mutator; `other` is a second capture to splice with. */
export function mutate(rng: Rng, input: Buffer, other: Buffer): Mutation {
  const mutator = rng.pick(MUTATORS);
  const b = Buffer.from(input);
  const at = rng.int(Math.max(1, b.length));
  switch (mutator) {
    case 'bit-flip':
      for (let i = rng.range(1, 4); i > 0 && b.length > 0; i--) {
        const j = rng.int(b.length);
        b[j] = (b[j] as number) ^ (1 << rng.int(8));
      }
      return { mutator, bytes: b };
    case 'byte-set':
      if (b.length > 0) b[at] = rng.pick([0x00, 0xff, 0x7f, 0x80, 0xc0, 0xc1, 0xdc, 0xdd, 0xde, 0xdf, rng.int(256)]);
      return { mutator, bytes: b };
    case 'insert':
      return { mutator, bytes: Buffer.concat([b.subarray(0, at), Buffer.from(rng.bytes(rng.range(1, 16))), b.subarray(at)]) };
    case 'delete':
      return { mutator, bytes: Buffer.concat([b.subarray(0, at), b.subarray(at + rng.range(1, 16))]) };
    case 'duplicate': {
      const len = rng.range(1, 32);
      return { mutator, bytes: Buffer.concat([b.subarray(0, at + len), b.subarray(at, at + len), b.subarray(at + len)]) };
    }
    case 'truncate':
      return { mutator, bytes: b.subarray(0, at) };
    case 'splice':
      return { mutator, bytes: Buffer.concat([b.subarray(0, at), other.subarray(rng.int(Math.max(1, other.length)))]) };
    case 'swap':
      if (b.length > 1) {
        const j = Math.min(b.length - 1, at + 1);
        const t = b[at] as number;
        b[at] = b[j] as number;
        b[j] = t;
      }
      return { mutator, bytes: b };
    case 'structural':
      return { mutator, bytes: Buffer.concat([b.subarray(0, at), Buffer.of(STRUCTURAL[rng.int(STRUCTURAL.length)] as number), b.subarray(at + (rng.chance(0.5) ? 1 : 0))]) };
    case 'repeat':
      return { mutator, bytes: Buffer.concat(Array.from({ length: rng.range(2, 50) }, () => b)) };
  }
}
