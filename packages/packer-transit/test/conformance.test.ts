import { readFileSync } from 'node:fs';
import { fixturePayloads, runPackerConformance, runPackerWireVectors } from '../../adapter-conformance/src/packers.js';
import type { PackerConformanceOptions, WireFixtureFile } from '../../adapter-conformance/src/packers.js';
import { transit, transitPacker } from '../src/index.js';

const fixture = (name: string): WireFixtureFile =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as WireFixtureFile;

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

const capabilities: PackerConformanceOptions = {
  keywords: 'native',
  dates: true,
  binary: true,
  sets: true,
  maps: true,
  bigints: true,
  nonFinite: true,
  maxDepth: 256,
  nestedPayload: (depth) => '['.repeat(depth) + ']'.repeat(depth),
  malformed: [
    { name: 'a cache code that refers to nothing', data: '[["^ ","~:text",1],["^ ","^1",2]]' },
    { name: 'a cache code out of range', data: '["^~~"]' },
    { name: 'a map with a key and no value', data: '["^ ","~:a"]' },
    { name: 'a malformed ~i integer', data: '["~i12x"]' },
    { name: 'a malformed ~m date', data: '["~mtoday"]' },
    { name: 'a malformed ~t date', data: '["~tyesterday"]' },
    { name: 'a malformed ~u UUID', data: '["~unot-a-uuid"]' },
    { name: 'a malformed ~b base64', data: '["~b!!!"]' },
    { name: 'a malformed ~z special number', data: '["~zNONE"]' },
    { name: 'a set that is not an array', data: '["~#set",1]' },
    { name: 'a duplicate map key', data: '["^ ","a",1,"a",2]' },
    { name: 'a duplicate set element', data: '["~#set",[1,1]]' },
    { name: 'a ratio dividing by zero', data: '["~#ratio",["~n1","~n0"]]' },
    { name: 'invalid UTF-8 bytes', data: new Uint8Array([0x5b, 0x22, 0xff, 0x22, 0x5d]) },
  ],
  unsupported: [
    { name: 'a function', value: () => 1 },
    { name: 'a JS symbol', value: Symbol('x') },
    { name: 'an instance of an app class without a handler', value: new Point(1, 2) },
    { name: 'an Int32Array', value: new Int32Array(2) },
    { name: 'an invalid date', value: new Date(Number.NaN) },
  ],
};

runPackerConformance(transitPacker(), capabilities);
runPackerConformance(transitPacker({ encoding: 'json-verbose' }), {
  ...capabilities,
  name: 'transit json-verbose',
  protoKey: false,
  unsupported: [...(capabilities.unsupported ?? []), { name: 'a "__proto__" key', value: JSON.parse('{"__proto__": 1}') }],
});
runPackerConformance(transitPacker({ objectKeys: 'keyword' }), { ...capabilities, name: "transit, objectKeys 'keyword'", objectKeys: 'keyword' });
runPackerConformance(transit, { name: 'transit (shared default instance)', keywords: 'native', dates: true, sets: true, maps: true });

for (const [encoding, file] of [
  ['json', 'sente-wire-json.json'],
  ['json-verbose', 'sente-wire-json-verbose.json'],
] as const) {
  const payloads = fixturePayloads(fixture(file));
  runPackerWireVectors(transitPacker({ encoding }), { name: `transit ${encoding}, objectKeys 'string'`, mode: 'string', payloads });
  runPackerWireVectors(transitPacker({ encoding, objectKeys: 'keyword' }), {
    name: `transit ${encoding}, objectKeys 'keyword'`,
    mode: 'keyword',
    payloads,
  });
}
