import { describe, expect, it } from 'vitest';
import { createNoopMeter } from '@opentelemetry/api';
import { createSenteServer, senteError } from '@sente/core';
import type { SenteError, SenteServer } from '@sente/core';
import { FakeClock } from '@sente/core/internal';
import { json } from '@sente/packer-json';
import { createInspector, createInspectorProbe } from '../src/index.js';
import type { InspectorSnapshot } from '../src/index.js';
import { Sampler } from '../src/sampler.js';

function setup(): { clock: FakeClock; server: SenteServer; probe: ReturnType<typeof createInspectorProbe>; sampler: Sampler; published: InspectorSnapshot[] } {
  const clock = new FakeClock();
  const probe = createInspectorProbe();
  const server = createSenteServer({ packer: json, clock, ...probe.serverOptions });
  const published: InspectorSnapshot[] = [];
  const sampler = new Sampler({
    server,
    tally: probe.tally,
    probed: true,
    intervalMs: 1000,
    maxClients: 10,
    showRemoteAddress: false,
    actions: { disconnect: false, testPush: false },
    clock,
    publish: (s) => published.push(s),
  });
  return { clock, server, probe, sampler, published };
}

describe('the sampler', () => {
  it('holds no timer and publishes nothing until started, and none after it stopped', () => {
    const { clock, sampler, published } = setup();
    clock.advance(5000);
    expect([clock.pending, published.length]).toEqual([0, 0]);
    sampler.start();
    sampler.start();
    expect(clock.pending).toBe(1);
    clock.advance(3000);
    expect(published.length).toBe(3);
    sampler.stop();
    expect(clock.pending).toBe(0);
    clock.advance(5000);
    expect(published.length).toBe(3);
  });

  it('turns the counters into rates per second over each interval', () => {
    const { clock, server, probe, sampler, published } = setup();
    sampler.start();
    for (let i = 0; i < 30; i++) server.send('ann', ['app/news', i]);
    clock.advance(1000);
    clock.advance(1000);
    expect(published.map((s) => s.rates.pushesOut)).toEqual([30, 0]);
    expect(published[0]?.totals.pushesOut).toBe(30);
    expect(probe.tally.pushesOut).toBe(30);
    sampler.stop();
  });
});

describe('the probe', () => {
  it('counts each problem by code and hands it on to the app\'s onError', () => {
    const seen: string[] = [];
    const probe = createInspectorProbe({ onError: (e: SenteError) => seen.push(e.code) });
    probe.serverOptions.onError(senteError('ERR_SENTE_RATE_LIMITED'), {});
    probe.serverOptions.onError(senteError('ERR_SENTE_RATE_LIMITED'), {});
    probe.serverOptions.onError(senteError('ERR_SENTE_BAD_CSRF'), {});
    expect(Object.fromEntries(probe.tally.errors)).toEqual({ ERR_SENTE_RATE_LIMITED: 2, ERR_SENTE_BAD_CSRF: 1 });
    expect(seen).toEqual(['ERR_SENTE_RATE_LIMITED', 'ERR_SENTE_RATE_LIMITED', 'ERR_SENTE_BAD_CSRF']);
  });

  it('forwards every instrument to the app\'s own meter', () => {
    const added: [string, number][] = [];
    const noop = createNoopMeter();
    const meter = Object.assign(Object.create(noop) as typeof noop, {
      createCounter: (name: string) => ({ add: (v: number) => void added.push([name, v]) }),
    });
    const probe = createInspectorProbe({ meter });
    const server = createSenteServer({ packer: json, clock: new FakeClock(), ...probe.serverOptions });
    server.send('ann', ['app/news', 1]);
    expect(added).toEqual([['sente.pushes', 1]]);
    expect(probe.tally.pushesOut).toBe(1);
  });
});

describe('createInspector', () => {
  it('refuses a path that is not absolute and an interval under 10 ms, with exact messages', () => {
    const server = createSenteServer({ packer: json, clock: new FakeClock() });
    expect(() => createInspector(server, { path: 'inspector' })).toThrow('@sente/inspector: option "path" must start with "/"');
    expect(() => createInspector(server, { intervalMs: 0 })).toThrow('@sente/inspector: option "intervalMs" must be a number of at least 10');
  });

  it('refuses every page request when the app gives no authorize hook, even from the loopback', async () => {
    const server = createSenteServer({ packer: json, clock: new FakeClock() });
    const inspector = createInspector(server);
    const req = { method: 'GET', websocket: false, query: {}, headers: {}, remoteAddress: '127.0.0.1', raw: undefined };
    expect(await inspector.page(req, '/inspector')).toMatchObject({ status: 403, body: 'Forbidden' });
    expect(await inspector.page(req, '/elsewhere')).toBeUndefined();
    inspector.close();
  });
});
