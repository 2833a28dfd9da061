import { systemClock } from './clock.js';
import type { Clock, TimerHandle } from './clock.js';

/** A pending timer; `cancel()` is idempotent. */
export interface Timer {
  cancel(): void;
}

/**
 * Timers on an injected {@link Clock} that keep count of how many are live,
 * so tests (and `server.stats()`) can prove that nothing is left behind.
 */
export class Timers {
  private liveCount = 0;

  /**
   * Milliseconds on a clock that never goes back, for durations (batching
   * windows, keep-alive checks, rate-limit buckets, message ids' lifetime): the system's monotonic clock when the clock
   * is the system's — so that the wall clock stepped back (an NTP step, a VM
   * resumed) delays nothing — else the injected clock's own time.
   */
  readonly elapsed: () => number;

  constructor(private readonly clock: Clock) {
    this.elapsed = clock === systemClock ? () => performance.now() : () => clock.now();
  }

  /** Number of timers set and neither fired nor cancelled. */
  get live(): number {
    return this.liveCount;
  }

  /** The clock's time, epoch ms. */
  now(): number {
    return this.clock.now();
  }

  /** Calls `fn` once after `ms`. */
  set(fn: () => void, ms: number): Timer {
    let handle: TimerHandle;
    let live = true;
    this.liveCount++;
    handle = this.clock.setTimeout(() => {
      if (!live) return;
      live = false;
      this.liveCount--;
      fn();
    }, ms);
    return {
      cancel: () => {
        if (!live) return;
        live = false;
        this.liveCount--;
        this.clock.clearTimeout(handle);
      },
    };
  }
}
