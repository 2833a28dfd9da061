import { RawAjaxClient, Wire, delay } from '../conformance-clients.js';
import { RawTcpWebSocket, OPCODES } from '../net/raw-ws.js';
import type { ServerFrame } from '../net/raw-ws.js';
import { delta } from '../report/tally.js';
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
  /** The pushes it received came in the order they were sent, none twice. */
  readonly inOrder: boolean;
  /** `onError` codes the server reported during the case, and how often. */
  readonly errors: Record<string, number>;
}

/** Longer than the faults' keep-alive takes to close a socket that answers no ping (a 1 s check, then 1 s). */
const KEEPALIVE_CLOSE_WAIT_MS = 3000;

const held = (s: ProcessSample, base: ProcessSample): number => Math.max(0, s.heapUsedBytes + s.externalBytes - base.heapUsedBytes - base.externalBytes);

/**
 * A WebSocket client that never reads: the server pushes `count` events of
 * `bytes` each to its uid; what does it hold, and does it close the socket?
 * It reads again after about 1.5 s (plus the time a memory sample takes),
 * far within the 30 s every adapter gives a closed socket to take what it
 * was sent and the close frame.
 */
export async function slowWsConsumer(proc: ServerProcess, key: string, wire: Wire, uid: string, count: number, bytes: number): Promise<SlowConsumerResult> {
  const base = await proc.sample();
  const errorsBefore = (await proc.seen())[key]?.errors ?? {};
  const wsBefore = base.servers[key]?.stats['wsClients'] ?? 0;
  const q = new URLSearchParams({ uid, 'client-id': `${uid}-c`, 'csrf-token': CSRF_TOKEN });
  const ws = await RawTcpWebSocket.upgrade(proc.port(key), `/chsk?${q.toString()}`, { origin: GOOD_ORIGIN });
  try {
    if (!ws.accepted) return { pushedBytes: 0, heldBytes: 0, answer: `upgrade ${ws.status}`, delivered: 0, openUntracked: false, inOrder: true, errors: {} };
    await ws.frame(() => true, 3000);
    ws.conversation.socket.pause();
    await proc.send({ key, uid, id: 'slow/push', count, bytes, flush: true });
    await delay(1500);
    const during = await proc.sample();
    ws.conversation.socket.resume();
    // Read until the server closes, or until everything pushed has been drained. The reader answers WebSocket
    // pings (not Sente's keep-alive): @sente/uws sends the close frame of a slow reader on the pong of its ping.
    const closed = (): boolean => {
      ws.answerPings();
      return ws.read().some((f) => f.opcode === OPCODES.close);
    };
    await ws.conversation.wait(() => closed() || ws.conversation.received.length >= count * bytes, 8000);
    // Everything arrived: the keep-alive, whose pings this reader never answers, may be closing it (4000); see it do so.
    if (!closed() && ws.conversation.end === 'open') await ws.conversation.wait(closed, KEEPALIVE_CLOSE_WAIT_MS);
    const close = ws.read().find((f) => f.opcode === OPCODES.close);
    const answer = close ? `close ${close.payload.length >= 2 ? close.payload.readUInt16BE(0) : '(no code)'}` : ws.conversation.end !== 'open' ? 'dropped' : 'never closed';
    const after = (await proc.stats())[key];
    const numbers = pushNumbers(wire, ws.read());
    const openUntracked = close === undefined && ws.conversation.end === 'open' && (after?.stats['wsClients'] ?? 0) <= wsBefore;
    const errors = delta((await proc.seen())[key]?.errors ?? {}, errorsBefore);
    const inOrder = numbers.every((n, i) => i === 0 || n > (numbers[i - 1] as number));
    return { pushedBytes: count * bytes, heldBytes: held(during, base), answer, delivered: numbers.length, openUntracked, inOrder, errors };
  } finally {
    ws.destroy();
  }
}

/** The numbers of the `slow/push` events in the server's frames, in the order they came. */
function pushNumbers(wire: Wire, frames: readonly ServerFrame[]): number[] {
  const out: number[] = [];
  for (const f of frames) {
    if (f.opcode !== OPCODES.text && f.opcode !== OPCODES.binary) continue;
    let events;
    try {
      events = wire.pushedEvents(f.opcode === OPCODES.text ? f.payload.toString('utf8') : new Uint8Array(f.payload));
    } catch {
      continue; // the handshake, a keep-alive ping
    }
    for (const e of events) if (e[0] === 'slow/push') out.push(Number((e[1] as unknown[])[0]));
  }
  return out;
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
  return { pushedBytes: count * bytes, heldBytes: held(during, base), answer: `${received}/${count} delivered`, delivered: received, openUntracked: false, inOrder: true, errors: {} };
}

/**
 * Judges a never-reading WebSocket by what docs/reference/protocol.md
 * promises a slow reader. The server holds a bounded part of what it was
 * pushed (here: at most half), and then one of:
 * - `close 1013`: its queue passed `maxQueuedBytes` or `maxQueuedBatches`
 *   (reported `ERR_SENTE_QUEUE_OVERFLOW`);
 * - `close 4000`: it answered no keep-alive ping (`ERR_SENTE_KEEPALIVE_TIMEOUT`);
 * - no close, and every push delivered: the network's own buffers took them all;
 * the pushes it received in the order they were sent. The close frame goes
 * after what the socket already held, and every adapter gives a closed socket
 * 30 s to take that (`ws`'s close timeout; `@sente/uws` holds the close frame
 * until uWS's buffer drains and the reader answers a ping sent behind it, for
 * as long). Only a reader silent for longer is
 * dropped without a close frame, and this one reads again within seconds — so
 * the verdict does not depend on how fast the machine is.
 * Gives what went wrong, or `undefined`.
 */
export function slowConsumerProblem(r: SlowConsumerResult, count: number): string | undefined {
  if (r.heldBytes > r.pushedBytes / 2) return `the server held ${r.heldBytes} of ${r.pushedBytes} bytes pushed`;
  if (!r.inOrder) return 'pushes out of order or repeated';
  if (r.answer === 'close 1013' && (r.errors['ERR_SENTE_QUEUE_OVERFLOW'] ?? 0) > 0) return undefined;
  if (r.answer === 'close 4000' && (r.errors['ERR_SENTE_KEEPALIVE_TIMEOUT'] ?? 0) > 0) return undefined;
  if (r.delivered === count) return undefined;
  return `${r.answer} with ${r.delivered}/${count} pushes delivered (server reported ${JSON.stringify(r.errors)})`;
}
