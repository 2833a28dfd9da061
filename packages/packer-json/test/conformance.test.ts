import { readFileSync } from 'node:fs';
import { fixturePayloads, runPackerConformance, runPackerWireVectors } from '../../adapter-conformance/src/packers.js';
import type { WireFixtureFile } from '../../adapter-conformance/src/packers.js';
import { json, jsonPacker } from '../src/index.js';

const fixture = JSON.parse(readFileSync(new URL('./fixtures/sente-wire.json', import.meta.url), 'utf8')) as WireFixtureFile;

runPackerConformance(jsonPacker(), {
  keywords: 'names',
  nestedPayload: (depth) => '['.repeat(depth) + ']'.repeat(depth),
});

runPackerConformance(json, { name: 'json (shared default instance)', keywords: 'names' });

runPackerWireVectors(jsonPacker(), { mode: 'names', payloads: fixturePayloads(fixture) });
