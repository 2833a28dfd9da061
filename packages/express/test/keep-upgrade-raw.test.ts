import { afterEach, describe, expect, it } from 'vitest';
import express from 'express';
import { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import { createSenteClient } from '@sente/client';
import { serveNodeHttp } from '@sente/adapter-conformance';
import type { Request, RequestHandler } from 'express';
import type { SenteClient } from '@sente/client';
import type { SenteRequest } from '@sente/core';
import { senteExpress } from '../src/index.js';

// `keepUpgradeRaw: false`: a socket keeps the request view of its upgrade, not Node's request.

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A stand-in for a session middleware: it puts the session on the request. */
const session: RequestHandler = (req, _res, next) => {
  (req as { session?: unknown }).session = { uid: String(req.query['user']) };
  next();
};

async function start(keepUpgradeRaw: boolean | undefined, upgradeMiddleware: RequestHandler[] = [session]) {
  const app = express();
  const hooks: SenteRequest[] = [];
  const sente = senteExpress({
    csrfToken: null,
    upgradeMiddleware,
    ...(keepUpgradeRaw === undefined ? {} : { keepUpgradeRaw }),
    userId: (req) => {
      hooks.push(req);
      return (req.session as { uid: string } | undefined)?.uid ?? req.query['user'];
    },
  });
  app.use(sente.middleware);
  const events: SenteRequest[] = [];
  sente.server.startRouter((msg) => {
    if (msg.id !== 'app/who') return;
    events.push(msg.request);
    msg.reply?.(msg.uid);
  });
  const served = await serveNodeHttp(app, sente);
  cleanups.push(served.close);
  return { hooks, events, url: served.url };
}

function connect(url: string, user: string): SenteClient {
  const client = createSenteClient(url, null, { WebSocket: WebSocket as never, params: { user }, type: 'ws' });
  cleanups.push(() => void client.disconnect());
  return client;
}

const who = (c: SenteClient): Promise<unknown> =>
  new Promise((resolve) => {
    const ask = (): void => void c.send(['app/who', null], 5000, resolve);
    if (c.state.open) ask();
    else c.on('handshake', ask);
  });

describe('keepUpgradeRaw on Express', () => {
  it('false: the hooks of the handshake get Node’s request as raw; the socket’s events get the view without it', async () => {
    const { hooks, events, url } = await start(false);
    expect(await who(connect(url, 'alice'))).toBe('alice');
    expect(hooks[0]?.raw).toBeInstanceOf(IncomingMessage);
    const req = events[0]!;
    expect(req.raw).toBeUndefined();
    expect(req).toMatchObject({ websocket: true, method: 'GET', query: { user: 'alice' }, session: { uid: 'alice' }, remoteAddress: '127.0.0.1' });
    expect(req.headers['upgrade']).toBe('websocket');
  });

  it('by default: the socket’s events get the upgrade’s Node request as raw, as its hooks did', async () => {
    const { hooks, events, url } = await start(undefined);
    expect(await who(connect(url, 'bob'))).toBe('bob');
    expect(events[0]?.raw).toBeInstanceOf(IncomingMessage);
    expect(events[0]?.raw).toBe(hooks[0]?.raw);
  });

  it('by default: the kept request holds no parse of its URL until something reads its Express query, which then works', async () => {
    // No upgrade middleware: nothing of the app's reads `req.query` during the handshake.
    const { events, url } = await start(undefined, []);
    expect(await who(connect(url, 'carol'))).toBe('carol');
    const raw = events[0]?.raw as Request & { _parsedUrl?: unknown };
    expect(raw).toBeInstanceOf(IncomingMessage);
    // Express's URL parse (parseurl's cache) would live as long as the socket.
    expect(raw._parsedUrl).toBeUndefined();
    expect(raw.query['user']).toBe('carol');
    expect(raw._parsedUrl).toBeDefined();
  });
});
