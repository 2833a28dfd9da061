import type { Clock, TimerHandle } from './clock.js';

interface Scheduled {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
}

/**
 * A manual clock: time moves only on {@link FakeClock.advance}, which fires the
 * due timers in order (by due time, then by the order they were set), including
 * timers set by the timers it fires.
 */
export class FakeClock implements Clock {
  private time: number;
  private seq = 0;
  private readonly scheduled = new Map<number, Scheduled>();

  constructor(start = 1_700_000_000_000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const seq = ++this.seq;
    this.scheduled.set(seq, { at: this.time + Math.max(0, ms), seq, fn });
    return seq;
  }

  clearTimeout(handle: TimerHandle): void {
    this.scheduled.delete(handle as number);
  }

  /** Timers set and neither fired nor cleared. */
  get pending(): number {
    return this.scheduled.size;
  }

  /** The delays of the pending timers, from now, shortest first. */
  get delays(): number[] {
    return [...this.scheduled.values()].map((t) => t.at - this.time).sort((a, b) => a - b);
  }

  /** Moves time forward by `ms`, firing every timer due on the way. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let next: Scheduled | undefined;
      for (const s of this.scheduled.values()) {
        if (s.at > end) continue;
        if (next === undefined || s.at < next.at || (s.at === next.at && s.seq < next.seq)) next = s;
      }
      if (next === undefined) break;
      this.scheduled.delete(next.seq);
      this.time = next.at;
      next.fn();
    }
    this.time = end;
  }
}

/** Lets pending promise callbacks run (the server's request flow is async). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await new Promise<void>((resolve) => setImmediate(resolve));
}
