import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import express from 'express';
import session from 'express-session';
import cookieParser from 'cookie-parser';
import { doubleCsrf } from 'csrf-csrf';
import { build } from 'esbuild';
import { senteExpress } from '@sente/express';
import type { ConnectedUids } from '@sente/core';
import type { Server } from 'node:http';
import { packer } from './packer.js';

declare module 'express-session' {
  interface SessionData {
    uid?: string;
  }
}

/** A running example app. */
export interface Example {
  readonly url: string;
  readonly httpServer: Server;
  close(): Promise<void>;
}

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

/** Bundles the browser code (src/browser.ts) once, from source. */
async function bundleBrowser(): Promise<string> {
  const out = await build({
    entryPoints: [here('./browser.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['@sente/source'],
    logLevel: 'silent',
  });
  return out.outputFiles[0]?.text ?? '';
}

function usersView(uids: ConnectedUids): { ws: string[]; ajax: string[]; any: string[] } {
  return { ws: [...uids.ws].sort(), ajax: [...uids.ajax].sort(), any: [...uids.any].sort() };
}

/**
 * Starts the chat: a login that sets the uid, send with reply, push to all of
 * a user's tabs, broadcast to everyone, and the live list of connected users.
 */
export async function startExample(options: { port?: number; host?: string } = {}): Promise<Example> {
  const [browserJs, indexHtml] = await Promise.all([bundleBrowser(), readFile(here('../public/index.html'), 'utf8')]);

  // Embedded defaults: an in-memory session store and a per-process secret.
  const secret = randomBytes(32).toString('hex');
  const sessionMiddleware = session({ secret, resave: false, saveUninitialized: true, cookie: { sameSite: 'lax' } });
  const cookies = cookieParser(secret);
  const csrf = doubleCsrf({
    getSecret: () => secret,
    getSessionIdentifier: (req) => req.session.id,
    cookieName: 'example.x-csrf-token',
    cookieOptions: { sameSite: 'lax', secure: false, path: '/' },
    // Sente sends the token as a query parameter on the WebSocket upgrade, as a header on Ajax.
    getCsrfTokenFromRequest: (req) => (req.headers['x-csrf-token'] as string | undefined) ?? (req.query['csrf-token'] as string | undefined),
  });

  const sente = senteExpress({
    packer,
    upgradeMiddleware: [cookies, sessionMiddleware],
    userId: (req) => req.session?.uid,
    validateCsrf: (req) => csrf.validateRequest(req.raw),
    handshakeData: () => ({ motd: 'Welcome to the Sente chat' }),
  });
  const { server } = sente;

  const app = express();
  app.use(cookies, sessionMiddleware);
  app.get('/', (req, res) => {
    const token = csrf.generateCsrfToken(req, res, { overwrite: true });
    res.type('html').send(indexHtml.replace('__CSRF_TOKEN__', token));
  });
  app.get('/browser.js', (_req, res) => void res.type('js').send(browserJs));
  app.post('/login', express.urlencoded({ extended: false }), csrf.doubleCsrfProtection, (req, res, next) => {
    const user = typeof req.body?.user === 'string' ? req.body.user.trim().slice(0, 32) : '';
    // A new session on login (no fixation); the client reconnects so Sente reads the new uid.
    req.session.regenerate((err) => {
      if (err) return next(err);
      if (user) req.session.uid = user;
      res.json({ uid: user || null, csrfToken: csrf.generateCsrfToken(req, res, { overwrite: true }) });
    });
  });
  app.use(sente.middleware);

  server.startRouter(
    (msg) => {
      switch (msg.id) {
        case 'chat/say': {
          const text = String((msg.data as { text?: unknown } | undefined)?.text ?? '').slice(0, 500);
          server.broadcast(['chat/said', { from: msg.uid, text, at: Date.now() }]);
          msg.reply?.({ ok: true });
          return;
        }
        case 'example/echo':
          msg.reply?.({ echo: msg.data, uid: msg.uid, transport: msg.transport });
          return;
        case 'example/push-me':
          // Three pushes to every tab of this user, to show they arrive in order.
          for (let n = 1; n <= 3; n++) server.send(msg.uid, ['example/pushed', { n, at: Date.now() }]);
          msg.reply?.({ ok: true });
          return;
        case 'example/users':
          msg.reply?.(usersView(server.connectedUids));
          return;
      }
    },
    { errorHandler: (e) => console.error('handler failed:', e) },
  );
  server.watchConnectedUids((uids) => server.broadcast(['example/users', usersView(uids)]));

  const host = options.host ?? '127.0.0.1';
  const httpServer = app.listen(options.port ?? 3000, host);
  await new Promise<void>((resolve, reject) => {
    httpServer.once('listening', resolve);
    httpServer.once('error', reject);
  });
  sente.attach(httpServer);
  const { port } = httpServer.address() as { port: number };
  return {
    url: `http://${host}:${port}/`,
    httpServer,
    async close() {
      await sente.close();
      httpServer.closeAllConnections();
      await new Promise<void>((r) => httpServer.close(() => r()));
    },
  };
}
