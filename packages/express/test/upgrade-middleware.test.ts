import { afterEach, describe, expect, it } from 'vitest';
import express from 'express';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { WebSocket } from 'ws';
import type { RequestHandler } from 'express';
import type { AddressInfo } from 'node:net';
import { senteExpress } from '../src/index.js';

// Upgrade middleware that fails: the upgrade is answered 500 (ERR_SENTE_HOOK_FAILED), and the server goes on.

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(upgradeMiddleware: RequestHandler[]) {
  const app = express();
  const sente = senteExpress({
    csrfToken: null,
    upgradeMiddleware,
    userId: (req) => req.query['user'],
  });
  app.use(sente.middleware);
  const http = createServer(app).listen(0, '127.0.0.1');
  await once(http, 'listening');
  sente.attach(http);
  cleanups.push(async () => {
    await sente.close();
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  });
  return { server: sente.server, url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}/chsk` };
}

/** Opens a socket; resolves with the first frame's event id, or the refused upgrade's status. */
function upgrade(url: string, user: string): Promise<{ status: number } | { first: string }> {
  const ws = new WebSocket(`${url}?client-id=c-${user}&user=${user}`);
  cleanups.push(() => ws.terminate());
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0 });
    });
    ws.once('message', (data) => resolve({ first: (JSON.parse(String(data)) as [[string]])[0][0] }));
    ws.once('error', reject);
  });
}

describe('upgradeMiddleware that fails', () => {
  const cases: [string, RequestHandler][] = [
    ['passes an error to next()', (_req, _res, next) => next(new Error('no session store'))],
    ['throws', () => {
      throw new Error('no session store');
    }],
  ];
  for (const [what, failing] of cases) {
    it(`${what}: the upgrade is answered 500, and the next upgrade opens`, async () => {
      let fail = true;
      const sometimes: RequestHandler = (req, res, next) => (fail ? failing(req, res, next) : next());
      const { server, url } = await start([sometimes]);
      expect(await upgrade(url, 'alice')).toEqual({ status: 500 });
      expect(server.stats().wsClients).toBe(0);
      fail = false;
      expect(await upgrade(url, 'bob')).toEqual({ first: 'chsk/handshake' });
      expect(server.stats().wsClients).toBe(1);
    });
  }
});
