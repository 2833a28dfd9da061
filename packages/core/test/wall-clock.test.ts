/**
 * The server on the real clock while the wall clock steps (an NTP step, a VM
 * resumed from a snapshot): durations are measured on the monotonic clock,
 * so neither a batching window, a keep-alive check nor a rate limit waits for
 * the wall clock to catch up, and a message id is not forgotten early.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../src/index.js';
import { Harness } from './support/harness.js';

const HOUR = 3_600_000;
const PING = ['chsk/ws-ping', null];

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits, on real time, until `ok()`; gives up after `ms`. */
async function within(ms: number, ok: () => boolean): Promise<boolean> {
  const end = performance.now() + ms;
  while (!ok() && performance.now() < end) await sleep(5);
  return ok();
}

/** Steps the wall clock by `ms` (back when negative) from now on. */
function stepWallClock(ms: number): void {
  const realNow = Date.now.bind(Date);
  vi.spyOn(Date, 'now').mockImplementation(() => realNow() + ms);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the wall clock stepped forward', () => {
  it('a retried message is still handled once: its id is remembered for the replay window of real time', async () => {
    const h = new Harness({ clock: systemClock });
    const c = await h.ws('c1', { uid: 'alice', query: { 'sente-ext': '1' } });
    c.send(['app/log', 1], null, { m: 'a' });
    stepWallClock(24 * HOUR);
    c.send(['app/log', 1], null, { m: 'a' });
    expect(h.eventsOf('app/log').map((m) => m.data)).toEqual([1]);
    await h.server.close();
  });
});

describe('the wall clock stepped back', () => {
  it('a push that waits for its batching window still goes out when the window ends', async () => {
    const h = new Harness({ clock: systemClock, sendBufMsWs: 30 });
    const c = await h.ws('c1', { uid: 'alice' });
    h.server.send('alice', ['chat/a']);
    expect(await within(1000, () => c.pushes().length === 1)).toBe(true);
    // Within the window of the first batch: the next one waits for its end.
    stepWallClock(-HOUR);
    h.server.send('alice', ['chat/b']);
    expect(await within(1000, () => c.pushes().length === 2)).toBe(true);
    expect(c.pushedEvents()).toEqual([['chat/a'], ['chat/b']]);
    await h.server.close();
  });

  it('a rate limit lets through what its bucket holds, not what the wall clock took back', async () => {
    const h = new Harness({ clock: systemClock, rateLimits: { perClient: { perSecond: 100, burst: 2 } } });
    let handled = 0;
    h.server.startRouter((msg) => {
      if (msg.id === 'app/q') handled++;
    });
    const c = await h.ws('c1', { uid: 'alice' });
    c.send(['app/q']);
    stepWallClock(-HOUR);
    c.send(['app/q']);
    // The bucket had two; 50 ms on, at 100 a second, it has them again.
    await sleep(50);
    c.send(['app/q']);
    expect(handled).toBe(3);
    expect(h.errorCodes()).toEqual([]);
    await h.server.close();
  });

  it('an idle WebSocket is still pinged after wsKaliveMs/2', async () => {
    const h = new Harness({ clock: systemClock, wsKaliveMs: 100 });
    const c = await h.ws('c1', { uid: 'alice' });
    stepWallClock(-HOUR);
    expect(await within(1000, () => c.pushes().length > 0)).toBe(true);
    expect(c.pushes()[0]).toEqual(PING);
    await h.server.close();
  });
});
