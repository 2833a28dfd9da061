import { RawAjaxClient, Wire, delay } from '../conformance-clients.js';
import { RawTcpWebSocket, OPCODES } from '../net/raw-ws.js';
import { CSRF_TOKEN, GOOD_ORIGIN } from '../server/protocol.js';
import type { ServerProcess } from '../server/child-process.js';
import type { ProcessSample } from '../server/protocol.js';

/** What a slow consumer cost the server. */
export interface SlowConsumerResult {
  /** Bytes of pushes sent to it. */
  readonly pushedBytes: number;
  /** Heap plus external memory held above the baseline, after a forced GC, while it did not read. */
  readonly heldBytes: number;
  /** `close <code>` when the server closed it, else `never closed` / `dropped`. */
  readonly answer: string;
  /** Pushes that arrived once it read again. */
  readonly delivered: number;
  /** The socket was still open once drained, but the server no longer counted it. */
  readonly openUntracked: boolean;
}

const held = (s: ProcessSample, base: ProcessSample): number => Math.max(0, s.heapUsedBytes + s.externalBytes - base.heapUsedBytes - base.externalBytes);

/**
 * A WebSocket client that never reads: the server pushes `count` events of
 * `bytes` each to its uid; what does it hold, and does it close the socket?
 */
export async function slowWsConsumer(proc: ServerProcess, key: string, uid: string, count: number, bytes: number): Promise<SlowConsumerResult> {
  const base = await proc.sample();
  const wsBefore = base.servers[key]?.stats['wsClients'] ?? 0;
  const q = new URLSearchParams({ uid, 'client-id': `${uid}-c`, 'csrf-token': CSRF_TOKEN });
  const ws = await RawTcpWebSocket.upgrade(proc.port(key), `/chsk?${q.toString()}`, { origin: GOOD_ORIGIN });
  try {
    if (!ws.accepted) return { pushedBytes: 0, heldBytes: 0, answer: `upgrade ${ws.status}`, delivered: 0, openUntracked: false };
    await ws.frame(() => true, 3000);
    ws.conversation.socket.pause();
    await proc.send({ key, uid, id: 'slow/push', count, bytes, flush: true });
    await delay(1500);
    const during = await proc.sample();
    ws.conversation.socket.resume();
    // Read until the server closes, or until everything pushed has been drained.
    await ws.conversation.wait(() => ws.read().some((f) => f.opcode === OPCODES.close) || ws.conversation.received.length >= count * bytes, 8000);
    const close = ws.read().find((f) => f.opcode === OPCODES.close);
    const answer = close ? `close ${close.payload.length >= 2 ? close.payload.readUInt16BE(0) : '(no code)'}` : ws.conversation.end !== 'open' ? 'dropped' : 'never closed';
    const after = (await proc.stats())[key];
    const marker = Buffer.from('slow/push');
    let delivered = 0;
    for (const f of ws.read()) for (let i = f.payload.indexOf(marker); i >= 0; i = f.payload.indexOf(marker, i + 1)) delivered++;
    const openUntracked = close === undefined && ws.conversation.end === 'open' && (after?.stats['wsClients'] ?? 0) <= wsBefore;
    return { pushedBytes: count * bytes, heldBytes: held(during, base), answer, delivered, openUntracked };
  } finally {
    ws.destroy();
  }
}

/**
 * An Ajax client that polls only every `gapMs` while `count` pushes of
 * `bytes` each queue for it: what does the server hold between polls?
 */
export async function slowPoller(proc: ServerProcess, key: string, wire: Wire, uid: string, count: number, bytes: number, gapMs: number): Promise<SlowConsumerResult> {
  const base = await proc.sample();
  const c = new RawAjaxClient(proc.url(key), wire, { params: { uid }, csrfToken: CSRF_TOKEN, headers: { origin: GOOD_ORIGIN } });
  await c.handshake();
  await proc.send({ key, uid, id: 'slow/push', count, bytes, flush: false });
  await delay(Math.min(gapMs, 1500));
  const during = await proc.sample();
  let received = 0;
  for (let i = 0; i < 50 && received < count; i++) {
    const a = await c.get();
    if (a.status !== 200) break;
    try {
      received += wire.pushedEvents(a.body).length;
    } catch {
      // chsk/timeout: nothing more is queued (what passed the server's bound was dropped, and reported).
      break;
    }
  }
  await c.stopPolling();
  return { pushedBytes: count * bytes, heldBytes: held(during, base), answer: `${received}/${count} delivered`, delivered: received, openUntracked: false };
}
