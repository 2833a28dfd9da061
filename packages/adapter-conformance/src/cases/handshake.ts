import { expect, it } from 'vitest';
import { CHSK, EXT_VERSION, WIRE, isHandshake, kw, readHandshake } from '@sente/core';
import { CASE_TIMEOUT_MS } from './context.js';
import type { CaseContext } from './context.js';
import type { Packed } from '@sente/core';
import type { Transport } from '../peer.js';
import type { TestServer } from '../harness.js';

/** The handshake payload on `transport`: the first WebSocket frame, or the answer to the handshake GET. */
async function handshakeOf(t: TestServer, transport: Transport, params: Record<string, string>): Promise<Packed> {
  if (transport === 'ajax') return (await t.ajax({ params }).handshake()).body;
  const hs = (await t.ws({ params })).handshake;
  // Text packers go as text frames, binary ones as binary frames.
  expect(hs.binary).toBe(t.wire.packer.binary);
  return hs.raw;
}

/** The handshake: Sente's first message, on either transport (protocol §3.4–3.6). */
export function handshakeCases({ harness, wire }: CaseContext, transport: Transport): void {
  it('handshakes with the uid from userId and the data from handshakeData', async () => {
    const t = await harness.start({ handshakeData: (req) => ({ greeting: 'hello', uid: req.query['uid'] ?? null }) });
    const raw = await handshakeOf(t, transport, { uid: 'alice' });
    expect(wire.packer.unpack(raw)).toEqual(wire.handshake('alice', { greeting: 'hello', uid: 'alice' }));
  }, CASE_TIMEOUT_MS);

  it('handshakes a client without a uid as sente/nil-uid, with nil handshake data', async () => {
    const t = await harness.start();
    const raw = await handshakeOf(t, transport, {});
    expect(wire.packer.unpack(raw)).toEqual(wire.handshake('sente/nil-uid', null));
  }, CASE_TIMEOUT_MS);

  it('adds the extensions as a 4th element, with the server’s maxPayloadBytes, for a client that asks with sente-ext=1', async () => {
    const t = await harness.start({ maxPayloadBytes: 12_345 });
    const raw = await handshakeOf(t, transport, { uid: 'alice', [WIRE.ext]: String(EXT_VERSION) });
    const { content, cbId } = wire.decode(raw);
    expect(cbId).toBeNull();
    if (!isHandshake(content)) throw new Error('Not a handshake');
    const parts = content[1] as unknown[];
    expect(parts).toHaveLength(4);
    expect(parts.slice(0, 3)).toEqual(wire.canonical(['alice', null, null]));
    // Extensions may add fields; these two are the contract.
    expect(readHandshake(content)).toMatchObject({ uid: 'alice', handshakeData: null, ext: { v: EXT_VERSION, maxPayloadBytes: 12_345 } });
  }, CASE_TIMEOUT_MS);

  it('sends Sente’s 3-element handshake, byte for byte, to a client that does not ask for the extensions', async () => {
    const t = await harness.start({ handshakeData: () => ({ greeting: 'hello' }) });
    const raw = await handshakeOf(t, transport, { uid: 'alice' });
    // What Sente's server sends, packed by the same packer: a Clojure client sees nothing new.
    expect(raw).toEqual(wire.packer.pack([[kw(CHSK.handshake), ['alice', null, { greeting: 'hello' }]], null]));
    const { content } = wire.decode(raw);
    expect(isHandshake(content) && readHandshake(content).ext).toBeUndefined();
  }, CASE_TIMEOUT_MS);
}
