import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import websocket from '@fastify/websocket';
import cookie from '@fastify/cookie';
import session from '@fastify/session';
import csrfProtection from '@fastify/csrf-protection';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { senteFastify } from '../src/index.js';
import { ajaxGet, ajaxPost, connectWs, handshake, refusedStatus } from '@sente/adapter-conformance/json-peer';
import type { WsPeer } from '@sente/adapter-conformance/json-peer';

declare module 'fastify' {
  interface Session {
    uid?: string | undefined;
  }
}

let app: FastifyInstance;
let http: string;
let wsUrl: string;
const peers: WsPeer[] = [];

// The wiring the fastify guide shows: @fastify/session, and @fastify/csrf-protection's
// hook on Sente's route, reading the token where Sente's client sends it.
beforeEach(async () => {
  app = Fastify({ forceCloseConnections: true });
  await app.register(cookie);
  await app.register(session, { secret: 'a secret with at least 32 characters!', cookie: { secure: false } });
  await app.register(csrfProtection, {
    sessionPlugin: '@fastify/session',
    getToken: (req: FastifyRequest) => (req.query as Record<string, string>)['csrf-token'] ?? (req.headers['x-csrf-token'] as string),
  });
  await app.register(websocket);
  await app.register(senteFastify, { onRequest: app.csrfProtection, csrfToken: null });
  app.get('/login', async (req, reply) => {
    req.session.uid = (req.query as Record<string, string>)['user'];
    return { csrfToken: reply.generateCsrf() };
  });
  app.sente.startRouter((msg) => {
    if (msg.id === 'app/whoami') msg.reply?.(msg.uid);
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  http = `http://127.0.0.1:${port}/chsk`;
  wsUrl = `ws://127.0.0.1:${port}/chsk`;
});

afterEach(async () => {
  for (const p of peers.splice(0)) p.ws.terminate();
  await app.close();
});

async function login(user: string): Promise<{ cookie: string; token: string }> {
  const res = await fetch(http.replace('/chsk', `/login?user=${user}`));
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  return { cookie, token: csrfToken };
}

describe('@sente/fastify with @fastify/session and @fastify/csrf-protection', () => {
  it("takes the uid from the session on the upgrade when the CSRF token is good", async () => {
    const { cookie, token } = await login('dana');
    const peer = await connectWs(`${wsUrl}?client-id=c1&csrf-token=${encodeURIComponent(token)}`, { cookie });
    peers.push(peer);
    expect(await peer.next()).toEqual(handshake('dana'));
  });

  it('refuses the upgrade with 403 before upgrading when the CSRF token is missing or wrong', async () => {
    const { cookie } = await login('dana');
    expect(await refusedStatus(`${wsUrl}?client-id=c1`, { cookie })).toBe(403);
    expect(await refusedStatus(`${wsUrl}?client-id=c1&csrf-token=forged`, { cookie })).toBe(403);
    expect(app.sente.stats().wsClients).toBe(0);
  });

  it('checks the CSRF header on Ajax and answers with the session uid', async () => {
    const { cookie, token } = await login('erin');
    const hs = await ajaxGet(`${http}?client-id=c2&handshake%3F=1`, { cookie, 'x-csrf-token': token });
    expect(hs.body).toEqual(handshake('erin'));
    const ok = await ajaxPost(http, 'c2', [['app/whoami', null], 'ajax'], { cookie, 'x-csrf-token': token });
    expect(ok.body).toEqual(['erin', null]);
    expect((await ajaxPost(http, 'c2', [['app/whoami', null], 'ajax'], { cookie })).status).toBe(403);
  });
});
