/**
 * The browser size budget of the client: what an app's bundler adds when it
 * imports the client and the default (JSON) packer, minified and gzipped,
 * next to socket.io-client's `io` bundled the same way. Bundled from the
 * packages' sources (the `@sente/source` condition), so the figure is never a
 * stale build's; the built `dist/` bundles to within a few hundred bytes.
 */
import { describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/**
 * 12 KiB of gzip, the budget of @sente/client + @sente/packer-json. It was 10
 * KiB before the client gained its outbox, replay positions, idempotent
 * retries, server requests, re-upgrade and page-lifecycle handling (11.5 KiB
 * with all of them); it stays below socket.io-client, which is checked too.
 * Making those features importable separately, to come back under 10 KiB for
 * apps that do not need them, is open work.
 */
const BUDGET_BYTES = 12 * 1024;

const here = fileURLToPath(new URL('.', import.meta.url));

interface Bundle {
  readonly code: string;
  readonly minified: number;
  readonly gzipped: number;
  /** Minified bytes per source file, largest first. */
  readonly byFile: readonly (readonly [file: string, bytes: number])[];
}

/** Bundles `entry` (ESM source) for the browser as an app's bundler would, minified. */
async function bundle(entry: string, { keepNames = false } = {}): Promise<Bundle> {
  const result = await build({
    stdin: { contents: entry, resolveDir: here, loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['@sente/source'],
    // keepNames: minified, except for identifiers, so that a test can look for a definition by name.
    minifyWhitespace: true,
    minifySyntax: true,
    minifyIdentifiers: !keepNames,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const bytes = result.outputFiles[0]!.contents;
  const inputs = Object.values(result.metafile.outputs)[0]?.inputs ?? {};
  const byFile = Object.entries(inputs)
    .map(([file, { bytesInOutput }]) => [file.replace(/^.*?packages\//, ''), bytesInOutput] as const)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]);
  return { code: result.outputFiles[0]!.text, minified: bytes.length, gzipped: gzipSync(bytes, { level: 9 }).length, byFile };
}

const kib = (bytes: number): string => `${(bytes / 1024).toFixed(2)} KiB`;

/** Whether the bundle defines `name` (esbuild appends digits to a name it renames). */
const defines = (code: string, name: string): boolean =>
  new RegExp(`(?:function|class)\\s+${name}\\d*\\b|(?:^|[^\\w$.])${name}\\d*\\s*=(?!=)`).test(code);

describe('browser size budget', () => {
  it('bundles @sente/client with the JSON packer in at most 12 KiB, minified and gzipped, and below socket.io-client', async () => {
    const sente = await bundle(
      "export { createSenteClient } from '@sente/client'; export { jsonPacker } from '@sente/packer-json';",
    );
    const socketIo = await bundle("export { io } from 'socket.io-client';");
    console.log(
      [
        'Browser bundles (esbuild, minified, gzip -9):',
        `  @sente/client + @sente/packer-json  ${kib(sente.gzipped).padStart(10)}  (budget ${kib(BUDGET_BYTES)}; ${sente.minified} bytes minified)`,
        `  socket.io-client 4.8.4 (io)          ${kib(socketIo.gzipped).padStart(10)}  (${socketIo.minified} bytes minified)`,
      ].join('\n'),
    );
    if (sente.gzipped > BUDGET_BYTES) {
      // Where the bytes are, to decide what to make importable separately.
      console.log(['Over budget; minified bytes by file:', ...sente.byFile.map(([f, n]) => `  ${String(n).padStart(6)}  ${f}`)].join('\n'));
    }
    expect(sente.gzipped).toBeLessThanOrEqual(BUDGET_BYTES);
    expect(sente.gzipped).toBeLessThan(socketIo.gzipped);
  });

  it('adds nothing to a bundle that imports the packages but uses none of their exports (sideEffects: false)', async () => {
    const empty = await bundle("import '@sente/client'; import '@sente/packer-json'; import '@sente/core';");
    expect(empty.code.trim()).toBe('');
  });

  describe('a bundle that imports only createSenteClient', () => {
    // Exports that are not the client's concern (the server's side of
    // @sente/core) or optional helpers the default client does not use.
    const unused = [
      'createSenteServer',
      'SenteServer',
      'checkRequest',
      'timingSafeEqual',
      'collectBody',
      'parseQuery',
      'mountSente',
      'payloadResponse',
      'senteBackoff',
      'isCbSuccess',
    ];

    it('would show each of these exports if it were bundled (the check below can see them)', async () => {
      const everything = await bundle(
        "export * from '@sente/client'; export * from '@sente/core'; export * from '@sente/packer-json';",
        { keepNames: true },
      );
      expect(unused.filter((name) => !defines(everything.code, name))).toEqual([]);
    });

    it('leaves out the server side of @sente/core and the optional helpers it does not use', async () => {
      const client = await bundle("export { createSenteClient } from '@sente/client';", { keepNames: true });
      expect(defines(client.code, 'createSenteClient')).toBe(true);
      expect(unused.filter((name) => defines(client.code, name))).toEqual([]);
    });
  });
});
