/**
 * Sente for uWebSockets.js. For authors of other adapters: this file only
 * translates — uWS requests (copied while valid) to Sente requests, responses
 * and sockets to exchanges and channels. Every protocol rule is in @sente/core.
 */
import { errorResponse, mountSente, senteError } from '@sente/core';
import { jsonForServers, packerForServers } from '@sente/packer-json';
import type { MountOptions, SenteContract, SenteServerOf, SocketListener } from '@sente/core';
import type { HttpRequest, HttpResponse, TemplatedApp, WebSocket, WebSocketBehavior } from 'uWebSockets.js';
import { copyRequest, copyUpgrade, readBody } from './request.js';
import type { CopiedRequest, UwsRequest } from './request.js';
import { uwsExchange } from './response.js';
import type { UwsExchange } from './response.js';
import { UWS_SOCKETS, copyMessage, openSocket, socketClosed, socketDrained, socketPonged } from './websocket.js';
import type { SocketData } from './websocket.js';

type MaybePromise<T> = T | Promise<T>;

/** The uWS WebSocket settings Sente lets through. */
export type UwsSocketOptions = Pick<
  WebSocketBehavior<SocketData>,
  'compression' | 'idleTimeout' | 'maxLifetime' | 'sendPingsAutomatically' | 'maxPayloadLength'
>;

/** Options of {@link attachSente}: every `createSenteServer` option, plus mounting. */
export type SenteUwsOptions<C extends SenteContract = SenteContract> = MountOptions<UwsRequest, C> & {
  /**
   * The session of a request, for the hooks and the defaults that read
   * `req.session` (uid, CSRF token): uWS has no session middleware, so look it
   * up yourself, e.g. from `req.headers.cookie`.
   * @default undefined (no session)
   */
  session?: ((req: UwsRequest) => MaybePromise<unknown>) | undefined;
  /**
   * uWS WebSocket settings. Sente sets `idleTimeout: 0` and
   * `sendPingsAutomatically: false` (its own keep-alive pings the sockets).
   * Backpressure is Sente's, the same on every adapter (`maxBufferedBytes`,
   * `maxQueuedBytes`): uWS itself never drops a send (`maxBackpressure: 0`).
   *
   * A frame over `maxPayloadBytes` closes its socket with 1009, as on the other
   * adapters. uWS itself drops a connection whose frame passes
   * `maxPayloadLength`, without a close frame (the client sees 1006), so that
   * hard bound defaults to twice `maxPayloadBytes` (at least 64 KiB).
   * @default {}
   */
  wsOptions?: UwsSocketOptions | undefined;
};

/** Sente attached to a uWS app. */
export interface SenteUws<C extends SenteContract = SenteContract> {
  /** The channel socket server: `send`, `sendToClient`, `connectedUids`, `startRouter`, …, typed by the contract `C` when there is one. */
  readonly server: SenteServerOf<UwsRequest, C>;
  /**
   * Closes gracefully: flushes pushes, answers pending requests, closes
   * sockets. The routes stay (uWS cannot remove them) and answer 503; close
   * the app (`app.close()`) or its listen socket (`us_listen_socket_close`)
   * to let the process exit.
   */
  close(): Promise<void>;
}

/**
 * Attaches Sente to a uWebSockets.js app: the Ajax GET and POST and the
 * WebSocket upgrade on one path (default `/chsk`).
 *
 * @example
 * ```ts
 * import uWS from 'uWebSockets.js';
 * import { attachSente } from '@sente/uws';
 * const app = uWS.App();
 * const sente = attachSente(app, { csrfToken: null, userId: (req) => req.query['user'] });
 * sente.server.startRouter((msg) => { if (msg.id === 'app/ping') msg.reply?.('pong!'); });
 * app.listen('0.0.0.0', 3000, (token) => { if (!token) throw new Error('Cannot listen'); });
 * ```
 */
export function attachSente<C extends SenteContract = SenteContract>(app: TemplatedApp, options: SenteUwsOptions<C> = {}): SenteUws<C> {
  const { session, wsOptions, ...rest } = options;
  const { server, path } = mountSente<UwsRequest, C>({ ...rest, packer: packerForServers(rest.packer) }, jsonForServers);

  // Everything the handlers need is copied from uWS's request before the first await.
  const withSession = async <R extends CopiedRequest>(hook: (req: UwsRequest) => MaybePromise<unknown>, req: R, exchange: UwsExchange): Promise<R | undefined> => {
    try {
      req.session = await hook(req.raw);
      return req;
    } catch (e) {
      exchange.respond(errorResponse(senteError('ERR_SENTE_HOOK_FAILED', 'The session hook failed', e)));
      return undefined;
    }
  };
  /** Runs `then` on the request once its session is known: at once without a session hook (no promise, no tick, per request). */
  const prepare = <R extends CopiedRequest>(req: R, exchange: UwsExchange, then: (r: R) => unknown): void => {
    if (session === undefined) void then(req);
    else void withSession(session, req, exchange).then((r) => r && then(r));
  };

  app.ws<SocketData>(path, {
    ...wsOptions,
    // uWS's own bound silently drops sends past it, which would break the order of pushes: the core bounds instead.
    maxBackpressure: 0,
    idleTimeout: wsOptions?.idleTimeout ?? 0,
    sendPingsAutomatically: wsOptions?.sendPingsAutomatically ?? false,
    maxPayloadLength: wsOptions?.maxPayloadLength ?? Math.max(2 * server.maxPayloadBytes, 64 * 1024),
    upgrade(res, req, context) {
      const copied = copyUpgrade(req, res);
      const key = req.getHeader('sec-websocket-key');
      // Sente's clients ask for no subprotocol; echo the first one asked for, as `ws` does.
      const protocol = req.getHeader('sec-websocket-protocol').split(',')[0]?.trim() ?? '';
      const extensions = req.getHeader('sec-websocket-extensions');
      // A refused upgrade is answered with its HTTP status and never upgraded.
      const exchange = uwsExchange(res, () => true);
      prepare(copied, exchange, (r) =>
        server.handleUpgrade(r, {
          reject: (response) => void exchange.respond(response),
          accept: (open) => {
            if (!exchange.usable()) return;
            // The hooks have run: the socket keeps its request without what only the handshake needed.
            r.settle();
            const opened = (ws: WebSocket<SocketData>): SocketListener => {
              const listener = open(ws, UWS_SOCKETS);
              r.forgetQuery();
              return listener;
            };
            res.cork(() => res.upgrade<SocketData>({ open: opened, listener: undefined, closed: false }, key, protocol, extensions, context));
          },
        }),
      );
    },
    open: openSocket,
    drain: socketDrained,
    pong: socketPonged,
    message(ws, message, isBinary) {
      ws.getUserData().listener?.onMessage(copyMessage(message, isBinary));
    },
    close: socketClosed,
  });

  app.any(path, (res: HttpResponse, req: HttpRequest) => {
    const body = req.getCaseSensitiveMethod() === 'POST' ? readBody(res, server.maxPayloadBytes) : undefined;
    const copied = copyRequest(req, res, body?.body);
    // A body still arriving (413) cannot be left on the connection.
    const exchange = uwsExchange(res, () => body !== undefined && !body.complete());
    if (body) exchange.onAbort(body.abort);
    prepare(copied, exchange, (r) => server.handleHttp(r, exchange));
  });

  return {
    server: server as SenteServerOf<UwsRequest, C>,
    // A socket upgraded while the close runs is closed by the core as it opens.
    close: () => server.close(),
  };
}
