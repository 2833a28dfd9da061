import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BUILT = ['../dist/index.mjs', '../dist/index.cjs', '../../packer-edn/dist/index.cjs'].map((p) => fileURLToPath(new URL(p, import.meta.url)));

/**
 * What an app observes when it imports @sente/core (its ESM build) and
 * requires @sente/packer-edn (which requires the CommonJS build): run in a
 * plain `node`, as an app runs, not under the test runner's module loader.
 */
async function observeDualCopies(): Promise<Record<string, unknown>> {
  // The root test command builds first; alone, run
  // `node scripts/pnpm.mjs --filter @sente/core --filter @sente/packer-edn build`.
  for (const f of BUILT) if (!existsSync(f)) throw new Error(`${f} is missing: build @sente/core and @sente/packer-edn first.`);
  const script = fileURLToPath(new URL('./support/dual-copies.mjs', import.meta.url));
  const { stdout } = await run(process.execPath, [script], { env: { ...process.env, NODE_OPTIONS: '' }, timeout: 10_000 });
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('Keyword across the ESM and CommonJS copies of @sente/core', () => {
  it('is one class with one interning for both copies: keywords are === across them, instanceof and brand checks hold', async () => {
    expect(await observeDualCopies()).toMatchObject({
      sameClass: true,
      sameKeyword: true,
      instanceOfAcross: true,
      isKeywordAcross: true,
      senteErrorAcross: true,
    });
  }, 15_000);

  it('lets the edn packer loaded with require pack and read the keywords of the ESM copy, so a server starts with it', async () => {
    // The server packs its constant envelopes (keywords) at construction: it threw
    // ERR_SENTE_PACK_FAILED "no edn writer for Keyword" while the copies interned apart.
    expect(await observeDualCopies()).toMatchObject({
      packed: '[[:chsk/handshake ["alice" nil {"greeting" "hi"}]] nil]',
      unpackedIsEsmKeyword: true,
      server: 'created',
    });
  }, 15_000);
});
