import type { Clock, TimerHandle } from '@sente/core';
import { safeDelay } from './backoff.js';
import type { StateStore } from './state.js';

/** What a {@link Reconnector} needs from its client. */
export interface ReconnectorContext {
  readonly clock: Clock;
  readonly state: StateStore;
  /** The wait before attempt `n` (n ≥ 1). */
  backoffMs(attempt: number): number;
  /** The fallback for a backoff that returned Infinity. */
  readonly maxBackoffMs: number;
  /** True while the page unloads: no retries then. */
  unloading(): boolean;
}

/** The retry schedule of one transport (sente-protocol §3.9). */
export interface Reconnector {
  /**
   * Counts a failed attempt and schedules the next after `backoffMs(n)`, or
   * after `delayMs` when the server said how long to wait (at most 10 ×
   * `maxBackoffMs`). A wait of 0 runs the attempt at once.
   */
  retry(delayMs?: number): void;
  /** Forgets the failed attempts (after a connection survived, or an explicit connect). */
  reset(): void;
  /** Cancels a scheduled attempt. */
  cancel(): void;
  /** True while an attempt is scheduled. */
  readonly waiting: boolean;
}

/** Creates the retry schedule that runs `attempt` for each try. */
export function createReconnector(ctx: ReconnectorContext, attempt: () => void): Reconnector {
  let attempts = 0;
  let timer: TimerHandle | undefined;

  const cancel = (): void => {
    if (timer === undefined) return;
    ctx.clock.clearTimeout(timer);
    timer = undefined;
    ctx.state.update({ udtNextReconnect: null });
  };

  return {
    retry(delayMs) {
      cancel();
      // Firefox closes sockets while a page unloads; reconnecting then only costs the server.
      if (ctx.unloading()) return;
      attempts++;
      // Unlike Sente, attempt 1 waits too (the default backoff jitters it): a
      // server that closed every socket at once must not get them all back at once.
      // A server's hint is obeyed, within reason: a typo there must not park clients for days.
      const ms = safeDelay(delayMs === undefined ? ctx.backoffMs(attempts) : Math.min(delayMs, 10 * ctx.maxBackoffMs), ctx.maxBackoffMs);
      if (ms === 0) {
        attempt();
        return;
      }
      timer = ctx.clock.setTimeout(() => {
        timer = undefined;
        attempt();
      }, ms);
      ctx.state.update({ udtNextReconnect: ctx.clock.now() + ms });
    },
    reset() {
      attempts = 0;
    },
    cancel,
    get waiting() {
      return timer !== undefined;
    },
  };
}
