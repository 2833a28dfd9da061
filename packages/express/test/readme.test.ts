import { afterEach, describe, expect, it } from 'vitest';
import express from 'express';
import { WebSocket } from 'ws';
import { createSenteClient } from '@sente/client';
import { serveNodeHttp } from '@sente/adapter-conformance';
import type { SenteClient } from '@sente/client';
import { senteExpress } from '../src/index.js';
import type { SenteExpressOptions } from '../src/index.js';

// The README's quick start, as a user would write it from the README alone.

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startServer(extra: SenteExpressOptions = {}) {
  const app = express();
  const sente = senteExpress({ csrfToken: null, userId: (req) => req.query['user'], ...extra });
  app.use(sente.middleware);
  sente.server.startRouter((msg) => {
    if (msg.id === 'chat/hello') msg.reply?.({ hi: msg.uid });
  });
  const served = await serveNodeHttp(app, sente);
  cleanups.push(served.close);
  return { sente, url: served.url };
}

function connect(url: string, user: string, type: 'auto' | 'ws' | 'ajax' = 'auto'): SenteClient {
  const client = createSenteClient(url, null, { WebSocket: WebSocket as never, params: { user }, type });
  cleanups.push(() => void client.disconnect());
  return client;
}

const opened = (c: SenteClient): Promise<void> =>
  new Promise((resolve) => (c.state.open ? resolve() : c.on('handshake', () => resolve())));

function received(c: SenteClient, id: string): unknown[] {
  const got: unknown[] = [];
  c.startRouter((msg) => {
    if (msg.id === id) got.push(msg.data);
  });
  return got;
}

describe('the README quick start', () => {
  it('connects over WebSocket and over Ajax, and gets replies within the timeout', async () => {
    const { url } = await startServer();
    for (const type of ['ws', 'ajax'] as const) {
      const client = connect(url, `user-${type}`, type);
      await opened(client);
      expect(client.state.type).toBe(type);
      expect(await client.request(['chat/hello', {}], 5000)).toEqual({ hi: `user-${type}` });
    }
  });

  it('pushes to every client of a uid (a WebSocket tab and an Ajax tab), in send order', async () => {
    const { sente, url } = await startServer();
    const tab1 = connect(url, 'alice', 'ws');
    const tab2 = connect(url, 'alice', 'ajax');
    const got1 = received(tab1, 'chat/tick');
    const got2 = received(tab2, 'chat/tick');
    await Promise.all([opened(tab1), opened(tab2)]);
    await expect.poll(() => sente.server.connectedUids.ajax.has('alice'), { timeout: 5000 }).toBe(true);
    for (let n = 0; n < 50; n++) sente.server.send('alice', ['chat/tick', n], { flush: n % 7 === 0 });
    const all = Array.from({ length: 50 }, (_, n) => n);
    await expect.poll(() => got1, { timeout: 5000 }).toEqual(all);
    await expect.poll(() => got2, { timeout: 5000 }).toEqual(all);
  });

  it('shows connected uids change as users come and go', async () => {
    const { sente, url } = await startServer({ msAllowReconnectBeforeCloseWs: 200 });
    const changes: string[] = [];
    sente.server.watchConnectedUids((_uids, c) => c.any && changes.push(`${c.connected ? '+' : '-'}${c.uid}`));
    const bob = connect(url, 'bob', 'ws');
    await opened(bob);
    expect([...sente.server.connectedUids.any]).toEqual(['bob']);
    bob.disconnect();
    await expect.poll(() => sente.server.connectedUids.any.size, { timeout: 5000 }).toBe(0);
    expect(changes).toEqual(['+bob', '-bob']);
  });

  it('falls back to Ajax by itself when the WebSocket is refused', async () => {
    const { url } = await startServer({ reject: (req) => (req.websocket ? { status: 403, body: 'No WebSockets here' } : null) });
    const client = connect(url, 'carol');
    await opened(client);
    expect(client.state.type).toBe('ajax');
    expect(await client.request(['chat/hello', {}], 5000)).toEqual({ hi: 'carol' });
  });
});
