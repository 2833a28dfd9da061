/**
 * Sente for Express. For authors of other adapters: this file only
 * translates — Express requests to Sente requests through @sente/node, and
 * the upgrade on the same path through `ws`. Every protocol rule is in @sente/core.
 */
import { ServerResponse } from 'node:http';
import { attachUpgrade, httpExchange, lazyNodeRequest, mountNode, serveAjax } from '@sente/node';
import { parseQuery, requestSearch } from '@sente/core';
import type { NodeSenteOptions, Prepared, UpgradeHandle } from '@sente/node';
import { bornWithPrototypes, expressApp, shapeBeforeApp, shareShape } from './shared-shape.js';
import type { SenteContract, SenteServerOf } from '@sente/core';
import type { Express, Request, RequestHandler, Response } from 'express';
import type { IncomingMessage, Server as HttpServer, ServerResponse as NodeResponse } from 'node:http';

/** Options of {@link senteExpress}: every `createSenteServer` option, plus mounting. */
export type SenteExpressOptions<C extends SenteContract = SenteContract> = NodeSenteOptions<Request, C> & {
  /**
   * Express middleware to run on WebSocket upgrade requests before Sente's
   * checks, since upgrades bypass the Express stack: typically
   * `[cookieParser(), sessionMiddleware]`, so that `req.session` and cookies
   * reach `userId`, `csrfToken` and the other hooks.
   * @default []
   */
  upgradeMiddleware?: readonly RequestHandler[] | undefined;
  /**
   * The Express app whose middleware and router Sente's Ajax requests skip:
   * `attach()` then answers them from the `http.Server`'s `'request'`
   * listener, before the app, as Socket.IO does (every other request goes to
   * the app as before). An Ajax request then costs no routing, but nothing
   * the app's middleware would do happens to it: hooks get the Express
   * request (`req.query`, `req.get()`, `req.app`) with no `req.session`, no
   * cookies, no CORS headers. For apps whose hooks need none of these.
   * @default undefined (Ajax requests go through the app, to `sente.middleware`)
   */
  ajaxBeforeApp?: Express | undefined;
};

/** Sente mounted on an Express app. */
export interface SenteExpress<C extends SenteContract = SenteContract> {
  /** The channel socket server: `send`, `sendToClient`, `connectedUids`, `startRouter`, …, typed by the contract `C` when there is one. */
  readonly server: SenteServerOf<Request, C>;
  /** The middleware serving Sente's Ajax GET and POST on its path; `app.use(sente.middleware)`. */
  readonly middleware: RequestHandler;
  /**
   * Handles WebSocket upgrades to Sente's path on the app's `http.Server`
   * (what `app.listen()` returns). When one of the server's `'request'`
   * listeners is an Express app (or `ajaxBeforeApp` names one), it also has
   * the server build its requests and responses with the app's prototypes
   * from the start (Node's `IncomingMessage` and `ServerResponse` server
   * options, given back on close): Express then sets the prototypes they
   * have already, and V8 keeps one chain of hidden classes for them, where
   * Express's own prototype change makes one per request. A server with
   * classes of its own keeps them; Sente's Ajax requests then get the
   * prototypes, before the app, in V8's dictionary mode (one hidden class
   * too). The app sees the same requests. Attach once the app listens.
   */
  attach(httpServer: HttpServer): UpgradeHandle;
  /** Closes gracefully: flushes pushes, answers pending requests, closes sockets. */
  close(): Promise<void>;
}

/**
 * Sente as Express middleware: the Ajax GET and POST and the WebSocket upgrade
 * on one path (default `/chsk`).
 *
 * @example
 * ```ts
 * const sente = senteExpress({ upgradeMiddleware: [sessionMiddleware] });
 * app.use(sessionMiddleware, sente.middleware);
 * sente.attach(app.listen(3000));
 * sente.server.startRouter((msg) => { if (msg.id === 'app/ping') msg.reply?.('pong!'); });
 * ```
 */
