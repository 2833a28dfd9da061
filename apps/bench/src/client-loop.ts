/**
 * A client's own cost per round trip, in one process and without a network:
 * `@sente/client` (`request`, as the `client-ws-*` scenarios call it) or a
 * bare client on the same wire (a message id on every request), each against
 * a fake socket that answers every frame through `setImmediate`. Both pay the
 * same fake server and event loop, so their difference is the client's.
 *
 *   node --import tsx src/client-loop.ts sente|bare [round trips]    default 300000
 *
 * It prints wall and CPU µs per round trip. Instructions per round trip,
 * repeatable whatever else the machine does: run it under
 * `valgrind --tool=callgrind --callgrind-out-file=/dev/null` with 2000 and
 * with 42000 round trips, and divide the difference of the two "Collected"
 * totals by 40000 (the start-up and the warm-up cancel out). Give `node`
 * `--single-threaded` for steadier counts: callgrind counts every thread,
 * and V8's compiler threads run when they will. `--perf-basic-prof` writes
 * the map (`/tmp/perf-<pid>.map`) that names the JIT code's addresses in
 * callgrind's output.
 */
import { createSenteClient } from '@sente/client';
import { handshakeEnvelope } from '@sente/core';
import type { WebSocketConstructor } from '@sente/client';

const mode = process.argv[2] ?? 'sente';
const roundTrips = Number(process.argv[3] ?? 300_000);
if (mode !== 'sente' && mode !== 'bare') throw new Error(`mode must be sente or bare, not ${mode}`);
if (!Number.isInteger(roundTrips) || roundTrips < 1 || roundTrips > 10_000_000) throw new Error('round trips: 1 to 10,000,000');

const WARM_UP = 20_000;
const DATA = { text: 'x'.repeat(60), n: 1 };

type OnMessage = ((ev: { data: string }) => void) | null;

/** A WebSocket whose server answers each request `[[id data] cbId ...]` with `[data cbId]` on the next turn of the loop. */
class FakeWebSocket {
  static readonly OPEN = 1;
  readyState = 0;
  binaryType = 'blob';
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: OnMessage = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;

  constructor(readonly url: string) {
    setImmediate(() => {
      this.readyState = 1;
      this.onopen?.({});
      const ext = { v: 1, maxPayloadBytes: 1 << 20, maxPostEvents: 100, epoch: 'e', offset: 0 };
      this.onmessage?.({ data: JSON.stringify([handshakeEnvelope('u1', null, ext)[0]]) });
    });
  }

  send(frame: string): void {
    const [event, cbId] = JSON.parse(frame) as [[string, unknown], string];
    const reply = JSON.stringify([event[1], cbId]);
    setImmediate(() => this.onmessage?.({ data: reply }));
  }

  close(): void {}
}

async function senteClient(): Promise<() => Promise<unknown>> {
  const client = createSenteClient('http://127.0.0.1:1/chsk', null, { type: 'ws', WebSocket: FakeWebSocket as unknown as WebSocketConstructor });
  await new Promise<void>((resolve) => client.on('handshake', () => resolve()));
  return () => client.request(['echo/x', DATA], 30_000);
}

async function bareClient(): Promise<() => Promise<unknown>> {
  const ws = new FakeWebSocket('ws://127.0.0.1:1/chsk');
  const waiting = new Map<string, (reply: unknown) => void>();
  let next = 0;
  await new Promise<void>((resolve) => {
    ws.onmessage = () => resolve();
  });
  ws.onmessage = (ev) => {
    const [content, cbId] = JSON.parse(ev.data) as [unknown, string];
    const done = waiting.get(cbId);
    waiting.delete(cbId);
    done?.(content);
  };
  return () =>
    new Promise((resolve) => {
      const cbId = String(next++);
      waiting.set(cbId, resolve);
      ws.send(JSON.stringify([['echo/x', DATA], cbId, { m: `abcdefghijkl${cbId}` }]));
    });
}

const roundTrip = mode === 'sente' ? await senteClient() : await bareClient();
for (let i = 0; i < WARM_UP; i++) await roundTrip();
const cpu = process.cpuUsage();
const start = process.hrtime.bigint();
for (let i = 0; i < roundTrips; i++) await roundTrip();
const wallUs = Number(process.hrtime.bigint() - start) / 1e3;
const used = process.cpuUsage(cpu);
console.log(`${mode}: ${(wallUs / roundTrips).toFixed(3)} µs wall, ${((used.user + used.system) / roundTrips).toFixed(3)} µs CPU per round trip (${roundTrips})`);
process.exit(0);
