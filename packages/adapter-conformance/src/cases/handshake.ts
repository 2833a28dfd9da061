import { expect, it } from 'vitest';
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
}
