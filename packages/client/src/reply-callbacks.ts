import { CHSK_TIMEOUT } from '@sente/core/internal';
import type { Clock, TimerHandle } from '@sente/core';

/**
 * Gets the outcome of a send: the server's reply, or one of `'chsk/closed'`
 * (not sent: the client was not open), `'chsk/timeout'` (no reply in time) or
 * `'chsk/error'` (the connection failed or ended before the reply).
 */
export type ReplyCallback = (reply: unknown) => void;

/** The key of the entry that keeps a registry's map from emptying: no cb-id (a string) is ever it. */
const KEEP = Symbol();

/** A waiting callback, its cb-id, and when it times out (the clock's time). */
type Waiting = readonly [cbId: string | typeof KEEP, cb: ReplyCallback, deadline: number];

/** The WebSocket callbacks waiting for a reply, keyed by cb-id. */
export interface ReplyCallbacks {
  /** A fresh cb-id, unused by any waiting callback. */
  newId(): string;
  /** Registers `cb` under `cbId`; after `timeoutMs` it gets `'chsk/timeout'`. */
  add(cbId: string, cb: ReplyCallback, timeoutMs: number): void;
  /** Hands `reply` to the callback of `cbId`; false when none waits (a late reply). */
  settle(cbId: string, reply: unknown): boolean;
  /** Gives every waiting callback `outcome` and clears their timers. */
  failAll(outcome: string): void;
  /** How many callbacks wait. */
  size(): number;
}

/** Calls a user callback; what it throws goes to `onError`, never into the transport. */
export function callSafely(cb: ReplyCallback, reply: unknown, onError: (error: unknown) => void): void {
  try {
    cb(reply);
  } catch (error) {
    onError(error);
  }
}

/**
 * Creates the registry of waiting reply callbacks.
 *
 * One timer serves them all, set for the earliest deadline: a send costs at
 * most a map entry, not a timer of its own. A reply leaves the timer as it is (it
 * finds nothing due when it fires, and is set again only while callbacks
 * wait), so a steady stream of requests sets it about once per timeout.
 *
 * A callback registered while none waits takes a slot of its own rather
 * than a map entry: with one request in flight, the common case of a client
 * waiting on each reply before its next request, a send and its reply cost
 * no map operation (a map whose entries come and go one at a time is
 * rebuilt every few of them).
 */
export function createReplyCallbacks(clock: Clock, onError: (error: unknown) => void): ReplyCallbacks {
  /**
   * The callbacks that came while another waited, in the order of the sends
   * and all later than the slot's, after an entry that is never due nor
   * settled: a map that empties gets a new table from V8 each time.
   */
  const waiting = new Map<string | typeof KEEP, Waiting>([[KEEP, [KEEP, () => {}, Infinity]]]);
  /** The slot: a callback that waits alone. */
  let slot: Waiting | undefined;
  /**
   * Cb-ids count up in decimal from 1: never the same twice, with nothing
   * to draw per send (a random id cost more than the rest of the send). V8
   * gives a string made from a small integer its hash as it makes it, so
   * the map does not hash the id again (base 36 cost about 200 instructions
   * more per send, conversion and hash).
   */
  let next = 0;
  let timer: TimerHandle | undefined;
  /** When the timer fires; set only with `timer`. */
  let due = 0;

  /** Sets the timer for `deadline`, in place of the one set. */
  const arm = (deadline: number, now: number): void => {
    if (timer !== undefined) clock.clearTimeout(timer);
    due = deadline;
    timer = clock.setTimeout(() => end(CHSK_TIMEOUT, clock.now()), deadline - now);
  };

  /**
   * Gives `outcome` to every callback whose deadline is `now` or earlier (all
   * of them at `Number.MAX_VALUE`), in the order of their sends (the slot's
   * first), and sets the timer for the earliest of the others.
   */
  const end = (outcome: string, now: number): void => {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = undefined;
    const ended: ReplyCallback[] = [];
    let earliest = Infinity;
    for (const w of [slot, ...waiting.values()]) {
      if (!w) continue;
      const [cbId, cb, deadline] = w;
      if (deadline > now) earliest = Math.min(earliest, deadline);
      else {
        if (w === slot) slot = undefined;
        else waiting.delete(cbId);
        ended.push(cb);
      }
    }
    if (earliest < Infinity) arm(earliest, now);
    for (const cb of ended) callSafely(cb, outcome, onError);
  };

  return {
    newId: () => String(++next),
    add(cbId, cb, timeoutMs) {
      const now = clock.now();
      const deadline = now + timeoutMs;
      // The slot is for a callback older than every one in the map: taken only when the map holds none.
      const w: Waiting = [cbId, cb, deadline];
      if (slot === undefined && waiting.size === 1) slot = w;
      else waiting.set(cbId, w);
      if (timer === undefined || deadline < due) arm(deadline, now);
    },
    settle(cbId, reply) {
      const w = slot?.[0] === cbId ? slot : waiting.get(cbId);
      if (!w) return false;
      if (w === slot) slot = undefined;
      else waiting.delete(cbId);
      callSafely(w[1], reply, onError);
      return true;
    },
    // Every deadline but KEEP's is at most Number.MAX_VALUE (a finite now + a finite timeout).
    failAll: (outcome) => end(outcome, Number.MAX_VALUE),
    size: () => waiting.size - (slot ? 0 : 1),
  };
}
