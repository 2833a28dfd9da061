import { describe, expect, it } from 'vitest';

import { systemClock } from '../src/clock.js';
import { FakeClock, Timers } from '../src/internal.js';

describe('Timers', () => {
  it('counts live timers until they fire or are cancelled, once', () => {
    const clock = new FakeClock();
    const timers = new Timers(clock);
    const fired: string[] = [];
    const a = timers.set(() => fired.push('a'), 10);
    const b = timers.set(() => fired.push('b'), 20);
    expect(timers.live).toBe(2);
    b.cancel();
    b.cancel();
    expect(timers.live).toBe(1);
    expect(clock.pending).toBe(1);
    clock.advance(10);
    expect(fired).toEqual(['a']);
    expect(timers.live).toBe(0);
    a.cancel();
    expect(timers.live).toBe(0);
    clock.advance(100);
    expect(fired).toEqual(['a']);
  });

  it('runs a timer of 0 ms on the system clock at the end of the turn, before the next turn\'s timers, and cancels it', async () => {
    const timers = new Timers(systemClock);
    const order: string[] = [];
    await new Promise<void>((resolve) => {
      // From a timer's callback, a timeout of 0 waits for the next turn's timers (a millisecond or more).
      globalThis.setTimeout(() => {
        globalThis.setTimeout(() => {
          order.push('next turn');
          resolve();
        }, 0);
        timers.set(() => order.push('cancelled'), 0).cancel();
        const immediates = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Immediate').length;
        const before = immediates();
        timers.set(() => order.push('end of turn'), 0);
        // It keeps the loop from waiting in its poll for I/O (an unref'd immediate would wait for the next event).
        expect(immediates()).toBe(before + 1);
        timers.set(() => order.push('negative'), -5);
        expect(timers.live).toBe(2);
      }, 0);
    });
    expect(order).toEqual(['end of turn', 'negative', 'next turn']);
    expect(timers.live).toBe(0);
  });
});
