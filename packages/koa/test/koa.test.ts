import { afterEach, describe, expect, it } from 'vitest';
import Koa from 'koa';
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import type { Server } from 'node:http';
import { senteKoa } from '../src/index.js';
import type { SenteKoa, SenteKoaOptions } from '../src/index.js';
import { ajaxGet, ajaxPost, connectWs, handshake, refusedStatus, until } from '@sente/adapter-conformance/json-peer';
import type { WsPeer } from '@sente/adapter-conformance/json-peer';

interface Started {
  app: Koa;
  sente: SenteKoa;
  httpServer: Server;
  http: string;
  ws: string;
}

const running: Started[] = [];
const peers: WsPeer[] = [];

afterEach(async () => {
  for (const p of peers.splice(0)) p.ws.terminate();
  for (const s of running.splice(0)) {
    await s.sente.close();
    const closed = new Promise((r) => s.httpServer.close(r));
    // fetch may hold a fresh keep-alive connection without a request, which close() would wait for.
    s.httpServer.closeAllConnections();
    await closed;
  }
});

async function start(options: Omit<SenteKoaOptions, 'app'>, setup?: (app: Koa) => void): Promise<Started> {
  const app = new Koa();
  const sente = senteKoa({ app, ...options });
  setup?.(app);
  app.use(sente.middleware);
  app.use((ctx) => {
    ctx.body = 'not sente';
  });
  sente.server.startRouter((msg) => {
    if (msg.id === 'app/echo') msg.reply?.({ echo: msg.data, uid: msg.uid });
  });
  const httpServer = app.listen(0, '127.0.0.1');
  await new Promise((r) => httpServer.once('listening', r));
  sente.attach(httpServer);
  const { port } = httpServer.address() as { port: number };
  const started = { app, sente, httpServer, http: `http://127.0.0.1:${port}/chsk`, ws: `ws://127.0.0.1:${port}/chsk` };
  running.push(started);
  return started;
}

async function ws(url: string, headers?: Record<string, string>): Promise<WsPeer> {
  const peer = await connectWs(url, headers);
  peers.push(peer);
  return peer;
}

const byQuery: Omit<SenteKoaOptions, 'app'> = { csrfToken: null, userId: (req) => req.query['user'] };

