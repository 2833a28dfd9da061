import fc from 'fast-check';
import { isSenteError, kw } from '@sente/core';
import type { Packer } from '@sente/core';
import { PACKERS } from './server/adapters.js';
import { Findings, Tally } from './report/tally.js';
import type { PackerName } from './server/adapters.js';

/** The decoder classes: raw garbage, mutated real payloads, deep nesting. */
const CLASSES = ['arbitrary', 'mutated', 'deep-nesting'] as const;

/**
 * Fuzzes every packer's decoder directly with fast-check inputs (seeded):
 * `unpack` must give a value or throw a SenteError, never anything else.
 * Any other throw (a TypeError, a RangeError from a blown stack) is a finding.
 */
export function fuzzPackers(seed: number, casesPerPacker: number, packers: readonly PackerName[] = Object.keys(PACKERS) as PackerName[]): { tally: Tally; findings: Findings; wallMs: number } {
  const t0 = Date.now();
  const tally = new Tally();
  const findings = new Findings();
  for (const name of packers) {
    const packer = PACKERS[name];
    for (const cls of CLASSES) {
      const started = Date.now();
      const inputs = fc.sample(arbitraryFor(cls, packer), { seed: seed ^ hash(`${name}/${cls}`), numRuns: Math.max(1, Math.round(casesPerPacker / CLASSES.length)) });
      for (const input of inputs) {
        const answer = unpackAnswer(packer, input);
        tally.add(`decoder ${cls}`, name, answer);
        if (answer.startsWith('threw ')) {
          const preview = typeof input === 'string' ? JSON.stringify(input.slice(0, 80)) : `bytes ${Buffer.from(input.slice(0, 40)).toString('hex')}`;
          findings.add(`decoder/${cls}@${name}`, `unpack threw a non-Sente error: ${answer.slice(6)}`, `packer ${name}`, `${name}.unpack(${preview})  # seed ${seed}`);
        }
      }
      tally.row(`decoder ${cls}`).ms += Date.now() - started;
    }
  }
  return { tally, findings, wallMs: Date.now() - t0 };
}

function unpackAnswer(packer: Packer, input: string | Uint8Array): string {
  try {
    packer.unpack(input);
    return 'value';
  } catch (e) {
    if (isSenteError(e)) return e.code;
    const err = e as Error;
    return `threw ${err?.name ?? typeof e}: ${String(err?.message ?? e).slice(0, 60)}`;
  }
}

function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string(),
    fc.integer(),
    fc.double({ noNaN: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('v'), { maxKeys: 3 }),
  ),
})).v;

function packed(packer: Packer): fc.Arbitrary<Uint8Array> {
  return fc.tuple(value, fc.option(fc.string({ maxLength: 8 }), { nil: null })).map(([v, cb]) => {
    let p;
    try {
      p = packer.pack([[kw('fuzz/ev'), v], cb]);
    } catch {
      p = packer.pack([[kw('fuzz/ev'), null], null]);
    }
    return typeof p === 'string' ? new Uint8Array(Buffer.from(p, 'utf8')) : p;
  });
}

function asInput(packer: Packer, bytes: Uint8Array): string | Uint8Array {
  return packer.binary ? bytes : Buffer.from(bytes).toString('utf8');
}

function arbitraryFor(cls: (typeof CLASSES)[number], packer: Packer): fc.Arbitrary<string | Uint8Array> {
  switch (cls) {
    case 'arbitrary':
      return packer.binary
        ? fc.uint8Array({ maxLength: 256 })
        : fc.oneof(
            fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b).toString('utf8')),
            fc.uint16Array({ maxLength: 128 }).map((u) => String.fromCharCode(...u)),
            fc.string({ maxLength: 256, unit: fc.constantFrom(...'[]{}()"\\:#~^,0123456789-.eE /ntrufals@`\'') }),
          );
    case 'mutated':
      return fc
        .tuple(packed(packer), fc.array(fc.tuple(fc.nat(), fc.nat(255), fc.constantFrom('set', 'insert', 'delete', 'truncate')), { minLength: 1, maxLength: 4 }))
        .map(([bytes, edits]) => {
          let b = Buffer.from(bytes);
          for (const [at, byte, op] of edits) {
            const i = b.length === 0 ? 0 : at % b.length;
            if (op === 'set' && b.length > 0) b[i] = byte;
            else if (op === 'insert') b = Buffer.concat([b.subarray(0, i), Buffer.of(byte), b.subarray(i)]);
            else if (op === 'delete') b = Buffer.concat([b.subarray(0, i), b.subarray(i + 1)]);
            else b = b.subarray(0, i);
          }
          return asInput(packer, b);
        });
    case 'deep-nesting':
      return fc.tuple(fc.oneof({ weight: 20, arbitrary: fc.integer({ min: 1, max: 3000 }) }, { weight: 1, arbitrary: fc.constantFrom(10_000, 20_000) }), fc.boolean(), fc.constantFrom(0, 1, 2)).map(([depth, balanced, shape]) => {
        if (packer.binary) return Buffer.concat([Buffer.alloc(depth, [0x91, 0x81, 0xdc][shape] as number), balanced ? Buffer.of(0xc0) : Buffer.alloc(0)]);
        const [open, close] = (packer.name === 'edn' ? [['[', ']'], ['(', ')'], ['{:a ', '}']] : [['[', ']'], ['{"a":', '}'], ['["~#list",', ']']])[shape] as [string, string];
        return open.repeat(depth) + (balanced ? `1${close.repeat(depth)}` : '');
      });
  }
}
