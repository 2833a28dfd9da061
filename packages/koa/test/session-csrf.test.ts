import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Koa from 'koa';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import session from 'koa-session';
import CSRF from 'koa-csrf';
import Tokens from 'csrf';
import type { Context } from 'koa';
import type { Server } from 'node:http';
import { senteKoa } from '../src/index.js';
import type { SenteKoa } from '../src/index.js';
import { ajaxGet, ajaxPost, connectWs, handshake, refusedStatus } from '@sente/adapter-conformance/json-peer';
import type { WsPeer } from '@sente/adapter-conformance/json-peer';

interface AppSession {
  uid?: string;
  secret?: string;
}

let sente: SenteKoa;
let httpServer: Server;
let http: string;
let wsUrl: string;
const peers: WsPeer[] = [];

// The wiring the Koa guide shows: koa-session (also on upgrades), @koa/bodyparser
// and koa-csrf for the app; Sente verifies koa-csrf's token on every request.
beforeEach(async () => {
  const app = new Koa();
  app.keys = ['a test key for signed session cookies'];
  const sessionMiddleware = session({ signed: true }, app);
  const tokens = new Tokens();
  const sessionOf = (ctx: Context): AppSession | undefined => (ctx as Context & { session?: AppSession }).session;
  sente = senteKoa({
    app,
    upgradeMiddleware: [sessionMiddleware],
    validateCsrf: (req, token) => {
      const secret = sessionOf(req.raw)?.secret;
      return secret !== undefined && token !== undefined && tokens.verify(secret, token);
    },
  });
  const router = new Router();
  router.get('/login', (ctx) => {
    const s = sessionOf(ctx) as AppSession;
    s.uid = String(ctx.query['user']);
    ctx.body = { csrfToken: ctx.state['_csrf'] };
  });
  app.use(sessionMiddleware).use(bodyParser()).use(new CSRF()).use(router.routes()).use(sente.middleware);
  sente.server.startRouter((msg) => {
    if (msg.id === 'app/whoami') msg.reply?.(msg.uid);
  });
  httpServer = app.listen(0, '127.0.0.1');
  await new Promise((r) => httpServer.once('listening', r));
  sente.attach(httpServer);
  const { port } = httpServer.address() as { port: number };
  http = `http://127.0.0.1:${port}/chsk`;
  wsUrl = `ws://127.0.0.1:${port}/chsk`;
});

afterEach(async () => {
  for (const p of peers.splice(0)) p.ws.terminate();
  await sente.close();
  const closed = new Promise((r) => httpServer.close(r));
  httpServer.closeAllConnections();
  await closed;
});

async function login(user: string): Promise<{ cookie: string; token: string }> {
  const res = await fetch(http.replace('/chsk', `/login?user=${user}`));
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  return { cookie, token: csrfToken };
}

describe('@sente/koa with koa-session, @koa/bodyparser and koa-csrf', () => {
  it('takes the uid from the session on the upgrade when the CSRF token is good', async () => {
    const { cookie, token } = await login('dana');
    const peer = await connectWs(`${wsUrl}?client-id=c1&csrf-token=${encodeURIComponent(token)}`, { cookie });
    peers.push(peer);
    expect(await peer.next()).toEqual(handshake('dana'));
  });

  it('refuses the upgrade with 403 when the CSRF token is missing or forged', async () => {
    const { cookie } = await login('dana');
    expect(await refusedStatus(`${wsUrl}?client-id=c1`, { cookie })).toBe(403);
    expect(await refusedStatus(`${wsUrl}?client-id=c1&csrf-token=forged`, { cookie })).toBe(403);
    expect(sente.server.stats().wsClients).toBe(0);
  });

  it('checks the CSRF header on Ajax and answers with the session uid', async () => {
    const { cookie, token } = await login('erin');
    const hs = await ajaxGet(`${http}?client-id=c2&handshake%3F=1`, { cookie, 'x-csrf-token': token });
    expect(hs.body).toEqual(handshake('erin'));
    expect((await ajaxGet(`${http}?client-id=c2&handshake%3F=1`, { cookie })).status).toBe(403);
    const ok = await ajaxPost(http, 'c2', [['app/whoami', null], 'ajax'], { cookie, 'x-csrf-token': token });
    expect(ok.body).toEqual(['erin', null]);
    expect((await ajaxPost(http, 'c2', [['app/whoami', null], 'ajax'], { cookie })).status).toBe(403);
  });
});
