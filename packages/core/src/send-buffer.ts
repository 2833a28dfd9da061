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
  readonly transport: Transport;
  readonly uid: string;
  /** The events of the open batch (a new array each time the batch opens: a sent one is never changed). */
  events: WireEvent[];
  only: (string | undefined)[] | undefined;
  /** `offsets[i]` is event `i`'s offset in the uid's push log (null when it was not logged). */
  offsets: (number | null)[] | undefined;
  /** When its wave is due (-1: the end of this turn); NaN once it left its wave. */
  due: number;
  /** True while it holds pushes not sent yet. */
  open: boolean;
  /** When its last batch went out (the start of its window); -Infinity before the first. */
  sentAt: number;
}

/** The events of a closed batch. */
const NO_EVENTS: WireEvent[] = [];

/** Adds `event` to the open batch `b`. */
function append(b: Batch, event: WireEvent, clientId: string | undefined, offset: number | undefined): void {
  if (clientId !== undefined && b.only === undefined) b.only = new Array<string | undefined>(b.events.length).fill(undefined);
  if (offset !== undefined && b.offsets === undefined) b.offsets = new Array<number | null>(b.events.length).fill(null);
  b.events.push(event);
  b.only?.push(clientId);
  b.offsets?.push(offset ?? null);
}

/**
 * The batches that go out at the same time, with the one timer that sends
 * them: a broadcast's batches (one per uid) wait in a few waves, not behind a
 * timer each. A batch flushed or dropped before its wave leaves it (counted
 * in `live`); a wave left with none cancels its timer.
 */
