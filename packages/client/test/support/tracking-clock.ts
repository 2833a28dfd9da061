import { systemClock } from '@sente/core';
import type { Clock, TimerHandle } from '@sente/core';

/** The system clock, counting the timers that are scheduled and not yet fired or cancelled. */
export class TrackingClock implements Clock {
  private readonly live = new Set<TimerHandle>();

  get pending(): number {
    return this.live.size;
  }

  now(): number {
    return systemClock.now();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const h: TimerHandle = systemClock.setTimeout(() => {
      this.live.delete(h);
      fn();
    }, ms);
    this.live.add(h);
    return h;
  }

  clearTimeout(handle: TimerHandle): void {
    this.live.delete(handle);
    systemClock.clearTimeout(handle);
  }
}
