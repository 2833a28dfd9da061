import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { fileURLToPath } from 'node:url';
import { blockName } from './extract.js';
import type { DocBlock } from './extract.js';

/** Where the blocks are written: inside this package, so they resolve its dependencies as a user's project would. */
export const BLOCKS_DIR = fileURLToPath(new URL('../.blocks/', import.meta.url));

/** A TypeScript error in a block, at its line in the Markdown file. */
export interface BlockDiagnostic {
  readonly code: string;
  readonly message: string;
  /** `docs/guides/express.md:42`. */
  readonly at: string;
}

interface Written {
  readonly block: DocBlock;
  readonly file: string;
  readonly preludeLines: number;
}

/** The file a block is written to: `.blocks/docs/guides/express.md/2.ts`. */
export function blockFile(block: DocBlock): string {
  return join(BLOCKS_DIR, block.doc, `${block.ordinal}.ts`);
}

/** The text of a block's file: the fragment's prelude, then the block, as one module. */
export function blockSource(block: DocBlock): string {
  const prelude = block.prelude ? `${block.prelude}\n` : '';
  return `${prelude}${block.code}\nexport {};\n`;
}

/**
 * Writes every block to its own module and typechecks them all in one
 * program, with the repository's compiler options. Returns each block's errors,
 * keyed by `blockName`.
 */
export async function typecheckBlocks(blocks: readonly DocBlock[]): Promise<Map<string, BlockDiagnostic[]>> {
  rmSync(BLOCKS_DIR, { recursive: true, force: true });
  const written: Written[] = blocks.map((block) => {
    const file = blockFile(block);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, blockSource(block));
    return { block, file, preludeLines: block.prelude ? block.prelude.split('\n').length : 0 };
  });
  const config = { extends: '../../../tsconfig.base.json', include: ['**/*.ts'] };
  writeFileSync(join(BLOCKS_DIR, 'tsconfig.json'), JSON.stringify(config, null, 2));
  const parsed = ts.getParsedCommandLineOfConfigFile(join(BLOCKS_DIR, 'tsconfig.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  });
  if (!parsed) throw new Error('Cannot read the blocks\' tsconfig.json');
  const program = ts.createProgram({ rootNames: written.map((w) => w.file), options: parsed.options });
  const global = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
  if (global.length > 0) throw new Error(ts.formatDiagnostics(global, formatHost));
  const result = new Map<string, BlockDiagnostic[]>();
  for (const w of written) {
    const source = program.getSourceFile(w.file);
    if (!source) throw new Error(`tsc did not read ${w.file}`);
    // Each file's syntax and types on their own: a syntax error in one block must not hide the others' type errors.
    const found = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
    result.set(
      blockName(w.block),
      found.map((d) => {
        const line = d.start === undefined ? 0 : source.getLineAndCharacterOfPosition(d.start).line + 1;
        // Prelude lines live in the marker comment, which ends on the line before the fence.
        const docLine = line <= w.preludeLines ? w.block.line - 1 : w.block.line + line - w.preludeLines;
        return { code: `TS${d.code}`, message: ts.flattenDiagnosticMessageText(d.messageText, '\n'), at: `${w.block.doc}:${docLine}` };
      }),
    );
  }
  return result;
}

const formatHost: ts.FormatDiagnosticsHost = {
  getCanonicalFileName: (f) => f,
  getCurrentDirectory: () => BLOCKS_DIR,
  getNewLine: () => '\n',
};
