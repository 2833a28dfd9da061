import type { Clock, TimerHandle } from '@sente/core';

/** A WebSocket's keep-alive check (sente-protocol §3.8). */
export interface KeepAlive {
  /** Records a send or receive: the socket is alive. One integer increment. */
  touch(): void;
  /** Starts checking every interval. */
  start(): void;
  /** Stops checking; no timer is left. */
  stop(): void;
}

/**
 * Checks every `intervalMs` whether the socket sent or received anything since
 * the previous check, and calls `onIdle` when it did not (the caller then pings).
 * Activity is a counter rather than a timestamp, so two messages in the same
 * millisecond, or a frozen test clock, still count.
 */
export function createKeepAlive(clock: Clock, intervalMs: number, onIdle: () => void): KeepAlive {
  let activity = 0;
  let seen = 0;
  let timer: TimerHandle | undefined;
  let stopped = true;

  const tick = (): void => {
    timer = undefined;
    if (activity === seen) onIdle();
    // onIdle may have stopped us (e.g. the ping found no socket and reconnected).
    if (timer !== undefined || stopped) return;
    seen = activity;
    timer = clock.setTimeout(tick, intervalMs);
  };

  return {
    touch() {
      activity++;
    },
    start() {
      if (!stopped) return;
      stopped = false;
      seen = activity;
      timer = clock.setTimeout(tick, intervalMs);
    },
    stop() {
      stopped = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
    },
  };
}