export function senteExpress<C extends SenteContract = SenteContract>(options: SenteExpressOptions<C> = {}): SenteExpress<C> {
  const { upgradeMiddleware = [], ajaxBeforeApp, ...rest } = options;
  const mount = mountNode<Request, C>(rest);
  const { server } = mount;
  // Set by attach() once the server builds its requests with the app's prototypes: nothing to shape then.
  let born = false;
  return {
    server: server as SenteServerOf<Request, C>,
    middleware(req, res, next) {
      if (!mount.matches(req.originalUrl)) return next();
      if (!born) {
        shareShape(req);
        shareShape(res);
      }
      void serveAjax(server, req, res, req, (req as { session?: unknown }).session);
    },
    attach(httpServer) {
      const prototypesOf = ajaxBeforeApp ?? expressApp(httpServer.listeners('request'));
      const undo = prototypesOf === undefined ? undefined : bornWithPrototypes(httpServer, prototypesOf);
      if (undo !== undefined) {
        born = true;
        mount.onClose(undo);
      }
      if (ajaxBeforeApp !== undefined) {
        const app = ajaxBeforeApp;
        // The Express request is made only for a hook that reads `req.raw`: no router work for the others.
        const serve = (req: IncomingMessage, res: NodeResponse): void => void server.handleHttp(lazyNodeRequest(req, () => expressRequest(app, req, res)), httpExchange(res));
        mount.onClose(serveBeforeApp(httpServer, (url) => mount.matches(url), serve));
      } else if (!born) {
        mount.onClose(shapeBeforeApp(httpServer, (url) => mount.matches(url)));
      }
      const h = attachUpgrade<Request>(httpServer, server, {
        path: mount.path,
        wsOptions: rest.wsOptions,
        prepare: (req) => {
          // Hooks (and libraries such as csrf-csrf) read `req.query` the Express way on upgrades too.
          // Express 4 sets it in a middleware that upgrades never reach: the query is parsed here, once,
          // shared with the Sente request. Express 5's getter (on the app's request prototype) parses
          // when read, and is left unread here: a read would leave its parse of the URL (`_parsedUrl`,
          // some 200 bytes) on a request that lives as long as its socket.
          const r = req as IncomingMessage & { query?: unknown };
          let query: Record<string, string> | undefined;
          if (!('query' in r)) r.query = query = parseQuery(requestSearch(req.url));
          const prepared = (): Prepared<Request> => ({
            raw: req as Request,
            session: (req as { session?: unknown }).session,
            ...(query !== undefined && r.query === query ? { query } : {}),
          });
          // No upgrade middleware (the default): nothing to wait for.
          return upgradeMiddleware.length === 0 ? prepared() : runMiddleware(upgradeMiddleware, req).then(prepared);
        },
      });
      mount.onClose(() => h.detach());
      return h;
    },
    close: () => mount.close(),
  };
}

/**
 * Puts `serve` before the `'request'` listeners of `httpServer` (the app) for
 * the URLs `matches` accepts, the way engine.io attaches: the listeners are
 * taken off and called for every other request. Returns the undo.
 */
function serveBeforeApp(httpServer: HttpServer, matches: (url: string | undefined) => boolean, serve: (req: IncomingMessage, res: NodeResponse) => void): () => void {
  const others = httpServer.listeners('request') as ((req: IncomingMessage, res: NodeResponse) => void)[];
  const onRequest = (req: IncomingMessage, res: NodeResponse): void => {
    if (matches(req.url)) return serve(req, res);
    for (const listener of others) listener.call(httpServer, req, res);
  };
  httpServer.removeAllListeners('request');
  httpServer.on('request', onRequest);
  return () => {
    httpServer.off('request', onRequest);
    for (const listener of others) httpServer.on('request', listener);
  };
}

/**
 * What Express's `app.handle` and router do to a request before its first
 * middleware: its prototypes, `req.res`, `res.locals`, … (not the
 * `X-Powered-By` header).
 */
function expressRequest(app: Express, req: IncomingMessage, res: NodeResponse): Request {
  // One hidden class for all such requests, kept through what is added below (see shareShape).
  if (Object.getPrototypeOf(req) !== app.request) shareShape(req, app.request);
  if (Object.getPrototypeOf(res) !== app.response) shareShape(res, app.response);
  const r = req as Request & { res: Response };
  const s = res as unknown as Response & { req: Request };
  r.res = s;
  s.req = r;
  s.locals ??= Object.create(null) as Response['locals'];
  r.originalUrl ??= req.url ?? '/';
  r.baseUrl = '';
  r.params = {};
  // Express 4 parses the query in a middleware (Express 5 has a getter).
  if (!('query' in r)) (r as { query: unknown }).query = parseQuery(requestSearch(req.url));
  return r;
}

/** Runs Express middleware on an upgrade request, with a response that goes nowhere. */
async function runMiddleware(stack: readonly RequestHandler[], req: IncomingMessage): Promise<void> {
  const res = new ServerResponse(req) as unknown as Response;
  for (const mw of stack) {
    await new Promise<void>((resolve, reject) => {
      const next = (err?: unknown): void => (err ? reject(err) : resolve());
      try {
        void mw(req as Request, res, next);
      } catch (e) {
        reject(e);
      }
    });
  }
}
