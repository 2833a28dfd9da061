import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Server } from 'node:http';
import express from 'express';
import session from 'express-session';
import cookieParser from 'cookie-parser';
import { doubleCsrf } from 'csrf-csrf';
import { senteExpress } from '@sente/express';
import type { Backplane } from '@sente/core';
import { createInspector, createInspectorProbe } from '@sente/inspector';
import type { Chat } from '@sente/example-chat';
import { FAVICON_TYPE, buildChatPage, installChat, listenWithSente } from '@sente/example-chat';
import type { NodeExample } from '@sente/example-chat';
import { packer } from './packer.js';

declare module 'express-session' {
  interface SessionData {
    uid?: string;
  }
}

/** A running example app. */
export type Example = NodeExample;

/** Where and how the example runs; every field has an embedded default. */
export interface ExampleOptions {
  /** @default 3000 */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Shares users with other Sente servers (see docs/guides/scaling.md). @default none: this process alone */
  readonly backplane?: Backplane;
  /** Signs the session cookie and the CSRF token: the same on every process of a cluster. @default a random per-process secret */
  readonly secret?: string;
  /** Where sessions live: one store shared by every process of a cluster. @default express-session's in-memory store */
  readonly sessionStore?: session.Store;
}

/**
 * Starts the chat on Express, wired the way Express apps are: express-session
 * (in memory), csrf-csrf's double-submit token checked by Sente on every
 * request, and a login that sets the session's uid.
 */
export async function startExample(options: ExampleOptions = {}): Promise<Example> {
  const page = await buildChatPage(fileURLToPath(new URL('./packer.ts', import.meta.url)));

  // Embedded defaults: an in-memory session store and a per-process secret.
  const secret = options.secret ?? randomBytes(32).toString('hex');
  const sessionMiddleware = session({
    secret,
    resave: false,
    saveUninitialized: true,
    cookie: { sameSite: 'lax' },
    ...(options.sessionStore === undefined ? {} : { store: options.sessionStore }),
  });
  const cookies = cookieParser(secret);
  const csrf = doubleCsrf({
    getSecret: () => secret,
    getSessionIdentifier: (req) => req.session.id,
    cookieName: 'example.x-csrf-token',
    cookieOptions: { sameSite: 'lax', secure: false, path: '/' },
    // Sente sends the token as a query parameter on the WebSocket upgrade, as a header on Ajax.
    getCsrfTokenFromRequest: (req) =>
      (req.headers['x-csrf-token'] as string | undefined) ?? (req.query['csrf-token'] as string | undefined),
  });

  // The inspector's probe counts pushes, batches, replays and errors as the server reports them.
  const probe = createInspectorProbe();
  const sente = senteExpress<Chat>({
    ...probe.serverOptions,
    ...(options.backplane === undefined ? {} : { backplane: options.backplane }),
    packer,
    upgradeMiddleware: [cookies, sessionMiddleware],
    userId: (req) => req.raw.session?.uid,
    validateCsrf: (req) => csrf.validateRequest(req.raw),
    handshakeData: () => ({ motd: 'Welcome to the Sente chat' }),
  });
  installChat(sente.server);

  // The inspector at /inspector, for local use only: anyone else gets 403.
  // With a backplane, it lists every node of the cluster and their total.
  const inspector = createInspector(sente.server, {
    probe,
    ...(options.backplane === undefined ? {} : { backplane: options.backplane }),
    authorize: (req) => isLoopback(req.remoteAddress),
    showRemoteAddress: true,
    actions: { disconnect: true, testPush: true },
  });
  const feed = senteExpress(inspector.feedOptions);
  inspector.serve(feed.server);

  const app = express();
  app.use(cookies, sessionMiddleware);
  app.get('/', (req, res) => {
    // The session's token if it has a valid one: a second tab must not void the first tab's token.
    res.type('html').send(page.html(csrf.generateCsrfToken(req, res)));
  });
  app.get('/browser.js', (_req, res) => void res.type('js').send(page.script));
  app.get('/favicon.ico', (_req, res) => void res.type(FAVICON_TYPE).send(page.favicon));
  app.post('/login', express.json(), csrf.doubleCsrfProtection, (req, res, next) => {
    const user = typeof req.body?.user === 'string' ? req.body.user.trim().slice(0, 32) : '';
    // A new session on login (no fixation); the client reconnects so that Sente reads the new uid.
    req.session.regenerate((err) => {
      if (err) return next(err);
      if (user) req.session.uid = user;
      res.json({ uid: user || null, csrfToken: csrf.generateCsrfToken(req, res, { overwrite: true }) });
    });
  });
  app.use(inspector.nodeHandler, feed.middleware);
  app.use(sente.middleware);

  const both = {
    attach: (http: Server): void => {
      sente.attach(http);
      feed.attach(http);
    },
    close: async (): Promise<void> => {
      inspector.close();
      await Promise.all([feed.close(), sente.close()]);
    },
  };
  return listenWithSente(app, both, options.host ?? '127.0.0.1', options.port ?? 3000);
}

const isLoopback = (address: string | undefined): boolean => address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
