import type { WireEvent } from './event.js';
import type { Transport } from './client-conn.js';
import type { Timer, Timers } from './timers.js';

/**
 * The pushes buffered for one uid on one transport during a batching window.
 * `only[i]` is the client id event `i` is for (sends to one client), or
 * undefined for all of the uid's clients; `only` stays undefined until a
 * send to one client needs it, so the common case allocates nothing more.
 */
export interface Batch {
  readonly events: WireEvent[];
  only: (string | undefined)[] | undefined;
  /** `offsets[i]` is event `i`'s offset in the uid's push log (null when it was not logged). */
  offsets: (number | null)[] | undefined;
  readonly timer: Timer;
}

/** The timer of a batch that waits for the shared end-of-turn flush. */
const NO_TIMER: Timer = { cancel() {} };

/**
 * Server-push batching (Sente's send buffers), per uid and transport, with a
 * leading edge: a push after a quiet period (no batch sent to that uid on
 * that transport for `windowMs`) goes out at once — at the end of the current
 * turn of the event loop, with whatever else was pushed to the uid in that
 * turn. Pushes that follow within `windowMs` of a batch wait for the window
 * to close and go out together. So a lone push costs no latency and a burst
 * is still sent as few frames. A batch is flushed whole, in push order, and
 * only one batch per uid and transport is ever open.
 */
export class SendBuffers {
  private readonly batches = { ws: new Map<string, Batch>(), ajax: new Map<string, Batch>() };
  /** When each uid's last batch went out, per transport: the start of its current window. */
  private readonly sentAt = { ws: new Map<string, number>(), ajax: new Map<string, number>() };
  /** The batches that go out at the end of this turn (leading edges), in the order they opened: one timer for all. */
  private due: [Transport, string, Batch][] = [];
  private dueTimer: Timer | undefined;

  constructor(
    private readonly timers: Timers,
    private readonly windowMs: Readonly<Record<Transport, number>>,
    private readonly flush: (transport: Transport, uid: string, batch: Batch) => void,
  ) {}

  /** Buffers `event` for `uid` (for one client when `clientId` is given). */
  push(transport: Transport, uid: string, event: WireEvent, clientId: string | undefined, offset: number | undefined): void {
    let b = this.batches[transport].get(uid);
    if (b === undefined) {
      const delay = this.delay(transport, uid);
      const timer = delay > 0 ? this.timers.set(() => this.take(transport, uid), delay) : NO_TIMER;
      b = { events: [], only: undefined, offsets: undefined, timer };
      this.batches[transport].set(uid, b);
      if (delay === 0) this.soon(transport, uid, b);
    }
    if (clientId !== undefined && b.only === undefined) b.only = new Array<string | undefined>(b.events.length).fill(undefined);
    if (offset !== undefined && b.offsets === undefined) b.offsets = new Array<number | null>(b.events.length).fill(null);
    b.events.push(event);
    b.only?.push(clientId);
    b.offsets?.push(offset ?? null);
  }

  /** Flushes `uid`'s batch on `transport` now, if there is one. */
  take(transport: Transport, uid: string): void {
    const b = this.batches[transport].get(uid);
    if (b === undefined) return;
    this.batches[transport].delete(uid);
    this.sentAt[transport].set(uid, this.timers.now());
    b.timer.cancel();
    this.flush(transport, uid, b);
  }

  /** Drops `uid`'s batch on `transport` unsent (its last client is gone). */
  drop(transport: Transport, uid: string): void {
    this.sentAt[transport].delete(uid);
    const b = this.batches[transport].get(uid);
    if (b === undefined) return;
    this.batches[transport].delete(uid);
    b.timer.cancel();
  }

  /** Flushes every batch now. */
  takeAll(): void {
    for (const t of ['ws', 'ajax'] as const) for (const uid of [...this.batches[t].keys()]) this.take(t, uid);
    this.dueTimer?.cancel();
    this.dueTimer = undefined;
    this.due = [];
  }

  /** Number of batches waiting. */
  get size(): number {
    return this.batches.ws.size + this.batches.ajax.size;
  }

  /** Queues a leading-edge batch for the end of this turn; a broadcast to many uids sets one timer, not one per uid. */
  private soon(transport: Transport, uid: string, batch: Batch): void {
    this.due.push([transport, uid, batch]);
    this.dueTimer ??= this.timers.set(() => {
      this.dueTimer = undefined;
      const due = this.due;
      this.due = [];
      // A batch flushed or dropped meanwhile is gone (or another one, with its own window, took its place).
      for (const [t, u, b] of due) if (this.batches[t].get(u) === b) this.take(t, u);
    }, 0);
  }

  /** How long a new batch waits: 0 after a quiet period, else until the window of the last batch closes. */
  private delay(transport: Transport, uid: string): number {
    const at = this.sentAt[transport].get(uid);
    if (at === undefined) return 0;
    const wait = at + this.windowMs[transport] - this.timers.now();
    if (wait > 0) return wait;
    // Quiet for a whole window: the entry is no longer needed.
    this.sentAt[transport].delete(uid);
    return 0;
  }
}
