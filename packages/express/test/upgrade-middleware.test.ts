import { afterEach, describe, expect, it } from 'vitest';
import express from 'express';
import { WebSocket } from 'ws';
import { serveNodeHttp } from '@sente/adapter-conformance';
import type { RequestHandler } from 'express';
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
  const served = await serveNodeHttp(app, sente);
  cleanups.push(served.close);
  return { server: sente.server, url: served.url.replace(/^http/, 'ws') };
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
