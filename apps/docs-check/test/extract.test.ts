import { describe, expect, it } from 'vitest';
import { extractBlocks } from '../src/extract.js';

describe('extractBlocks', () => {
  it('takes ts and typescript blocks, numbered in order, and leaves other languages', () => {
    const md = ['# T', '```sh', 'npm i', '```', '```ts', 'const a = 1;', '```', '```typescript', 'const b = 2;', '```'].join('\n');
    expect(extractBlocks(md, 'x.md').map((b) => [b.ordinal, b.line, b.code, b.fragment])).toEqual([
      [1, 5, 'const a = 1;', false],
      [2, 8, 'const b = 2;', false],
    ]);
  });

  it('strips the indentation of a block in a list item', () => {
    const md = ['- item:', '', '  ```ts', '  if (a) {', '    b();', '  }', '  ```'].join('\n');
    expect(extractBlocks(md, 'x.md')[0]?.code).toBe('if (a) {\n  b();\n}');
  });

  it('reads a fragment marker and the TypeScript it hides', () => {
    const md = ['<!-- fragment', '  declare const server: unknown;', '-->', '```ts', 'server;', '```', '<!-- fragment -->', '```ts', 'x;', '```'].join('\n');
    const [withPrelude, bare] = extractBlocks(md, 'x.md');
    expect(withPrelude).toMatchObject({ fragment: true, prelude: 'declare const server: unknown;', code: 'server;' });
    expect(bare).toMatchObject({ fragment: true, prelude: '' });
  });

  it('refuses any other comment right before a block, so a misspelt marker cannot pass', () => {
    const md = ['<!-- fragmnet -->', '```ts', 'x;', '```'].join('\n');
    expect(() => extractBlocks(md, 'docs/x.md')).toThrow('docs/x.md:1: unknown marker before a TypeScript block');
  });
});
