/** A TypeScript code block of a Markdown file. */
export interface DocBlock {
  /** The Markdown file, relative to the repository root (`docs/guides/express.md`). */
  readonly doc: string;
  /** 1-based ordinal among the file's TypeScript blocks: `#1` is its first. */
  readonly ordinal: number;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The block's code, without the fence's indentation. */
  readonly code: string;
  /** True when a `<!-- fragment -->` marker precedes the fence. */
  readonly fragment: boolean;
  /** The hidden TypeScript of the fragment marker (imports, `declare`s), or `''`. */
  readonly prelude: string;
}

const TS_LANGS = new Set(['ts', 'typescript']);
const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^`\s]*)/;

/** `'docs/guides/express.md#2'`: how tests and messages name a block. */
export const blockName = (b: Pick<DocBlock, 'doc' | 'ordinal'>): string => `${b.doc}#${b.ordinal}`;

/**
 * Every ` ```ts ` / ` ```typescript ` block of a Markdown text, with its
 * marker. A marker is an HTML comment ending on the line right before the
 * fence; `<!-- fragment -->` says the block is part of a program, and the
 * comment's further lines are TypeScript that declares what the fragment
 * assumes (invisible on GitHub and npm). Any other comment there is an error,
 * so that a misspelt marker cannot pass unnoticed.
 */
export function extractBlocks(markdown: string, doc: string): DocBlock[] {
  const lines = markdown.split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] ?? '');
    if (!open) continue;
    const [, indent = '', fence = '', lang = ''] = open;
    const end = closingFence(lines, i + 1, fence);
    if (TS_LANGS.has(lang.toLowerCase())) {
      const code = lines
        .slice(i + 1, end)
        .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l.trimStart()))
        .join('\n');
      const marker = markerBefore(lines, i, doc);
      blocks.push({ doc, ordinal: blocks.length + 1, line: i + 1, code, ...marker });
    }
    i = end;
  }
  return blocks;
}

function closingFence(lines: string[], from: number, fence: string): number {
  for (let j = from; j < lines.length; j++) {
    const t = (lines[j] ?? '').trim();
    if (t.startsWith(fence) && t.replace(/[`~]/g, '') === '' && t[0] === fence[0]) return j;
  }
  return lines.length;
}

function markerBefore(lines: string[], fenceIndex: number, doc: string): { fragment: boolean; prelude: string } {
  const last = fenceIndex - 1;
  if (last < 0 || !(lines[last] ?? '').trim().endsWith('-->')) return { fragment: false, prelude: '' };
  let first = last;
  while (first > 0 && !(lines[first] ?? '').includes('<!--')) first--;
  const text = lines
    .slice(first, last + 1)
    .join('\n')
    .replace(/^\s*<!--/, '')
    .replace(/-->\s*$/, '');
  const [word = '', ...rest] = text.trimStart().split(/(\s+)/);
  if (word !== 'fragment') {
    throw new Error(`${doc}:${last + 1}: unknown marker before a TypeScript block: "<!--${text}-->" (the one marker is "<!-- fragment -->")`);
  }
  return { fragment: true, prelude: dedent(rest.join('')).trim() };
}

function dedent(text: string): string {
  const lines = text.split('\n');
  const widths = lines.filter((l) => l.trim() !== '').map((l) => /^\s*/.exec(l)?.[0].length ?? 0);
  const cut = widths.length ? Math.min(...widths) : 0;
  return lines.map((l) => l.slice(cut)).join('\n');
}
