import { expect, it } from 'vitest';
import { CASE_TIMEOUT_MS } from './context.js';
import { EMPTY_STATS, openSockets } from '../harness.js';
import { nextTurn, until, within } from '../wait.js';
import type { CaseContext } from './context.js';
import type { Packed, SenteEvent } from '@sente/core';
import type { TestServer } from '../harness.js';
import type { RawWsClient } from '../ws-client.js';

const KiB = 1024;
const MiB = 1024 * KiB;
/** The bounds of these cases: small, so that a few MiB of pushes pass them. */
const BOUNDS = { maxBufferedBytes: 256 * KiB, maxQueuedBytes: MiB } as const;
/** Each push carries 64 KiB. */
const PAD = 'x'.repeat(64 * KiB);
/** No case pushes more than this many (25 MiB): the kernel's socket buffers take a few MiB before the server's fill. */
const MAX_PUSHES = 400;

const push = (n: number): SenteEvent => ['test/push', [n, PAD]];

/** The numbers of the pushes in a batch. */
function numbers(events: readonly SenteEvent[]): number[] {
  return events.map((e) => Number((e[1] as unknown[])[0]));
}

/** What a queued payload counts for in `stats().queuedBytes`. */
function size(p: Packed): number {
  return typeof p === 'string' ? p.length : p.byteLength;
}

/**
 * Pushes 64 KiB to alice, one batch each, a turn of the event loop apart (so
 * that the server writes what the socket takes), until `enough()` holds, then
 * `extra` more; gives how many were pushed and the most `stats().queuedBytes`
 * held after any push.
 */
async function pushUntil(t: TestServer, enough: () => boolean, extra: number): Promise<{ pushed: number; maxQueuedBytes: number }> {
  let n = 0;
  let maxQueuedBytes = 0;
  let more = -1;
  while (n < MAX_PUSHES && more !== 0) {
    t.server.send('alice', push(n++), { flush: true });
    maxQueuedBytes = Math.max(maxQueuedBytes, t.stats().queuedBytes);
    if (more > 0) more--;
    else if (more === -1 && enough()) more = extra;
    await nextTurn();
  }
  if (more !== 0) throw new Error(`Still not there after ${MAX_PUSHES} pushes of 64 KiB (stats ${JSON.stringify(t.stats())}).`);
  return { pushed: n, maxQueuedBytes };
}

/** The numbers of every push the socket received, in order. */
function receivedNumbers(c: RawWsClient): number[] {
  return c.frames.slice(1).flatMap((f) => numbers(c.wire.pushedEvents(f.raw)));
}

function expectStrictlyIncreasing(ns: readonly number[]): void {
  const out = ns.filter((n, i) => i > 0 && n <= (ns[i - 1] as number));
  expect(out, `pushes out of order or repeated in ${ns.join(',')}`).toEqual([]);
}

/**
 * Backpressure on the WebSocket, owned by the core on every adapter: a socket
 * whose buffer passes `maxBufferedBytes` is not written to, in order, until it
 * drains; a queue past `maxQueuedBytes` loses its oldest batches and its
 * socket is closed with 1013 (issue 7: a reader that never reads held 50 MB).
 */
