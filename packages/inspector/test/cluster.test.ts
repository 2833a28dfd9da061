import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer } from '@sente/adapter-conformance/redis-server';
import type { RedisServer } from '@sente/adapter-conformance/redis-server';
import { createRedisBackplane } from '@sente/redis';
import type { RedisBackplane } from '@sente/redis';
import type { SenteClient } from '@sente/client';
import type { Browser, BrowserContext } from 'playwright-core';
import { createSenteServer } from '@sente/core';
import { json } from '@sente/packer-json';
import { INSPECTOR_EVENTS, createInspector } from '../src/index.js';
import type { InspectorSnapshot } from '../src/index.js';
import { PASS, launchChromium, nodeViewer, startApp } from './support/app.js';
import type { TestApp } from './support/app.js';

let redis: RedisServer;
let run = 0;
const apps: TestApp[] = [];
const viewers: SenteClient[] = [];
let browser: Browser | undefined;
let context: BrowserContext | undefined;

beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await browser?.close();
  await redis?.stop();
});
afterEach(async () => {
  for (const v of viewers.splice(0)) v.disconnect();
  await context?.close();
  context = undefined;
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

/** Starts one node per name: an app server on a Redis backplane (prefix of its own per test), its inspector given the backplane. */
async function startCluster(names: readonly string[]): Promise<{ apps: TestApp[]; backplanes: RedisBackplane[] }> {
  const prefix = `inspector-${++run}`;
  const backplanes: RedisBackplane[] = [];
  const started: TestApp[] = [];
  for (const name of names) {
    const backplane = createRedisBackplane({ url: redis.url, prefix, nodeId: name, heartbeatMs: 200, presenceTtlMs: 800, releaseDelayMs: 100 });
    const app = await startApp({ backplane, intervalMs: 1000 }, { backplane });
    await backplane.ready;
    apps.push(app);
    started.push(app);
    backplanes.push(backplane);
  }
  return { apps: started, backplanes };
}

/** A viewer of `app`'s feed, with the snapshots it received. */
async function watch(app: TestApp): Promise<InspectorSnapshot[]> {
  const viewer = await nodeViewer(app.origin);
  viewers.push(viewer);
  const snapshots: InspectorSnapshot[] = [];
  viewer.startRouter((msg) => void (msg.id === INSPECTOR_EVENTS.snapshot && snapshots.push(msg.data as InspectorSnapshot)));
  return snapshots;
}

/** Each node listed in the latest snapshot: `[id, ws clients, ajax clients]`. */
const nodesOf = (snapshots: InspectorSnapshot[]): [string, number, number][] | undefined =>
  snapshots.at(-1)?.cluster?.nodes.map((n) => [n.nodeId, n.stats.wsClients, n.stats.ajaxClients]);

describe('the inspector of a cluster (Redis backplane)', () => {
  it('lists each node and the total as clients connect on different nodes; a node that stops leaves the list', { timeout: 30_000 }, async () => {
    const { apps: [a, b, c], backplanes } = await startCluster(['node-a', 'node-b', 'node-c']);
    // The viewer is on node-a only: the other nodes sample because it watches.
    const snapshots = await watch(a!);
    await expect.poll(() => nodesOf(snapshots), { timeout: 10_000 }).toEqual([
      ['node-a', 0, 0],
      ['node-b', 0, 0],
      ['node-c', 0, 0],
    ]);
    expect(snapshots.at(-1)!.cluster!.nodeId).toBe('node-a');

    a!.connect('ann', 'ws');
    b!.connect('bob', 'ajax');
    b!.connect('bob', 'ws');
    const cy = c!.connect('cy', 'ws');
    await expect.poll(() => nodesOf(snapshots), { timeout: 10_000 }).toEqual([
      ['node-a', 1, 0],
      ['node-b', 1, 1],
      ['node-c', 1, 0],
    ]);
    let last = snapshots.at(-1)!;
    expect(last.cluster!.total).toMatchObject({ nodes: 3, clientCount: 4, stats: { wsClients: 3, ajaxClients: 1 } });
    // The connected uids are the cluster's; the client list is this node's.
    expect(last.uids.any).toBe(3);
    expect(last.clients.map((c) => c.uid)).toEqual(['ann']);

    // Events that reach node-c count there, and in the total.
    await expect.poll(() => cy.state.open, { timeout: 10_000 }).toBe(true);
    for (let i = 0; i < 7; i++) cy.send(['load/ping', i]);
    const nodeC = (): number | undefined => snapshots.at(-1)?.cluster?.nodes.find((n) => n.nodeId === 'node-c')?.totals.eventsIn;
    await expect.poll(nodeC, { timeout: 10_000 }).toBeGreaterThanOrEqual(7);
    last = snapshots.at(-1)!;
    expect(last.cluster!.total.totals.eventsIn).toBe(last.cluster!.nodes.reduce((s, n) => s + n.totals.eventsIn, 0));
    expect(last.cluster!.total.totals.pushesOut).toBe(last.cluster!.nodes.reduce((s, n) => s + (n.totals.pushesOut ?? 0), 0));

    // A bad request on node-b is counted there, by code, and in the total.
    const bad = await fetch(`${b!.origin}/chsk?uid=zed`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'event=%5Bnot-json' });
    expect(bad.status).toBeGreaterThanOrEqual(400);
    const errorsOf = (id: string): Readonly<Record<string, number>> | null | undefined => snapshots.at(-1)?.cluster?.nodes.find((n) => n.nodeId === id)?.errors;
    await expect.poll(() => Object.keys(errorsOf('node-b') ?? {}).length, { timeout: 10_000 }).toBeGreaterThan(0);
    last = snapshots.at(-1)!;
    expect(errorsOf('node-a')).toEqual({});
    expect(last.cluster!.total.errors).toEqual(errorsOf('node-b'));

    // node-c stops as a crash would (no goodbye): it goes once not heard from for 3 intervals.
    backplanes[2]!.abandon();
    await expect.poll(() => nodesOf(snapshots)?.map((n) => n[0]), { timeout: 10_000 }).toEqual(['node-a', 'node-b']);
    expect(last.cluster!.staleAfterMs).toBe(3000);
    // node-b closes (its inspector says goodbye): it goes at the next sample.
    const bIndex = apps.indexOf(b!);
    apps.splice(bIndex, 1);
    await b!.close();
    await expect.poll(() => nodesOf(snapshots)?.map((n) => n[0]), { timeout: 5000 }).toEqual(['node-a']);
    expect(snapshots.at(-1)!.cluster!.total).toMatchObject({ nodes: 1, clientCount: 1, stats: { wsClients: 1, ajaxClients: 0 } });
  });

  it('samples on the other nodes only while someone watches somewhere', async () => {
    const { apps: [a, b] } = await startCluster(['node-a', 'node-b']);
    await new Promise((r) => setTimeout(r, 1200));
    expect([a!.inspector.watching, b!.inspector.watching]).toEqual([false, false]);
    const snapshots = await watch(b!);
    await expect.poll(() => nodesOf(snapshots)?.map((n) => n[0]), { timeout: 10_000 }).toEqual(['node-a', 'node-b']);
    expect(a!.inspector.watching).toBe(true);
    for (const v of viewers.splice(0)) v.disconnect();
    // Once node-b's samples stop saying "watched", node-a stops within 3 intervals.
    await expect.poll(() => a!.inspector.watching, { timeout: 10_000 }).toBe(false);
    expect(b!.inspector.watching).toBe(false);
  });

  it('asks for an interval of at least 1 s with a backplane', async () => {
    const backplane = createRedisBackplane({ url: redis.url, prefix: `inspector-${++run}` });
    const server = createSenteServer({ packer: json });
    try {
      expect(() => createInspector(server, { backplane, intervalMs: 500 })).toThrow(/with a backplane, option "intervalMs" must be at least 1000/);
      expect(() => createInspector(server, { backplane, intervalMs: 1000 }).close()).not.toThrow();
    } finally {
      backplane.abandon();
      await server.close();
    }
  });

  it('shows the nodes and their total on the page', async () => {
    const { apps: [a, b] } = await startCluster(['node-a', 'node-b']);
    browser ??= await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    await context.addCookies([{ ...PASS, url: a!.origin }]);
    const page = await context.newPage();
    await page.goto(`${a!.origin}/inspector`);
    b!.connect('dee', 'ws');
    b!.connect('eve', 'ajax');
    const rows = (): Promise<string[][]> =>
      page.$$eval('#nodes tbody tr, #nodes tfoot tr', (trs) => trs.map((tr) => [...(tr as HTMLTableRowElement).cells].slice(0, 3).map((td) => td.textContent ?? '')));
    await expect.poll(rows, { timeout: 10_000 }).toEqual([
      ['node-a', '0', '0'],
      ['node-b', '1', '1'],
      ['total', '1', '1'],
    ]);
    expect(await page.getAttribute('#nodes tbody tr.self', 'data-node')).toBe('node-a');
    expect(await page.isVisible('#cluster')).toBe(true);
  });
});
