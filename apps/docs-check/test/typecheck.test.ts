import { beforeAll, describe, expect, it } from 'vitest';
import { allBlocks } from '../src/docs.js';
import { blockName } from '../src/extract.js';
import { typecheckBlocks } from '../src/typecheck.js';
import type { BlockDiagnostic } from '../src/typecheck.js';
import { PENDING_DOC_REWRITE, PENDING_LIBRARY_FIX, expectedTypeFailure } from './expected-failures.js';

const blocks = allBlocks();
let results = new Map<string, BlockDiagnostic[]>();

beforeAll(async () => {
  results = await typecheckBlocks(blocks);
});

const show = (ds: readonly BlockDiagnostic[]): string => ds.map((d) => `${d.at} ${d.code} ${d.message}`).join('\n');

describe('every TypeScript block of the README, docs/ and the packages’ READMEs', () => {
  it('finds the blocks of every doc', () => {
    expect(blocks.length).toBeGreaterThan(30);
    expect(new Set(blocks.map((b) => b.doc))).toContain('README.md');
  });

  for (const block of blocks) {
    const name = blockName(block);
    const expected = expectedTypeFailure(name);
    if (expected === undefined) {
      it(`${name} (line ${block.line}) compiles`, () => {
        const found = results.get(name) ?? [];
        expect(found, `${name} does not compile:\n${show(found)}`).toEqual([]);
      });
    } else {
      it(`${name} still fails to compile, only because ${expected.reason}`, () => {
        const found = results.get(name) ?? [];
        expect(found.length, `${name} compiles now: remove it from the expected failures`).toBeGreaterThan(0);
        if (expected.codes) expect([...new Set(found.map((d) => d.code))].sort(), show(found)).toEqual([...expected.codes].sort());
      });
    }
  }

  it('lists as expected failures only blocks that exist', () => {
    const names = new Set(blocks.map(blockName));
    for (const f of [...PENDING_LIBRARY_FIX, ...PENDING_DOC_REWRITE]) expect(names, f.block).toContain(f.block);
  });
});
