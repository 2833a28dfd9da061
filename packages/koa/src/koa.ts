/**
 * Sente for Koa. For authors of other adapters: this file only translates —
 * Koa contexts to Sente requests through @sente/node, and the upgrade on the
 * same path through `ws`. Every protocol rule is in @sente/core.
 */
import { ServerResponse } from 'node:http';
import { answerHttp, attachUpgrade, mountNode, nodeRequest } from '@sente/node';
import { senteError } from '@sente/core';
import type { NodeSenteOptions, UpgradeHandle } from '@sente/node';
import type { SenteContract, SenteServerOf } from '@sente/core';
import type Koa from 'koa';
import type { Context, Middleware, Next } from 'koa';
import type { Server as HttpServer } from 'node:http';

/** Options of {@link senteKoa}: every `createSenteServer` option, plus mounting. */
export type SenteKoaOptions<C extends SenteContract = SenteContract> = NodeSenteOptions<Context, C> & {
  /**
   * The Koa app: upgrade requests, which never pass through Koa's middleware,
   * get a context from `app.createContext`, so that hooks see a Koa `ctx` as
   * `req.raw` on every request.
   */
  app: Koa;
  /**
   * Middleware to run on that context before Sente's checks of an upgrade
   * request: typically `[session(options, app)]` (koa-session), so that
   * `ctx.session` reaches `userId`, `validateCsrf` and the other hooks.
   * @default []
   */
  upgradeMiddleware?: readonly Middleware[] | undefined;
};

/** Sente mounted on a Koa app. */
export interface SenteKoa<C extends SenteContract = SenteContract> {
  /** The channel socket server: `send`, `sendToClient`, `connectedUids`, `startRouter`, …, typed by the contract `C` when there is one. */
  readonly server: SenteServerOf<Context, C>;
  /** The middleware serving Sente's Ajax GET and POST on its path; `app.use(sente.middleware)`. */
  readonly middleware: Middleware;
  /** Handles WebSocket upgrades to Sente's path on the app's `http.Server` (what `app.listen()` returns). */
  attach(httpServer: HttpServer): UpgradeHandle;
  /** Closes gracefully: flushes pushes, answers pending requests, closes sockets. */
  close(): Promise<void>;
}

/** What koa-session and @koa/bodyparser put on a context. */
interface Decorated {
  session?: unknown;
  request: { body?: unknown; rawBody?: unknown };
}

/**
 * Sente as Koa middleware: the Ajax GET and POST and the WebSocket upgrade on
 * one path (default `/chsk`).
 *
 * @example
 * ```ts
 * const app = new Koa();
 * const sente = senteKoa({ app, upgradeMiddleware: [sessionMiddleware] });
 * app.use(sessionMiddleware).use(sente.middleware);
 * sente.attach(app.listen(3000));
 * sente.server.startRouter((msg) => { if (msg.id === 'app/ping') msg.reply?.('pong!'); });
 * ```
 */
export function senteKoa<C extends SenteContract = SenteContract>(options: SenteKoaOptions<C>): SenteKoa<C> {
  const { app, upgradeMiddleware = [], ...rest } = options;
  if (app === null || typeof app !== 'object' || typeof app.createContext !== 'function') {
    throw senteError('ERR_SENTE_BAD_OPTION', 'Option "app" must be the Koa app.');
  }
  const mount = mountNode<Context, C>(rest);
  const { server, path } = mount;
  const runUpgradeMiddleware = compose(upgradeMiddleware);

  // Koa's way: await the answer, even a poll parked for seconds, then set the body.
  async function sente(ctx: Context, next: Next): Promise<void> {
    if (ctx.path !== path) return next();
    const d = ctx as Context & Decorated;
    // The form as the client sent it (@koa/bodyparser keeps it in rawBody): the core reads it.
    const body = typeof d.request.rawBody === 'string' ? d.request.rawBody : d.request.body;
    const r = await answerHttp(server, nodeRequest(ctx.req, ctx, false, d.session, body), ctx.res);
    if (r === undefined) return;
    ctx.status = r.status;
    ctx.set({ ...r.headers });
    ctx.body = r.status === 204 ? null : typeof r.body === 'string' ? r.body : Buffer.from(r.body.buffer, r.body.byteOffset, r.body.byteLength);
  }

  return {
    server: server as SenteServerOf<Context, C>,
    middleware: sente,
    attach(httpServer) {
      const h = attachUpgrade<Context>(httpServer, server, {
        path,
        wsOptions: rest.wsOptions,
        prepare: async (req) => {
          const ctx = app.createContext(req, new ServerResponse(req));
          await runUpgradeMiddleware(ctx);
          return { raw: ctx, session: (ctx as Context & Decorated).session };
        },
      });
      mount.onClose(() => h.detach());
      return h;
    },
    close: () => mount.close(),
  };
}

/** Runs middleware in Koa's onion order on one context (koa-compose, without the dependency). */
function compose(stack: readonly Middleware[]): (ctx: Context) => Promise<void> {
  return (ctx) => {
    const dispatch = async (i: number): Promise<void> => {
      const mw = stack[i];
      if (mw !== undefined) await mw(ctx, () => dispatch(i + 1));
    };
    return dispatch(0);
  };
}
