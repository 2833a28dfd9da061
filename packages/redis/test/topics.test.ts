import { describe, expect, it } from 'vitest';
import { MAX_TOPIC_BYTES } from '@sente/core';
import { sleep, until } from './support/cluster.js';
import { useCluster } from './support/use-cluster.js';

const cluster = useCluster();
const { node } = cluster;

describe('the side channel (publishTopic / subscribeTopic)', () => {
  it('sends a small JSON value to the listeners of its topic on every node, this one included, until they unsubscribe', async () => {
    const [a, b] = await Promise.all([node('a'), node('b')]);
    const heardA: unknown[] = [];
    const heardB: unknown[] = [];
    const other: unknown[] = [];
    a!.backplane.subscribeTopic('tools/samples', (d) => void heardA.push(d));
    const stopB = b!.backplane.subscribeTopic('tools/samples', (d) => void heardB.push(d));
    b!.backplane.subscribeTopic('tools/other', (d) => void other.push(d));
    // A subscription's SUBSCRIBE is on its way: a first value may be missed (at most once), so send until one comes.
    await until(() => {
      a!.backplane.publishTopic('tools/samples', { from: 'a', n: 0 });
      return heardB.length > 0 && heardA.length > 0;
    }, 5000, 'both nodes hearing a');
    expect(heardB[0]).toEqual({ from: 'a', n: 0 });
    expect(b!.backplane.publishTopic('tools/samples', { from: 'b', n: 1 })).toBe(true);
    await until(() => heardA.some((d) => (d as { from: string }).from === 'b'), 5000, 'a hearing b');
    await until(() => heardB.some((d) => (d as { from: string }).from === 'b'), 5000, 'b hearing itself');
    expect(other).toEqual([]);

    stopB();
    const before = heardB.length;
    a!.backplane.publishTopic('tools/samples', { from: 'a', n: 2 });
    await until(() => heardA.some((d) => (d as { n: number }).n === 2), 5000, 'a hearing n 2');
    await sleep(100);
    expect(heardB.length).toBe(before);
    expect([a!.errors, b!.errors]).toEqual([[], []]);
  });

  it('is subscribed again after Redis restarts', async () => {
    const [a, b] = await Promise.all([node('a'), node('b')]);
    const heard: unknown[] = [];
    b!.backplane.subscribeTopic('tools/samples', (d) => void heard.push(d));
    await until(() => {
      a!.backplane.publishTopic('tools/samples', { n: 1 });
      return heard.length > 0;
    }, 5000, 'b hearing a');
    await cluster.redis.kill();
    await cluster.redis.restart();
    await until(() => a!.backplane.stats().connected && b!.backplane.stats().connected, 8000, 'both reconnected');
    // A value of the first loop still queued in a's client when Redis went down may come after the restart: look for n 2.
    await until(() => {
      a!.backplane.publishTopic('tools/samples', { n: 2 });
      return heard.some((d) => (d as { n: number }).n === 2);
    }, 8000, 'b hearing a after the restart');
    expect(heard).toContainEqual({ n: 2 });
  });

  it('refuses what it cannot send: too large, not JSON, a bad topic, after close', async () => {
    const a = await node('a');
    const bp = a.backplane;
    expect(bp.publishTopic('t', 'x'.repeat(MAX_TOPIC_BYTES))).toBe(false);
    expect(bp.publishTopic('t', { n: 1n })).toBe(false);
    expect(bp.publishTopic('t', undefined)).toBe(false);
    expect(() => bp.publishTopic('bad topic', 1)).toThrow(expect.objectContaining({ code: 'ERR_SENTE_BAD_OPTION' }));
    expect(() => bp.subscribeTopic('', () => undefined)).toThrow(expect.objectContaining({ code: 'ERR_SENTE_BAD_OPTION' }));
    expect(bp.publishTopic('t', { ok: true })).toBe(true);
    await a.close();
    expect(bp.publishTopic('t', { ok: true })).toBe(false);
  });
});
