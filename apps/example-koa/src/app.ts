import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import Koa from 'koa';
import Router from '@koa/router';
import session from 'koa-session';
import { bodyParser } from '@koa/bodyparser';
import CSRF from 'koa-csrf';
import Tokens from 'csrf';
import { senteKoa } from '@sente/koa';
import type { Chat } from '@sente/example-chat';
import { FAVICON_TYPE, buildChatPage, installChat, listenWithSente } from '@sente/example-chat';
import type { NodeExample } from '@sente/example-chat';
import { packer } from './packer.js';

/** A running example app. */
export type Example = NodeExample;

interface ChatSession {
  uid?: string;
  secret?: string;
}

/**
 * Starts the chat on Koa, wired the way Koa apps are: koa-session (a signed
 * cookie), @koa/bodyparser and koa-csrf; Sente verifies koa-csrf's token on
 * every request, the WebSocket upgrade included.
 */
export async function startExample(options: { port?: number; host?: string } = {}): Promise<Example> {
  const page = await buildChatPage(fileURLToPath(new URL('./packer.ts', import.meta.url)));
  const app = new Koa();
  // Embedded defaults: a per-process signing key, the session in its cookie.
  app.keys = [randomBytes(32).toString('hex')];
  const sessionMiddleware = session({ key: 'example.sess', signed: true, sameSite: 'lax' }, app);
  const tokens = new Tokens();

  const sente = senteKoa<Chat>({
    app,
    packer,
    upgradeMiddleware: [sessionMiddleware],
    // koa-csrf checks POSTs only: Sente checks its token on every request, upgrades included.
    validateCsrf: (req, token) => {
      const secret = (req.raw.session as ChatSession | null)?.secret;
      return secret !== undefined && token !== undefined && tokens.verify(secret, token);
    },
    handshakeData: () => ({ motd: 'Welcome to the Sente chat' }),
  });
  installChat(sente.server);

  const router = new Router();
  router.get('/', (ctx) => {
    ctx.type = 'html';
    ctx.body = page.html(ctx.state['_csrf'] as string);
  });
  router.get('/browser.js', (ctx) => {
    ctx.type = 'js';
    ctx.body = page.script;
  });
  router.get('/favicon.ico', (ctx) => {
    ctx.type = FAVICON_TYPE;
    ctx.body = page.favicon;
  });
  router.post('/login', (ctx) => {
    const body = ctx.request.body as { user?: unknown } | undefined;
    const user = typeof body?.user === 'string' ? body.user.trim().slice(0, 32) : '';
    const s = ctx.session as unknown as ChatSession;
    // A fresh CSRF secret on login; the client reconnects so that Sente reads the new uid.
    s.secret = tokens.secretSync();
    if (user) s.uid = user;
    else delete s.uid;
    ctx.body = { uid: user || null, csrfToken: tokens.create(s.secret) };
  });

  app
    .use(sessionMiddleware)
    .use(bodyParser({ formLimit: '4mb' }))
    .use(new CSRF())
    .use(router.routes())
    .use(sente.middleware);

  return listenWithSente(app.callback(), sente, options.host ?? '127.0.0.1', options.port ?? 3002);
}
