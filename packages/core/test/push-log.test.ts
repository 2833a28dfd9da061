import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { MemoryPushLog } from '../src/push-log.js';
import type { PushLogLimits } from '../src/push-log.js';
import type { WireEvent } from '../src/index.js';

const LIMITS: PushLogLimits = { maxEntries: 100, maxBytes: 1 << 20, maxAgeMs: 120_000, positionTtlMs: 600_000 };
const ev = (n: number): WireEvent => ['app/n', n] as unknown as WireEvent;

function makeLog(limits: Partial<PushLogLimits> = {}, live: (uid: string) => boolean = () => true) {
  let now = 1_000_000;
  let seed = 1;
  const log = new MemoryPushLog(() => now, { ...LIMITS, ...limits }, live, () => ((seed = (seed * 16807) % 2147483647) / 2147483647));
  return { log, advance: (ms: number) => void (now += ms) };
}

const events = (entries: readonly { event: WireEvent }[]): unknown[] => entries.map((e) => e.event[1]);

describe('the push log', () => {
  it('logs a push only for a uid whose log was opened', () => {
    const { log } = makeLog();
    expect(log.append('alice', ev(1), undefined, 10)).toBeUndefined();
    expect(log.open('alice')).toMatchObject({ offset: 0 });
    expect(log.append('alice', ev(1), undefined, 10)).toBe(1);
    expect(log.append('alice', ev(2), undefined, 10)).toBe(2);
    expect(log.size).toBe(2);
  });

  it('recovers with nothing missed: recovered, nothing replayed, position unchanged', () => {
    const { log } = makeLog();
    const p = log.open('alice');
    log.append('alice', ev(1), undefined, 10);
    const at = { epoch: p.epoch, offset: 1 };
    expect(log.recover('alice', at, 'c1')).toEqual({ recovered: true, entries: [], top: at });
  });

  it('recovers exactly the k pushes missed, in order, and repeatedly so without duplicates', () => {
    const { log } = makeLog();
    const { epoch } = log.open('alice');
    for (let n = 1; n <= 5; n++) log.append('alice', ev(n), undefined, 10);
    const r = log.recover('alice', { epoch, offset: 2 }, 'c1');
    expect(r.recovered).toBe(true);
    expect(events(r.entries)).toEqual([3, 4, 5]);
    expect(r.entries.map((e) => e.offset)).toEqual([3, 4, 5]);
    // Offline and online again with nothing new: nothing replayed twice.
    expect(log.recover('alice', { epoch, offset: 5 }, 'c1').entries).toEqual([]);
  });

  it('gives a one-client push to that client only', () => {
    const { log } = makeLog();
    const { epoch } = log.open('alice');
    log.append('alice', ev(1), 'tab-a', 10);
    log.append('alice', ev(2), undefined, 10);
    expect(events(log.recover('alice', { epoch, offset: 0 }, 'tab-a').entries)).toEqual([1, 2]);
    expect(events(log.recover('alice', { epoch, offset: 0 }, 'tab-b').entries)).toEqual([2]);
  });

  it('still recovers an idle client whose last entry aged out when nothing new was pushed', () => {
    const { log, advance } = makeLog();
    const { epoch } = log.open('alice');
    log.append('alice', ev(1), undefined, 10);
    advance(200_000);
    expect(log.recover('alice', { epoch, offset: 1 }, 'c1')).toMatchObject({ recovered: true, entries: [] });
    expect(log.size).toBe(0);
  });

  it('recovers a client that never received a push, from the position of its handshake', () => {
    const { log } = makeLog();
    const hs = log.open('alice');
    log.append('alice', ev(1), undefined, 10);
    expect(events(log.recover('alice', hs, 'c1').entries)).toEqual([1]);
  });

  it('does not recover a gap larger than what it keeps, by count, bytes or age', () => {
    const byCount = makeLog({ maxEntries: 3 });
    let { epoch } = byCount.log.open('alice');
    for (let n = 1; n <= 5; n++) byCount.log.append('alice', ev(n), undefined, 10);
    expect(byCount.log.recover('alice', { epoch, offset: 1 }, 'c1')).toMatchObject({ recovered: false, entries: [], top: { offset: 5 } });
    expect(events(byCount.log.recover('alice', { epoch, offset: 2 }, 'c1').entries)).toEqual([3, 4, 5]);

    const byBytes = makeLog({ maxBytes: 25 });
    ({ epoch } = byBytes.log.open('alice'));
    for (let n = 1; n <= 4; n++) byBytes.log.append('alice', ev(n), undefined, 10);
    expect(byBytes.log.recover('alice', { epoch, offset: 1 }, 'c1').recovered).toBe(false);
    expect(byBytes.log.size).toBe(2);

    const byAge = makeLog();
    ({ epoch } = byAge.log.open('alice'));
    byAge.log.append('alice', ev(1), undefined, 10);
    byAge.advance(100_000);
    byAge.log.append('alice', ev(2), undefined, 10);
    byAge.advance(30_000);
    expect(byAge.log.recover('alice', { epoch, offset: 0 }, 'c1').recovered).toBe(false);
    expect(events(byAge.log.recover('alice', { epoch, offset: 1 }, 'c1').entries)).toEqual([2]);
  });

  it('does not recover another epoch, nor an offset it never reached', () => {
    const { log } = makeLog();
    const { epoch } = log.open('alice');
    log.append('alice', ev(1), undefined, 10);
    expect(log.recover('alice', { epoch: 'other', offset: 0 }, 'c1')).toMatchObject({ recovered: false, entries: [], top: { epoch, offset: 1 } });
    expect(log.recover('alice', { epoch, offset: 7 }, 'c1').recovered).toBe(false);
  });

  it('forgets a uid without clients once its position outlived its TTL, and then starts a new epoch', () => {
    let live = true;
    const { log, advance } = makeLog({ positionTtlMs: 1000, maxAgeMs: 1000 }, () => live);
    const first = log.open('alice');
    advance(5000);
    log.open('bob'); // any use sweeps
    expect([...log.uids()].sort()).toEqual(['alice', 'bob']);
    live = false;
    advance(5000);
    log.open('bob');
    expect([...log.uids()]).toEqual(['bob']);
    const second = log.open('alice');
    expect(second.epoch).not.toBe(first.epoch);
    expect(log.recover('alice', first, 'c1').recovered).toBe(false);
  });

  it('a broadcast costs each uid\'s log a reference, not an entry of its own: 2000 uids × 500 broadcasts in a few MB', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const { log, advance } = makeLog({ maxEntries: 1000 });
    const uids = Array.from({ length: 2000 }, (_, i) => `u${i}`);
    const epochs = uids.map((u) => log.open(u).epoch);
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let n = 0; n < 500; n++) {
      const e = ev(n);
      for (const u of uids) log.append(u, e, undefined, 12);
      if (n % 50 === 49) advance(1);
    }
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    // A million entries: a reference each (8 bytes, in arrays that grow by half), not an object each (about 60).
    expect(log.size).toBe(1_000_000);
    expect(grown).toBeLessThan(24 * 1024 * 1024);
    // Each uid's log still replays each broadcast at its own offsets.
    const r = log.recover('u7', { epoch: epochs[7] as string, offset: 497 }, 'c');
    expect(r.recovered).toBe(true);
    expect(r.entries.map((e) => [e.offset, e.event[1]])).toEqual([
      [498, 497],
      [499, 498],
      [500, 499],
    ]);
  });
});
