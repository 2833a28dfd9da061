import { TcpConversation } from '../net/tcp-conversation.js';
import { RawTcpWebSocket, encodeFrame, OPCODES } from '../net/raw-ws.js';
import { httpRequest } from '../net/raw-http.js';
import { CSRF_TOKEN, GOOD_ORIGIN } from '../server/protocol.js';
import { delay } from '../conformance-clients.js';
import type { Rng } from '../rng.js';

const MODES = ['headers', 'body', 'ws-frame'] as const;

/**
 * One slowloris connection, bounded: it trickles a request head, a POST
 * body or a WebSocket frame a byte every `gapMs`, for at most `boundMs`.
 * Gives `cut by server` when the server ended it first, else `held to bound`
 * (then it is dropped).
 */
export async function slowloris(rng: Rng, port: number, clientId: string, boundMs: number, gapMs: number): Promise<{ kind: string; answer: string }> {
  const kind = rng.pick(MODES);
  let c: TcpConversation;
  let bytes: Buffer;
  let ws: RawTcpWebSocket | undefined;
  if (kind === 'ws-frame') {
    ws = await RawTcpWebSocket.upgrade(port, `/chsk?${new URLSearchParams({ uid: 'slowloris', 'client-id': clientId, 'csrf-token': CSRF_TOKEN }).toString()}`, { origin: GOOD_ORIGIN });
    if (!ws.accepted) {
      ws.destroy();
      return { kind, answer: `upgrade ${ws.status}` };
    }
    c = ws.conversation;
    bytes = encodeFrame({ opcode: OPCODES.text, payload: Buffer.alloc(2000, 0x20) });
  } else {
    c = await TcpConversation.open(port);
    const body = `udt=1&client-id=${clientId}&ppstr=${'%20'.repeat(2000)}`;
    bytes = httpRequest('POST', '/chsk', { origin: GOOD_ORIGIN, 'x-csrf-token': CSRF_TOKEN, 'content-type': 'application/x-www-form-urlencoded' }, body);
    if (kind === 'body') {
      const split = bytes.indexOf('\r\n\r\n') + 4;
      c.write(bytes.subarray(0, split));
      bytes = bytes.subarray(split);
    }
  }
  const end = Date.now() + boundMs;
  try {
    for (let i = 0; i < bytes.length && Date.now() < end; i++) {
      if (c.end !== 'open') return { kind, answer: 'cut by server' };
      c.write(bytes.subarray(i, i + 1));
      await delay(gapMs);
    }
    return { kind, answer: c.end === 'open' ? 'held to bound' : 'cut by server' };
  } finally {
    c.destroy();
  }
}
