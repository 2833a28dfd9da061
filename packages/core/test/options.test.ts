import { describe, expect, it } from 'vitest';
import { createSenteServer } from '../src/index.js';
import type { SenteServerOptions } from '../src/index.js';
import { jsonPacker } from './support/packers.js';

function badOption(options: unknown, message: string): void {
  expect(() => createSenteServer(options as SenteServerOptions)).toThrowError(
    expect.objectContaining({ name: 'SenteError', code: 'ERR_SENTE_BAD_OPTION', message }),
  );
}

describe('options validation', () => {
  it('accepts a packer and nothing else, with Sente defaults', () => {
    const server = createSenteServer({ packer: jsonPacker });
    expect(server.packer).toBe(jsonPacker);
    expect(server.maxPayloadBytes).toBe(1024 * 1024);
    expect(server.closed).toBe(false);
  });

  it('rejects options that are not an object', () => {
    badOption(undefined, 'Options must be an object.');
    badOption(null, 'Options must be an object.');
    badOption('json', 'Options must be an object.');
  });

  it('rejects a missing or incomplete packer', () => {
    const message = 'Option "packer" must be a Packer (name, binary, pack, unpack).';
    badOption({}, message);
    badOption({ packer: 'edn' }, message);
    badOption({ packer: { ...jsonPacker, pack: undefined } }, message);
    badOption({ packer: { ...jsonPacker, unpack: 1 } }, message);
    badOption({ packer: { ...jsonPacker, binary: 'no' } }, message);
  });

  it('requires lpTimeoutMs under the client Ajax timeout of 60000', () => {
    badOption({ packer: jsonPacker, lpTimeoutMs: 60_000 }, 'Option "lpTimeoutMs" must be less than 60000.');
    badOption({ packer: jsonPacker, lpTimeoutMs: 90_000 }, 'Option "lpTimeoutMs" must be less than 60000.');
    expect(() => createSenteServer({ packer: jsonPacker, lpTimeoutMs: 59_999 })).not.toThrow();
  });

  it.each([
    'lpTimeoutMs',
    'sendBufMsWs',
    'sendBufMsAjax',
    'msAllowReconnectBeforeCloseWs',
    'msAllowReconnectBeforeCloseAjax',
    'maxPayloadBytes',
    'closeTimeoutMs',
    'wsKaliveMs',
    'wsPingTimeoutMs',
  ])('requires %s to be a positive finite number', (name) => {
    const message = `Option "${name}" must be a positive number.`;
    for (const v of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '100']) badOption({ packer: jsonPacker, [name]: v }, message);
  });

  it('requires maxQueuedBatches to be a positive integer', () => {
    const message = 'Option "maxQueuedBatches" must be a positive integer.';
    for (const v of [0, -1, 0.5, 2.5, Number.NaN, Number.POSITIVE_INFINITY, null, '10']) {
      badOption({ packer: jsonPacker, maxQueuedBatches: v }, message);
    }
    expect(() => createSenteServer({ packer: jsonPacker, maxQueuedBatches: 1 })).not.toThrow();
  });

  it('requires keepUpgradeRaw to be a boolean', () => {
    for (const v of [0, 1, 'false', null]) badOption({ packer: jsonPacker, keepUpgradeRaw: v }, 'Option "keepUpgradeRaw" must be a boolean.');
    expect(() => createSenteServer({ packer: jsonPacker, keepUpgradeRaw: false })).not.toThrow();
  });

  it.each(['lpTimeoutMs', 'sendBufMsWs', 'sendBufMsAjax', 'msAllowReconnectBeforeCloseWs', 'maxPayloadBytes', 'closeTimeoutMs'])(
    'rejects null for %s',
    (name) => {
      badOption({ packer: jsonPacker, [name]: null }, `Option "${name}" must be a positive number.`);
    },
  );

  it('accepts null for wsKaliveMs and wsPingTimeoutMs (keep-alive off, never close)', () => {
    expect(() => createSenteServer({ packer: jsonPacker, wsKaliveMs: null, wsPingTimeoutMs: null })).not.toThrow();
  });

  it('requires allowedOrigins to be "all" or an array of strings', () => {
    const message = 'Option "allowedOrigins" must be "all" or an array of origins.';
    badOption({ packer: jsonPacker, allowedOrigins: 'none' }, message);
    badOption({ packer: jsonPacker, allowedOrigins: new Set(['https://a.example']) }, message);
    badOption({ packer: jsonPacker, allowedOrigins: ['https://a.example', 1] }, message);
    expect(() => createSenteServer({ packer: jsonPacker, allowedOrigins: 'all' })).not.toThrow();
    expect(() => createSenteServer({ packer: jsonPacker, allowedOrigins: [] })).not.toThrow();
  });

  it('exposes maxPayloadBytes for adapters', () => {
    expect(createSenteServer({ packer: jsonPacker, maxPayloadBytes: 2048 }).maxPayloadBytes).toBe(2048);
  });
});
