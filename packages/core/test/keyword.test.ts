import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The built copies, as an app gets them: `import` resolves @sente/core to its
// ESM build, `require` (a CommonJS packer, a CommonJS app) to its CommonJS build.
// The root test command builds before testing; alone, run
// `node scripts/pnpm.mjs --filter @sente/core --filter @sente/packer-edn build`.
const ESM = new URL('../dist/index.mjs', import.meta.url);
const CJS = fileURLToPath(new URL('../dist/index.cjs', import.meta.url));
const EDN_CJS = fileURLToPath(new URL('../../packer-edn/dist/index.cjs', import.meta.url));

type Core = typeof import('../src/index.js');
type Edn = typeof import('../../packer-edn/src/index.js');

async function load(): Promise<{ esm: Core; cjs: Core; ednCjs: Edn }> {
  for (const f of [fileURLToPath(ESM), CJS, EDN_CJS]) {
    if (!existsSync(f)) throw new Error(`${f} is missing: build @sente/core and @sente/packer-edn first.`);
  }
  const require = createRequire(import.meta.url);
  const esm = (await import(/* @vite-ignore */ ESM.href)) as Core;
  return { esm, cjs: require(CJS) as Core, ednCjs: require(EDN_CJS) as Edn };
}

describe('Keyword across the ESM and CommonJS copies of @sente/core', () => {
  it('interns keywords once for both copies: the same keyword is === in each, and instanceof holds across them', async () => {
    const { esm, cjs } = await load();
    expect(cjs.Keyword).toBe(esm.Keyword);
    expect(cjs.kw('chsk/handshake')).toBe(esm.kw('chsk/handshake'));
    expect(cjs.isKeyword(esm.kw('app/x'))).toBe(true);
    expect(esm.keywordName(cjs.kw('app/x'))).toBe('app/x');
    expect(cjs.isSenteError(new esm.SenteError('ERR_SENTE_BAD_OPTION'))).toBe(true);
  });

  it('lets the edn packer loaded with require pack an envelope built with keywords from the ESM copy', async () => {
    const { esm, ednCjs } = await load();
    const envelope = [[esm.kw('chsk/handshake'), ['alice', null, { greeting: 'hi' }]], null];
    expect(ednCjs.edn.pack(envelope)).toBe('[[:chsk/handshake ["alice" nil {"greeting" "hi"}]] nil]');
    expect(ednCjs.edn.unpack('[:chsk/ws-ping nil]')).toEqual([esm.kw('chsk/ws-ping'), null]);
    expect((ednCjs.edn.unpack(':app/x') as unknown) === esm.kw('app/x')).toBe(true);
    // The server of the ESM copy packs its constant envelopes (keywords) with that packer at construction:
    // this threw ERR_SENTE_PACK_FAILED "no edn writer for Keyword" when the copies interned apart.
    const server = esm.createSenteServer({ packer: ednCjs.edn });
    expect(server.packer).toBe(ednCjs.edn);
    await server.close();
  });
});
