import { TcpConversation } from '../net/tcp-conversation.js';
import { RawTcpWebSocket, encodeFrame, OPCODES } from '../net/raw-ws.js';
import { httpRequest } from '../net/raw-http.js';
import { CSRF_TOKEN, GOOD_ORIGIN } from '../server/protocol.js';
import { delay } from '../conformance-clients.js';
import { kw } from '@sente/core';
import type { Packer } from '@sente/core';
import type { Rng } from '../rng.js';

const KINDS = ['post-mid-body', 'ws-mid-frame', 'post-awaiting-reply', 'poll-parked'] as const;

/**
 * A client killed mid-request: the TCP connection is reset in the middle of
 * a POST body, of a WebSocket frame, while a POST waits for its reply, or
 * while a long-poll is parked. Gives the kind.
 */
export async function killMidRequest(rng: Rng, port: number, clientId: string, packer: Packer): Promise<string> {
  const kind = rng.pick(KINDS);
  if (kind === 'ws-mid-frame') {
    const ws = await RawTcpWebSocket.upgrade(port, `/chsk?${new URLSearchParams({ uid: 'killed', 'client-id': clientId, 'csrf-token': CSRF_TOKEN }).toString()}`, { origin: GOOD_ORIGIN });
    if (ws.accepted) {
      await ws.frame(() => true, 2000);
      const p = packer.pack([[kw('good/echo'), 'y'.repeat(rng.range(100, 5000))], 'cb1']);
      const frame = encodeFrame({ opcode: packer.binary ? OPCODES.binary : OPCODES.text, payload: typeof p === 'string' ? Buffer.from(p) : p });
      ws.write(frame.subarray(0, rng.range(1, frame.length - 1)));
      await delay(rng.range(0, 20));
    }
    ws.destroy();
    return kind;
  }
  const c = await TcpConversation.open(port);
  if (kind === 'poll-parked') {
    c.write(httpRequest('GET', `/chsk?${new URLSearchParams({ 'client-id': clientId, udt: '1' }).toString()}`, { origin: GOOD_ORIGIN, 'x-csrf-token': CSRF_TOKEN }));
    await delay(rng.range(5, 60));
    c.destroy();
    return kind;
  }
  const packed = packer.pack([[kw(kind === 'post-awaiting-reply' ? 'good/slow' : 'good/echo'), 'z'.repeat(rng.range(10, 3000))], 'ajax']);
  const headers = { origin: GOOD_ORIGIN, 'x-csrf-token': CSRF_TOKEN };
  const req =
    typeof packed === 'string'
      ? httpRequest('POST', '/chsk', { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, new URLSearchParams({ udt: '1', 'client-id': clientId, ppstr: packed }).toString())
      : httpRequest('POST', `/chsk?${new URLSearchParams({ udt: '1', 'client-id': clientId, 'binary?': 'true' }).toString()}`, { ...headers, 'content-type': 'application/octet-stream' }, packed);
  const head = req.indexOf('\r\n\r\n') + 4;
  if (kind === 'post-mid-body') c.write(req.subarray(0, head + rng.int(Math.max(1, req.length - head - 1))));
  else c.write(req);
  await delay(rng.range(1, 40));
  c.destroy();
  return kind;
}
