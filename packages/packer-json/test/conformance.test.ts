import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { fixturePayloads, runPackerConformance, runPackerWireVectors } from '../../adapter-conformance/src/packers.js';
import type { WireFixtureFile } from '../../adapter-conformance/src/packers.js';
import { json, jsonForServers, jsonPacker } from '../src/index.js';

const fixture = JSON.parse(readFileSync(new URL('./fixtures/sente-wire.json', import.meta.url), 'utf8')) as WireFixtureFile;

runPackerConformance(jsonPacker(), {
  keywords: 'names',
  nestedPayload: (depth) => '['.repeat(depth) + ']'.repeat(depth),
});

runPackerConformance(json, { name: 'json (shared default instance)', keywords: 'names' });

runPackerWireVectors(jsonPacker(), { mode: 'names', payloads: fixturePayloads(fixture) });

describe('jsonForServers.packAround', () => {
  it('puts a batch of events packed once together with each client’s position, as packing the whole would', () => {
    const events = [['news/flash', { t: 1.5, text: 'x' }]];
    const packed = jsonForServers.pack(events);
    for (const [epoch, offsets] of [['ab12cd34', [7]], ['zz99yy88', [8, null]]] as const) {
      const whole = json.pack([events, null, { e: epoch, o: offsets }]);
      expect(jsonForServers.packAround?.(packed, [null, { e: epoch, o: offsets }])).toBe(whole);
    }
    expect(jsonForServers.packAround?.(packed, [])).toBe(json.pack([events]));
  });

  it('writes a position without calling JSON.stringify, once per uid of a broadcast', () => {
    const packed = jsonForServers.pack([['news/flash', { text: 'x' }]]);
    const stringify = vi.spyOn(JSON, 'stringify');
    try {
      const out = jsonForServers.packAround?.(packed, [null, { e: 'ab12cd34', o: [41, 42] }]);
      expect(stringify).not.toHaveBeenCalled();
      expect(out).toBe('[[["news/flash",{"text":"x"}]],null,{"e":"ab12cd34","o":[41,42]}]');
      // A string that needs escaping goes to JSON.stringify, which escapes it.
      expect(jsonForServers.packAround?.(packed, [null, { e: 'a"b', o: [1] }])).toBe('[[["news/flash",{"text":"x"}]],null,{"e":"a\\"b","o":[1]}]');
      expect(stringify).toHaveBeenCalledTimes(1);
    } finally {
      stringify.mockRestore();
    }
  });

  it('is not part of json itself, which browsers bundle', () => {
    expect(json.packAround).toBeUndefined();
    expect(jsonPacker().packAround).toBeUndefined();
  });

  it('fails with ERR_SENTE_PACK_FAILED on what JSON cannot hold, as pack does', () => {
    expect(() => jsonForServers.packAround?.('[]', [1n])).toThrow(expect.objectContaining({ code: 'ERR_SENTE_PACK_FAILED' }) as Error);
  });
});

runPackerConformance(jsonForServers, { name: 'jsonForServers (with packAround)', keywords: 'names' });
