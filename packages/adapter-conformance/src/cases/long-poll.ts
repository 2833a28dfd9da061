import { expect, it } from 'vitest';
import { CASE_TIMEOUT_MS } from './context.js';
import { TIMING } from '../harness.js';
import type { CaseContext } from './context.js';
import type { RawAjaxClient } from '../ajax-client.js';

/** Ajax long-polling (protocol §3.6). */
export function longPollCases({ harness, wire }: CaseContext): void {
  /** One poll, and how long it stayed parked. */
  async function timedPoll(c: RawAjaxClient): Promise<{ content: unknown; parkedMs: number }> {
    const start = Date.now();
    const a = await c.poll();
    return { content: wire.packer.unpack(a.body), parkedMs: Date.now() - start };
  }

  it('answers a parked poll with chsk/timeout after lpTimeoutMs, and parks the re-poll again', async () => {
    const t = await harness.start();
    const c = t.ajax({ params: { uid: 'alice' } });
    await c.handshake();
    for (let i = 0; i < 2; i++) {
      const { content, parkedMs } = await timedPoll(c);
      expect(content).toEqual(wire.keyword('chsk/timeout'));
      // Parked for the whole long-poll timeout (timers may round down by a millisecond).
      expect(parkedMs).toBeGreaterThanOrEqual(TIMING.lpTimeoutMs - 2);
      expect(t.server.connectedUids.ajax.has('alice')).toBe(true);
    }
  }, CASE_TIMEOUT_MS);

  it('answers a poll from a client it does not know yet with the handshake', async () => {
    const t = await harness.start();
    const c = t.ajax({ params: { uid: 'alice' } });
    expect(wire.packer.unpack((await c.poll()).body)).toEqual(wire.handshake('alice'));
    // Known now: the next poll parks.
    expect(wire.packer.unpack((await c.poll()).body)).toEqual(wire.keyword('chsk/timeout'));
  }, CASE_TIMEOUT_MS);

  it('answers a parked poll with the first push batch', async () => {
    const t = await harness.start();
    const c = t.ajax({ params: { uid: 'alice' } });
    await c.handshake();
    const parked = c.poll();
    await t.uidport('open', 'alice');
    t.server.send('alice', ['test/push', 1]);
    expect(wire.packer.unpack((await parked).body)).toEqual(wire.batch([['test/push', 1]]));
  }, CASE_TIMEOUT_MS);
}
