import { describe, expect, it } from 'vitest';
import { NIL_UID, WIRE, handshakeEnvelope, isHandshake, isReservedId, kw, readHandshake } from '../src/index.js';
import { jsonPacker, keywordPacker } from './support/packers.js';

describe('reading a handshake (client side)', () => {
  it.each([
    ['JSON', jsonPacker],
    ['a keyword packer', keywordPacker],
  ])('reads back what the server writes, through %s', (_name, packer) => {
    for (const [uid, data] of [
      ['alice', { hello: 1 }],
      [NIL_UID, null],
      ['42', [1, 2]],
    ] as const) {
      const [content] = packer.unpack(packer.pack(handshakeEnvelope(uid, data))) as [unknown, unknown];
      expect(isHandshake(content)).toBe(true);
      expect(readHandshake(content as readonly [unknown, unknown])).toEqual({ uid, handshakeData: data });
    }
  });

  it('reads the [uid nil] of servers before Sente 1.21 as nil handshake data', () => {
    expect(readHandshake([kw('chsk/handshake'), ['alice', null]])).toEqual({ uid: 'alice', handshakeData: null });
  });

  it('reads a missing or nil uid as sente/nil-uid, and a number as its string', () => {
    expect(readHandshake([kw('chsk/handshake'), [null, null, null]]).uid).toBe(NIL_UID);
    expect(readHandshake([kw('chsk/handshake'), null]).uid).toBe(NIL_UID);
    expect(readHandshake([kw('chsk/handshake'), [7]]).uid).toBe('7');
  });

  it('recognises only [chsk/handshake x]', () => {
    expect(isHandshake(['chsk/handshake', ['u', null, null]])).toBe(true);
    expect(isHandshake([kw('chsk/handshake'), ['u', null, null]])).toBe(true);
    expect(isHandshake([kw('chsk/handshake')])).toBe(false);
    expect(isHandshake([[kw('chsk/handshake'), 1]])).toBe(false);
    expect(isHandshake(kw('chsk/handshake'))).toBe(false);
    expect(isHandshake([kw('chsk/timeout'), null])).toBe(false);
  });
});

describe('other protocol names', () => {
  it('reserves the chsk/ and sente/ namespaces only', () => {
    expect(isReservedId('chsk/anything')).toBe(true);
    expect(isReservedId('sente/x')).toBe(true);
    expect(isReservedId('chsky/x')).toBe(false);
    expect(isReservedId('app/chsk')).toBe(false);
    expect(isReservedId('my-app/ev')).toBe(false);
  });

  it('names the request parameters as Sente does', () => {
    expect(WIRE).toMatchObject({ clientId: 'client-id', csrfToken: 'csrf-token', handshake: 'handshake?', binary: 'binary?', ppstr: 'ppstr', udt: 'udt' });
  });
});

describe('the handshake extensions (sente-ext)', () => {
  it('round-trip through every packer as a 4th element, and are absent otherwise', () => {
    for (const packer of [jsonPacker, keywordPacker]) {
      const [content] = packer.unpack(packer.pack(handshakeEnvelope('alice', null, { v: 1, maxPayloadBytes: 1000 }))) as [unknown, unknown];
      expect(readHandshake(content as readonly [unknown, unknown]).ext).toEqual({ v: 1, maxPayloadBytes: 1000 });
      const [plain] = packer.unpack(packer.pack(handshakeEnvelope('alice', null))) as [unknown, unknown];
      expect(readHandshake(plain as readonly [unknown, unknown]).ext).toBeUndefined();
    }
  });

  it('reads a Map with keyword keys, and ignores an extension without a version', () => {
    const m = new Map<unknown, unknown>([[kw('v'), 1], [kw('maxPayloadBytes'), 5]]);
    expect(readHandshake([kw('chsk/handshake'), ['u', null, null, m]]).ext).toEqual({ v: 1, maxPayloadBytes: 5 });
    expect(readHandshake([kw('chsk/handshake'), ['u', null, null, { maxPayloadBytes: 5 }]]).ext).toBeUndefined();
    expect(readHandshake([kw('chsk/handshake'), ['u', null, null, { v: 1, maxPayloadBytes: -1 }]]).ext?.maxPayloadBytes).toBeUndefined();
  });
});