interface Wave {
  /** When it is due (-1: the end of the turn it was made in). */
  readonly due: number;
  readonly batches: Batch[];
  live: number;
  timer: Timer | undefined;
}

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
  /**
   * Each uid's batch, per transport, kept from one window to the next while
   * the uid has clients there (so a broadcast changes no Map): open while it
   * holds pushes, and with the time its last batch went out.
   */
  private readonly batches = { ws: new Map<string, Batch>(), ajax: new Map<string, Batch>() };
  /** Open batches. */
  private openCount = 0;
  /** Each batch's wave, by the time it is due (the end-of-turn wave is due at -1). */
  private readonly waves = new Map<number, Wave>();
  /** The wave a batch joined last, while it waits (in {@link waves}): the next batch due at the same time joins it without a lookup. */
  private lastWave: Wave | undefined;
  /** The latest time read off the clock: a window that closed before it is known closed without reading the clock again. */
  private seen = -Infinity;

  constructor(
    private readonly timers: Timers,
    private readonly windowMs: Readonly<Record<Transport, number>>,
    private readonly flush: (batch: Batch) => void,
  ) {}

  /** The batches of `transport`, read by name (`batches[transport]` is a megamorphic load in V8). */
  private batchesOn(transport: Transport): Map<string, Batch> {
    return transport === 'ws' ? this.batches.ws : this.batches.ajax;
  }

  /**
   * Buffers `event` for `uid` (for one client when `clientId` is given) when
   * the uid has a batch on `transport` — kept from its first push for as long
   * as the uid has clients there — and returns true; false (nothing
   * buffered) when it has none: then {@link open} opens its first.
   */
  add(transport: Transport, uid: string, event: WireEvent, clientId: string | undefined, offset: number | undefined): boolean {
    const b = this.batchesOn(transport).get(uid);
    if (b === undefined) return false;
    if (b.open) append(b, event, clientId, offset);
    else this.reopen(b, event, clientId, offset);
    return true;
  }

  /** Opens `uid`'s first batch on `transport` with `event`: for a uid {@link add} found none for. */
  open(transport: Transport, uid: string, event: WireEvent, clientId: string | undefined, offset: number | undefined): void {
    const b: Batch = { transport, uid, events: NO_EVENTS, only: undefined, offsets: undefined, due: NaN, open: false, sentAt: -Infinity };
    this.batchesOn(transport).set(uid, b);
    this.reopen(b, event, clientId, offset);
  }

  /** Flushes `uid`'s batch on `transport` now, if there is one. */
  take(transport: Transport, uid: string): void {
    const b = this.batchesOn(transport).get(uid);
    if (b === undefined || !b.open) return;
    this.leave(b);
    this.send(b, this.now());
  }

  /** Drops `uid`'s batch on `transport` unsent (its last client is gone). */
  drop(transport: Transport, uid: string): void {
    const batches = this.batchesOn(transport);
    const b = batches.get(uid);
    if (b === undefined) return;
    batches.delete(uid);
    if (!b.open) return;
    b.open = false;
    this.openCount--;
    this.leave(b);
  }

  /** Flushes every batch now. */
  takeAll(): void {
    const now = this.now();
    for (const t of ['ws', 'ajax'] as const) for (const b of [...this.batches[t].values()]) if (b.open) this.send(b, now);
    for (const w of this.waves.values()) w.timer?.cancel();
    this.waves.clear();
    this.lastWave = undefined;
  }

  /** Number of batches waiting. */
  get size(): number {
    return this.openCount;
  }

  /** `b`, closed, opens with `event` and joins the wave it is due in. */
  private reopen(b: Batch, event: WireEvent, clientId: string | undefined, offset: number | undefined): void {
    b.events = [event];
    b.only = clientId === undefined ? undefined : [clientId];
    b.offsets = offset === undefined ? undefined : [offset];
    b.due = this.dueAt(b);
    b.open = true;
    this.openCount++;
    this.join(b);
  }

  private send(b: Batch, now: number): void {
    b.due = NaN;
    b.open = false;
    this.openCount--;
    b.sentAt = now;
    this.flush(b);
    // A closed batch keeps its time, not its events.
    b.events = NO_EVENTS;
    b.only = b.offsets = undefined;
  }

  /** `b` waits in the wave due when it is due; the wave's timer is set by its first batch. */
  private join(b: Batch): void {
    const due = b.due;
    // A broadcast's batches join the same wave one after the other: the last one joined is tried first.
    const last = this.lastWave;
    let w = last !== undefined && last.due === due ? last : this.waves.get(due);
    if (w === undefined) {
      const wave: Wave = { due, batches: [], live: 0, timer: undefined };
      wave.timer = this.timers.set(() => this.run(due, wave), due < 0 ? 0 : Math.max(0, due - this.now()));
      this.waves.set(due, (w = wave));
    }
    this.lastWave = w;
    w.batches.push(b);
    w.live++;
  }

  /** `b` leaves its wave before it is due (flushed or dropped). */
  private leave(b: Batch): void {
    const due = b.due;
    b.due = NaN;
    const w = this.waves.get(due);
    if (w === undefined || --w.live > 0) return;
    w.timer?.cancel();
    this.waves.delete(due);
    if (this.lastWave === w) this.lastWave = undefined;
  }

  /** A wave is due: its batches still waiting go out, in the order they opened, on one reading of the clock. */
  private run(due: number, w: Wave): void {
    if (this.waves.get(due) === w) this.waves.delete(due);
    w.timer = undefined;
    if (this.lastWave === w) this.lastWave = undefined;
    const now = this.now();
    for (const b of w.batches) {
      // A batch flushed or dropped meanwhile is gone (or another one, in its own wave, took its place).
      if (b.due === due) this.send(b, now);
    }
  }

  /** When a new batch goes out: -1 (the end of this turn) after a quiet period, else when the window of the last batch closes. */
  private dueAt(b: Batch): number {
    const due = b.sentAt + this.windowMs[b.transport];
    // Quiet for a whole window: at once.
    // A broadcast finds most windows closed before the time last read: one clock reading for all its uids.
    return due > this.seen && due > this.now() ? due : -1;
  }

  /** Reads the clock. */
  private now(): number {
    const now = this.timers.elapsed();
    if (now > this.seen) this.seen = now;
    return now;
  }
}
