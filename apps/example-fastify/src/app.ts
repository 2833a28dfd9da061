import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import cookie from '@fastify/cookie';
import session from '@fastify/session';
import csrfProtection from '@fastify/csrf-protection';
import websocket from '@fastify/websocket';
import { senteFastify, senteOf } from '@sente/fastify';
import type { Chat } from '@sente/example-chat';
import { FAVICON_TYPE, buildChatPage, installChat } from '@sente/example-chat';
import { packer } from './packer.js';

declare module 'fastify' {
  interface Session {
    uid?: string | undefined;
  }
}

/** A running example app. */
export interface Example {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts the chat on fastify, wired the way fastify apps are: @fastify/session
 * (in memory), @fastify/csrf-protection's hook on Sente's route (it runs
 * before the upgrade too), and the @sente/fastify plugin.
 */
export async function startExample(options: { port?: number; host?: string } = {}): Promise<Example> {
  const page = await buildChatPage(fileURLToPath(new URL('./packer.ts', import.meta.url)));
  const app = Fastify();

  // Embedded defaults: the in-memory session store and a per-process secret.
  await app.register(cookie);
  await app.register(session, {
    secret: randomBytes(32).toString('hex'),
    cookieName: 'example.sid',
    cookie: { secure: false, sameSite: 'lax' },
  });
  await app.register(csrfProtection, {
    sessionPlugin: '@fastify/session',
    // Sente's client sends the token as a query parameter on the upgrade, as a header on Ajax.
    getToken: (req) => (req.query as Record<string, string | undefined>)['csrf-token'] ?? (req.headers['x-csrf-token'] as string | undefined),
  });
  await app.register(websocket);
  await app.register(senteFastify, {
    packer,
    onRequest: app.csrfProtection,
    csrfToken: null, // csrfProtection checked the token
    handshakeData: () => ({ motd: 'Welcome to the Sente chat' }),
  });
  installChat(senteOf<Chat>(app));

  app.get('/', async (_req, reply) => reply.type('text/html').send(page.html(reply.generateCsrf())));
  app.get('/browser.js', async (_req, reply) => reply.type('text/javascript').send(page.script));
  app.get('/favicon.ico', async (_req, reply) => reply.type(FAVICON_TYPE).send(page.favicon));
  app.post('/login', { onRequest: app.csrfProtection }, async (req, reply) => {
    const body = req.body as { user?: unknown } | undefined;
    const user = typeof body?.user === 'string' ? body.user.trim().slice(0, 32) : '';
    // A new session on login (no fixation); the client reconnects so that Sente reads the new uid.
    await req.session.regenerate();
    if (user) req.session.uid = user;
    return { uid: user || null, csrfToken: reply.generateCsrf() };
  });

  const host = options.host ?? '127.0.0.1';
  await app.listen({ port: options.port ?? 3001, host });
  const { port } = app.server.address() as { port: number };
  return {
    url: `http://${host}:${port}/`,
    async close() {
      await app.close();
    },
  };
}