describe('@sente/koa', () => {
  it('handshakes over WebSocket, answers a request with its reply, and delivers a push', async () => {
    const { sente, ws: url } = await start(byQuery);
    const peer = await ws(`${url}?client-id=c1&user=alice`);
    expect(await peer.next()).toEqual(handshake('alice'));

    peer.send([['app/echo', { n: 1 }], 'cb1']);
    expect(await peer.next()).toEqual([{ echo: { n: 1 }, uid: 'alice' }, 'cb1']);

    sente.server.send('alice', ['app/news', 'hello'], { flush: true });
    expect(await peer.next()).toEqual([[['app/news', 'hello']], null]);
  });

  it('handshakes over Ajax, answers a POST with its reply, and answers a parked poll with a push', async () => {
    const { sente, http } = await start(byQuery);
    const hs = await ajaxGet(`${http}?client-id=c2&user=bob&handshake%3F=1`);
    expect(hs).toMatchObject({ status: 200, contentType: 'text/plain; charset=utf-8', body: handshake('bob') });

    const posted = await ajaxPost(`${http}?user=bob`, 'c2', [['app/echo', 'hi'], 'ajax']);
    expect(posted).toMatchObject({ status: 200, body: [{ echo: 'hi', uid: 'bob' }, null] });

    const poll = ajaxGet(`${http}?client-id=c2&user=bob`);
    await until(() => sente.server.connectedUids.ajax.has('bob'), 'the poll to park');
    sente.server.send('bob', ['app/news', 2], { flush: true });
    expect((await poll).body).toEqual([[['app/news', 2]], null]);
  });

  it('answers a parked poll through the upstream middleware, the Koa way', async () => {
    const { sente, http } = await start(byQuery, (app) => {
      app.use(async (ctx, next) => {
        await next();
        ctx.set('x-after-sente', String(ctx.status));
      });
    });
    await ajaxGet(`${http}?client-id=c2&user=bob&handshake%3F=1`);
    const poll = fetch(`${http}?client-id=c2&user=bob`);
    await until(() => sente.server.connectedUids.ajax.has('bob'), 'the poll to park');
    sente.server.send('bob', ['app/news', 3], { flush: true });
    const res = await poll;
    expect(await res.json()).toEqual([[['app/news', 3]], null]);
    expect(res.headers.get('x-after-sente')).toBe('200');
  });

  it('lets the middleware chain finish when the client abandons a parked poll', async () => {
    let finished = 0;
    const { sente, http } = await start(byQuery, (app) => {
      app.use(async (_ctx, next) => {
        await next();
        finished++;
      });
    });
    await ajaxGet(`${http}?client-id=c2&user=bob&handshake%3F=1`);
    const abort = new AbortController();
    const poll = fetch(`${http}?client-id=c2&user=bob`, { signal: abort.signal }).catch(() => 'aborted');
    await until(() => sente.server.connectedUids.ajax.has('bob'), 'the poll to park');
    const before = finished;
    abort.abort();
    expect(await poll).toBe('aborted');
    await until(() => finished === before + 1, 'the middleware to return');
    expect(sente.server.stats().ajaxClients).toBe(1);
  });

  it('gives hooks the Koa context as req.raw, on Ajax and on the upgrade', async () => {
    const raws: unknown[] = [];
    const { app, ws: url, http } = await start({
      csrfToken: null,
      upgradeMiddleware: [
        async (ctx, next) => {
          ctx.state['user'] = ctx.get('x-user');
          await next();
        },
      ],
      userId: (req) => {
        raws.push(req.raw);
        return (req.raw.state['user'] as string | undefined) ?? req.raw.get('x-user');
      },
    });
    const peer = await ws(`${url}?client-id=c1`, { 'x-user': 'frank' });
    expect(await peer.next()).toEqual(handshake('frank'));
    expect((await ajaxGet(`${http}?client-id=c2&handshake%3F=1`, { 'x-user': 'gina' })).body).toEqual(handshake('gina'));
    for (const raw of raws) expect((raw as Context).app).toBe(app);
  });

  it('answers a refused upgrade with the status of the failed check instead of upgrading', async () => {
    const { sente, ws: url } = await start({ ...byQuery, authorized: (req) => req.query['user'] !== 'mallory' });
    expect(await refusedStatus(`${url}?client-id=c1&user=mallory`)).toBe(401);
    expect(await refusedStatus(`${url}?user=alice`)).toBe(400);
    expect(sente.server.stats().wsClients).toBe(0);
  });

  it('answers 413 to a POST over maxPayloadBytes', async () => {
    const { http } = await start({ ...byQuery, maxPayloadBytes: 1024 });
    const res = await ajaxPost(`${http}?user=bob`, 'c2', [['app/echo', 'x'.repeat(2000)], 'ajax']);
    expect(res.status).toBe(413);
  });

  it('reads a form that @koa/bodyparser parsed, and bytes that it left unread', async () => {
    const { http } = await start(byQuery, (app) => {
      app.use(bodyParser());
    });
    const form = await ajaxPost(`${http}?user=bob`, 'c2', [['app/echo', 'form'], 'ajax']);
    expect(form.body).toEqual([{ echo: 'form', uid: 'bob' }, null]);
    const res = await fetch(`${http}?user=bob&client-id=c2&binary%3F=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: new TextEncoder().encode(JSON.stringify([['app/echo', 'bytes'], 'ajax'])),
    });
    expect(await res.json()).toEqual([{ echo: 'bytes', uid: 'bob' }, null]);
  });

  it('leaves other paths to the next middleware', async () => {
    const { http } = await start(byQuery);
    const res = await fetch(http.replace('/chsk', '/other'));
    expect(await res.text()).toBe('not sente');
  });

  it('closes gracefully: sockets closed, polls answered, nothing left behind', async () => {
    const { sente, http, ws: url } = await start(byQuery);
    const peer = await ws(`${url}?client-id=c1&user=alice`);
    await peer.next();
    await ajaxGet(`${http}?client-id=c2&user=bob&handshake%3F=1`);
    const poll = ajaxGet(`${http}?client-id=c2&user=bob`);
    await until(() => sente.server.connectedUids.ajax.has('bob'), 'the poll to park');

    await sente.close();
    expect((await poll).body).toEqual(['chsk/timeout', null]);
    expect(await peer.closed).toEqual({ code: 1001, reason: 'Server closing' });
    expect(sente.server.stats()).toEqual({ wsClients: 0, ajaxClients: 0, timers: 0, bufferedBatches: 0, queuedBatches: 0, queuedBytes: 0, pendingReplies: 0, loggedPushes: 0, serverRequests: 0, messageIds: 0 });
    expect((await ajaxGet(`${http}?client-id=c3&handshake%3F=1`)).status).toBe(503);
  });
});
