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

  /** True when a timer of 0 ms runs through `setImmediate` (the system clock, on a runtime that has it). */
  private readonly immediate: boolean;

  constructor(private readonly clock: Clock) {
    this.elapsed = clock === systemClock ? () => performance.now() : () => clock.now();
    this.immediate = clock === systemClock && typeof globalThis.setImmediate === 'function';
  }

  /** Number of timers set and neither fired nor cancelled. */
  get live(): number {
    return this.liveCount;
  }

  /** The clock's time, epoch ms. */
  now(): number {
    return this.clock.now();
  }

  /**
   * Calls `fn` once after `ms`. On the system clock, `ms` of 0 or less means
   * the end of this turn of the event loop (`setImmediate`, after the I/O
   * callbacks of the turn), where Node's timeout of 0 would wait for the next
   * turn's timers, a millisecond or more: a batch due at once goes out at once.
   */
  set(fn: () => void, ms: number): Timer {
    let live = true;
    this.liveCount++;
    const run = (): void => {
      if (!live) return;
      live = false;
      this.liveCount--;
      fn();
    };
    const soon = ms <= 0 && this.immediate;
    // Not unref'd: Node polls for I/O without waiting only while a ref'd immediate is pending, and an
    // unref'd one would wait for the next I/O or timer. It keeps the process alive only until it runs.
    const handle: TimerHandle = soon ? setImmediate(run) : this.clock.setTimeout(run, ms);
    return {
      cancel: () => {
        if (!live) return;
        live = false;
        this.liveCount--;
        if (soon) clearImmediate(handle as ReturnType<typeof setImmediate>);
        else this.clock.clearTimeout(handle);
      },
    };
  }
}
