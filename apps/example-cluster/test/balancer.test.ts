import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { startBalancer } from '../src/balancer.js';
import type { Balancer } from '../src/balancer.js';

/** A backend that answers its name on HTTP and on WebSocket. */
async function backend(name: string): Promise<{ origin: string; http: Server; close: () => Promise<void> }> {
  const http = createServer((_req, res) => res.end(name));
  const wss = new WebSocketServer({ server: http });
  wss.on('connection', (ws) => ws.send(name));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  return {
    origin: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    http,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}

function firstMessage(url: string): Promise<string> {
  const ws = new WebSocket(url);
  return new Promise((resolve, reject) => {
    ws.once('message', (data) => {
      resolve(String(data));
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

describe('the example cluster’s balancer', () => {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  async function setup(): Promise<{ balancer: Balancer; backends: Awaited<ReturnType<typeof backend>>[] }> {
    const backends = await Promise.all(['a', 'b', 'c'].map(backend));
    for (const b of backends) stops.push(b.close);
    const balancer = await startBalancer(
      backends.map((b) => b.origin),
      { port: 0, host: '127.0.0.1' },
    );
    stops.push(balancer.close);
    return { balancer, backends };
  }

  it('sends each request, even on one keep-alive connection, and each WebSocket upgrade to the next process in turn', async () => {
    const { balancer } = await setup();
    const names: string[] = [];
    for (let i = 0; i < 6; i++) names.push(await (await fetch(balancer.url)).text());
    expect(names).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
    const ws = balancer.url.replace(/^http/, 'ws');
    expect([await firstMessage(ws), await firstMessage(ws), await firstMessage(ws)]).toEqual(['a', 'b', 'c']);
  });

  it('answers 502 for a request to a process that is down, and keeps serving', async () => {
    const { balancer, backends } = await setup();
    await (backends[1] as { close: () => Promise<void> }).close();
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(balancer.url)).status);
    expect(statuses).toEqual([200, 502, 200]);
  });
});
