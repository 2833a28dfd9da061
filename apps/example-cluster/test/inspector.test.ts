import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createSenteClient } from '@sente/client';
import type { SenteClient } from '@sente/client';
import { startCluster } from '../src/cluster.js';
import type { Cluster } from '../src/cluster.js';

let cluster: Cluster;
let viewer: SenteClient | undefined;

beforeAll(async () => {
  cluster = await startCluster({ port: 0 });
}, 60_000);
afterAll(async () => {
  viewer?.disconnect();
  await cluster?.close();
});

describe('the inspector of the example cluster', () => {
  it('lists the three processes and their total on the page of one of them', async () => {
    const origin = (cluster.nodeUrls[0] as string).replace(/\/$/, '');
    const html = await (await fetch(`${origin}/inspector`)).text();
    expect(html).toContain('id="nodes"');
    const token = /data-csrf="([^"]+)"/.exec(html)?.[1] ?? '';
    viewer = createSenteClient(`${origin}/inspector/chsk`, token, { type: 'ws', WebSocket: WebSocket as never });
    let latest: { cluster: { nodeId: string; nodes: { nodeId: string }[]; total: { nodes: number } } | null } | undefined;
    viewer.startRouter((msg) => {
      if (msg.id === 'sente-inspector/snapshot') latest = msg.data as typeof latest;
    });
    await expect.poll(() => latest?.cluster?.total.nodes, { timeout: 15_000 }).toBe(3);
    const ids = latest!.cluster!.nodes.map((n) => n.nodeId);
    expect(new Set(ids).size).toBe(3);
    expect(ids).toContain(latest!.cluster!.nodeId);
  }, 30_000);
});
