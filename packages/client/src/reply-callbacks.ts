import { CHSK_TIMEOUT } from '@sente/core/internal';
import type { Clock, TimerHandle } from '@sente/core';

/**
 * Gets the outcome of a send: the server's reply, or one of `'chsk/closed'`
 * (not sent: the client was not open), `'chsk/timeout'` (no reply in time) or
 * `'chsk/error'` (the connection failed or ended before the reply).
 */
export type ReplyCallback = (reply: unknown) => void;

/** A waiting callback and its timeout. */
type Waiting = readonly [cb: ReplyCallback, timer: TimerHandle];

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

/** Creates the registry of waiting reply callbacks. */
export function createReplyCallbacks(clock: Clock, onError: (error: unknown) => void): ReplyCallbacks {
  const waiting = new Map<string, Waiting>();
  /**
   * Cb-ids count up from 1e8, 6 characters of base 36 (7 after two billion
   * sends): never the same twice, with nothing to draw per send (a random
   * id cost more than the rest of the send).
   */
  let next = 1e8;

  return {
    newId: () => (next++).toString(36),
    add(cbId, cb, timeoutMs) {
      const timer = clock.setTimeout(() => {
        if (waiting.delete(cbId)) callSafely(cb, CHSK_TIMEOUT, onError);
      }, timeoutMs);
      waiting.set(cbId, [cb, timer]);
    },
    settle(cbId, reply) {
      const w = waiting.get(cbId);
      if (w === undefined) return false;
      waiting.delete(cbId);
      clock.clearTimeout(w[1]);
      callSafely(w[0], reply, onError);
      return true;
    },
    failAll(outcome) {
      if (waiting.size === 0) return;
      const all = [...waiting.values()];
      waiting.clear();
      for (const [cb, timer] of all) {
        clock.clearTimeout(timer);
        callSafely(cb, outcome, onError);
      }
    },
    get size() {
      return waiting.size;
    },
  };
}
