/**
 * Sente for uWebSockets.js. For authors of other adapters: this file only
 * translates — uWS requests (copied while valid) to Sente requests, responses
 * and sockets to channels. Every protocol rule is in @sente/core.
 */
import { createSenteServer } from '@sente/core';
import { json } from '@sente/packer-json';
import type { Packer, SenteResponse, SenteServer, SenteServerOptions } from '@sente/core';
import type { HttpRequest, HttpResponse, TemplatedApp, WebSocketBehavior } from 'uWebSockets.js';
import { copyRequest, readBody, uwsRequest } from './request.js';
import type { BodyReader, UwsRequest } from './request.js';
import { openAjaxChannel, trackResponse } from './response.js';
import type { TrackedResponse } from './response.js';
import { copyMessage, drainSocket, openSocketChannel } from './websocket.js';
import type { SocketData } from './websocket.js';

type MaybePromise<T> = T | Promise<T>;

/** The uWS WebSocket settings Sente lets through. */
export type UwsSocketOptions = Pick<
  WebSocketBehavior<SocketData>,
  'compression' | 'maxBackpressure' | 'idleTimeout' | 'maxLifetime' | 'sendPingsAutomatically' | 'maxPayloadLength'
>;

/** Options of {@link attachSente}: every `createSenteServer` option, plus mounting. */
export type SenteUwsOptions = Omit<SenteServerOptions<UwsRequest>, 'packer'> & {
  /** Must match the clients' packer. @default json (from @sente/packer-json) */
  packer?: Packer | undefined;
  /** The one path of the Ajax GET/POST and the WebSocket upgrade. @default '/chsk' */
  path?: string | undefined;
  /**
   * The session of a request, for the hooks and the defaults that read
   * `req.session` (uid, CSRF token): uWS has no session middleware, so look it
   * up yourself, e.g. from `req.headers.cookie`.
   * @default undefined (no session)
   */
  session?: ((req: UwsRequest) => MaybePromise<unknown>) | undefined;
  /**
   * uWS WebSocket settings. Sente sets `idleTimeout: 0` and
   * `sendPingsAutomatically: false` (its own keep-alive pings the sockets), and
   * `maxBackpressure: 0`: uWS buffers whatever a slow client has not read yet,
   * as `ws` does in the other adapters. With a `maxBackpressure`, a socket
   * buffering more gets no more sends and is closed as a slow consumer (1013)
   * once uWS has flushed it; its client reconnects and gets the pushes it
   * missed, in order. Keep it well above a burst of queued pushes, which a
   * reconnect replays at once.
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
export interface SenteUws {
  /** The channel socket server: `send`, `sendToClient`, `connectedUids`, `startRouter`, … */
  readonly server: SenteServer<UwsRequest>;
  /**
   * Closes gracefully: flushes pushes, answers pending requests, closes
   * sockets. The routes stay (uWS cannot remove them) and answer 503; close
   * the listen socket with `us_listen_socket_close`.
   */
  close(): Promise<void>;
}

const BAD_REQUEST: SenteResponse = { status: 400, body: 'Bad request' };
const INTERNAL_ERROR: SenteResponse = { status: 500, body: 'Internal error' };

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
export function attachSente(app: TemplatedApp, options: SenteUwsOptions = {}): SenteUws {
  const { path = '/chsk', packer = json, session, wsOptions, ...rest } = options;
  if (typeof path !== 'string' || !path.startsWith('/')) throw new TypeError('Option "path" must start with "/".');
  const server = createSenteServer<UwsRequest>({ ...rest, packer });

  // Everything the handlers need is copied from uWS's request before the first await.
  const prepare = async (raw: UwsRequest, res: TrackedResponse, websocket: boolean, body?: BodyReader) => {
    try {
      return uwsRequest(raw, websocket, await session?.(raw), body?.body);
    } catch {
      res.write(INTERNAL_ERROR, body !== undefined && !body.complete());
      return undefined;
    }
  };

  const serveAjax = async (raw: UwsRequest, res: TrackedResponse, body: BodyReader | undefined): Promise<void> => {
    const req = await prepare(raw, res, false, body);
    if (req === undefined) return;
    await server.handle(req, {
      // A body still arriving (413) cannot be left on the connection.
      respond: (r) => res.write(r, body !== undefined && !body.complete()),
      acceptWebSocket: () => res.write(BAD_REQUEST),
      acceptAjax: (open) => openAjaxChannel(res, open),
    });
  };

  const serveUpgrade = async (raw: UwsRequest, res: TrackedResponse, upgrade: (data: SocketData) => void): Promise<void> => {
    const req = await prepare(raw, res, true);
    if (req === undefined) return;
    // A refused upgrade is answered with its HTTP status and never upgraded.
    await server.handle(req, {
      respond: (r) => res.write(r, true),
      acceptAjax: () => res.write(BAD_REQUEST, true),
      acceptWebSocket: (open) => {
        if (res.usable()) upgrade({ open, listener: undefined, closed: false, slow: false });
      },
    });
  };

  app.ws<SocketData>(path, {
    // uWS's own default (64 KiB) silently drops sends past it, which would break the order of pushes.
    maxBackpressure: 0,
    ...wsOptions,
    idleTimeout: wsOptions?.idleTimeout ?? 0,
    sendPingsAutomatically: wsOptions?.sendPingsAutomatically ?? false,
    maxPayloadLength: wsOptions?.maxPayloadLength ?? Math.max(2 * server.maxPayloadBytes, 64 * 1024),
    upgrade(res, req, context) {
      const raw = copyRequest(req, res);
      const key = req.getHeader('sec-websocket-key');
      // Sente's clients ask for no subprotocol; echo the first one asked for, as `ws` does.
      const protocol = req.getHeader('sec-websocket-protocol').split(',')[0]?.trim() ?? '';
      const extensions = req.getHeader('sec-websocket-extensions');
      const tracked = trackResponse(res);
      void serveUpgrade(raw, tracked, (data) => res.cork(() => res.upgrade(data, key, protocol, extensions, context)));
    },
    open: openSocketChannel,
    drain: drainSocket,
    message(ws, message, isBinary) {
      ws.getUserData().listener?.onMessage(copyMessage(message, isBinary));
    },
    close(ws, code, message) {
      const data = ws.getUserData();
      data.closed = true;
      data.listener?.onClose(code, Buffer.from(message).toString('utf8'));
    },
  });

  app.any(path, (res: HttpResponse, req: HttpRequest) => {
    const raw = copyRequest(req, res);
    const tracked = trackResponse(res);
    const body = raw.method === 'POST' ? readBody(res, server.maxPayloadBytes) : undefined;
    if (body) tracked.onAbort(body.abort);
    void serveAjax(raw, tracked, body);
  });

  return {
    server,
    // A socket upgraded while the close runs is closed by the core as it opens.
    close: () => server.close(),
  };
}
