import { afterEach, describe, expect, it } from 'vitest';
import type { SenteClient } from '@sente/client';
import { INSPECTOR_EVENTS } from '../src/index.js';
import type { InspectorSnapshot } from '../src/index.js';
import { nodeViewer, startApp } from './support/app.js';
import type { TestApp } from './support/app.js';

let app: TestApp | undefined;
let viewer: SenteClient | undefined;
afterEach(async () => {
  viewer?.disconnect();
  viewer = undefined;
  await app?.close();
  app = undefined;
});

describe('the inspector without a probe', () => {
  it('counts events in with a router and shows pushes, batches and errors as unknown', async () => {
    app = await startApp({ probe: undefined });
    viewer = await nodeViewer(app.origin);
    const snapshots: InspectorSnapshot[] = [];
    viewer.startRouter((msg) => void (msg.id === INSPECTOR_EVENTS.snapshot && snapshots.push(msg.data as InspectorSnapshot)));
    const fay = app.connect('fay', 'ws');
    await expect.poll(() => fay.state.open, { timeout: 10_000 }).toBe(true);
    for (let i = 0; i < 25; i++) fay.send(['load/ping', i]);
    await expect.poll(() => snapshots.at(-1)?.totals.eventsIn, { timeout: 10_000 }).toBe(25);
    const last = snapshots.at(-1)!;
    expect([last.rates.pushesOut, last.totals.pushesOut, last.errors, last.cluster]).toEqual([null, null, null, null]);
    expect(snapshots.some((s) => s.rates.eventsIn > 0)).toBe(true);
    expect(last.clients.map((c) => [c.uid, c.transport])).toEqual([['fay', 'ws']]);
  });
});
