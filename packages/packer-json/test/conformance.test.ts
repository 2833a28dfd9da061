import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
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

describe('jsonPacker().packAround', () => {
  it('puts a batch of events packed once together with each client’s position, as packing the whole would', () => {
    const packer = jsonPacker();
    const events = [['news/flash', { t: 1.5, text: 'x' }]];
    const packed = packer.pack(events);
    for (const [epoch, offsets] of [['ab12cd34', [7]], ['zz99yy88', [8, null]]] as const) {
      const whole = packer.pack([events, null, { e: epoch, o: offsets }]);
      expect(packer.packAround?.(packed, [null, { e: epoch, o: offsets }])).toBe(whole);
    }
  });

  it('is left out with a replacer, which would see the content under another key', () => {
    expect(jsonPacker({ replacer: (_k, v: unknown) => v }).packAround).toBeUndefined();
  });

  it('fails with ERR_SENTE_PACK_FAILED on what JSON cannot hold, as pack does', () => {
    expect(() => json.packAround?.('[]', [1n])).toThrow(expect.objectContaining({ code: 'ERR_SENTE_PACK_FAILED' }) as Error);
  });
});
