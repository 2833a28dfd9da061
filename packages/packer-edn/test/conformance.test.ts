import { readFileSync } from 'node:fs';
import { Keyword } from '@sente/core';
import { fixturePayloads, runPackerConformance, runPackerWireVectors } from '../../adapter-conformance/src/packers.js';
import type { WireFixtureFile } from '../../adapter-conformance/src/packers.js';
import { edn, ednPacker, Sym } from '../src/index.js';

const fixture = JSON.parse(readFileSync(new URL('./fixtures/sente-wire.json', import.meta.url), 'utf8')) as WireFixtureFile;

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

const kinds = { keywords: 'native', dates: true, sets: true, maps: true, bigints: true, nonFinite: true } as const;

runPackerConformance(ednPacker(), {
  ...kinds,
  emptyInput: 'nil',
  maxDepth: 256,
  nestedPayload: (depth) => '['.repeat(depth) + ']'.repeat(depth),
  malformed: [
    { name: 'an odd map', data: '{:a 1 :b}' },
    { name: 'a duplicate map key', data: '{:a 1 :a 2}' },
    { name: 'a duplicate set element', data: '#{1 1}' },
    { name: 'an unknown tag', data: '#my/thing 1' },
    { name: 'an invalid #inst', data: '#inst "2019-02-29T00:00:00Z"' },
    { name: 'an invalid #uuid', data: '#uuid "not-a-uuid"' },
    { name: 'a second value', data: '[1] [2]' },
    { name: 'an unterminated string', data: '["abc' },
    { name: 'an unsupported escape', data: '"\\q"' },
    { name: 'an auto-resolved keyword', data: '::a' },
    { name: 'a reader macro edn lacks', data: "'a" },
    { name: 'metadata', data: '^:m [1]' },
    { name: 'a regex', data: '#"a+"' },
    { name: 'an anonymous fn', data: '#(inc %)' },
    { name: 'a division by zero', data: '1/0' },
    { name: 'a leading-zero integer', data: '012' },
    { name: 'invalid UTF-8 bytes', data: new Uint8Array([0x5b, 0xff, 0x5d]) },
  ],
  unsupported: [
    { name: 'a function', value: () => 1 },
    { name: 'a JS symbol', value: Symbol('x') },
    { name: 'bytes', value: new Uint8Array([1]) },
    { name: 'an instance of an app class without a writer', value: new Point(1, 2) },
    { name: 'an invalid date', value: new Date(Number.NaN) },
    { name: 'a date after year 9999', value: new Date('+010000-01-01T00:00:00Z') },
    { name: 'a keyword with a space', value: Keyword.for('not readable') },
    { name: 'a symbol with a space', value: new Sym('not readable') },
  ],
});

runPackerConformance(edn, { ...kinds, name: 'edn (shared default instance)', emptyInput: 'nil' });

runPackerWireVectors(ednPacker(), { name: "edn, objectKeys 'string'", mode: 'string', payloads: fixturePayloads(fixture) });
runPackerWireVectors(ednPacker({ objectKeys: 'keyword' }), {
  name: "edn, objectKeys 'keyword'",
  mode: 'keyword',
  payloads: fixturePayloads(fixture),
});