export function wsBackpressureCases({ harness, wire }: CaseContext): void {
  const batchBytes = size(wire.packedBatch([push(MAX_PUSHES)]));

  it('bounds what a reader that never reads costs, closes it with 1013, and delivers the rest in order after its reconnect', async () => {
    // No keep-alive: a reader that never reads also never answers a ping, and that close is not this case's.
    const baseline = openSockets();
    const t = await harness.start({ ...BOUNDS, wsKaliveMs: null, msAllowReconnectBeforeCloseWs: 2000 });
    const first = await t.ws({ params: { uid: 'alice' } });
    first.pauseReading();
    const overflowed = (): boolean => t.errorCodes().includes('ERR_SENTE_QUEUE_OVERFLOW');
    const { pushed, maxQueuedBytes } = await pushUntil(t, overflowed, 8);
    expect(t.errorCodes()).toContain('ERR_SENTE_QUEUE_OVERFLOW');
    expect(maxQueuedBytes).toBeLessThanOrEqual(BOUNDS.maxQueuedBytes + batchBytes);
    expect(t.stats().queuedBytes).toBeLessThanOrEqual(BOUNDS.maxQueuedBytes + batchBytes);

    first.resumeReading();
    expect((await within(first.closed, 'the close of the slow socket', 10_000)).code).toBe(1013);
    const before = receivedNumbers(first);
    expectStrictlyIncreasing(before);

    const again = await t.ws({ params: { uid: 'alice' }, clientId: first.clientId });
    await until(() => receivedNumbers(again).at(-1) === pushed - 1, 'the last push after the reconnect', 10_000);
    const after = receivedNumbers(again);
    // The oldest batches of the queue were dropped: some pushes are lost, none twice, none out of order.
    expectStrictlyIncreasing([...before, ...after]);
    expect(before.length + after.length).toBeLessThan(pushed);
    expect(t.errorCodes().every((c) => c === 'ERR_SENTE_QUEUE_OVERFLOW')).toBe(true);

    await again.close();
    await t.uidport('close', 'alice');
    expect(t.stats()).toEqual(EMPTY_STATS);
    await until(() => openSockets() <= baseline, `the sockets to close (${openSockets()} open, ${baseline} before)`);
  }, 30_000);

  it('closes a reader that never reads, nor answers pings, with 4000: its socket really closes and nothing is left', async () => {
    // issue 7: on uWS the keep-alive took a socket over its bound for closed, and left it open, untracked.
    const baseline = openSockets();
    const t = await harness.start({ ...BOUNDS, maxQueuedBytes: 64 * MiB });
    const c = await t.ws({ params: { uid: 'alice' } });
    c.pauseReading();
    // Well past the first queued batch (1.5 MiB more): the kernel's socket buffers may still grow and
    // drain a few batches before the keep-alive gives up, and something must be left queued then.
    await pushUntil(t, () => t.stats().queuedBatches > 0, 24);
    await until(() => t.errorCodes().includes('ERR_SENTE_KEEPALIVE_TIMEOUT'), 'the keep-alive to give up');
    c.resumeReading();
    expect((await within(c.closed, 'the close of the silent socket', 10_000)).code).toBe(4000);
    await t.uidport('close', 'alice');
    // What was still queued for it went with it, reported.
    expect(t.errorCodes()).toEqual(['ERR_SENTE_KEEPALIVE_TIMEOUT', 'ERR_SENTE_UNDELIVERED']);
    expect(t.stats()).toEqual(EMPTY_STATS);
    await until(() => openSockets() <= baseline, `the sockets to close (${openSockets()} open, ${baseline} before)`);
  }, 30_000);

  it('holds pushes back for a slow reader, within its bounds, and delivers every one in order once it reads', async () => {
    const t = await harness.start({ ...BOUNDS, maxQueuedBytes: 64 * MiB, wsKaliveMs: null });
    const c = await t.ws({ params: { uid: 'alice' } });
    c.pauseReading();
    // Until the server holds pushes back (the socket's buffer passed maxBufferedBytes), then a few more.
    const { pushed } = await pushUntil(t, () => t.stats().queuedBatches > 0, 16);
    expect(t.stats().queuedBatches).toBeGreaterThan(0);
    c.resumeReading();
    await until(() => receivedNumbers(c).length >= pushed, 'every push', 10_000);
    expect(receivedNumbers(c)).toEqual(Array.from({ length: pushed }, (_, n) => n));
    expect(c.isOpen).toBe(true);
    expect(t.errors).toEqual([]);
    await until(() => t.stats().queuedBatches === 0, 'the queue to drain');
  }, 30_000);
}

/**
 * The queue of an Ajax client between polls, bounded in batches and bytes
 * (issue 7: one slow poller held 62.5 MB): past a bound the oldest batches go,
 * reported, and the next polls get the newest, in order.
 */
export function ajaxQueueBoundCases({ harness, wire }: CaseContext): void {
  const batchBytes = size(wire.packedBatch([push(MAX_PUSHES)]));

  /** Polls until the push `last` arrived; gives the numbers of every push, in order. */
  async function pollUntil(c: ReturnType<TestServer['ajax']>, last: number): Promise<number[]> {
    const seen: number[] = [];
    for (let i = 0; i < MAX_PUSHES && seen.at(-1) !== last; i++) seen.push(...numbers(wire.pushedEvents((await c.poll()).body)));
    return seen;
  }

  it('bounds the bytes queued for a client that does not poll, and gives it the newest pushes in order when it does', async () => {
    const t = await harness.start({ ...BOUNDS, msAllowReconnectBeforeCloseAjax: 5000 });
    const c = t.ajax({ params: { uid: 'alice' } });
    await c.handshake();
    const { pushed, maxQueuedBytes } = await pushUntil(t, () => t.errorCodes().includes('ERR_SENTE_QUEUE_OVERFLOW'), 8);
    expect(t.errorCodes()).toContain('ERR_SENTE_QUEUE_OVERFLOW');
    expect(maxQueuedBytes).toBeLessThanOrEqual(BOUNDS.maxQueuedBytes + batchBytes);
    const seen = await pollUntil(c, pushed - 1);
    expectStrictlyIncreasing(seen);
    expect(seen[0]).toBeGreaterThan(0);
    expect(t.stats().queuedBatches).toBe(0);
  }, CASE_TIMEOUT_MS);

  it('keeps only the newest maxQueuedBatches batches for a client that does not poll', async () => {
    const t = await harness.start({ maxQueuedBatches: 4, msAllowReconnectBeforeCloseAjax: 5000 });
    const c = t.ajax({ params: { uid: 'alice' } });
    await c.handshake();
    for (let n = 0; n < 10; n++) t.server.send('alice', ['test/push', [n]], { flush: true });
    expect(t.stats().queuedBatches).toBe(4);
    expect(t.errorCodes()).toEqual(Array(6).fill('ERR_SENTE_QUEUE_OVERFLOW'));
    expect(await pollUntil(c, 9)).toEqual([6, 7, 8, 9]);
  }, CASE_TIMEOUT_MS);
}
