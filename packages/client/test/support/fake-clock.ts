import type { Clock, TimerHandle } from '@sente/core';

interface Timer {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

/** A clock whose time only moves when a test says so. */
export class FakeClock implements Clock {
  private time: number;
  private nextId = 1;
  private readonly timers = new Map<number, Timer>();

  constructor(start = 1_700_000_000_000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { id, at: this.time + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }

  /** Timers scheduled and not yet fired or cancelled. */
  get pending(): number {
    return this.timers.size;
  }

  /** The delays of the pending timers, from now. */
  get delays(): number[] {
    return [...this.timers.values()].map((t) => t.at - this.time).sort((a, b) => a - b);
  }

  /** Moves time forward by `ms`, firing due timers in order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let next: Timer | undefined;
      for (const t of this.timers.values()) if (t.at <= end && (next === undefined || t.at < next.at || (t.at === next.at && t.id < next.id))) next = t;
      if (next === undefined) break;
      this.timers.delete(next.id);
      this.time = next.at;
      next.fn();
    }
    this.time = end;
  }
}
