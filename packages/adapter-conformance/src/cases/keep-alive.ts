import { expect, it } from 'vitest';
import { CASE_TIMEOUT_MS } from './context.js';
import { EMPTY_STATS } from '../harness.js';
import { until, within } from '../wait.js';
import type { CaseContext } from './context.js';

/** The server's WebSocket keep-alive (protocol §3.8). */
export function keepAliveCases({ harness, wire }: CaseContext): void {
  it('pings a silent WebSocket with [chsk/ws-ping nil], then closes it with 4000 when no pong comes', async () => {
    const t = await harness.start();
    const c = await t.ws({ params: { uid: 'alice' }, answerPings: false });
    const closed = await within(c.closed, 'the keep-alive close');
    expect(closed.code).toBe(4000);
    expect(c.pings).toHaveLength(1);
    expect(wire.packer.unpack(c.pings[0]!.raw)).toEqual(wire.keyword('chsk/ws-ping'));
    // Closed by keep-alive: the client leaves after the grace period like any other.
    await t.uidport('close', 'alice');
    expect(t.stats()).toEqual(EMPTY_STATS);
  }, CASE_TIMEOUT_MS);

  it('keeps a WebSocket that answers pings with pongs open', async () => {
    const t = await harness.start();
    const c = await t.ws({ answerPings: true });
    // A ping comes only after a full silent period: the third one proves two pongs kept the socket.
    await until(() => c.pings.length >= 3 || c.closeInfo, 'three pings');
    expect(c.closeInfo).toBeUndefined();
    expect(c.isOpen).toBe(true);
  }, CASE_TIMEOUT_MS);

  it('counts any message from the client as activity: no ping while it talks', async () => {
    const t = await harness.start();
    const c = await t.ws({ answerPings: false });
    const silent = await t.ws({ answerPings: false });
    // The chatty client sends more often than half the keep-alive period.
    const chatter = setInterval(() => c.sendEvent(['test/chatter']), 50);
    try {
      await within(silent.closed, 'the silent socket to be closed');
    } finally {
      clearInterval(chatter);
    }
    expect(c.pings).toHaveLength(0);
    expect(c.isOpen).toBe(true);
  }, CASE_TIMEOUT_MS);

  it('counts every push delivered to a socket as activity: no ping while the server talks', async () => {
    const t = await harness.start();
    const c = await t.ws({ params: { uid: 'alice' }, answerPings: false });
    const silent = await t.ws({ answerPings: false });
    const chatter = setInterval(() => t.server.send('alice', ['test/chatter']), 50);
    try {
      await within(silent.closed, 'the silent socket to be closed');
    } finally {
      clearInterval(chatter);
    }
    expect(c.pings).toHaveLength(0);
    expect(c.isOpen).toBe(true);
  }, CASE_TIMEOUT_MS);
}
