import { readFileSync } from 'node:fs';
import { fixturePayloads, runPackerConformance, runPackerWireVectors } from '../../adapter-conformance/src/packers.js';
import type { WireFixtureFile } from '../../adapter-conformance/src/packers.js';
import { msgpack, msgpackPacker } from '../src/index.js';

const fixture = JSON.parse(readFileSync(new URL('./fixtures/sente-wire.json', import.meta.url), 'utf8')) as WireFixtureFile;

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

const nested = (depth: number): Uint8Array => {
  const bytes = new Uint8Array(depth).fill(0x91);
  bytes[depth - 1] = 0x90;
  return bytes;
};

const hex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));

runPackerConformance(msgpackPacker(), {
  keywords: 'native',
  dates: true,
  binary: true,
  sets: true,
  maps: true,
  bigints: true,
  nonFinite: true,
  maxDepth: 256,
  nestedPayload: nested,
  malformed: [
    { name: 'a cached map key that was never defined', data: hex('81d40800c0') },
    { name: 'a cached map key outside a map key', data: hex('91d40800') },
    { name: 'an unknown ext type', data: hex('d46400') },
    { name: 'a timestamp of 5 bytes', data: hex('c705ff0000000000') },
    { name: 'a timestamp with nanoseconds beyond a second', data: hex('c70cff3b9aca000000000000000000') },
    { name: 'a string of invalid UTF-8', data: hex('a2c328') },
    { name: 'a keyword of invalid UTF-8', data: hex('d500c328') },
    { name: 'a set whose payload is not an array', data: hex('d40401') },
    { name: 'a set with bytes left over', data: hex('d5049001') },
    { name: 'an int32 array of 6 bytes', data: hex('c70605000000010000') },
    { name: 'a ratio with a zero denominator', data: hex('d5030100') },
    { name: 'a duplicate map key', data: hex('82a161 01a16102'.replace(' ', '')) },
    { name: 'an invalid UUID', data: hex('d40961') },
  ],
  unsupported: [
    { name: 'a function', value: () => 1 },
    { name: 'a JS symbol', value: Symbol('x') },
    { name: 'an instance of an app class', value: new Point(1, 2) },
    { name: 'an Int16Array', value: new Int16Array(2) },
    { name: 'an invalid date', value: new Date(Number.NaN) },
    { name: 'a bigint beyond 64 bits', value: 2n ** 64n },
  ],
});

runPackerConformance(msgpackPacker({ objectKeys: 'keyword' }), {
  name: "msgpack, objectKeys 'keyword'",
  keywords: 'native',
  objectKeys: 'keyword',
  dates: true,
  binary: true,
  sets: true,
  maps: true,
  bigints: true,
  nonFinite: true,
});

runPackerConformance(msgpackPacker({ mode: 'plain' }), {
  keywords: 'native',
  protoKey: false,
  dates: true,
  binary: true,
  bigints: true,
  nonFinite: true,
  maxDepth: 256,
  nestedPayload: nested,
  unsupported: [
    { name: 'a Map', value: new Map([[1, 2]]) },
    { name: 'a Set', value: new Set([1]) },
    { name: 'a bigint beyond 64 bits', value: 2n ** 64n },
  ],
});

runPackerConformance(msgpack, { name: 'msgpack (shared default instance)', keywords: 'native', binary: true, dates: true });

runPackerWireVectors(msgpackPacker(), { name: "msgpack, objectKeys 'string'", mode: 'string', payloads: fixturePayloads(fixture) });
runPackerWireVectors(msgpackPacker({ objectKeys: 'keyword' }), {
  name: "msgpack, objectKeys 'keyword'",
  mode: 'keyword',
  payloads: fixturePayloads(fixture),
});
