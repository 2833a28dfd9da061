// An app that loads @sente/core with `import` (its ESM build) and a packer with
// `require` (whose own `require('@sente/core')` gets the CommonJS build): two
// copies of the core in one process. Prints what the app would observe, as JSON.
// Run by keyword.test.ts in a plain `node`, without the test runner's resolve conditions.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const esm = await import(new URL('../../dist/index.mjs', import.meta.url).href);
const cjs = require('../../dist/index.cjs');
const { edn } = require('../../../packer-edn/dist/index.cjs');

const attempt = (fn) => {
  try {
    return fn();
  } catch (e) {
    return `${e.code ?? e.name}: ${e.message}`;
  }
};

const server = attempt(() => esm.createSenteServer({ packer: edn }));
console.log(
  JSON.stringify({
    sameClass: cjs.Keyword === esm.Keyword,
    sameKeyword: cjs.kw('chsk/handshake') === esm.kw('chsk/handshake'),
    instanceOfAcross: esm.kw('app/x') instanceof cjs.Keyword && cjs.kw('app/y') instanceof esm.Keyword,
    isKeywordAcross: cjs.isKeyword(esm.kw('app/x')) && esm.isKeyword(cjs.kw('app/x')),
    senteErrorAcross: cjs.isSenteError(new esm.SenteError('ERR_SENTE_BAD_OPTION')),
    packed: attempt(() => edn.pack([[esm.kw('chsk/handshake'), ['alice', null, { greeting: 'hi' }]], null])),
    unpackedIsEsmKeyword: attempt(() => edn.unpack(':app/x') === esm.kw('app/x')),
    server: typeof server === 'string' ? server : 'created',
  }),
);
if (typeof server !== 'string') await server.close();
