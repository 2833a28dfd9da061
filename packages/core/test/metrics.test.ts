import { describe, expect, it, vi } from 'vitest';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { systemClock } from '../src/index.js';
import { Harness } from './support/harness.js';

/** A meter whose values a test reads on demand, as an exporter would. */
function inMemoryMeter() {
  const reader = new PeriodicExportingMetricReader({
    exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
    exportIntervalMillis: 3_600_000,
  });
  const provider = new MeterProvider({ readers: [reader] });
  const read = async (): Promise<Map<string, { attributes: Record<string, unknown>; value: unknown }[]>> => {
    const { resourceMetrics } = await reader.collect();
    const out = new Map<string, { attributes: Record<string, unknown>; value: unknown }[]>();
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const m of scope.metrics) out.set(m.descriptor.name, m.dataPoints.map((p) => ({ attributes: p.attributes, value: p.value })));
    }
    return out;
  };
  return { meter: provider.getMeter('test'), read, shutdown: () => provider.shutdown() };
}

describe('metrics', () => {
  it('counts connections, handshakes, events, pushes, batches, errors and replays, and reads the queues as gauges', async () => {
    const m = inMemoryMeter();
    try {
      const h = new Harness({ meter: m.meter });
      const w = await h.ws('c1', { uid: 'alice', query: { 'sente-ext': '1' } });
      await h.ajaxClient('a1', { uid: 'bob' });
      w.send(['app/x', 1]);
      h.server.send('alice', ['app/n', 1]);
      h.server.send('alice', ['app/n', 2], { flush: true });
      w.sendRaw('not json');
      const epoch = (((w.frames()[0] as unknown[])[0] as unknown[])[1] as unknown[])[3] as { epoch: string };
      const back = await h.ws('c1', { uid: 'alice', query: { 'sente-ext': '1', 'sente-pos': `${epoch.epoch}:0` } });
      const got = await m.read();
      expect(got.get('sente.connections')).toEqual(
        expect.arrayContaining([
          { attributes: { transport: 'ws' }, value: 1 },
          { attributes: { transport: 'ajax' }, value: 1 },
        ]),
      );
      expect(got.get('sente.handshakes')).toEqual(
        expect.arrayContaining([
          { attributes: { transport: 'ws', recovered: 'none' }, value: 1 },
          { attributes: { transport: 'ws', recovered: 'true' }, value: 1 },
          { attributes: { transport: 'ajax', recovered: 'none' }, value: 1 },
        ]),
      );
      expect(got.get('sente.events.received')).toEqual([{ attributes: { transport: 'ws' }, value: 1 }]);
      expect(got.get('sente.pushes')).toEqual([{ attributes: {}, value: 2 }]);
      expect(got.get('sente.batches.sent')).toEqual([{ attributes: { transport: 'ws' }, value: 1 }]);
      expect(got.get('sente.errors')).toEqual([{ attributes: { code: 'ERR_SENTE_BAD_PACKAGE' }, value: 1 }]);
      expect(got.get('sente.replays')).toEqual([{ attributes: { recovered: 'true' }, value: 1 }]);
      expect(got.get('sente.log.entries')).toEqual([{ attributes: {}, value: 2 }]);
      expect(got.get('sente.timers')?.[0]?.value).toBe(h.server.stats().timers);
      expect(got.get('sente.message_ids')).toEqual([{ attributes: {}, value: 0 }]);
      // The bad frame closed the first socket with 1007.
      expect(got.get('sente.ws.closes')).toEqual([{ attributes: { code: 1007 }, value: 1 }]);
      // Alice's client comes on Ajax while her WebSocket is still counted: a fallback.
      await h.ajaxGet('c1', { uid: 'alice', handshake: true, query: { 'sente-ext': '1' } });
      expect((await m.read()).get('sente.transport.switches')).toEqual([{ attributes: { from: 'ws', to: 'ajax' }, value: 1 }]);
      // An event with a message id: its id is remembered, for a retry.
      back.send(['app/x', 2], null, { m: 'm1' });
      expect((await m.read()).get('sente.message_ids')).toEqual([{ attributes: {}, value: 1 }]);
    } finally {
      await m.shutdown();
    }
  });

  it('times a WebSocket reply from its request when a meter records it', async () => {
    const m = inMemoryMeter();
    try {
      const h = new Harness({ meter: m.meter });
      const w = await h.ws('c1', { uid: 'alice' });
      w.send(['q/ask', 1], 'cb1');
      h.clock.advance(7);
      h.eventsOf('q/ask')[0]!.reply!('ok');
      const [point] = (await m.read()).get('sente.reply.duration') ?? [];
      expect(point).toMatchObject({ attributes: { transport: 'ws' }, value: { count: 1, sum: 7 } });
    } finally {
      await m.shutdown();
    }
  });

  it('times a reply on the monotonic clock: a wall clock stepped back meanwhile makes it no negative time', async () => {
    const m = inMemoryMeter();
    try {
      const h = new Harness({ meter: m.meter, clock: systemClock });
      const w = await h.ws('c1', { uid: 'alice' });
      w.send(['q/ask', 1], 'cb1');
      const realNow = Date.now.bind(Date);
      vi.spyOn(Date, 'now').mockImplementation(() => realNow() - 3_600_000);
      h.eventsOf('q/ask')[0]!.reply!('ok');
      vi.restoreAllMocks();
      const [point] = (await m.read()).get('sente.reply.duration') ?? [];
      const value = point?.value as { count: number; min: number; max: number };
      expect(value.count).toBe(1);
      expect(value.min).toBeGreaterThanOrEqual(0);
      expect(value.max).toBeLessThan(1000);
      await h.server.close();
    } finally {
      await m.shutdown();
    }
  });

  it('times an Ajax reply from its POST when a meter records it', async () => {
    const m = inMemoryMeter();
    try {
      const h = new Harness({ meter: m.meter });
      const r = h.post('c1', [['q/ask', 1], 'ajax'], { uid: 'alice' });
      await vi.waitFor(() => expect(h.eventsOf('q/ask')).toHaveLength(1));
      h.clock.advance(9);
      h.eventsOf('q/ask')[0]!.reply!('ok');
      expect((await r).body()).toEqual(['ok', null]);
      const [point] = (await m.read()).get('sente.reply.duration') ?? [];
      expect(point).toMatchObject({ attributes: { transport: 'ajax' }, value: { count: 1, sum: 9 } });
    } finally {
      await m.shutdown();
    }
  });

  it('reads no clock for the time of an Ajax reply when no meter records it', async () => {
    const h = new Harness();
    h.server.startRouter((msg) => {
      if (msg.id === 'q/ask') msg.reply?.('ok');
    });
    const now = vi.spyOn(h.clock, 'now');
    const r = await h.post('c1', [['q/ask', 1], 'ajax'], { uid: 'alice' });
    expect(r.body()).toEqual(['ok', null]);
    expect(now).not.toHaveBeenCalled();
  });

  it('reads no clock for the time of a WebSocket reply when no meter records it', async () => {
    const h = new Harness();
    const w = await h.ws('c1', { uid: 'alice' });
    const now = vi.spyOn(h.clock, 'now');
    w.send(['q/ask', 1], 'cb1');
    h.eventsOf('q/ask')[0]!.reply!('ok');
    expect(w.frames().at(-1)).toEqual(['ok', 'cb1']);
    expect(now).not.toHaveBeenCalled();
  });
});
