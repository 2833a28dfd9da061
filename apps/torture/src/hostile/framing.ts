import { RawTcpWebSocket, OPCODES, closePayload, encodeFrame } from '../net/raw-ws.js';
import { CSRF_TOKEN, GOOD_ORIGIN } from '../server/protocol.js';
import type { FrameSpec } from '../net/raw-ws.js';
import type { Rng } from '../rng.js';

/** A raw framing attack: the bytes written after the upgrade, and its sub-class. */
export interface FramingCase {
  readonly kind: string;
  readonly bytes: Buffer;
}

const FRAMING_KINDS = [
  'bad-opcode',
  'rsv-bits',
  'unmasked',
  'bad-close-code',
  'fragmented-control',
  'oversized-control',
  'orphan-continuation',
  'interleaved-data',
  'invalid-utf8-text',
  'length-lie',
  'huge-length',
  'garbage-bytes',
  'valid-fragmented',
] as const;

const text = (s: string): Buffer => Buffer.from(s, 'utf8');

/** Draws one framing attack; `event` is a well-formed event payload of the server's packer, as text. */
export function framingCase(rng: Rng, event: Buffer, binary: boolean): FramingCase {
  const kind = rng.pick(FRAMING_KINDS);
  const dataOp = binary ? OPCODES.binary : OPCODES.text;
  const one = (spec: FrameSpec): FramingCase => ({ kind, bytes: encodeFrame(spec) });
  switch (kind) {
    case 'bad-opcode':
      return one({ opcode: rng.pick([3, 4, 5, 6, 7, 11, 12, 13, 14, 15]), payload: event });
    case 'rsv-bits':
      return one({ opcode: dataOp, rsv: rng.range(1, 7), payload: event });
    case 'unmasked':
      return one({ opcode: rng.pick([dataOp, OPCODES.ping, OPCODES.close]), payload: event.subarray(0, 100), mask: false });
    case 'bad-close-code': {
      const code = rng.pick([0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535]);
      const payload = rng.pick([closePayload(code), Buffer.of(0x03), Buffer.concat([closePayload(1000), Buffer.of(0xff, 0xfe)]), closePayload(1000, 'x'.repeat(124))]);
      return one({ opcode: OPCODES.close, payload });
    }
    case 'fragmented-control':
      return one({ opcode: rng.pick([OPCODES.ping, OPCODES.pong, OPCODES.close]), fin: false, payload: text('frag') });
    case 'oversized-control':
      return one({ opcode: rng.pick([OPCODES.ping, OPCODES.pong]), payload: Buffer.alloc(rng.range(126, 4000), 0x61) });
    case 'orphan-continuation':
      return one({ opcode: OPCODES.continuation, payload: event });
    case 'interleaved-data': {
      const half = Math.max(1, event.length >> 1);
      return {
        kind,
        bytes: Buffer.concat([
          encodeFrame({ opcode: dataOp, fin: false, payload: event.subarray(0, half) }),
          encodeFrame({ opcode: dataOp, payload: event }),
        ]),
      };
    }
    case 'invalid-utf8-text':
      return one({ opcode: OPCODES.text, payload: Buffer.concat([event.subarray(0, 4), rng.pick([Buffer.of(0xc0, 0x80), Buffer.of(0xff, 0x80), Buffer.of(0xed, 0xa0, 0x80), Buffer.of(0xf8, 0x88, 0x80, 0x80)]), event.subarray(4)]) });
    case 'length-lie': {
      // Announces more than is sent, then stops: the server must wait or time out, never misread.
      const frame = encodeFrame({ opcode: dataOp, payload: event, announcedLength: event.length + rng.range(1, 100) });
      return { kind, bytes: frame };
    }
    case 'huge-length':
      return one({ opcode: dataOp, payload: Buffer.alloc(0), announcedLength: rng.pick([2n ** 63n - 1n, 2n ** 40n, 2n ** 32n, 70_000_000n]), lengthEncoding: 64 });
    case 'garbage-bytes':
      return { kind, bytes: Buffer.from(rng.bytes(rng.range(1, 64))) };
    case 'valid-fragmented': {
      const parts = rng.range(2, 6);
      const size = Math.ceil(event.length / parts);
      const frames: Buffer[] = [];
      for (let i = 0; i < parts; i++) {
        frames.push(encodeFrame({ opcode: i === 0 ? dataOp : OPCODES.continuation, fin: i === parts - 1, payload: event.subarray(i * size, (i + 1) * size) }));
      }
      return { kind, bytes: Buffer.concat(frames) };
    }
  }
}

/**
 * Runs one framing attack on a fresh raw socket: upgrade, wait for the
 * handshake frame, write the attack, then a ping whose pong proves the socket
 * still works. Gives `open`, `close <code>`, `dropped`, or `hang`.
 */
export async function runFramingCase(port: number, uid: string, clientId: string, c: FramingCase, deadlineMs: number): Promise<string> {
  const q = new URLSearchParams({ uid, 'client-id': clientId, 'csrf-token': CSRF_TOKEN });
  const ws = await RawTcpWebSocket.upgrade(port, `/chsk?${q.toString()}`, { origin: GOOD_ORIGIN }, deadlineMs);
  try {
    if (!ws.accepted) return `upgrade ${ws.status}`;
    await ws.frame(() => true, deadlineMs);
    ws.write(c.bytes);
    // A frame announcing more than it sends holds the server waiting for the rest (which the ping then feeds):
    // silence is the right answer, so it is waited for briefly and named as such. Random bytes may read as
    // such a header too.
    const lie = c.kind === 'length-lie' || c.kind === 'huge-length' || c.kind === 'garbage-bytes';
    if (lie) deadlineMs = Math.min(deadlineMs, 100);
    const token = text(`probe-${clientId}`);
    ws.send({ opcode: OPCODES.ping, payload: token });
    const end = Date.now() + deadlineMs;
    const pong = await ws.frame((f) => (f.opcode === OPCODES.pong && f.payload.equals(token)) || f.opcode === OPCODES.close, deadlineMs);
    if (pong?.opcode === OPCODES.pong) return 'open';
    const outcome = await ws.outcome(Math.max(0, end - Date.now()));
    if (outcome === 'open') return lie ? 'waiting' : 'hang';
    return outcome;
  } finally {
    ws.destroy();
  }
}
