import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractBlocks } from './extract.js';
import type { DocBlock } from './extract.js';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The Markdown files whose TypeScript is checked: the README, `docs/**`, and every package's README. */
export function docFiles(): string[] {
  const packages = readdirSync(join(ROOT, 'packages'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => join('packages', d.name, 'README.md'))
    .filter((p) => exists(p));
  return ['README.md', ...markdownUnder('docs'), ...packages].sort();
}

/** Every TypeScript block of every checked doc. */
export function allBlocks(): DocBlock[] {
  return docFiles().flatMap((doc) => extractBlocks(readFileSync(join(ROOT, doc), 'utf8'), doc));
}

function markdownUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && d.name.endsWith('.md'))
    .map((d) => relative(ROOT, join(d.parentPath, d.name)));
}

function exists(path: string): boolean {
  try {
    readFileSync(join(ROOT, path));
    return true;
  } catch {
    return false;
  }
}
