import { CHSK_TIMEOUT } from '@sente/core/internal';
import type { Clock, TimerHandle } from '@sente/core';

/**
 * Gets the outcome of a send: the server's reply, or one of `'chsk/closed'`
 * (not sent: the client was not open), `'chsk/timeout'` (no reply in time) or
 * `'chsk/error'` (the connection failed or ended before the reply).
 */
export type ReplyCallback = (reply: unknown) => void;

/** A waiting callback and its deadline (on the clock). */
type Waiting = readonly [cb: ReplyCallback, deadline: number];

/** The WebSocket callbacks waiting for a reply, keyed by cb-id. */
export interface ReplyCallbacks {
  /** A fresh 6-character cb-id, unused by any waiting callback. */
  newId(): string;
  /** Registers `cb` under `cbId`; after `timeoutMs` it gets `'chsk/timeout'`. */
  add(cbId: string, cb: ReplyCallback, timeoutMs: number): void;
  /** Hands `reply` to the callback of `cbId`; false when none waits (a late reply). */
  settle(cbId: string, reply: unknown): boolean;
  /** Gives every waiting callback `outcome` and clears their timers. */
  failAll(outcome: string): void;
  /** How many callbacks wait. */
  readonly size: number;
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
 * Creates the registry of waiting reply callbacks. Their timeouts share one
 * timer, set for the earliest deadline: a send costs no timer of its own
 * (setting and clearing one per request cost more than the rest of the
 * bookkeeping), and a reply clears none. The timer outlives the last reply at
 * most until that deadline, where it finds nothing due and ends; `failAll`
 * clears it.
 */
export function createReplyCallbacks(clock: Clock, onError: (error: unknown) => void): ReplyCallbacks {
  const waiting = new Map<string, Waiting>();
  /**
   * Cb-ids count up from 1e8, 6 characters of base 36 (7 after two billion
   * sends): never the same twice, with nothing to draw per send (a random
   * id cost more than the rest of the send).
   */
  let next = 1e8;
  let timer: TimerHandle | undefined;
  /** When the timer fires; Infinity when none is set. */
  let due = Infinity;

  const arm = (at: number): void => {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = clock.setTimeout(sweep, (due = at) - clock.now());
  };

  /** Times out what is due, in send order, and sets the timer for the earliest deadline left. */
  const sweep = (): void => {
    due = Infinity;
    const now = clock.now();
    // A callback's own send is reached too: a Map iterates what is added meanwhile.
    for (const [id, [cb, at]] of waiting) {
      if (at > now) {
        if (at < due) arm(at);
      } else if (waiting.delete(id)) callSafely(cb, CHSK_TIMEOUT, onError);
    }
  };

  return {
    newId: () => (next++).toString(36),
    add(cbId, cb, timeoutMs) {
      const at = clock.now() + timeoutMs;
      waiting.set(cbId, [cb, at]);
      if (at < due) arm(at);
    },
    settle(cbId, reply) {
      const w = waiting.get(cbId);
      if (w === undefined) return false;
      waiting.delete(cbId);
      callSafely(w[0], reply, onError);
      return true;
    },
    failAll(outcome) {
      if (timer !== undefined) clock.clearTimeout(timer);
      due = Infinity;
      const all = [...waiting.values()];
      waiting.clear();
      for (const [cb] of all) callSafely(cb, outcome, onError);
    },
    get size() {
      return waiting.size;
    },
  };
}
