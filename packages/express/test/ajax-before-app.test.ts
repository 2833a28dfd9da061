import { afterEach, describe, expect, it } from 'vitest';
import express from 'express';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { WebSocket } from 'ws';
import { createSenteClient } from '@sente/client';
import type { Request } from 'express';
import type { AddressInfo } from 'node:net';
import type { SenteClient } from '@sente/client';
import { senteExpress } from '../src/index.js';
import type { SenteExpressOptions } from '../src/index.js';

// `ajaxBeforeApp`: Sente's Ajax answered from the http.Server's 'request' listener, before the app.

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(extra: SenteExpressOptions = {}) {
  const app = express();
  const seen: string[] = [];
  // An app middleware that every request it gets goes through first.
  app.use((req, _res, next) => {
    seen.push(req.url);
    next();
  });
  const sente = senteExpress({ csrfToken: null, userId: (req) => req.query['user'], ajaxBeforeApp: app, ...extra });
  app.use(sente.middleware);
  app.get('/page', (_req, res) => void res.send('page'));
  sente.server.startRouter((msg) => {
    if (msg.id === 'app/echo') msg.reply?.(msg.data);
  });
  const http = createServer(app).listen(0, '127.0.0.1');
  await once(http, 'listening');
  const listeners = http.listenerCount('request');
  sente.attach(http);
  cleanups.push(async () => {
    await sente.close();
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  });
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return { app, sente, http, seen, listeners, base, url: `${base}/chsk` };
}

function connect(url: string, user: string): SenteClient {
  const client = createSenteClient(url, null, { WebSocket: WebSocket as never, params: { user }, type: 'ajax' });
  cleanups.push(() => void client.disconnect());
  return client;
}

const opened = (c: SenteClient): Promise<void> =>
  new Promise((resolve) => (c.state.open ? resolve() : c.on('handshake', () => resolve())));

describe('ajaxBeforeApp', () => {
  it('answers the Ajax handshake, poll and POSTs without the app, and leaves every other request to it', async () => {
    const { seen, url, base } = await start();
    const client = connect(url, 'alice');
    await opened(client);
    expect(await client.request(['app/echo', { n: 1 }], 5000)).toEqual({ n: 1 });
    expect(seen.filter((u) => u.startsWith('/chsk'))).toEqual([]);
    const page = await fetch(`${base}/page`);
    expect(await page.text()).toBe('page');
    expect(seen).toEqual(['/page']);
  });

  it('gives hooks that read req.raw the Express request', async () => {
    const raws: Request[] = [];
    const { app, url } = await start({
      userId: (req) => {
        raws.push(req.raw);
        return req.query['user'];
      },
    });
    const client = connect(url, 'bob');
    await opened(client);
    expect(raws.length).toBeGreaterThan(0);
    const raw = raws[0] as Request;
    expect(raw.app).toBe(app);
    expect(raw.get('host')).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(raw.query['user']).toBe('bob');
    expect(typeof raw.res?.json).toBe('function');
  });

  it('puts the app back as the only request listener when Sente closes', async () => {
    const { app, sente, http, listeners, base } = await start();
    expect(http.listeners('request')).not.toContain(app);
    await sente.close();
    expect(http.listenerCount('request')).toBe(listeners);
    expect(http.listeners('request')).toContain(app);
    // Sente's path now goes through the app, whose Sente middleware answers as a closed server does.
    const res = await fetch(`${base}/chsk?client-id=c1&user=x`);
    expect(res.status).toBe(503);
  });
});
