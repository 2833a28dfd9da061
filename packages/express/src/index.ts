/**
 * Sente for Express. For authors of other adapters: this file only
 * translates — Express requests to Sente requests through @sente/node, and
 * the upgrade on the same path through `ws`. Every protocol rule is in @sente/core.
 */
import { ServerResponse } from 'node:http';
import { attachUpgrade, mountNode, serveAjax } from '@sente/node';
import { parseQuery, requestSearch } from '@sente/core';
import type { NodeSenteOptions, UpgradeHandle } from '@sente/node';
import type { SenteContract, SenteServerOf } from '@sente/core';
import type { Request, RequestHandler, Response } from 'express';
import type { IncomingMessage, Server as HttpServer } from 'node:http';

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
};

/** Sente mounted on an Express app. */
export interface SenteExpress<C extends SenteContract = SenteContract> {
  /** The channel socket server: `send`, `sendToClient`, `connectedUids`, `startRouter`, …, typed by the contract `C` when there is one. */
  readonly server: SenteServerOf<Request, C>;
  /** The middleware serving Sente's Ajax GET and POST on its path; `app.use(sente.middleware)`. */
  readonly middleware: RequestHandler;
  /** Handles WebSocket upgrades to Sente's path on the app's `http.Server` (what `app.listen()` returns). */
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
  const { upgradeMiddleware = [], ...rest } = options;
  const mount = mountNode<Request, C>(rest);
  const { server } = mount;
  return {
    server: server as SenteServerOf<Request, C>,
    middleware(req, res, next) {
      if (!mount.matches(req.originalUrl)) return next();
      void serveAjax(server, req, res, req, (req as { session?: unknown }).session);
    },
    attach(httpServer) {
      const h = attachUpgrade<Request>(httpServer, server, {
        path: mount.path,
        wsOptions: rest.wsOptions,
        prepare: async (req) => {
          // Hooks (and libraries such as csrf-csrf) read `req.query` the Express way on upgrades too.
          // One parse, shared with the Sente request (the upgrade lives as long as its socket).
          const r = req as IncomingMessage & { query?: unknown };
          const query = parseQuery(requestSearch(req.url));
          r.query ??= query;
          await runMiddleware(upgradeMiddleware, req);
          return { raw: req as Request, session: (req as { session?: unknown }).session, ...(r.query === query ? { query } : {}) };
        },
      });
      mount.onClose(() => h.detach());
      return h;
    },
    close: () => mount.close(),
  };
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
