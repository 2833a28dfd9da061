import { afterEach, describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import { senteFastify } from '../src/index.js';
import type { SenteFastifyOptions } from '../src/index.js';
import { ajaxGet, ajaxPost, connectWs, handshake, refusedStatus, until } from '@sente/adapter-conformance/json-peer';
import type { WsPeer } from '@sente/adapter-conformance/json-peer';

interface Started {
  app: FastifyInstance;
  http: string;
  ws: string;
}

const apps: FastifyInstance[] = [];
const peers: WsPeer[] = [];

afterEach(async () => {
  for (const p of peers.splice(0)) p.ws.terminate();
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

async function start(options: SenteFastifyOptions, setup?: (app: FastifyInstance) => Promise<void>): Promise<Started> {
  const app = Fastify({ forceCloseConnections: true });
  apps.push(app);
  await app.register(websocket);
  await setup?.(app);
  await app.register(senteFastify, options);
  app.sente.startRouter((msg) => {
    if (msg.id === 'app/echo') msg.reply?.({ echo: msg.data, uid: msg.uid });
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  return { app, http: `http://127.0.0.1:${port}/chsk`, ws: `ws://127.0.0.1:${port}/chsk` };
}

async function ws(url: string, headers?: Record<string, string>): Promise<WsPeer> {
  const peer = await connectWs(url, headers);
  peers.push(peer);
  return peer;
}

const byQuery: SenteFastifyOptions = { csrfToken: null, userId: (req) => req.query['user'] };

describe('@sente/fastify', () => {
  it('handshakes over WebSocket, answers a request with its reply, and delivers a push', async () => {
    const { app, ws: url } = await start(byQuery);
    const peer = await ws(`${url}?client-id=c1&user=alice`);
    expect(await peer.next()).toEqual(handshake('alice'));

    peer.send([['app/echo', { n: 1 }], 'cb1']);
    expect(await peer.next()).toEqual([{ echo: { n: 1 }, uid: 'alice' }, 'cb1']);

    app.sente.send('alice', ['app/news', 'hello'], { flush: true });
    expect(await peer.next()).toEqual([[['app/news', 'hello']], null]);
  });

  it('handshakes over Ajax, answers a POST with its reply, and answers a parked poll with a push', async () => {
    const { app, http } = await start(byQuery);
    const hs = await ajaxGet(`${http}?client-id=c2&user=bob&handshake%3F=1`);
    expect(hs.body).toEqual(handshake('bob'));

    const posted = await ajaxPost(`${http}?user=bob`, 'c2', [['app/echo', 'hi'], 'ajax']);
    expect(posted).toMatchObject({ status: 200, body: [{ echo: 'hi', uid: 'bob' }, null] });

    const poll = ajaxGet(`${http}?client-id=c2&user=bob`);
    await until(() => app.sente.connectedUids.ajax.has('bob'), 'the poll to park');
    app.sente.send('bob', ['app/news', 2], { flush: true });
    expect((await poll).body).toEqual([[['app/news', 2]], null]);
  });

  it('keeps the headers that hooks set when it parks a poll', async () => {
    const { http } = await start({
      ...byQuery,
      onRequest: async (_req, reply) => {
        reply.header('x-from-hook', 'yes');
      },
    });
    const res = await fetch(`${http}?client-id=c3&user=carol&handshake%3F=1`);
    await res.text();
    expect(res.headers.get('x-from-hook')).toBe('yes');
  });

  it('answers a refused upgrade with the status of the failed check instead of upgrading', async () => {
    const { app, ws: url } = await start({ ...byQuery, authorized: (req) => req.query['user'] !== 'mallory' });
    expect(await refusedStatus(`${url}?client-id=c1&user=mallory`)).toBe(401);
    expect(await refusedStatus(`${url}?user=alice`)).toBe(400);
    expect(app.sente.stats()).toMatchObject({ wsClients: 0 });
  });

  it('answers 413 to a POST over maxPayloadBytes', async () => {
    const { http } = await start({ ...byQuery, maxPayloadBytes: 1024 });
    const res = await ajaxPost(`${http}?user=bob`, 'c2', [['app/echo', 'x'.repeat(2000)], 'ajax']);
    expect(res.status).toBe(413);
  });

  it("keeps Sente's body parsing on Sente's route", async () => {
    const { http } = await start(byQuery, async (app) => {
      app.post('/form', async (req) => req.body);
    });
    const res = await fetch(http.replace('/chsk', '/form'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=1',
    });
    expect(res.status).toBe(415);
  });

  it('closes with the instance: sockets closed, polls answered, nothing left behind', async () => {
    const { app, http, ws: url } = await start(byQuery);
    const server = app.sente;
    const peer = await ws(`${url}?client-id=c1&user=alice`);
    await peer.next();
    await ajaxGet(`${http}?client-id=c2&user=bob&handshake%3F=1`);
    const poll = ajaxGet(`${http}?client-id=c2&user=bob`);
    await until(() => server.connectedUids.ajax.has('bob'), 'the poll to park');

    await app.close();
    expect((await poll).body).toEqual(['chsk/timeout', null]);
    expect(await peer.closed).toEqual({ code: 1001, reason: 'Server closing' });
    expect(server.closed).toBe(true);
    expect(server.stats()).toEqual({ wsClients: 0, ajaxClients: 0, timers: 0, bufferedBatches: 0, queuedBatches: 0, queuedBytes: 0, pendingReplies: 0, loggedPushes: 0, serverRequests: 0, messageIds: 0 });
    expect(server.connectedUids.any.size).toBe(0);
    expect(app.server.listening).toBe(false);
  });

  it('requires @fastify/websocket to be registered first', async () => {
    const app = Fastify();
    apps.push(app);
    await expect(app.register(senteFastify, byQuery)).rejects.toMatchObject({ code: 'FST_ERR_PLUGIN_DEPENDENCY_NOT_REGISTERED' });
  });
});
